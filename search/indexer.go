package search

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2"

	"proact/models"
)

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
