package modelstest

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"proact/models"
)

// The benchmark corpus, shared by the store and search benchmarks so that
// both measure the same notes (see BENCHMARKS.md).

// CorpusNotes is the size of the benchmark corpus.
const CorpusNotes = 1000

// Corpus builds CorpusNotes published practice notes from the sentences
// corpus, deterministically: note i is in language i mod 23 (the files in
// name order) and takes the next 12 sentences of that language's file (title,
// summary, a body of 10 sentences in 5 paragraphs); its countries, topics and
// sectors are picked from the vocabularies by i; every tenth note is
// members-only.
func Corpus(b testing.TB) []*models.Practice {
	b.Helper()
	// 1,000 real sentences per language, one a line, for 23 EU languages
	// (see ../shared/corpora/README.md).
	files := CorpusFiles(b, filepath.Join("sentences", "*.txt"))
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
	out := make([]*models.Practice, 0, CorpusNotes)
	for i := range CorpusNotes {
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
		c, t, s := models.Countries().Terms(), models.Topics().Terms(), models.Sectors().Terms()
		countries := []string{c[1+i%27]} // the 27 member states
		if i%3 == 0 {
			countries = append(countries, c[(i*7)%len(c)])
		}
		out = append(out, &models.Practice{
			Slug:        fmt.Sprintf("bench-%s-%04d", langs[l], i),
			Title:       strings.TrimSpace(string(title)),
			Summary:     summary,
			Language:    langs[l],
			Stage:       models.PracticeStages().Terms()[i%models.PracticeStages().Len()],
			Evidence:    models.EvidenceLevels().Terms()[i%models.EvidenceLevels().Len()],
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

// CorpusStore returns a fresh database of dialect d holding the benchmark
// corpus, saved through SavePractice in one transaction (and, on
// PostgreSQL, analysed).
func CorpusStore(b testing.TB, d models.Dialect) *models.Store {
	b.Helper()
	notes := Corpus(b)
	store := New(b, d)
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
	if d == models.Postgres {
		// A fresh PostgreSQL database has no planner statistics until
		// autovacuum gets to it (within a minute in production); without them
		// the filtered list takes a much slower plan. Benchmark the steady state.
		if err := store.DB().Exec("ANALYZE").Error; err != nil {
			b.Fatal(err)
		}
	}
	return store
}
