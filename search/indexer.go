package search

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"

	"proact/models"
)

// batchSize is how many documents a rebuild writes at a time.
const batchSize = 1000

// fill indexes every document of every source into a new index, in
// batches, the last of which records the outbox position. Bleve analyses a
// batch's documents in parallel but builds its segment in the goroutine that
// writes it, so two writers keep both cores busy.
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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *bleve.Batch)
	errs := make(chan error, fillWriters)
	var done atomic.Int64
	var wg sync.WaitGroup
	for range fillWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				if err := idx.Batch(b); err != nil {
					errs <- fmt.Errorf("search: unable to write a batch: %w", err)
					cancel()
					return
				}
				ix.progress(int(done.Add(int64(b.Size()))), total)
			}
		}()
	}
	batch := idx.NewBatch()
	var scanErr error
	for _, s := range ix.sources {
		scanErr = s.Scan(ctx, func(d *Document) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			ix.addLanguage(d.Language)
			if err := batch.Index(docID(d.Kind, d.ID), d.fields()); err != nil {
				return fmt.Errorf("search: unable to index %s %s: %w", d.Kind, d.Slug, err)
			}
			if batch.Size() < batchSize {
				return nil
			}
			select {
			case batches <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
			batch = idx.NewBatch()
			return nil
		})
		if scanErr != nil {
			break
		}
	}
	close(batches)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	if scanErr != nil {
		return scanErr
	}
	// The position last, once everything before it is written.
	return writeBatch(idx, batch, head)
}

// fillWriters is how many batches a rebuild writes at once.
const fillWriters = 2

// apply reloads the entity from the database, through the source of its
// kind: the outbox says what changed, the database says what it is now.
func (ix *Index) apply(ctx context.Context, batch *bleve.Batch, e models.OutboxEntry) error {
	s, ok := ix.byKind[e.Kind]
	if !ok {
		return nil // a kind nothing searches (yet)
	}
	id := docID(s.Kind(), e.EntityID)
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
