package search

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"proact/content"
	"proact/content/bulk"
	"proact/models"
	"proact/models/modelstest"
)

// TestAttack9CorpusRebuildAnswersAsLivePath: the demo content and 100
// generated notes in the corpora's languages (organisations with names and
// places, translations, members-only notes), indexed through the outbox
// and by a full rebuild (segments of at most 20 documents, merged into one
// final segment): every query of words from the corpora answers alike
// (hits, scores, snippets, facets), ties aside.
func TestAttack9CorpusRebuildAnswersAsLivePath(t *testing.T) {
	smallSegments(t, 20)
	bulkFinalDocs = 1 << 30
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := context.Background()
		live := readyIndex(t, Config{Store: store})
		notes := 100
		if _, err := bulk.Generate(ctx, store, bulk.Options{Notes: notes, Organisations: 40,
			Sentences: filepath.Join(modelstest.CorporaDir(), "sentences"), Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		if _, err := content.Import(ctx, store, content.NewRenderer(), content.Demo(), true); err != nil {
			t.Fatal(err)
		}
		for {
			n, err := live.CatchUp(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		rebuilt := readyIndex(t, Config{Store: store})
		ln, _ := live.DocCount()
		bn, _ := rebuilt.DocCount()
		if ln != bn || ln < uint64(notes) {
			t.Errorf("documents: live %d, rebuild %d", ln, bn)
		}
		var queries []string
		for _, file := range modelstest.CorpusFiles(t, "sentences/*.txt") {
			lines := readLines(t, file)
			for i := 0; i < len(lines) && i < 40; i += 20 {
				words := strings.Fields(lines[i])
				if len(words) > 3 {
					queries = append(queries, words[1], words[len(words)-2], strings.ToUpper(words[2]), words[1]+" "+words[2], `"`+words[1]+" "+words[2]+`"`)
				}
			}
		}
		bad := 0
		for _, text := range queries {
			for _, v := range []models.Viewer{visitor, member} {
				qs := []Query{{Text: text, PerPage: 100, NoGroup: true}, {Text: text, PerPage: 20}}
				if v.Role != "" {
					qs = qs[:1] // a member: the hits without grouping
				}
				for _, q := range qs {
					lr, lerr := live.Search(ctx, v, q)
					br, berr := rebuilt.Search(ctx, v, q)
					if lerr != nil || berr != nil {
						t.Fatalf("%q: %v / %v", text, lerr, berr)
					}
					if d := diffResults(lr, br, false); d != "" {
						if bad++; bad <= 10 {
							t.Errorf("%q (role %q): %s", text, v.Role, d)
						}
					}
				}
			}
		}
		t.Logf("%d documents, %d queries, %d differ", ln, len(queries)*3, bad)
	})
}
