package search_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"proact/models"
	"proact/models/modelstest"
	"proact/search"
)

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
	store := modelstest.CorpusStore(b, models.SQLite)
	ctx := context.Background()
	ix, err := search.Open(ctx, b.TempDir(), store, benchLog())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ix.Close() })
	if n, err := ix.DocCount(); err != nil || n != modelstest.CorpusNotes {
		b.Fatalf("the index holds %d documents (%v), want %d", n, err, modelstest.CorpusNotes)
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
			store := modelstest.CorpusStore(b, d)
			ctx := context.Background()
			var size int64 // the text indexed: titles, summaries, bodies
			for _, p := range modelstest.Corpus(b) {
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
				if err != nil || n != modelstest.CorpusNotes {
					b.Fatalf("the rebuilt index holds %d documents (%v), want %d", n, err, modelstest.CorpusNotes)
				}
				if err := ix.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
