package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"gorm.io/gorm"

	"proact/app/config"
	"proact/content"
	"proact/models"
	"proact/models/modelstest"
	"proact/search"
)

// seqScan finds a sequential scan in a PostgreSQL plan, fullScan a scan of
// a whole table (no index at all) in an SQLite one.
var (
	seqScan  = regexp.MustCompile(`Seq Scan on (\w+)`)
	fullScan = regexp.MustCompile(`(?m)\bSCAN (\w+)\s*$`)
	subquery = regexp.MustCompile(`(?m)\b(?:MATERIALIZE|CO-ROUTINE) (\w+)\s*$`)
)

// TestPageQueriesUseIndexes runs the public pages, as a visitor and as a
// member, and EXPLAINs every SELECT they sent: on PostgreSQL (with
// sequential scans priced out, so the plan shows whether an index can serve
// at all) none may scan a table; on SQLite none may scan a table without
// an index. A page's queries then cost by what they return, not by the
// size of the corpus (the aggregates that must count it are cached:
// models/aggregates.go). PROACT_EXPLAIN_PLANS=1 logs every plan. (The
// test databases are tiny; scripts/load.sh EXPLAINs the same pages on the
// 100,000-note databases, whose statistics make the plans real.)
func TestPageQueriesUseIndexes(t *testing.T) {
	t.Parallel()
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			store, dir := demo.Copy(t, d)
			rec := &modelstest.Recorder{}
			recorded := models.NewStore(store.DB().Session(&gorm.Session{Logger: rec}), d)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			ix, err := search.Open(context.Background(), dir, store, log)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = ix.Close() })
			c := config.Default()
			c.DataDir = t.TempDir()
			a, err := New(Deps{Config: c, Store: recorded, Index: ix, Renderer: content.NewRenderer(), Log: log, Hasher: testHasher})
			if err != nil {
				t.Fatal(err)
			}
			ta := &testApp{app: a, store: recorded, index: ix, cfg: c}

			member := ta.createUser(t, "explain@example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
			mc := ta.client()
			mc.login(t, member)
			pages := []string{"/", "/practices", "/practices?country=NL&topic=outreach", "/practices?sort=title",
				"/practices?sort=oldest&page=2&per_page=5", "/practices?page=3&per_page=5", "/practices?language=en&sector=agriculture",
				"/practices/proactive-outreach-seasonal-farm-workers", "/organisations", "/organisations?country=NL",
				"/organisations/rotterdam-labour-rights-centre", "/search?q=workers", "/search?q=workers&country=NL"}
			rec.Take()
			seen := map[string]bool{}
			for _, who := range []string{"visitor", "member"} {
				for _, page := range pages {
					var res *http.Response
					if who == "member" {
						res, _ = mc.get(t, page)
					} else {
						res, _ = ta.get(t, page)
					}
					if res.StatusCode != http.StatusOK {
						t.Fatalf("%s %s: status %d", who, page, res.StatusCode)
					}
					for _, sql := range rec.Take() {
						if !strings.HasPrefix(strings.TrimSpace(strings.ToUpper(sql)), "SELECT") || seen[sql] {
							continue
						}
						seen[sql] = true
						plan := modelstest.Explain(t, store, sql)
						var bad []string
						if d == models.Postgres {
							for _, m := range seqScan.FindAllStringSubmatch(plan, -1) {
								bad = append(bad, m[1])
							}
						} else {
							// A scan of a subquery's result (materialised or a
							// co-routine, bounded by its own plan, which is
							// checked with it) is not a table's.
							derived := map[string]bool{}
							for _, m := range subquery.FindAllStringSubmatch(plan, -1) {
								derived[m[1]] = true
							}
							for _, m := range fullScan.FindAllStringSubmatch(plan, -1) {
								if !derived[m[1]] {
									bad = append(bad, m[1])
								}
							}
						}
						if os.Getenv("PROACT_EXPLAIN_PLANS") == "1" {
							t.Logf("%s %s: %s\n%s", who, page, sql, plan)
						}
						if len(bad) > 0 {
							t.Errorf("%s %s: %s scans %v:\n%s\n%s", who, page, d, bad, sql, plan)
						}
					}
				}
			}
			if len(seen) < 10 {
				t.Fatalf("only %d queries recorded", len(seen))
			}
			t.Logf("%d distinct queries explained", len(seen))
		})
	}
}
