package models_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"proact/models"
	"proact/models/modelstest"
)

func practiceSlugs(list []models.Practice) []string {
	out := make([]string, 0, len(list))
	for _, p := range list {
		out = append(out, p.Slug)
	}
	return out
}

func month(m time.Month) time.Time { return time.Date(2024, m, 1, 9, 0, 0, 0, time.UTC) }

// corpus is the fixture of the listing tests.
type corpus struct {
	orgA, orgB *models.Organisation
	notes      map[string]*models.Practice
}

// seedCorpus saves two approved organisations, one pending, and six notes:
//
//	slug     lang countries topics            sectors visibility status    published title
//	alpha    en   FR EU     outreach          A       public     published 2024-01   Zeta
//	beta     fr   FR        referral          A C     public     published 2024-02   Alpha
//	gamma    en   DE        outreach referral C       public     published 2024-03   Mu
//	delta    de   AT        outreach          A       members    published 2024-04   Beta
//	epsilon  it   IT        outreach shelter  F       public     draft     2024-05   Epsilon
//	zeta     en   IT        shelter           F       members    draft     2024-06   Omega
//
// Anonymous visitors see alpha, beta, gamma; members also delta; nobody the drafts.
func seedCorpus(t *testing.T, store *models.Store) corpus {
	t.Helper()
	c := corpus{
		orgA:  saveOrg(t, store, "ngo-a", models.OrgApproved),
		orgB:  saveOrg(t, store, "union-b", models.OrgApproved),
		notes: map[string]*models.Practice{},
	}
	saveOrg(t, store, "pending-c", models.OrgPending)
	for _, n := range []note{
		{slug: "alpha", lang: "en", countries: []string{"FR", "EU"}, topics: []string{"outreach"}, sectors: []string{"A"},
			org: c.orgA, published: month(1), title: "Zeta"},
		{slug: "beta", lang: "fr", countries: []string{"FR"}, topics: []string{"referral"}, sectors: []string{"A", "C"},
			org: c.orgB, published: month(2), title: "Alpha"},
		{slug: "gamma", lang: "en", countries: []string{"DE"}, topics: []string{"outreach", "referral"}, sectors: []string{"C"},
			org: c.orgB, published: month(3), title: "Mu"},
		{slug: "delta", lang: "de", countries: []string{"AT"}, topics: []string{"outreach"}, sectors: []string{"A"},
			org: c.orgA, published: month(4), title: "Beta", visibility: models.VisibilityMembers},
		{slug: "epsilon", lang: "it", countries: []string{"IT"}, topics: []string{"outreach", "shelter"}, sectors: []string{"F"},
			org: c.orgA, published: month(5), title: "Epsilon", status: models.StatusDraft},
		{slug: "zeta", lang: "en", countries: []string{"IT"}, topics: []string{"shelter"}, sectors: []string{"F"},
			org: c.orgB, published: month(6), title: "Omega", status: models.StatusDraft, visibility: models.VisibilityMembers},
	} {
		c.notes[n.slug] = savePractice(t, store, n)
	}
	return c
}

