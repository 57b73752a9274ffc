package search

import (
	"context"
	"sort"
	"testing"

	index "github.com/blevesearch/bleve_index_api"

	"proact/models"
	"proact/models/modelstest"
)

func TestZZCountTerms(t *testing.T) {
	store := modelstest.BigCorpusStore(t, models.SQLite, 10000)
	ix := &Index{}
	ix.mapping = newMapping()
	ix.sources = DefaultSources(store)
	memo := newMemoAnalyzers()
	tokens, uniq := map[string]int{}, map[string]map[string]bool{}
	n := 0
	ctx := context.Background()
	_ = ix.sources[0].Scan(ctx, func(d *Document) error {
		n++
		if n > 500 {
			return context.Canceled
		}
		doc, err := ix.analysed(bulkDoc{id: docID(d.Kind, d.ID), fields: d.fields()}, memo)
		if err != nil {
			t.Fatal(err)
		}
		doc.VisitFields(func(f index.Field) {
			if !f.Options().IsIndexed() {
				return
			}
			name := f.Name()
			if len(name) > 5 && name[:5] == "body_" {
				name = "body_*"
			}
			tf := f.AnalyzedTokenFrequencies()
			tokens[name] += len(tf)
			if uniq[name] == nil {
				uniq[name] = map[string]bool{}
			}
			for k := range tf {
				uniq[name][f.Name()+k] = true
			}
		})
		return nil
	})
	var names []string
	for k := range tokens {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		t.Logf("%-10s distinct terms per doc %6.1f, terms in 500-doc segment %d", k, float64(tokens[k])/500, len(uniq[k]))
	}
}
