package models_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"proact/models"
	"proact/models/modelstest"
)

// TestFamiliesFollowWrites: after every write of a random sequence (publish,
// translate, unpublish, make members-only, delete, move a translation to
// another original), the kept families (families.go) give what counting the
// notes gives: the grouped list's total, its pages in every order and
// reader language, and its filter counts, for visitors and members. At the
// end, migration 00017's backfill builds the same tables from the notes.
func TestFamiliesFollowWrites(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		c := newWorkflowCast(t, store)
		audit := models.AuditEntry{ActorEmail: "test"}
		r := rand.New(rand.NewPCG(17, 13))
		vocabs := []string{models.Countries().Name(), models.Topics().Name(), models.Languages().Name(), models.Sectors().Name()}
		viewers := map[string]models.Viewer{"visitor": {}, "member": c.other}
		check := func(step string) {
			t.Helper()
			// In a transaction nothing is cached: each read is the database's.
			err := store.WithTx(ctx, func(tx *models.Store) error {
				for name, v := range viewers {
					for _, prefer := range []string{"", "en", "ro"} {
						for _, o := range []models.ListOptions{{PerPage: 3}, {PerPage: 3, Page: 2}, {PerPage: 3, Page: 4},
							{Sort: "oldest", PerPage: 4}, {Sort: "title", PerPage: 3, Page: 2}, {PerPage: 100}} {
							f := models.PracticeFilter{Group: true, Prefer: prefer, ListOptions: o}
							kept, keptTotal, err := tx.ListPractices(ctx, v, f)
							if err != nil {
								return err
							}
							counted, total, err := models.CountedPractices(tx, ctx, v, f.Normalise())
							if err != nil {
								return err
							}
							if keptTotal != total || !slices.Equal(practiceSlugs(kept), practiceSlugs(counted)) {
								t.Errorf("%s, %s, prefer %q %+v: kept %v (%d), counted %v (%d)", step, name, prefer, o,
									practiceSlugs(kept), keptTotal, practiceSlugs(counted), total)
							}
							if len(kept) > 0 && !reflect.DeepEqual(kept[0], counted[0]) {
								t.Errorf("%s, %s: kept %+v, counted %+v", step, name, kept[0], counted[0])
							}
						}
					}
					f := models.PracticeFilter{Group: true}
					kept, err := tx.FilteredFacets(ctx, v, f, vocabs...)
					if err != nil {
						return err
					}
					counted, err := models.CountFilteredFacets(tx, ctx, v, f, vocabs...)
					if err != nil {
						return err
					}
					if !reflect.DeepEqual(nonEmpty(kept), nonEmpty(counted)) {
						t.Errorf("%s, %s: kept facets %v, counted %v", step, name, kept, counted)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
		}

		// A few slugs, written again and again: the families meet, split and move.
		type state struct{ translationOf, status, visibility string }
		seen := map[string]int{} // kinds of writes made
		notes := map[string]*state{}
		slugs := []string{"n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7"}
		langs := []string{"en", "fr", "ro", "de"}
		pick := func(list []string, most int) []string {
			var out []string
			for range 1 + r.IntN(most) {
				out = append(out, list[r.IntN(len(list))])
			}
			return out
		}
		translated := func(slug string) bool { // some note translates slug
			for _, s := range notes {
				if s.translationOf == slug {
					return true
				}
			}
			return false
		}
		for step := range 40 {
			slug := slugs[r.IntN(len(slugs))]
			if s := notes[slug]; s != nil && !translated(slug) && r.IntN(6) == 0 {
				// Deleted: only a note never published, so first made a draft.
				savePractice(t, store, note{slug: slug, status: models.StatusDraft})
				p, err := store.NoteBySlug(ctx, c.moderator, slug)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := store.DeletePractice(ctx, c.moderator, p.ID, audit); err != nil {
					t.Fatalf("delete %s: %v", slug, err)
				}
				delete(notes, slug)
				seen["delete"]++
				check(fmt.Sprintf("%d: deleted %s", step, slug))
				continue
			}
			// Published (mostly), a draft or archived; public or members-only;
			// an original or a translation of another original (moved when it
			// was one already). A note that others translate stays an original.
			n := note{slug: slug, lang: langs[r.IntN(len(langs))], title: []string{"Alpha", "Beta", "Gamma"}[r.IntN(3)],
				countries: pick([]string{"RO", "NL", "FR"}, 2), topics: pick([]string{"outreach", "referral"}, 2),
				sectors: pick([]string{"A", "C"}, 1), published: time.Date(2024, time.Month(1+r.IntN(4)), 1, 9, 0, 0, 0, time.UTC),
				status:     []string{models.StatusPublished, models.StatusPublished, models.StatusPublished, models.StatusDraft, models.StatusArchived}[r.IntN(5)],
				visibility: []string{models.VisibilityPublic, models.VisibilityPublic, models.VisibilityMembers}[r.IntN(3)]}
			if !translated(slug) && r.IntN(2) == 0 {
				var originals []string
				for _, other := range slugs {
					if s := notes[other]; s != nil && other != slug && s.translationOf == "" {
						originals = append(originals, other)
					}
				}
				if len(originals) > 0 {
					n.translationOf = originals[r.IntN(len(originals))]
				}
			}
			savePractice(t, store, n)
			if was := notes[slug]; was != nil {
				switch {
				case was.translationOf != "" && n.translationOf != "" && was.translationOf != n.translationOf:
					seen["move a translation"]++
				case was.status == models.StatusPublished && n.status != models.StatusPublished:
					seen["unpublish"]++
				case was.status == models.StatusPublished && was.visibility != n.visibility:
					seen["change visibility"]++
				}
			}
			if n.translationOf != "" {
				seen["translate"]++
			}
			notes[slug] = &state{translationOf: n.translationOf, status: n.status, visibility: n.visibility}
			check(fmt.Sprintf("%d: saved %s (%s, %s, %s, of %q)", step, slug, n.lang, n.status, n.visibility, n.translationOf))
		}

		for _, kind := range []string{"delete", "move a translation", "unpublish", "change visibility", "translate"} {
			if seen[kind] == 0 {
				t.Errorf("the sequence never made a write of the kind %q: %v", kind, seen)
			}
		}
		t.Logf("writes: %v", seen)

		// The backfill of 00017 gives the tables the writes kept.
		kept, err := models.KeptFamilies(store, ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := models.RollBack(ctx, store, 17); err != nil {
			t.Fatal(err)
		}
		if err := models.ApplyOnly(ctx, store.DB(), store.Dialect(), 17); err != nil {
			t.Fatal(err)
		}
		filled, err := models.KeptFamilies(store, ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(kept, filled) {
			t.Errorf("kept as written:\n%v\nfilled by the migration:\n%v", kept, filled)
		}
		if len(filled) == 0 {
			t.Error("nothing kept at the end of the sequence")
		}
	})
}