func TestListPracticesFilters(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		c := seedCorpus(t, store)
		cases := []struct {
			name          string
			f             models.PracticeFilter
			anon, members []string // newest first
		}{
			{"no filter", models.PracticeFilter{}, []string{"gamma", "beta", "alpha"}, []string{"delta", "gamma", "beta", "alpha"}},
			{"country FR", models.PracticeFilter{Country: "FR"}, []string{"beta", "alpha"}, []string{"beta", "alpha"}},
			{"country AT (members-only note)", models.PracticeFilter{Country: "AT"}, []string{}, []string{"delta"}},
			{"country IT (drafts only)", models.PracticeFilter{Country: "IT"}, []string{}, []string{}},
			{"country EU", models.PracticeFilter{Country: "EU"}, []string{"alpha"}, []string{"alpha"}},
			{"language en", models.PracticeFilter{Language: "en"}, []string{"gamma", "alpha"}, []string{"gamma", "alpha"}},
			{"language de", models.PracticeFilter{Language: "de"}, []string{}, []string{"delta"}},
			{"topic outreach", models.PracticeFilter{Topic: "outreach"}, []string{"gamma", "alpha"}, []string{"delta", "gamma", "alpha"}},
			{"topic shelter (drafts only)", models.PracticeFilter{Topic: "shelter"}, []string{}, []string{}},
			{"sector A", models.PracticeFilter{Sector: "A"}, []string{"beta", "alpha"}, []string{"delta", "beta", "alpha"}},
			{"sector C", models.PracticeFilter{Sector: "C"}, []string{"gamma", "beta"}, []string{"gamma", "beta"}},
			{"org A", models.PracticeFilter{OrgID: c.orgA.ID}, []string{"alpha"}, []string{"delta", "alpha"}},
			{"org B", models.PracticeFilter{OrgID: c.orgB.ID}, []string{"gamma", "beta"}, []string{"gamma", "beta"}},
			{"unknown org", models.PracticeFilter{OrgID: 999999}, []string{}, []string{}},
			{"country FR + topic referral", models.PracticeFilter{Country: "FR", Topic: "referral"}, []string{"beta"}, []string{"beta"}},
			{"language en + topic outreach + sector C", models.PracticeFilter{Language: "en", Topic: "outreach", Sector: "C"},
				[]string{"gamma"}, []string{"gamma"}},
			{"org A + country FR", models.PracticeFilter{OrgID: c.orgA.ID, Country: "FR"}, []string{"alpha"}, []string{"alpha"}},
			{"org B + language de", models.PracticeFilter{OrgID: c.orgB.ID, Language: "de"}, []string{}, []string{}},
			{"country FR + sector C + org B", models.PracticeFilter{Country: "FR", Sector: "C", OrgID: c.orgB.ID},
				[]string{"beta"}, []string{"beta"}},
			{"org A + topic outreach + sector A", models.PracticeFilter{OrgID: c.orgA.ID, Topic: "outreach", Sector: "A"},
				[]string{"alpha"}, []string{"delta", "alpha"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				for _, vc := range []struct {
					name string
					v    models.Viewer
					want []string
				}{{"anonymous", anonymous, tc.anon}, {"member", member, tc.members}} {
					list, total, err := store.ListPractices(t.Context(), vc.v, tc.f)
					if err != nil {
						t.Fatalf("%s: ListPractices: %v", vc.name, err)
					}
					if got := practiceSlugs(list); !slices.Equal(got, vc.want) || total != int64(len(vc.want)) {
						t.Errorf("%s: ListPractices = %v (total %d), want %v (total %d)", vc.name, got, total, vc.want, len(vc.want))
					}
				}
			})
		}

		// Listed notes carry their terms and organisation, but not their bodies.
		list, _, err := store.ListPractices(t.Context(), member, models.PracticeFilter{Country: "AT"})
		if err != nil || len(list) != 1 {
			t.Fatalf("ListPractices(AT) = %v, %v", practiceSlugs(list), err)
		}
		d := list[0]
		if !slices.Equal(d.Countries, []string{"AT"}) || !slices.Equal(d.Topics, []string{"outreach"}) ||
			d.Organisation == nil || d.Organisation.Slug != "ngo-a" || d.BodyMD != "" {
			t.Errorf("listed note = countries %v topics %v organisation %+v body %q", d.Countries, d.Topics, d.Organisation, d.BodyMD)
		}
	})
}

func TestListPracticesSortAndPaging(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		seedCorpus(t, store)
		cases := []struct {
			name string
			f    models.PracticeFilter
			want []string
		}{
			{"default is newest", models.PracticeFilter{}, []string{"delta", "gamma", "beta", "alpha"}},
			{"newest", models.PracticeFilter{ListOptions: models.ListOptions{Sort: "newest"}}, []string{"delta", "gamma", "beta", "alpha"}},
			{"oldest", models.PracticeFilter{ListOptions: models.ListOptions{Sort: "oldest"}}, []string{"alpha", "beta", "gamma", "delta"}},
			{"title", models.PracticeFilter{ListOptions: models.ListOptions{Sort: "title"}}, []string{"beta", "delta", "gamma", "alpha"}},
			{"unknown sort is newest", models.PracticeFilter{ListOptions: models.ListOptions{Sort: "popular"}}, []string{"delta", "gamma", "beta", "alpha"}},
			{"page 1 of 3 per page", models.PracticeFilter{ListOptions: models.ListOptions{PerPage: 3, Page: 1}}, []string{"delta", "gamma", "beta"}},
			{"page 2 of 3 per page", models.PracticeFilter{ListOptions: models.ListOptions{PerPage: 3, Page: 2}}, []string{"alpha"}},
			{"page past the end", models.PracticeFilter{ListOptions: models.ListOptions{PerPage: 3, Page: 3}}, []string{}},
			{"page 0 is page 1", models.PracticeFilter{ListOptions: models.ListOptions{PerPage: 3, Page: 0}}, []string{"delta", "gamma", "beta"}},
			{"negative page is page 1", models.PracticeFilter{ListOptions: models.ListOptions{PerPage: 3, Page: -4}}, []string{"delta", "gamma", "beta"}},
			{"oldest, page 2 of 2 per page", models.PracticeFilter{ListOptions: models.ListOptions{Sort: "oldest", PerPage: 2, Page: 2}}, []string{"gamma", "delta"}},
			{"title, page 2 of 3 per page", models.PracticeFilter{ListOptions: models.ListOptions{Sort: "title", PerPage: 3, Page: 2}}, []string{"alpha"}},
			{"huge PerPage is clamped", models.PracticeFilter{ListOptions: models.ListOptions{PerPage: 1_000_000}}, []string{"delta", "gamma", "beta", "alpha"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				list, total, err := store.ListPractices(t.Context(), member, tc.f)
				if err != nil {
					t.Fatalf("ListPractices: %v", err)
				}
				if got := practiceSlugs(list); !slices.Equal(got, tc.want) {
					t.Errorf("ListPractices = %v, want %v", got, tc.want)
				}
				if total != 4 {
					t.Errorf("total = %d, want 4 whatever the page", total)
				}
			})
		}
	})
}

