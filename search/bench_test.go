package search_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"proact/models"
	"proact/models/modelstest"
	"proact/search"
)

// benchSentencesDir holds 1,000 real sentences per language, one a line, for
// 23 EU languages (see ../shared/corpora/README.md).
var benchSentencesDir = filepath.Join("..", "..", "shared", "corpora", "sentences")

// benchNotes is the size of the benchmark corpus.
const benchNotes = 1000

// benchCorpus builds benchNotes published practice notes from the sentences
// corpus, deterministically: note i is in language i mod 23 (the files in
// name order) and takes the next 12 sentences of that language's file (title,
// summary, a body of 10 sentences in 5 paragraphs); its countries, topics and
// sectors are picked from the vocabularies by i; every tenth note is
// members-only. It is the corpus of models/bench_test.go.
func benchCorpus(b *testing.B) []*models.Practice {
	b.Helper()
	files, err := filepath.Glob(filepath.Join(benchSentencesDir, "*.txt"))
	if err != nil {
		b.Fatal(err)
	}
	if len(files) == 0 {
		b.Skipf("corpus %s not found: benchmark skipped (the shared corpora live beside the repository, in shared/corpora/sentences)", benchSentencesDir)
	}
	slices.Sort(files)
	langs := make([]string, len(files))
	sentences := make([][]string, len(files))
	for i, f := range files {
		data, err := os.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) {
			b.Skipf("corpus file %s not found: benchmark skipped", f)
		}
		if err != nil {
			b.Fatal(err)
		}
		langs[i] = strings.TrimSuffix(filepath.Base(f), ".txt")
		for line := range strings.SplitSeq(string(data), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				sentences[i] = append(sentences[i], line)
			}
		}
	}
	next := make([]int, len(files))
	take := func(l int) string {
		s := sentences[l][next[l]%len(sentences[l])]
		next[l]++
		return s
	}
	base := time.Date(2020, 1, 1, 9, 0, 0, 0, time.UTC)
	out := make([]*models.Practice, 0, benchNotes)
	for i := range benchNotes {
		l := i % len(langs)
		title := []rune(take(l))
		if len(title) > 120 {
			title = title[:120]
		}
		summary := take(l)
		var md, htm strings.Builder
		for range 5 {
			para := take(l) + " " + take(l)
			md.WriteString(para + "\n\n")
			htm.WriteString("<p>" + html.EscapeString(para) + "</p>\n")
		}
		visibility := models.VisibilityPublic
		if i%10 == 9 {
			visibility = models.VisibilityMembers
		}
		published := base.Add(time.Duration(i) * 6 * time.Hour)
		c, t, s := models.Countries.Terms, models.Topics.Terms, models.Sectors.Terms
		countries := []string{c[1+i%27]} // the 27 member states
		if i%3 == 0 {
			countries = append(countries, c[(i*7)%len(c)])
		}
		out = append(out, &models.Practice{
			Slug:        fmt.Sprintf("bench-%s-%04d", langs[l], i),
			Title:       strings.TrimSpace(string(title)),
			Summary:     summary,
			Language:    langs[l],
			Stage:       models.PracticeStages.Terms[i%len(models.PracticeStages.Terms)],
			Evidence:    models.EvidenceLevels.Terms[i%len(models.EvidenceLevels.Terms)],
			Visibility:  visibility,
			Status:      models.StatusPublished,
			BodyMD:      md.String(),
			BodyHTML:    htm.String(),
			PublishedAt: &published,
			Countries:   countries,
			Topics:      []string{t[i%len(t)], t[(i/len(t)+3*i)%len(t)]},
			Sectors:     []string{s[(i*5)%len(s)]},
		})
	}
	return out
}

// benchStore returns a fresh database of dialect d holding the benchmark
// corpus, saved through SavePractice in one transaction.
func benchStore(b *testing.B, d models.Dialect) *models.Store {
	b.Helper()
	notes := benchCorpus(b)
	store := modelstest.New(b, d)
	ctx := context.Background()
	err := store.WithTx(ctx, func(tx *models.Store) error {
		for _, p := range notes {
			if err := tx.SavePractice(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("seeding %d notes: %v", len(notes), err)
	}
	return store
}

func benchLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// benchQueries are words of the sentences corpus: one word, and three words
// (stop words included, as people type them), per language.
var benchQueries = []struct{ lang, one, three string }{
	{"en", "health", "community health services"},
	{"fr", "travail", "recherche et formation"},
	{"de", "Menschen", "Arbeit für Menschen"},
	{"pl", "pracy", "prawa do pracy"},
	{"ro", "munca", "servicii pentru copii"},
	{"el", "πολιτική", "πολιτική της πόλης"},
}

// BenchmarkSearch runs one- and three-word queries, as an anonymous visitor,
// over an index of 1,000 notes in 23 languages built from the database
// (SQLite) by search.Open. The "hits" metric is the total the query matched.
func BenchmarkSearch(b *testing.B) {
	store := benchStore(b, models.SQLite)
	ctx := context.Background()
	ix, err := search.Open(ctx, b.TempDir(), store, benchLog())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ix.Close() })
	if n, err := ix.DocCount(); err != nil || n != benchNotes {
		b.Fatalf("the index holds %d documents (%v), want %d", n, err, benchNotes)
	}
	anon := models.Viewer{}
	for _, q := range benchQueries {
		for _, c := range []struct{ name, text string }{{"one-word", q.one}, {"three-words", q.three}} {
			b.Run(q.lang+"/"+c.name, func(b *testing.B) {
				query := search.Query{Text: c.text}
				res, err := ix.Search(ctx, anon, query)
				if err != nil {
					b.Fatal(err)
				}
				if res.Total == 0 {
					b.Fatalf("%q matches nothing: the benchmark would measure an empty result", c.text)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					if _, err := ix.Search(ctx, anon, query); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(res.Total), "hits")
			})
		}
	}
}

// BenchmarkRebuild builds the index of 1,000 notes from scratch, as the first
// start and "proact reindex" do: search.Open on an empty folder creates the
// index and rebuilds it from the database, on SQLite and (when
// PROACT_TEST_POSTGRES_URL is set) PostgreSQL.
func BenchmarkRebuild(b *testing.B) {
	for _, d := range modelstest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			store := benchStore(b, d)
			ctx := context.Background()
			var size int64 // the text indexed: titles, summaries, bodies
			for _, p := range benchCorpus(b) {
				size += int64(len(p.Title) + len(p.Summary) + len(p.BodyMD))
			}
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				dir := b.TempDir()
				b.StartTimer()
				ix, err := search.Open(ctx, dir, store, benchLog())
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				n, err := ix.DocCount()
				if err != nil || n != benchNotes {
					b.Fatalf("the rebuilt index holds %d documents (%v), want %d", n, err, benchNotes)
				}
				if err := ix.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
