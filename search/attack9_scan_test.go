package search

import (
	"context"
	"fmt"
	"testing"

	"proact/models"
	"proact/models/modelstest"
)

// mutatingSource is the notes' source, changing the database once the
// scan has given after documents.
type mutatingSource struct {
	Source
	after  int
	mutate func()
}

func (s mutatingSource) Scan(ctx context.Context, fn func(*Document) error) error {
	n := 0
	return s.Source.Scan(ctx, func(d *Document) error {
		if n++; n == s.after {
			s.mutate()
		}
		return fn(d)
	})
}

// TestAttack9ScanWhileNotesChange: languages of one segment and one note
// more, of one segment, of bulkMinDocs notes, of 3 and of 1 (with segments
// of 20 notes);
// while the rebuild reads them, notes change language both ways (to one
// the scan has passed and to one it has not reached), are unpublished,
// archived, made members-only and published. Once the index has caught up
// with the outbox, every published note is in it once, no other; and
// proact reindex twice gives the same count.
func TestAttack9ScanWhileNotesChange(t *testing.T) {
	smallSegments(t, 20)
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := context.Background()
		word := func(slug string) string { return "qz" + slug + "qz" }
		save := func(slug, lang, vis, status string) {
			t.Helper()
			p := note(slug, lang, "Note "+word(slug), vis)
			p.Status = status
			if err := store.SavePractice(ctx, p); err != nil {
				t.Fatalf("save %s: %v", slug, err)
			}
		}
		want := map[string]bool{} // slug: published
		n := bulkSegmentDocs
		langs := map[string]int{"de": n + 1, "en": n, "fr": bulkMinDocs(), "ro": 3}
		for _, l := range models.Languages().Terms() {
			if langs[l] == 0 {
				langs[l] = 1
			}
		}
		for l, n := range langs {
			for i := range n {
				slug := fmt.Sprintf("%s%d", l, i)
				save(slug, l, "public", models.StatusPublished)
				want[slug] = true
			}
		}
		save("xxunknown", "xx", "public", models.StatusPublished)
		want["xxunknown"] = true
		mutate := func() {
			save("ro1", "bg", "public", models.StatusPublished) // to a language passed
			save("bg0", "sv", "public", models.StatusPublished) // to one not reached
			save("en10", "ar", "public", models.StatusPublished)
			save("ro2", "ro", "public", models.StatusDraft)
			want["ro2"] = false
			last := fmt.Sprintf("en%d", n-1)
			save(last, "en", "public", models.StatusArchived)
			want[last] = false
			save("fr3", "fr", models.VisibilityMembers, models.StatusPublished)
			save("new1", "hr", "public", models.StatusPublished)
			want["new1"] = true
			save("new2", "aa", "public", models.StatusPublished)
			want["new2"] = true
		}
		sources := DefaultSources(store)
		for i, s := range sources {
			if s.Kind() == KindPractice {
				sources[i] = mutatingSource{Source: s, after: len(want) / 2, mutate: mutate}
			}
		}
		dir := t.TempDir()
		ix := readyIndex(t, Config{Dir: dir, Store: store, Sources: sources})
		if _, ok := want["new1"]; !ok {
			t.Fatal("the notes did not change while the rebuild read them")
		}
		if _, err := ix.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		published := 0
		for _, ok := range want {
			if ok {
				published++
			}
		}
		check := func(ix *Index, what string) {
			t.Helper()
			if n, _ := ix.DocCount(); n != uint64(published) {
				t.Errorf("%s: %d documents, want %d", what, n, published)
			}
			bad := 0
			for slug, ok := range want {
				// Typo tolerance finds the neighbours (qzde43qz): the note's own hits only.
				res, err := ix.Search(ctx, member, Query{Text: word(slug), NoGroup: true, PerPage: MaxPerPage})
				if err != nil {
					t.Fatal(err)
				}
				own := 0
				for _, h := range res.Hits {
					if h.Slug == slug {
						own++
					}
				}
				if w := map[bool]int{true: 1, false: 0}[ok]; own != w || (w == 1 && res.Hits[0].Slug != slug) {
					if bad++; bad < 10 {
						t.Errorf("%s: %s: %d hits of its own, want %d", what, slug, own, w)
					}
				}
			}
		}
		check(ix, "first build, caught up")
		_ = ix.Close()
		for round := range 2 {
			counts, err := Reindex(ctx, Config{Dir: dir, Store: store, Log: quietLog()})
			if err != nil {
				t.Fatal(err)
			}
			if counts[KindPractice] != uint64(published) {
				t.Errorf("reindex %d: %v, want %d notes", round+1, counts, published)
			}
		}
		check(readyIndex(t, Config{Dir: dir, Store: store}), "after reindex twice")
	})
}
