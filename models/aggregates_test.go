package models_test

import (
	"reflect"
	"testing"

	"proact/models"
	"proact/models/modelstest"
)

// aggregates is what the public pages show that counts the corpus.
type aggregates struct {
	Stats  models.Stats
	Facets map[string][]models.TermCount
	Latest []string
	Total  int64
	// Filtered is the count of a filtered list (country RO, topic outreach).
	Filtered int64
}

func readAggregates(t *testing.T, store *models.Store, v models.Viewer) aggregates {
	t.Helper()
	ctx := t.Context()
	var a aggregates
	var err error
	if a.Stats, err = store.PracticeStats(ctx, v); err != nil {
		t.Fatal(err)
	}
	if a.Facets, err = store.PracticeFacets(ctx, v, models.Countries().Name(), models.Languages().Name(), models.Topics().Name()); err != nil {
		t.Fatal(err)
	}
	list, total, err := store.ListPractices(ctx, v, models.PracticeFilter{ListOptions: models.ListOptions{PerPage: 6}})
	if err != nil {
		t.Fatal(err)
	}
	a.Latest, a.Total = practiceSlugs(list), total
	if _, a.Filtered, err = store.ListPractices(ctx, v, models.PracticeFilter{Country: "RO", Topic: "outreach"}); err != nil {
		t.Fatal(err)
	}
	return a
}

// fresh counts them from the notes themselves, inside a transaction,
// where nothing is cached.
func fresh(t *testing.T, store *models.Store, v models.Viewer) aggregates {
	t.Helper()
	var a aggregates
	if err := store.WithTx(t.Context(), func(tx *models.Store) error {
		a = readAggregates(t, tx, v)
		var err error
		if a.Stats, err = models.CountPracticeStats(tx, t.Context(), v); err != nil {
			return err
		}
		a.Facets, err = models.CountPracticeFacets(tx, t.Context(), v, models.Countries().Name(), models.Languages().Name(), models.Topics().Name())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAggregatesFollowWrites: the kept and cached headline figures, facet
// counts, latest notes and filtered counts are those counted from the notes
// after every
// kind of write (create, publish, make members-only, archive, delete), for visitors
// and members, on both databases; and between writes they come from the cache.
func TestAggregatesFollowWrites(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		c := newWorkflowCast(t, store)
		audit := models.AuditEntry{ActorEmail: "test"}
		visitor, member := models.Viewer{}, c.other
		check := func(step string, wantVisitor, wantMember int64) {
			t.Helper()
			for name, v := range map[string]models.Viewer{"visitor": visitor, "member": member} {
				got, want := readAggregates(t, store, v), fresh(t, store, v)
				got.Facets, want.Facets = nonEmpty(got.Facets), nonEmpty(want.Facets)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s, %s: cached %+v, database %+v", step, name, got, want)
				}
				n := wantVisitor
				if name == "member" {
					n = wantMember
				}
				if got.Stats.Practices != n || got.Total != n || got.Filtered != n {
					t.Errorf("%s, %s: %d notes (list %d, filtered %d), want %d", step, name, got.Stats.Practices, got.Total, got.Filtered, n)
				}
			}
		}
		check("empty", 0, 0)
		hits, _ := store.CacheStats()
		again := readAggregates(t, store, visitor)
		if h, _ := store.CacheStats(); h <= hits {
			t.Errorf("nothing changed, yet the aggregates were computed again (%d hits, %d before)", h, hits)
		} else if again.Total != 0 {
			t.Errorf("again: %+v", again)
		}

		// Created and submitted: not published, not counted.
		note := content("Outreach at farms", "Visits in the season")
		n, err := store.CreatePractice(ctx, c.author, models.NewNote{Content: note, BaseSlug: "farm-outreach", Submit: true}, audit)
		if err != nil {
			t.Fatal(err)
		}
		p := n.Practice
		check("created", 0, 0)

		// Published: counted for everyone.
		if _, err := store.PublishPractice(ctx, c.moderator, p.ID, p.Version, nil, "", audit); err != nil {
			t.Fatal(err)
		}
		check("published", 1, 1)
		if got := readAggregates(t, store, visitor); len(got.Latest) != 1 || got.Latest[0] != "farm-outreach" ||
			got.Stats.Languages != 1 || got.Stats.Countries != 2 {
			t.Errorf("published: %+v", got)
		}

		// Made members-only (a new version, published): visitors no longer count it.
		note.Visibility = models.VisibilityMembers
		n, err = store.SavePracticeRevision(ctx, c.author, p.ID, models.NoteEdit{Content: note, BaseVersion: 1, Submit: true}, audit)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.PublishPractice(ctx, c.moderator, p.ID, n.Practice.Version, nil, "", audit); err != nil {
			t.Fatal(err)
		}
		check("members-only", 0, 1)

		// Archived (a published note is archived, never deleted): gone for everyone.
		if _, err := store.ArchivePractice(ctx, c.moderator, p.ID, "", audit); err != nil {
			t.Fatal(err)
		}
		check("archived", 0, 0)
		if _, err := store.UnarchivePractice(ctx, c.moderator, p.ID, "", audit); err != nil {
			t.Fatal(err)
		}
		check("unarchived", 0, 1)

		// A draft deleted: nothing counted it, nothing changes.
		d, err := store.CreatePractice(ctx, c.author, models.NewNote{Content: content("Outreach draft", "Text"), BaseSlug: "draft"}, audit)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.DeletePractice(ctx, c.author, d.Practice.ID, audit); err != nil {
			t.Fatal(err)
		}
		check("draft deleted", 0, 1)
	})
}

// nonEmpty drops the vocabularies without a count.
func nonEmpty(m map[string][]models.TermCount) map[string][]models.TermCount {
	out := map[string][]models.TermCount{}
	for k, v := range m {
		if len(v) > 0 {
			out[k] = v
		}
	}
	return out
}
