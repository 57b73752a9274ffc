package models_test

import (
	"context"
	"testing"

	"proact/models"
	"proact/models/modelstest"
)

// BenchmarkStore runs the queries behind the home page and the practice list
// on 1,000 published notes, as an anonymous visitor, on SQLite and (when
// PROACT_TEST_POSTGRES_URL is set) PostgreSQL.
func BenchmarkStore(b *testing.B) {
	for _, d := range modelstest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			store := modelstest.CorpusStore(b, d)
			ctx := context.Background()
			anon := models.Viewer{}

			filter := models.PracticeFilter{Country: "NL", Topic: "outreach"}
			list, total, err := store.ListPractices(ctx, anon, filter)
			if err != nil {
				b.Fatal(err)
			}
			if total == 0 || len(list) == 0 {
				b.Fatalf("the filter %+v matches no note of the corpus: the benchmark would measure an empty result", filter)
			}
			slug := list[0].Slug

			run := func(name string, fn func() error) {
				b.Run(name, func(b *testing.B) {
					b.ReportAllocs()
					b.ResetTimer()
					for range b.N {
						if err := fn(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			run("ListPractices", func() error {
				_, _, err := store.ListPractices(ctx, anon, models.PracticeFilter{ListOptions: models.ListOptions{Sort: "newest"}})
				return err
			})
			run("ListPracticesCountryTopic", func() error {
				_, _, err := store.ListPractices(ctx, anon, filter)
				return err
			})
			run("PracticeBySlug", func() error {
				_, err := store.PracticeBySlug(ctx, anon, slug)
				return err
			})
			run("PracticeFacets", func() error {
				_, err := store.PracticeFacets(ctx, anon, models.Countries().Name(), models.Languages().Name(),
					models.Topics().Name(), models.Sectors().Name())
				return err
			})
			run("PracticeStats", func() error {
				_, err := store.PracticeStats(ctx, anon)
				return err
			})
		})
	}
}
