package search

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2"

	"proact/models"
)

// batchSize is how many documents a rebuild writes at a time.
const batchSize = 2000

// fill indexes every document of every source into a new index, in
// batches, the last of which records the outbox position.
func (ix *Index) fill(ctx context.Context, idx bleve.Index, head models.OutboxPosition) error {
	total := 0
	for _, s := range ix.sources {
		n, err := s.Count(ctx)
		if err != nil {
			return err
		}
		total += n
	}
	ix.progress(0, total)
	batch, done := idx.NewBatch(), 0
	for _, s := range ix.sources {
		err := s.Scan(ctx, func(d *Document) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := batch.Index(docID(d.Kind, d.ID), d.fields()); err != nil {
				return fmt.Errorf("search: unable to index %s %s: %w", d.Kind, d.Slug, err)
			}
			done++
			if batch.Size() < batchSize {
				return nil
			}
			if err := idx.Batch(batch); err != nil {
				return fmt.Errorf("search: unable to write a batch: %w", err)
			}
			batch.Reset()
			ix.progress(done, total)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return writeBatch(idx, batch, head)
}

// apply reloads the entity from the database, through the source of its
// kind: the outbox says what changed, the database says what it is now.
func (ix *Index) apply(ctx context.Context, batch *bleve.Batch, e models.OutboxEntry) error {
	s, ok := ix.byKind[e.Kind]
	if !ok {
		return nil // a kind nothing searches (yet)
	}
	id := docID(e.Kind, e.EntityID)
	d, err := s.Load(ctx, e.EntityID)
	if err != nil {
		return err
	}
	if d == nil || e.Op == models.OpDelete {
		batch.Delete(id)
		return nil
	}
	ix.addLanguage(d.Language)
	return batch.Index(id, d.fields())
}

func (ix *Index) addLanguage(lang string) {
	ix.langMu.RLock()
	known := ix.langs[lang]
	ix.langMu.RUnlock()
	if !known && knownLanguage(lang) {
		ix.langMu.Lock()
		ix.langs[lang] = true
		ix.langMu.Unlock()
	}
}

// languages returns the languages that have documents: the only fields
// worth querying.
func (ix *Index) languages() []string {
	ix.langMu.RLock()
	defer ix.langMu.RUnlock()
	out := make([]string, 0, len(ix.langs))
	for _, l := range languageCodes() {
		if ix.langs[l] {
			out = append(out, l)
		}
	}
	return out
}

// loadLanguages reads the languages of an index from its dictionary.
func loadLanguages(idx bleve.Index, into map[string]bool) error {
	dict, err := idx.FieldDict(fLang)
	if err != nil {
		return fmt.Errorf("search: unable to read the index languages: %w", err)
	}
	defer dict.Close()
	for {
		e, err := dict.Next()
		if err != nil {
			return fmt.Errorf("search: unable to read the index languages: %w", err)
		}
		if e == nil {
			return nil
		}
		if e.Count > 0 {
			into[e.Term] = true
		}
	}
}
