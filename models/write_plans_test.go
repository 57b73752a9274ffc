package models_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"gorm.io/gorm"

	"proact/models"
	"proact/models/modelstest"
)

var (
	// A PostgreSQL plan that reads a whole table (sequential scans priced
	// out, so it shows whether an index can serve at all).
	pgSeqScan = regexp.MustCompile(`Seq Scan on (\w+)`)
	// An SQLite plan that reads a whole table, or walks an index by a
	// column that most rows share: SQLite keeps no statistics, so it may
	// take "status = ?" over a selective column and read every published
	// note (the family recount once did, on every write).
	sqliteScan   = regexp.MustCompile(`(?m)\bSCAN (\w+)\s*$`)
	sqliteSearch = regexp.MustCompile(`SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \(([^)]*)\)`)
	// Columns whose values most rows share.
	unselective = map[string]bool{"status": true, "visibility": true, "pending": true, "audience": true, "language": true, "kind": true, "vocabulary": true}
)

// TestNoteWritesUseIndexes makes the writes a note goes through (created,
// edited, submitted, published, translated, made members-only, archived,
// deleted; and SavePractice, which the demo and imports use) and EXPLAINs
// every statement they sent that reads rows: none may read a whole table,
// or, on SQLite, look rows up only by columns most rows share. A write then
// costs by the note it touches, not by the size of the corpus.
// PROACT_EXPLAIN_PLANS=1 logs every plan.
func TestNoteWritesUseIndexes(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		c := newWorkflowCast(t, store)
		audit := models.AuditEntry{ActorEmail: "test"}
		// Some notes already there, so the statements are the steady state's.
		for _, slug := range []string{"a1", "a2", "a3"} {
			savePractice(t, store, note{slug: slug, countries: []string{"RO"}, topics: []string{"outreach"}})
		}
		rec := &modelstest.Recorder{}
		rs := models.NewStore(store.DB().Session(&gorm.Session{Logger: rec}), store.Dialect())

		must := func(what string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		n, err := rs.CreatePractice(ctx, c.author, models.NewNote{Content: content("Farm visits", "Body"), BaseSlug: "farm-visits"}, audit)
		must("create", err)
		id := n.Practice.ID
		_, err = rs.SavePracticeRevision(ctx, c.author, id, models.NoteEdit{Content: content("Farm visits", "Body, again"), BaseVersion: 1}, audit)
		must("edit", err)
		_, err = rs.SubmitPractice(ctx, c.author, id, 2, "Please review", audit)
		must("submit", err)
		_, err = rs.PublishPractice(ctx, c.moderator, id, 2, nil, "", audit)
		must("publish", err)
		ro := content("Vizite la ferme", "Corp")
		ro.Language = "ro"
		tr, err := rs.CreatePractice(ctx, c.author, models.NewNote{Content: ro, BaseSlug: "vizite", TranslationOf: "farm-visits", Submit: true}, audit)
		must("translate", err)
		_, err = rs.PublishPractice(ctx, c.moderator, tr.Practice.ID, tr.Practice.Version, nil, "", audit)
		must("publish the translation", err)
		members := content("Farm visits", "Body, members only")
		members.Visibility = models.VisibilityMembers
		_, err = rs.SavePracticeRevision(ctx, c.moderator, id, models.NoteEdit{Content: members, BaseVersion: 2}, audit)
		must("make members-only", err)
		_, err = rs.ArchivePractice(ctx, c.moderator, tr.Practice.ID, "old", audit)
		must("archive", err)
		savePractice(t, rs, note{slug: "b1", lang: "fr", translationOf: "a1", countries: []string{"FR"}})
		savePractice(t, rs, note{slug: "a2", visibility: models.VisibilityMembers})
		savePractice(t, rs, note{slug: "a3", status: models.StatusDraft})
		p, err := rs.NoteBySlug(ctx, c.moderator, "a3")
		must("find a3", err)
		_, err = rs.DeletePractice(ctx, c.moderator, p.ID, audit)
		must("delete", err)

		sqls := rec.Take()
		seen := map[string]bool{}
		for _, sql := range sqls {
			head := strings.ToUpper(strings.Fields(sql + " x")[0])
			if (head != "SELECT" && head != "UPDATE" && head != "DELETE" && head != "WITH") || seen[sql] {
				continue
			}
			seen[sql] = true
			plan := modelstest.Explain(t, store, sql)
			var bad []string
			if store.Dialect() == models.Postgres {
				for _, m := range pgSeqScan.FindAllStringSubmatch(plan, -1) {
					bad = append(bad, m[1])
				}
			} else {
				for _, m := range sqliteScan.FindAllStringSubmatch(plan, -1) {
					bad = append(bad, m[1])
				}
				for _, m := range sqliteSearch.FindAllStringSubmatch(plan, -1) {
					if onlyUnselective(m[2]) {
						bad = append(bad, m[1]+" by "+m[2])
					}
				}
			}
			if os.Getenv("PROACT_EXPLAIN_PLANS") == "1" {
				t.Logf("%s\n%s", sql, plan)
			}
			if len(bad) > 0 {
				t.Errorf("%s reads %v:\n%s\n%s", store.Dialect(), bad, sql, plan)
			}
		}
		if len(seen) < 20 {
			t.Fatalf("only %d statements recorded", len(seen))
		}
		t.Logf("%d distinct statements explained", len(seen))
	})
}

// onlyUnselective reports whether an SQLite index constraint such as
// "status=? AND visibility=?" names only columns most rows share.
func onlyUnselective(constraint string) bool {
	for _, part := range strings.Split(constraint, " AND ") {
		col := strings.TrimSpace(strings.FieldsFunc(part, func(r rune) bool { return r == '=' || r == '<' || r == '>' || r == ' ' })[0])
		if !unselective[col] {
			return false
		}
	}
	return true
}