func TestPracticeFilterNormalise(t *testing.T) {
	const inject = "' OR 1=1 --"
	cases := []struct {
		name string
		in   models.PracticeFilter
		want models.PracticeFilter
	}{
		{"valid values are kept",
			models.PracticeFilter{Country: "FR", Language: "fr", Topic: "outreach", Sector: "A", OrgID: 7, ListOptions: models.ListOptions{Sort: "title", Page: 3, PerPage: 50}},
			models.PracticeFilter{Country: "FR", Language: "fr", Topic: "outreach", Sector: "A", OrgID: 7, ListOptions: models.ListOptions{Sort: "title", Page: 3, PerPage: 50}}},
		{"unknown vocabulary values are dropped",
			models.PracticeFilter{Country: "XX", Language: "klingon", Topic: "gardening", Sector: "Z", ListOptions: models.ListOptions{Sort: "oldest", Page: 1, PerPage: 10}},
			models.PracticeFilter{ListOptions: models.ListOptions{Sort: "oldest", Page: 1, PerPage: 10}}},
		{"terms are case-sensitive",
			models.PracticeFilter{Country: "fr", Language: "FR", Topic: "Outreach", Sector: "a", ListOptions: models.ListOptions{Sort: "newest", Page: 1, PerPage: 10}},
			models.PracticeFilter{ListOptions: models.ListOptions{Sort: "newest", Page: 1, PerPage: 10}}},
		{"hostile values are dropped",
			models.PracticeFilter{Country: inject, Language: inject, Topic: "outreach'; DROP TABLE practices; --", Sector: inject, ListOptions: models.ListOptions{Sort: "title; DROP TABLE practices", Page: 1, PerPage: 10}},
			models.PracticeFilter{ListOptions: models.ListOptions{Sort: "newest", Page: 1, PerPage: 10}}},
		{"PerPage 100 is allowed", models.PracticeFilter{ListOptions: models.ListOptions{Sort: "newest", Page: 1, PerPage: 100}},
			models.PracticeFilter{ListOptions: models.ListOptions{Sort: "newest", Page: 1, PerPage: 100}}},
		{"PerPage 1 is allowed", models.PracticeFilter{ListOptions: models.ListOptions{Sort: "newest", Page: 1, PerPage: 1}},
			models.PracticeFilter{ListOptions: models.ListOptions{Sort: "newest", Page: 1, PerPage: 1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.in.Normalise(); got != tc.want {
				t.Errorf("Normalise(%+v) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}

	// Paging is clamped whatever is asked.
	for _, in := range []struct{ page, perPage int }{{0, 0}, {-1, -1}, {-1 << 62, 101}, {1, 1 << 40}, {5, 1000}} {
		got := models.PracticeFilter{ListOptions: models.ListOptions{Page: in.page, PerPage: in.perPage}}.Normalise()
		if got.PerPage < 1 || got.PerPage > 100 {
			t.Errorf("Normalise(PerPage %d).PerPage = %d, want 1..100", in.perPage, got.PerPage)
		}
		if got.Page < 1 {
			t.Errorf("Normalise(Page %d).Page = %d, want ≥ 1", in.page, got.Page)
		}
		if got.Sort != models.PracticeSortNames()[0] {
			t.Errorf("Normalise(Sort \"\").Sort = %q, want the default %q", got.Sort, models.PracticeSortNames()[0])
		}
	}
}

func TestListPracticesHostileInput(t *testing.T) {
	hostile := []string{
		"title; DROP TABLE practices",
		"' OR 1=1 --",
		"x') OR 1=1 --",
		"newest; DELETE FROM practices",
		"published_at DESC; DROP TABLE practice_terms",
		"\x00",
		"FR' --",
	}
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		seedCorpus(t, store)
		want := []string{"delta", "gamma", "beta", "alpha"}
		for _, h := range hostile {
			for _, f := range []models.PracticeFilter{
				{ListOptions: models.ListOptions{Sort: h}}, {Country: h}, {Topic: h}, {Sector: h}, {Language: h},
				{ListOptions: models.ListOptions{Sort: h}, Country: h, Topic: h, Sector: h, Language: h},
			} {
				list, total, err := store.ListPractices(t.Context(), member, f)
				if err != nil {
					t.Errorf("ListPractices(%#v) error: %v", f, err)
					continue
				}
				if got := practiceSlugs(list); !slices.Equal(got, want) || total != 4 {
					t.Errorf("ListPractices(%#v) = %v (total %d), want the unfiltered %v", f, got, total, want)
				}
			}
		}
		for _, table := range []string{"practices", "practice_terms"} {
			var n int64
			if err := store.DB().Table(table).Count(&n).Error; err != nil || n == 0 {
				t.Errorf("table %s after hostile input: %d rows, %v", table, n, err)
			}
		}
		if all, err := store.AllPractices(t.Context()); err != nil || len(all) != 6 {
			t.Errorf("AllPractices after hostile input = %d notes, %v; want 6", len(all), err)
		}
	})
}

func TestPracticeVisibility(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		c := seedCorpus(t, store)
		// A translation that is members-only, of a public note.
		betaDE := savePractice(t, store, note{slug: "beta-de", lang: "de", translationOf: "beta", published: month(2),
			visibility: models.VisibilityMembers, countries: []string{"FR"}})
		// A draft translation: nobody sees it.
		savePractice(t, store, note{slug: "beta-it", lang: "it", translationOf: "beta", published: month(2),
			status: models.StatusDraft})

		viewers := []struct {
			name string
			v    models.Viewer
			sees map[string]bool
		}{
			{"anonymous", anonymous, map[string]bool{"alpha": true, "beta": true, "gamma": true}},
			{"member", member, map[string]bool{"alpha": true, "beta": true, "gamma": true, "delta": true, "beta-de": true}},
			{"admin", admin, map[string]bool{"alpha": true, "beta": true, "gamma": true, "delta": true, "beta-de": true}},
		}
		for _, vc := range viewers {
			t.Run(vc.name, func(t *testing.T) {
				v := vc.v
				for _, slug := range []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "beta-de", "beta-it"} {
					p, err := store.PracticeBySlug(ctx, v, slug)
					switch {
					case vc.sees[slug] && err != nil:
						t.Errorf("PracticeBySlug(%q): %v", slug, err)
					case vc.sees[slug] && p.Slug != slug:
						t.Errorf("PracticeBySlug(%q) returned %q", slug, p.Slug)
					case !vc.sees[slug] && !errors.Is(err, models.ErrNotFound):
						t.Errorf("PracticeBySlug(%q) error = %v, want ErrNotFound", slug, err)
					}
				}

				list, total, err := store.ListPractices(ctx, v, models.PracticeFilter{ListOptions: models.ListOptions{PerPage: 100}})
				if err != nil {
					t.Fatalf("ListPractices: %v", err)
				}
				for _, p := range list {
					if !vc.sees[p.Slug] {
						t.Errorf("ListPractices shows %q", p.Slug)
					}
				}
				if len(list) != len(vc.sees) || total != int64(len(vc.sees)) {
					t.Errorf("ListPractices = %v (total %d), want %d notes", practiceSlugs(list), total, len(vc.sees))
				}

				ids := []uint{c.notes["zeta"].ID, c.notes["delta"].ID, c.notes["epsilon"].ID, betaDE.ID, c.notes["alpha"].ID}
				byIDs, err := store.PracticesByIDs(ctx, v, ids)
				if err != nil {
					t.Fatalf("PracticesByIDs: %v", err)
				}
				var want []string
				for _, slug := range []string{"zeta", "delta", "epsilon", "beta-de", "alpha"} {
					if vc.sees[slug] {
						want = append(want, slug)
					}
				}
				if got := practiceSlugs(byIDs); !slices.Equal(got, want) {
					t.Errorf("PracticesByIDs = %v, want %v", got, want)
				}

				// The check of a page of search hits: those ids and the
				// group of beta (beta-it is a draft), in one query.
				found, err := store.SearchablePractices(ctx, v, ids, []string{"beta", ""})
				if err != nil {
					t.Fatalf("SearchablePractices: %v", err)
				}
				var wantFound []string
				for _, slug := range []string{"zeta", "delta", "epsilon", "beta-de", "alpha", "beta", "beta-it"} {
					if vc.sees[slug] && !slices.Contains(wantFound, slug) {
						wantFound = append(wantFound, slug)
					}
				}
				gotFound := practiceSlugs(found)
				slices.Sort(gotFound)
				slices.Sort(wantFound)
				if !slices.Equal(gotFound, wantFound) {
					t.Errorf("SearchablePractices = %v, want %v", gotFound, wantFound)
				}
				for _, p := range found {
					// What a visitor does not see, of what this viewer sees, is members-only.
					if members := !viewers[0].sees[p.Slug]; members != (p.Visibility == models.VisibilityMembers) {
						t.Errorf("SearchablePractices: %s has visibility %q", p.Slug, p.Visibility)
					}
				}
				if none, err := store.SearchablePractices(ctx, v, nil, []string{""}); err != nil || len(none) != 0 {
					t.Errorf("SearchablePractices(no ids, empty root) = %v, %v; want nothing", practiceSlugs(none), err)
				}

				tr, err := store.Translations(ctx, v, c.notes["beta"])
				if err != nil {
					t.Fatalf("Translations: %v", err)
				}
				wantTr := []string{}
				if vc.sees["beta-de"] {
					wantTr = []string{"beta-de"}
				}
				if got := practiceSlugs(tr); !slices.Equal(got, wantTr) {
					t.Errorf("Translations(beta) = %v, want %v", got, wantTr)
				}

				// Counts only include what the viewer may read: IT is only on drafts,
				// AT only on a members-only note.
				counts, err := store.PracticeTermCounts(ctx, v, models.Countries().Name())
				if err != nil {
					t.Fatalf("PracticeTermCounts: %v", err)
				}
				got := termCounts(counts)
				if _, ok := got["IT"]; ok {
					t.Errorf("country counts include IT, carried only by drafts: %v", got)
				}
				if _, ok := got["AT"]; ok != vc.sees["delta"] {
					t.Errorf("country counts %v: AT counted = %v, want %v", got, ok, vc.sees["delta"])
				}
				wantFR := int64(2)
				if vc.sees["beta-de"] {
					wantFR = 3
				}
				if got["FR"] != wantFR {
					t.Errorf("country counts: FR = %d, want %d", got["FR"], wantFR)
				}

				st, err := store.PracticeStats(ctx, v)
				if err != nil {
					t.Fatalf("PracticeStats: %v", err)
				}
				if st.Practices != int64(len(vc.sees)) {
					t.Errorf("PracticeStats.Practices = %d, want %d", st.Practices, len(vc.sees))
				}
			})
		}

		if got, err := store.PracticesByIDs(ctx, member, nil); err != nil || len(got) != 0 {
			t.Errorf("PracticesByIDs(nil) = %v, %v; want nothing", got, err)
		}
	})
}

func TestTranslationsLinkBothWays(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		notes := map[string]*models.Practice{}
		for _, n := range []note{
			{slug: "guide", lang: "en"},
			{slug: "guide-fr", lang: "fr", translationOf: "guide"},
			{slug: "guide-de", lang: "de", translationOf: "guide", visibility: models.VisibilityMembers},
			{slug: "guide-es", lang: "es", translationOf: "guide", status: models.StatusDraft},
			{slug: "other", lang: "en"},
			{slug: "other-fr", lang: "fr", translationOf: "other"},
			{slug: "alone", lang: "en"},
		} {
			notes[n.slug] = savePractice(t, store, n)
		}
		cases := []struct {
			slug          string
			anon, members []string // by language
		}{
			{"guide", []string{"guide-fr"}, []string{"guide-de", "guide-fr"}},
			{"guide-fr", []string{"guide"}, []string{"guide-de", "guide"}},
			{"guide-de", []string{"guide", "guide-fr"}, []string{"guide", "guide-fr"}},
			{"other", []string{"other-fr"}, []string{"other-fr"}},
			{"other-fr", []string{"other"}, []string{"other"}},
			{"alone", []string{}, []string{}},
		}
		for _, tc := range cases {
			for _, vc := range []struct {
				name string
				v    models.Viewer
				want []string
			}{{"anonymous", anonymous, tc.anon}, {"member", member, tc.members}} {
				list, err := store.Translations(ctx, vc.v, notes[tc.slug])
				if err != nil {
					t.Fatalf("Translations(%s): %v", tc.slug, err)
				}
				if got := practiceSlugs(list); !slices.Equal(got, vc.want) {
					t.Errorf("%s: Translations(%s) = %v, want %v", vc.name, tc.slug, got, vc.want)
				}
				for _, p := range list {
					if p.Slug == tc.slug || p.Title == "" || p.Language == "" {
						t.Errorf("%s: Translations(%s) entry = %+v", vc.name, tc.slug, p)
					}
				}
			}
		}
	})
}

