package search

import (
	"fmt"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/search/query"
)

// countFuzzy counts the fuzzy queries of a plan.
func countFuzzy(q query.Query) int {
	switch q := q.(type) {
	case *query.FuzzyQuery:
		return 1
	case *query.DisjunctionQuery:
		n := 0
		for _, c := range q.Disjuncts {
			n += countFuzzy(c)
		}
		return n
	case *query.ConjunctionQuery:
		n := 0
		for _, c := range q.Conjuncts {
			n += countFuzzy(c)
		}
		return n
	case *query.BooleanQuery:
		return countFuzzy(q.Must) + countFuzzy(q.Should) + countFuzzy(q.MustNot)
	}
	return 0
}

// countTerms counts the term queries of a plan: what the index is asked.
func countTerms(q query.Query) int {
	switch q := q.(type) {
	case *query.TermQuery, *query.MultiPhraseQuery, *query.FuzzyQuery:
		return 1
	case *query.DisjunctionQuery:
		n := 0
		for _, c := range q.Disjuncts {
			n += countTerms(c)
		}
		return n
	case *query.ConjunctionQuery:
		n := 0
		for _, c := range q.Conjuncts {
			n += countTerms(c)
		}
		return n
	case *query.BooleanQuery:
		return countTerms(q.Must) + countTerms(q.Should) + countTerms(q.MustNot)
	}
	return 0
}

// Found from outside (issue 9): a query of 24 long misspelt words asked for
// 24 fuzzy scans of the dictionary (0.4 s at 3,000 notes, growing with the
// index), and the same word typed 24 times was searched 24 times over
// every language and the glossary (0.45 s).
func TestHostileQueriesStayBounded(t *testing.T) {
	g, err := embeddedGlossary()
	if err != nil {
		t.Fatal(err)
	}
	langs := []string{"en", "fr", "de", "ro", "pl", "nl"}
	b := &builder{langs: langs, an: sharedAnalyzers(), gloss: g, expand: true, fuzzy: true}
	var words []string
	for i := range 24 {
		words = append(words, fmt.Sprintf("verylongmisspelledword%dxyz", i))
	}
	if n := countFuzzy(b.build(strings.Join(words, " ")).q); n > maxFuzzyWords {
		t.Errorf("%d fuzzy queries for 24 words, want at most %d", n, maxFuzzyWords)
	}
	once := countTerms(b.build("recrutare").q)
	if n := countTerms(b.build(strings.TrimSpace(strings.Repeat("recrutare ", 24))).q); n != once {
		t.Errorf("a word typed 24 times asks %d terms, once %d", n, once)
	}
	// Different words, and the same word in a phrase and alone, all count.
	if p := parse(`work "work" -work -work labour`); len(p.groups[0]) != 3 || len(p.exclude) != 1 {
		t.Errorf("parsed %+v", p)
	}
}
