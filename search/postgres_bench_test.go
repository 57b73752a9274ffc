package search

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"proact/models"
	"proact/models/modelstest"
)

// The comparison: the same notes and the same 500 queries through
// PostgreSQL full-text search, as a portal without Bleve would do it. A
// tsvector per note made with its language's text search configuration
// (simple where PostgreSQL has none), the title weighted A; a GIN index;
// the query read by websearch_to_tsquery (the same syntax: "phrases", OR,
// -word) in every configuration the notes use, OR-ed, as the index reads
// a query in every language; ts_rank for the order, the 20 best with
// ts_headline snippets, the total, and the seven facets counted with GROUP
// BY over the hits, in one statement. PostgreSQL has no glossary: the
// expansion queries run as typed.

// pgConfigs maps languages to PostgreSQL 15's text search configurations.
var pgConfigs = map[string]string{
	"da": "danish", "de": "german", "el": "greek", "en": "english", "es": "spanish", "fi": "finnish",
	"fr": "french", "ga": "irish", "hu": "hungarian", "it": "italian", "lt": "lithuanian", "nl": "dutch",
	"pt": "portuguese", "ro": "romanian", "sv": "swedish",
}

func pgConfig(lang string) string {
	if c, ok := pgConfigs[lang]; ok {
		return c
	}
	return "simple"
}

const pgSchema = `
CREATE TABLE bench_notes (
    id        INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL,
    lang      TEXT NOT NULL,
    cfg       TEXT NOT NULL,
    audience  TEXT NOT NULL,
    countries TEXT[] NOT NULL,
    topics    TEXT[] NOT NULL,
    sectors   TEXT[] NOT NULL,
    org_type  TEXT NOT NULL,
    year      INTEGER NOT NULL,
    title     TEXT NOT NULL,
    summary   TEXT NOT NULL,
    body      TEXT NOT NULL,
    tsv       TSVECTOR
)`

// pgQuery builds the statement for a query: the tsquery in every
// configuration, the filters as array overlaps.
func pgQuery(q Query) (string, []any) {
	var configs []string
	seen := map[string]bool{}
	for _, l := range languageCodes() {
		if c := pgConfig(l); !seen[c] {
			seen[c] = true
			configs = append(configs, c)
		}
	}
	sort.Strings(configs)
	parts := make([]string, len(configs))
	for i, c := range configs {
		parts[i] = "websearch_to_tsquery('" + c + "', $1)"
	}
	args := []any{q.Text}
	where := ""
	add := func(col string, vals []string) {
		if len(vals) > 0 {
			args = append(args, vals)
			where += fmt.Sprintf(" AND n.%s && $%d", col, len(args))
		}
	}
	add("countries", q.Countries)
	add("topics", q.Topics)
	facet := func(name, expr string) string {
		return fmt.Sprintf("SELECT '%s' AS f, %s AS v, count(*) AS n FROM hits GROUP BY 2", name, expr)
	}
	sql := `WITH q AS (SELECT (` + strings.Join(parts, " || ") + `) AS tq),
hits AS (SELECT n.id, n.kind, n.lang, n.countries, n.topics, n.sectors, n.org_type, n.year, ts_rank(n.tsv, q.tq) AS rank
         FROM bench_notes n, q WHERE n.tsv @@ q.tq AND n.audience = 'public'` + where + `),
top AS (SELECT id, rank FROM hits ORDER BY rank DESC, id LIMIT 20)
SELECT (SELECT count(*) FROM hits),
       (SELECT json_agg(t) FROM (SELECT top.id, ts_headline(n.cfg::regconfig, n.body, q.tq) AS snippet
                                 FROM top JOIN bench_notes n USING (id), q ORDER BY top.rank DESC, top.id) t),
       (SELECT json_agg(f) FROM (` + strings.Join([]string{
		facet("kind", "kind"), facet("lang", "lang"), facet("country", "unnest(countries)"),
		facet("topic", "unnest(topics)"), facet("sector", "unnest(sectors)"),
		facet("org_type", "org_type"), facet("year", "year::text"),
	}, " UNION ALL ") + `) f)`
	return sql, args
}

