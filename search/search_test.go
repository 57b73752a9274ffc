package search

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"proact/models"
)

// TestSearch runs the search behaviour over one fixture (see fixture_test.go).
func TestSearch(t *testing.T) {
	f, err := buildFixture(t)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("facets counted hit by hit as by bitmaps", func(t *testing.T) {
		defer func(c int) { perValueCost = c }(perValueCost)
		queries := []Query{
			{Text: "workers"},
			{Text: "workers", Countries: []string{"FR", "RO", "IE"}},
			{Text: "workers", Topics: []string{"recruitment"}, Sectors: []string{"A"}},
			{Text: "debt bondage", Countries: []string{"FR"}, Kinds: []string{KindPractice}},
			{Kinds: []string{KindOrganisation}},
			{Languages: []string{"fr", "en"}, Years: []string{"2025"}},
			{Text: "helpdesk OR seasonal", OrgTypes: []string{"shelter"}},
			{Text: "farm", Countries: []string{"NL"}, Topics: []string{"recruitment"}, Kinds: []string{KindPractice, KindOrganisation}},
		}
		counted := 0
		for _, v := range []models.Viewer{visitor, member} {
			for _, q := range queries {
				perValueCost = 1 << 20 // always one by one
				byDoc := f.search(t, v, q)
				perValueCost = 0 // always bitmaps
				byBitmap := f.search(t, v, q)
				if !reflect.DeepEqual(byDoc.Facets, byBitmap.Facets) || byDoc.Total != byBitmap.Total {
					t.Errorf("%+v: one by one %d %v\nbitmaps %d %v", q, byDoc.Total, byDoc.Facets, byBitmap.Total, byBitmap.Facets)
				}
				for _, fc := range byDoc.Facets {
					for _, fv := range fc.Values {
						if fv.Count > 0 {
							counted++
						}
					}
				}
			}
		}
		if counted < 20 {
			t.Fatalf("only %d facet values counted: the queries check too little", counted)
		}
	})
	t.Run("pruned plans find the same, in the same order", func(t *testing.T) {
		defer func() { pruning = true }()
		queries := []Query{
			{Text: "workers"}, {Text: "seasonal workers"}, {Text: "travailleurs saisonniers"},
			{Text: "debt bondage"}, {Text: "debt bondage", NoExpand: true}, {Text: "recruitment fees housing"},
			{Text: `"seasonal workers"`}, {Text: `"servitude pour dettes"`}, {Text: "farm OR vignobles"},
			{Text: "workers -dairy"}, {Text: `debt -"dairy farms"`}, {Text: "zzzabsent"}, {Text: "zzzabsent -workers"},
			{Text: "strawbery"}, {Text: "helpdesk domestic"}, {Text: "εργάτες γης"}, {Text: "pracownicy sezonowi"},
			{Text: "workers", Countries: []string{"FR", "IE"}}, {Text: "robie OR zzzabsent"},
		}
		compared := 0
		for _, v := range []models.Viewer{visitor, member} {
			for _, q := range queries {
				pruning = false
				whole := f.search(t, v, q)
				pruning = true
				pruned := f.search(t, v, q)
				// One factor, the query norm, may scale every score of a
				// search: the same hits in the same order, scores in proportion.
				ws, ps := scores(whole), scores(pruned)
				proportional := len(ws) == len(ps)
				for i := range ws {
					if proportional && math.Abs(ps[i]/ps[0]-ws[i]/ws[0]) > 1e-9 {
						proportional = false
					}
				}
				whole.Took, pruned.Took = 0, 0
				for i := range whole.Hits {
					whole.Hits[i].Score = 0
				}
				for i := range pruned.Hits {
					pruned.Hits[i].Score = 0
				}
				if !proportional || !reflect.DeepEqual(whole, pruned) {
					t.Errorf("%+v:\nwhole  %d %v %v\npruned %d %v %v", q, whole.Total, slugs(whole), ws, pruned.Total, slugs(pruned), ps)
				}
				if whole.Total > 0 {
					compared++
				}
			}
		}
		if compared < 20 {
			t.Fatalf("only %d searches found something: the comparison checks too little", compared)
		}
	})
	t.Run("searches at once find what one at a time does", func(t *testing.T) {
		queries := []Query{{Text: "workers"}, {Text: "debt bondage"}, {Text: "farm OR vignobles"},
			{Text: "workers", Countries: []string{"FR", "IE"}}, {Text: "strawbery"}, {Text: "seasonal workers", NoGroup: true}}
		want := make([]*Result, len(queries))
		for i, q := range queries {
			want[i] = f.search(t, visitor, q)
			want[i].Took = 0
		}
		errs := make(chan string, 8*len(queries))
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i, q := range queries {
					got, err := f.ix.Search(context.Background(), visitor, q)
					if err != nil {
						errs <- err.Error()
						continue
					}
					got.Took = 0
					if !reflect.DeepEqual(got, want[i]) {
						errs <- fmt.Sprintf("%q: %v, alone %v", q.Text, slugs(got), slugs(want[i]))
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	})
	t.Run("each language by its own rules", func(t *testing.T) {
		for _, c := range []struct{ q, want string }{
			{"travailleurs saisonniers", "t-saison-fr"},        // French plurals, stemmed
			{"travailleur saisonnier etranger", "t-saison-fr"}, // accents typed or not
			{"pracownikami sezonowymi", "t-pl"},                // Polish inflection
			{"pracownik sezonowy", "t-pl"},
			{"εργατες", "t-el"},                    // Greek without accents
			{"ΕΡΓΆΤΕΣ ΓΗΣ", "t-el"},                // and in capitals
			{"robie prin indatorare", "t-debt-ro"}, // Romanian without diacritics
		} {
			res := f.search(t, visitor, Query{Text: c.q, NoExpand: true})
			if !slices.Contains(slugs(res), c.want) {
				t.Errorf("%q: %v, want %s", c.q, slugs(res), c.want)
			}
		}
	})
	t.Run("names acronyms and numbers in any language", func(t *testing.T) {
		res := f.search(t, visitor, Query{Text: "Rotterdam"})
		langs := map[string]bool{}
		for _, h := range res.Hits {
			langs[h.Language] = true
		}
		if len(langs) < 2 {
			t.Errorf("Rotterdam found in %v only", langs)
		}
	})
	t.Run("glossary expands across languages", func(t *testing.T) {
		res := f.search(t, visitor, Query{Text: "debt bondage"})
		got := slugs(res)
		for _, want := range []string{"t-debt-en", "t-debt-fr", "t-debt-ro"} {
			if !slices.Contains(got, want) {
				t.Errorf("debt bondage: %v, want %s", got, want)
			}
		}
		if len(got) == 0 || got[0] != "t-debt-en" {
			t.Errorf("the words typed should rank first: %v", got)
		}
		if len(res.Expanded) != 1 || res.Expanded[0].ID != "debt-bondage" || res.Expanded[0].Matched != "debt bondage" {
			t.Errorf("expanded: %+v", res.Expanded)
		}
		off := f.search(t, visitor, Query{Text: "debt bondage", NoExpand: true})
		if slices.Contains(slugs(off), "t-debt-fr") || len(off.Expanded) != 0 {
			t.Errorf("expansion off still expanded: %v %+v", slugs(off), off.Expanded)
		}
		fr := f.search(t, visitor, Query{Text: "debt bondage", Languages: []string{"fr"}})
		if got := slugs(fr); len(got) != 1 || got[0] != "t-debt-fr" {
			t.Errorf("language filter with expansion: %v, want only t-debt-fr", got)
		}
		// Typed in Romanian, found in English and French.
		ro := slugs(f.search(t, visitor, Query{Text: "robie prin îndatorare"}))
		if !slices.Contains(ro, "t-debt-en") || !slices.Contains(ro, "t-debt-fr") {
			t.Errorf("robie prin îndatorare: %v", ro)
		}
	})
	t.Run("query syntax", func(t *testing.T) {
		for _, c := range []struct {
			q          string
			want, none []string
		}{
			{`"seasonal workers"`, []string{"riviera-hospitality-workers-union"}, nil},
			{`seasonal -strawberry`, nil, []string{"mobile-units-strawberry-fields"}},
			{`strawberry OR Schuldknechtschaft OR dairy`, []string{"mobile-units-strawberry-fields", "t-debt-en"}, nil},
		} {
			got := slugs(f.search(t, visitor, Query{Text: c.q, PerPage: 100, NoExpand: true}))
			for _, w := range c.want {
				if !slices.Contains(got, w) {
					t.Errorf("%s: %v, want %s", c.q, got, w)
				}
			}
			for _, n := range c.none {
				if slices.Contains(got, n) {
					t.Errorf("%s: %v has %s", c.q, got, n)
				}
			}
		}
	})
	t.Run("typo tolerance", func(t *testing.T) {
		res := f.search(t, visitor, Query{Text: "strawbery"})
		if !res.Fuzzy || res.Total == 0 || res.DidYouMean != "strawberry" {
			t.Errorf("strawbery: fuzzy %v, %d hits, did you mean %q", res.Fuzzy, res.Total, res.DidYouMean)
		}
		short := f.search(t, visitor, Query{Text: "shlter"}) // 6 letters: tolerated
		if short.Total == 0 {
			t.Errorf("shlter found nothing")
		}
		tiny := f.search(t, visitor, Query{Text: "seaz"}) // under five letters: exact only
		if tiny.Fuzzy {
			t.Errorf("seaz used typo tolerance")
		}
	})
	t.Run("all the words but one when nothing has them all", func(t *testing.T) {
		// A word no document uses would hide what the others find.
		res := f.search(t, visitor, Query{Text: "zqxnowhere saisonnier", NoExpand: true})
		if got := slugs(res); !res.Relaxed || !slices.Contains(got, "t-saison-fr") {
			t.Errorf("zqxnowhere saisonnier: relaxed %v, %v", res.Relaxed, got)
		}
		if res.Fuzzy || res.DidYouMean != "" {
			t.Errorf("zqxnowhere saisonnier: fuzzy %v, did you mean %q", res.Fuzzy, res.DidYouMean)
		}
		// With the glossary: the concept the other words name, in every
		// language.
		res = f.search(t, visitor, Query{Text: "zqxnowhere debt bondage"})
		got := slugs(res)
		for _, want := range []string{"t-debt-en", "t-debt-fr", "t-debt-ro"} {
			if !res.Relaxed || !slices.Contains(got, want) || len(res.Expanded) != 1 {
				t.Errorf("zqxnowhere debt bondage: relaxed %v, %v, want %s; expanded %+v", res.Relaxed, got, want, res.Expanded)
			}
		}
		for _, q := range []string{"travailleur saisonnier", "saisonnier", "zqxnowhere", "zqxnowhere zqxnothere"} {
			if res := f.search(t, visitor, Query{Text: q}); res.Relaxed {
				t.Errorf("%s: relaxed with %d hits", q, res.Total)
			}
		}
		// Every word found, but not with the filters chosen: no relaxing,
		// and the kind facet says where they are.
		filtered := f.search(t, visitor, Query{Text: "domestic workers", Kinds: []string{KindPractice}, NoExpand: true})
		if filtered.Relaxed || filtered.Total != 0 || valueCount(facet(filtered, fKind), KindOrganisation) == 0 {
			t.Errorf("domestic workers among notes: relaxed %v, %d hits, kinds %v", filtered.Relaxed, filtered.Total, facet(filtered, fKind))
		}
		// Three words, two of them in one note: found; one of three: not.
		if res := f.search(t, visitor, Query{Text: "dairy zqxnowhere bondage", NoExpand: true}); !res.Relaxed || !slices.Contains(slugs(res), "t-debt-en") {
			t.Errorf("dairy zqxnowhere bondage: relaxed %v, %v", res.Relaxed, slugs(res))
		}
		if res := f.search(t, visitor, Query{Text: "dairy zqxnowhere zqxnothere", NoExpand: true}); res.Total != 0 {
			t.Errorf("dairy and two unknown words: %d hits %v", res.Total, slugs(res))
		}
		// A stop word is not one of the words kept: "the" (English) or
		// "de" (French, Romanian...) with an unknown word found every
		// document with "the" or "de", in the neutral field and the fields
		// of languages where it is no stop word.
		for _, q := range []string{"the zqxnowhere", "de zqxnowhere", "of the zqxnowhere"} {
			if res := f.search(t, visitor, Query{Text: q}); res.Total != 0 {
				t.Errorf("%s: %d hits %v (relaxed %v)", q, res.Total, slugs(res), res.Relaxed)
			}
		}
		// A concept of two words is two of the words: "all but one" of
		// "debt bondage strawberry harvest" is not "strawberry harvest".
		for _, expand := range []bool{true, false} {
			res := f.search(t, visitor, Query{Text: "debt bondage strawberry harvest", NoExpand: !expand})
			if slices.Contains(slugs(res), "mobile-units-strawberry-fields") {
				t.Errorf("debt bondage strawberry harvest (expand %v): relaxed %v, %v", expand, res.Relaxed, slugs(res))
			}
		}
		if res := f.search(t, visitor, Query{Text: "the dairy zqxnowhere bondage", NoExpand: true}); !res.Relaxed || !slices.Contains(slugs(res), "t-debt-en") {
			t.Errorf("the dairy zqxnowhere bondage: relaxed %v, %v", res.Relaxed, slugs(res))
		}
	})
	t.Run("organisations are searchable", func(t *testing.T) {
		res := f.search(t, visitor, Query{Text: "helpdesk domestic", Kinds: []string{KindOrganisation}})
		if got := slugs(res); len(got) != 1 || got[0] != "t-contact" {
			t.Errorf("helpdesk: %v", got)
		}
	})
	t.Run("snippets are escaped and marked", func(t *testing.T) {
		res := f.search(t, visitor, Query{Text: "zqxpayload"})
		if len(res.Hits) != 1 {
			t.Fatalf("payload: %d hits", len(res.Hits))
		}
		s := res.Hits[0].SnippetHTML
		if strings.Contains(s, "<img") || strings.Contains(s, "<script") || !strings.Contains(s, "<mark>zqxpayload</mark>") {
			t.Errorf("snippet: %s", s)
		}
		if res.Hits[0].Title != `Alert <script>alert(1)</script> "quoted" & more` {
			t.Errorf("title is kept as typed (the page escapes it): %q", res.Hits[0].Title)
		}
	})
	t.Run("facets combine OR within and AND across", func(t *testing.T) {
		all := f.search(t, visitor, Query{Text: "workers", PerPage: 100})
		fr := f.search(t, visitor, Query{Text: "workers", Countries: []string{"FR"}, PerPage: 100})
		frro := f.search(t, visitor, Query{Text: "workers", Countries: []string{"FR", "RO"}, PerPage: 100})
		frroPractice := f.search(t, visitor, Query{Text: "workers", Countries: []string{"FR", "RO"}, Kinds: []string{KindPractice}, PerPage: 100})
		if !(fr.Total < frro.Total && frro.Total <= all.Total && frroPractice.Total <= frro.Total) {
			t.Errorf("totals: all %d, FR %d, FR|RO %d, (FR|RO)&practice %d", all.Total, fr.Total, frro.Total, frroPractice.Total)
		}
		// The country facet of a country selection still counts the other
		// countries (what choosing them would add), and marks the chosen.
		c := facet(fr, fCountry)
		if valueCount(c, "FR") != fr.Total || valueCount(c, "RO") == 0 || !selected(c, "FR") {
			t.Errorf("country facet with FR chosen: %+v", c)
		}
		// The kind facet counts the results as listed: a note with its
		// translations once.
		var sum uint64
		for _, k := range Kinds {
			sum += valueCount(facet(all, fKind), k)
		}
		if sum != all.Total {
			t.Errorf("kind counts %d, total %d: %+v", sum, all.Total, facet(all, fKind))
		}
		apart := f.search(t, visitor, Query{Text: "workers", PerPage: 100, NoGroup: true})
		if apart.Total <= all.Total || valueCount(facet(apart, fKind), KindPractice) != valueCount(facet(all, fKind), KindPractice)+apart.Total-all.Total {
			t.Errorf("grouped %d, apart %d: the demo's translations should make a difference (%+v / %+v)", all.Total, apart.Total, facet(all, fKind), facet(apart, fKind))
		}
	})
	t.Run("sort by date and pages", func(t *testing.T) {
		res := f.search(t, visitor, Query{Text: "workers", Sort: SortDate, PerPage: 5})
		for i := 1; i < len(res.Hits); i++ {
			if res.Hits[i].Date.After(res.Hits[i-1].Date) {
				t.Errorf("not newest first: %v then %v", res.Hits[i-1].Date, res.Hits[i].Date)
			}
		}
		p1 := slugs(f.search(t, visitor, Query{Text: "workers", PerPage: 3, Page: 1}))
		p2 := slugs(f.search(t, visitor, Query{Text: "workers", PerPage: 3, Page: 2}))
		for _, s := range p2 {
			if slices.Contains(p1, s) {
				t.Errorf("page 2 repeats %s of page 1", s)
			}
		}
	})
	t.Run("suggestions", func(t *testing.T) {
		// A prefix of the indexed lengths (two to four), a longer one (a
		// prefix query), whole words before it, a whole word as the last.
		for _, typed := range []string{"straw", "strawb", "st", "mobile units in the strawb", "Mobile Units", "strawberry"} {
			s, err := f.ix.Suggest(context.Background(), visitor, typed, 5)
			if err != nil || len(s) == 0 || !slices.ContainsFunc(s, func(s Suggestion) bool { return s.Slug == "mobile-units-strawberry-fields" }) && typed != "st" {
				t.Errorf("suggest %q: %+v, %v", typed, s, err)
			}
		}
		if s, _ := f.ix.Suggest(context.Background(), visitor, "strawbz", 5); len(s) != 0 {
			t.Errorf("suggest strawbz: %+v", s)
		}
	})
	t.Run("nothing leaks", func(t *testing.T) { testNothingLeaks(t, f) })
	t.Run("hostile queries", func(t *testing.T) { testHostileQueries(t, f) })
}

func facet(res *Result, name string) []FacetValue {
	for _, f := range res.Facets {
		if f.Name == name {
			return f.Values
		}
	}
	return nil
}

func valueCount(vals []FacetValue, v string) uint64 {
	for _, x := range vals {
		if x.Value == v {
			return x.Count
		}
	}
	return 0
}

func selected(vals []FacetValue, v string) bool {
	for _, x := range vals {
		if x.Value == v {
			return x.Selected
		}
	}
	return false
}

// testNothingLeaks plants a canary word in each private place and checks
// that a visitor gets no hit, snippet, facet count, suggestion or "did you
// mean" for it; a member finds the members-only one and nothing else.
func testNothingLeaks(t *testing.T, f *fixture) {
	ctx := context.Background()
	for _, c := range []struct {
		word        string
		memberFinds bool
	}{
		{canaryMembers, true}, {canaryDraft, false}, {canaryPending, false}, {canaryContact, false},
	} {
		for _, v := range []struct {
			name   string
			sees   bool
			viewer models.Viewer
		}{{"visitor", false, visitor}, {"member", c.memberFinds, member}} {
			viewer := v.viewer
			// Exact, one typo away, and beside a word nothing has (the
			// relaxed plan).
			for _, typed := range []string{c.word, c.word[:len(c.word)-1] + "x", c.word + " zqxabsentword"} {
				res := f.search(t, viewer, Query{Text: typed})
				found := res.Total > 0
				if found != v.sees {
					t.Errorf("%s searching %q: %d hits, want found=%v", v.name, typed, res.Total, v.sees)
				}
				if !v.sees && (res.DidYouMean != "" || len(res.Hits) > 0) {
					t.Errorf("%s searching %q: did you mean %q, hits %v", v.name, typed, res.DidYouMean, slugs(res))
				}
				for _, fc := range res.Facets {
					if !v.sees && len(fc.Values) > 0 {
						t.Errorf("%s searching %q: facet %s counts %v", v.name, typed, fc.Name, fc.Values)
					}
				}
			}
			s, err := f.ix.Suggest(ctx, viewer, c.word[:8], 10)
			if err != nil {
				t.Fatal(err)
			}
			if (len(s) > 0) != v.sees {
				t.Errorf("%s suggest %q: %+v", v.name, c.word[:8], s)
			}
		}
	}
	// Facet counts of a broad query: the members-only note's country and
	// sector (MT, U) count for members only.
	for _, v := range []struct {
		viewer   models.Viewer
		isMember bool
	}{{visitor, false}, {member, true}} {
		all := f.search(t, v.viewer, Query{Kinds: []string{KindPractice}, PerPage: 100})
		if got := valueCount(facet(all, fCountry), "MT") > 0 || valueCount(facet(all, fSector), "U") > 0; got != v.isMember {
			t.Errorf("member=%v: the members-only note counted in facets: %v", v.isMember, got)
		}
	}
}

// testHostileQueries sends the attack corpora as queries: never an error,
// snippets never carry markup but <mark>.
func testHostileQueries(t *testing.T, f *fixture) {
	for _, q := range hostileQueries(t) {
		res, err := f.ix.Search(context.Background(), visitor, Query{Text: q})
		if err != nil {
			t.Errorf("%q: %v", q, err)
			continue
		}
		for _, h := range res.Hits {
			clean := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(h.SnippetHTML)
			if strings.ContainsAny(clean, "<>") {
				t.Errorf("%q: snippet with markup: %s", q, h.SnippetHTML)
			}
		}
		if _, err := f.ix.Suggest(context.Background(), visitor, q, 5); err != nil {
			t.Errorf("suggest %q: %v", q, err)
		}
	}
}

func scores(res *Result) []float64 {
	var out []float64
	for _, h := range res.Hits {
		out = append(out, h.Score)
	}
	return out
}