func termCounts(list []models.TermCount) map[string]int64 {
	out := make(map[string]int64, len(list))
	for _, tc := range list {
		out[tc.Term] = tc.Count
	}
	return out
}

func TestPracticeTermCounts(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		seedCorpus(t, store)
		tc := func(term string, n int64) models.TermCount { return models.TermCount{Term: term, Count: n} }
		cases := []struct {
			vocab         string
			anon, members []models.TermCount // count descending, then term
		}{
			{models.Countries().Name(),
				[]models.TermCount{tc("FR", 2), tc("DE", 1), tc("EU", 1)},
				[]models.TermCount{tc("FR", 2), tc("AT", 1), tc("DE", 1), tc("EU", 1)}},
			{models.Topics().Name(),
				[]models.TermCount{tc("outreach", 2), tc("referral", 2)},
				[]models.TermCount{tc("outreach", 3), tc("referral", 2)}},
			{models.Sectors().Name(),
				[]models.TermCount{tc("A", 2), tc("C", 2)},
				[]models.TermCount{tc("A", 3), tc("C", 2)}},
			{models.Languages().Name(),
				[]models.TermCount{tc("en", 2), tc("fr", 1)},
				[]models.TermCount{tc("en", 2), tc("de", 1), tc("fr", 1)}},
			{models.Indicators().Name(), nil, nil},
		}
		for _, c := range cases {
			t.Run(c.vocab, func(t *testing.T) {
				for _, vc := range []struct {
					name string
					v    models.Viewer
					want []models.TermCount
				}{{"anonymous", anonymous, c.anon}, {"member", member, c.members}} {
					got, err := store.PracticeTermCounts(t.Context(), vc.v, c.vocab)
					if err != nil {
						t.Fatalf("%s: PracticeTermCounts: %v", vc.name, err)
					}
					if !slices.Equal(got, vc.want) {
						t.Errorf("%s: PracticeTermCounts(%s) = %v, want %v", vc.name, c.vocab, got, vc.want)
					}
				}
			})
		}
	})
}

func TestPracticeStats(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		empty, err := store.PracticeStats(t.Context(), member)
		if err != nil {
			t.Fatalf("PracticeStats on an empty database: %v", err)
		}
		if empty != (models.Stats{}) {
			t.Errorf("PracticeStats on an empty database = %+v, want zeros", empty)
		}
		seedCorpus(t, store)
		cases := []struct {
			name string
			v    models.Viewer
			want models.Stats
		}{
			// Countries: FR and DE (EU excluded); members also AT. Organisations: approved only.
			{"anonymous", anonymous, models.Stats{Practices: 3, Organisations: 2, Countries: 2, Languages: 2}},
			{"member", member, models.Stats{Practices: 4, Organisations: 2, Countries: 3, Languages: 3}},
			{"admin", admin, models.Stats{Practices: 4, Organisations: 2, Countries: 3, Languages: 3}},
		}
		for _, tc := range cases {
			got, err := store.PracticeStats(t.Context(), tc.v)
			if err != nil {
				t.Fatalf("%s: PracticeStats: %v", tc.name, err)
			}
			if got != tc.want {
				t.Errorf("%s: PracticeStats = %+v, want %+v", tc.name, got, tc.want)
			}
		}
	})
}