// BenchmarkPostgresFTS loads each corpus into a fresh PostgreSQL database
// (COPY, then the GIN index: its "reindex rate"), then runs the 500
// queries as BenchmarkCorpus does, reporting the same percentiles.
func BenchmarkPostgresFTS(b *testing.B) {
	url := modelstest.PostgresURL(b) // skips without PROACT_TEST_POSTGRES_URL
	concepts := benchConcepts(b)
	queries := benchQueries(b, concepts)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, n := range benchSizes(b) {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			notes, orgs := modelstest.BigCorpus(b, n)
			orgType := map[string]string{}
			for _, o := range orgs {
				orgType[o.Slug] = o.Type
			}
			if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS bench_notes"); err != nil {
				b.Fatal(err)
			}
			if _, err := conn.Exec(ctx, pgSchema); err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			rows := make([][]any, len(notes))
			for i, p := range notes {
				ot := ""
				if p.Organisation != nil {
					ot = orgType[p.Organisation.Slug]
				}
				audience := AudiencePublic
				if p.Visibility == models.VisibilityMembers {
					audience = AudienceMembers
				}
				rows[i] = []any{i + 1, KindPractice, p.Language, pgConfig(p.Language), audience, p.Countries,
					p.Topics, p.Sectors, ot, p.PublishedAt.Year(), p.Title, p.Summary, p.BodyMD}
			}
			_, err := conn.CopyFrom(ctx, pgx.Identifier{"bench_notes"},
				[]string{"id", "kind", "lang", "cfg", "audience", "countries", "topics", "sectors", "org_type", "year", "title", "summary", "body"},
				pgx.CopyFromRows(rows))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := conn.Exec(ctx, `UPDATE bench_notes SET tsv = setweight(to_tsvector(cfg::regconfig, title), 'A') || to_tsvector(cfg::regconfig, summary || ' ' || body)`); err != nil {
				b.Fatal(err)
			}
			if _, err := conn.Exec(ctx, "CREATE INDEX bench_notes_tsv ON bench_notes USING gin (tsv)"); err != nil {
				b.Fatal(err)
			}
			if _, err := conn.Exec(ctx, "ANALYZE bench_notes"); err != nil {
				b.Fatal(err)
			}
			build := time.Since(start)
			var size int64
			_ = conn.QueryRow(ctx, "SELECT pg_total_relation_size('bench_notes')").Scan(&size)
			b.Logf("%d notes: loaded and indexed in %v (%.0f notes/s), table and indexes %.1f MiB",
				n, build.Round(time.Millisecond), float64(n)/build.Seconds(), float64(size)/(1<<20))
			run := func(q Query) (int64, error) {
				sql, args := pgQuery(q.Normalise())
				var total int64
				var top, facets []byte
				err := conn.QueryRow(ctx, sql, args...).Scan(&total, &top, &facets)
				return total, err
			}
			for _, q := range queries {
				if _, err := run(q.q); err != nil {
					b.Fatalf("%q: %v", q.q.Text, err)
				}
			}
			byClass := map[string][]time.Duration{}
			var all []time.Duration
			hits := map[string]int64{}
			b.ResetTimer()
			for range b.N {
				for _, q := range queries {
					t0 := time.Now()
					total, err := run(q.q)
					d := time.Since(t0)
					if err != nil {
						b.Fatal(err)
					}
					byClass[q.class] = append(byClass[q.class], d)
					all = append(all, d)
					hits[q.class] += total
				}
			}
			b.StopTimer()
			p50, p95, p99 := percentiles(all)
			b.ReportMetric(ms(p50), "p50-ms")
			b.ReportMetric(ms(p95), "p95-ms")
			b.ReportMetric(ms(p99), "p99-ms")
			b.ReportMetric(float64(n)/build.Seconds(), "index-notes/s")
			b.ReportMetric(float64(size)/(1<<20), "table-MiB")
			classes := make([]string, 0, len(byClass))
			for c := range byClass {
				classes = append(classes, c)
			}
			sort.Strings(classes)
			for _, c := range classes {
				p50, p95, p99 := percentiles(byClass[c])
				b.Logf("%-13s %4d queries × %d: p50 %7.2f ms  p95 %7.2f ms  p99 %7.2f ms  mean hits %d",
					c, len(byClass[c])/b.N, b.N, ms(p50), ms(p95), ms(p99), hits[c]/int64(len(byClass[c])))
			}
			fmt.Fprintf(os.Stderr, "postgres %d: p50 %.2f ms p95 %.2f ms p99 %.2f ms over %d searches\n", n, ms(p50), ms(p95), ms(p99), len(all))
		})
	}
}
