package models_test

import (
	"slices"
	"testing"

	"proact/models"
	"proact/models/modelstest"
)

// TestFilteredFacets: a facet's counts follow the other facets' choices
// (choosing "outreach" changes the country counts), never its own, and
// count a note with its translations once when the list groups them.
func TestFilteredFacets(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		c := seedCorpus(t, store)
		savePractice(t, store, note{slug: "alpha-ro", lang: "ro", countries: []string{"FR"}, topics: []string{"outreach"},
			sectors: []string{"A"}, org: c.orgB, published: month(7), title: "Zeta ro", translationOf: "alpha"})
		tc := func(term string, n int64) models.TermCount { return models.TermCount{Term: term, Count: n} }
		vocabs := []string{models.Countries().Name(), models.Topics().Name(), models.Languages().Name(), models.Sectors().Name()}
		cases := []struct {
			name string
			v    models.Viewer
			f    models.PracticeFilter
			want map[string][]models.TermCount
		}{
			{"outreach grouped", anonymous, models.PracticeFilter{Topic: "outreach", Group: true}, map[string][]models.TermCount{
				"country":  {tc("DE", 1), tc("EU", 1), tc("FR", 1)},
				"topic":    {tc("outreach", 2), tc("referral", 2)}, // its own choice left out
				"language": {tc("en", 2), tc("ro", 1)},
				"sector":   {tc("A", 1), tc("C", 1)},
			}},
			{"outreach by note", anonymous, models.PracticeFilter{Topic: "outreach"}, map[string][]models.TermCount{
				"country":  {tc("FR", 2), tc("DE", 1), tc("EU", 1)},
				"topic":    {tc("outreach", 3), tc("referral", 2)},
				"language": {tc("en", 2), tc("ro", 1)},
				"sector":   {tc("A", 2), tc("C", 1)},
			}},
			{"member sees members-only", member, models.PracticeFilter{Topic: "outreach", Sector: "A", Group: true}, map[string][]models.TermCount{
				"country":  {tc("AT", 1), tc("EU", 1), tc("FR", 1)},
				"topic":    {tc("outreach", 2), tc("referral", 1)},
				"language": {tc("de", 1), tc("en", 1), tc("ro", 1)},
				"sector":   {tc("A", 2), tc("C", 1)},
			}},
			{"nothing matches Romanian and referral", anonymous, models.PracticeFilter{Topic: "referral", Language: "ro", Group: true}, map[string][]models.TermCount{
				"country":  nil,
				"topic":    {tc("outreach", 1)},
				"language": {tc("en", 1), tc("fr", 1)},
				"sector":   nil,
			}},
		}
		for _, tt := range cases {
			got, err := store.FilteredFacets(t.Context(), tt.v, tt.f, vocabs...)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			for _, vocab := range vocabs {
				if !slices.Equal(got[vocab], tt.want[vocab]) {
					t.Errorf("%s: %s = %v, want %v", tt.name, vocab, got[vocab], tt.want[vocab])
				}
			}
			// Each count is what choosing that term lists.
			for _, term := range got["country"] {
				f := tt.f
				f.Country = term.Term
				if n, err := store.CountPractices(t.Context(), tt.v, f); err != nil || n != term.Count {
					t.Errorf("%s: country %s counts %d, lists %d (%v)", tt.name, term.Term, term.Count, n, err)
				}
			}
		}
	})
}

// TestGroupedInReaderLanguage: a group shows its version in the reader's
// language, and notes in that language come first.
func TestGroupedInReaderLanguage(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		c := seedCorpus(t, store)
		savePractice(t, store, note{slug: "alpha-ro", lang: "ro", countries: []string{"FR"}, topics: []string{"outreach"},
			org: c.orgB, published: month(1), title: "Zeta ro", translationOf: "alpha"})
		savePractice(t, store, note{slug: "beta-en", lang: "en", countries: []string{"FR"}, topics: []string{"referral"},
			org: c.orgB, published: month(1), title: "Alpha en", translationOf: "beta"})
		for _, tt := range []struct {
			prefer string
			want   []string
		}{
			{"", []string{"gamma", "beta", "alpha"}},
			{"ro", []string{"alpha-ro", "gamma", "beta"}},
			{"en", []string{"gamma", "beta-en", "alpha"}},
			{"fr", []string{"beta", "gamma", "alpha"}},
		} {
			list, total, err := store.ListPractices(t.Context(), anonymous, models.PracticeFilter{Group: true, Prefer: tt.prefer})
			if err != nil || total != 3 || !slices.Equal(practiceSlugs(list), tt.want) {
				t.Errorf("prefer %q: %v (total %d, %v), want %v", tt.prefer, practiceSlugs(list), total, err, tt.want)
			}
		}
		// Related: sharing a topic, not the note's own group, translations once.
		alpha, err := store.PracticeBySlug(t.Context(), anonymous, "alpha")
		if err != nil {
			t.Fatal(err)
		}
		rel, err := store.RelatedPractices(t.Context(), anonymous, alpha, "en", 5)
		if err != nil || !slices.Equal(practiceSlugs(rel), []string{"gamma"}) {
			t.Errorf("related to alpha (anonymous): %v %v", practiceSlugs(rel), err)
		}
		rel, err = store.RelatedPractices(t.Context(), member, alpha, "en", 5)
		if err != nil || !slices.Equal(practiceSlugs(rel), []string{"delta", "gamma"}) {
			t.Errorf("related to alpha (member): %v %v", practiceSlugs(rel), err)
		}
	})
}

// TestListTotalFollowsEveryFilter: a list's total is what it lists for each
// kind of filter alone, grouped or not (the total of an ungrouped list with
// only a target group chosen once came from the unfiltered kept count).
func TestListTotalFollowsEveryFilter(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		seedCorpus(t, store)
		filters := map[string]models.PracticeFilter{
			"target":    {Target: models.TargetGroups().Terms()[0]},
			"indicator": {Indicator: models.Indicators().Terms()[0]},
			"country":   {Country: "FR"},
			"topic":     {Topic: "outreach"},
			"sector":    {Sector: "A"},
			"language":  {Language: "ro"},
		}
		for name, f := range filters {
			for _, group := range []bool{false, true} {
				f.Group = group
				f.PerPage = 100
				list, total, err := store.ListPractices(t.Context(), anonymous, f)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if total != int64(len(list)) {
					t.Errorf("%s (grouped %v): total %d, lists %d", name, group, total, len(list))
				}
			}
		}
	})
}
