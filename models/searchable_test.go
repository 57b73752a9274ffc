package models_test

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"proact/models"
	"proact/models/modelstest"
)

// scanPage is the statement of a page of the scan.
var scanPage = regexp.MustCompile(`(?i)FROM\W+practices\W.*ORDER BY language`)

// TestPublishedPracticesScan reads the published notes as a rebuild of the
// search index does, a page at a time: every published note once, none
// other, one language after another and in id order within each, however
// the pages fall; and each page's query walks the index
// practices_search_scan, in its order, with no sort of its own.
func TestPublishedPracticesScan(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		want := map[string]string{}
		for i, lang := range []string{"ro", "en", "nl", "en", "ro", "de", "en", "ro", "pl"} {
			slug := fmt.Sprintf("n%d-%s", i, lang)
			savePractice(t, store, note{slug: slug, lang: lang})
			want[slug] = lang
		}
		savePractice(t, store, note{slug: "draft", lang: "en", status: models.StatusDraft})
		savePractice(t, store, note{slug: "members", lang: "de", visibility: models.VisibilityMembers})
		want["members"] = "de" // members-only notes are indexed (their audience says who finds them)

		rec := &modelstest.Recorder{}
		rs := models.NewStore(store.DB().Session(&gorm.Session{Logger: rec}), store.Dialect())
		var got []models.PracticeCursor
		var after models.PracticeCursor
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("the scan does not end")
			}
			list, err := rs.PublishedPracticesAfter(ctx, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) == 0 {
				break
			}
			for i := range list {
				p := &list[i]
				if want[p.Slug] != p.Language || p.Title == "" || p.BodyHTML == "" {
					t.Errorf("scan gave %s (%s, title %q, body %q)", p.Slug, p.Language, p.Title, p.BodyHTML)
				}
				got = append(got, p.ScanCursor())
			}
			after = list[len(list)-1].ScanCursor()
		}
		if len(got) != len(want) {
			t.Errorf("scan gave %d notes, want %d: %v", len(got), len(want), got)
		}
		if !slices.IsSortedFunc(got, func(a, b models.PracticeCursor) int {
			if c := strings.Compare(a.Language, b.Language); c != 0 {
				return c
			}
			return int(a.ID) - int(b.ID)
		}) {
			t.Errorf("scan order: %v", got)
		}

		var explained int
		for _, sql := range rec.Take() {
			if !scanPage.MatchString(sql) {
				continue
			}
			explained++
			plan := modelstest.Explain(t, store, sql)
			if os.Getenv("PROACT_EXPLAIN_PLANS") == "1" {
				t.Logf("%s\n%s", sql, plan)
			}
			if !strings.Contains(plan, "practices_search_scan") || strings.Contains(plan, "TEMP B-TREE") ||
				strings.Contains(plan, "Sort") || pgSeqScan.MatchString(plan) || sqliteScan.MatchString(plan) {
				t.Errorf("%s: the scan's page does not walk practices_search_scan in order:\n%s\n%s", store.Dialect(), sql, plan)
			}
		}
		if explained == 0 {
			t.Fatal("no page query recorded")
		}
	})
}
