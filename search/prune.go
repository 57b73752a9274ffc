package search

import (
	"github.com/blevesearch/bleve/v2/search/query"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// A plan asks every language's field for the words typed and for the
// glossary's terms, most of which no document of that language holds (an
// English word in the Finnish field, a concept the corpus never names).
// Bleve builds a searcher for each all the same: postings readers in every
// segment, a conjunction or phrase searcher over them, at a cost that grows
// with the plan, not with what it finds. prune asks the segments'
// dictionaries first and replaces what cannot match by a query that matches
// nothing and costs nothing.
//
// What is found and in which order stay the same: Bleve's disjunctions
// multiply a score by the share of their children that matched (coord), so
// a disjunction keeps every child, those that cannot match as MatchNone; a
// conjunction or a phrase with a term no document holds, or a term query
// for one, matches nothing whatever it is replaced by. Only the query norm
// changes, one factor (1/√ of the sum of every term's weight) that
// multiplies every score of the search alike: scores are relative to their
// search, as before. A plan that cannot match at all is reported as such
// (nil): a boolean query whose must part is MatchNone would match
// everything (Bleve drops such a part).

// pruning is on but in a test comparing plans with and without it.
var pruning = true

// termsIn answers, for one search's snapshot, whether some segment's
// dictionary of a field holds a term (deleted documents' terms included:
// a term kept for them only keeps a searcher that finds nothing, as before).
type termsIn struct {
	sv    *view
	dicts map[string][]segment.TermDictionary
	known map[fieldTerm]bool
}

type fieldTerm struct{ field, term string }

func newTermsIn(sv *view) *termsIn {
	return &termsIn{sv: sv, dicts: map[string][]segment.TermDictionary{}, known: map[fieldTerm]bool{}}
}

func (t *termsIn) has(field, term string) bool {
	k := fieldTerm{field, term}
	if v, ok := t.known[k]; ok {
		return v
	}
	dicts, ok := t.dicts[field]
	if !ok {
		for _, s := range t.sv.segs {
			d, err := s.Segment().Dictionary(field)
			if err != nil {
				d = nil // unknown: answer yes below
			}
			dicts = append(dicts, d)
		}
		t.dicts[field] = dicts
	}
	found := false
	for _, d := range dicts {
		if d == nil {
			found = true // the dictionary could not be read: let the searcher try
			break
		}
		if ok, err := d.Contains([]byte(term)); ok || err != nil {
			found = true
			break
		}
	}
	t.known[k] = found
	return found
}

// prune returns q with what cannot match replaced by MatchNone, or nil when
// q as a whole cannot match.
func (t *termsIn) prune(q query.Query) query.Query {
	switch q := q.(type) {
	case *query.TermQuery:
		if !t.has(q.FieldVal, q.Term) {
			return nil
		}
		return q
	case *query.MultiPhraseQuery:
		for _, slot := range q.Terms {
			if len(slot) == 0 {
				continue // a gap: any word
			}
			any := false
			for _, term := range slot {
				if t.has(q.FieldVal, term) {
					any = true
					break
				}
			}
			if !any {
				return nil
			}
		}
		return q
	case *query.ConjunctionQuery:
		out := make([]query.Query, len(q.Conjuncts))
		for i, c := range q.Conjuncts {
			if out[i] = t.prune(c); out[i] == nil {
				return nil
			}
		}
		c := query.NewConjunctionQuery(out)
		c.BoostVal = q.BoostVal
		return c
	case *query.DisjunctionQuery:
		out := make([]query.Query, len(q.Disjuncts))
		matchable := false
		for i, c := range q.Disjuncts {
			if out[i] = t.prune(c); out[i] == nil {
				out[i] = query.NewMatchNoneQuery() // kept: it counts in coord
			} else {
				matchable = true
			}
		}
		if !matchable {
			return nil
		}
		d := query.NewDisjunctionQuery(out)
		d.BoostVal, d.Min = q.BoostVal, q.Min
		return d
	case *query.BooleanQuery:
		b := *q
		if q.Must != nil {
			if b.Must = t.prune(q.Must); b.Must == nil {
				return nil
			}
		}
		if q.Should != nil {
			if b.Should = t.prune(q.Should); b.Should == nil {
				if d, ok := q.Should.(*query.DisjunctionQuery); q.Must == nil || ok && d.Min > 0 {
					return nil // the should part had to match
				}
			}
		}
		if q.MustNot != nil {
			b.MustNot = t.prune(q.MustNot) // nil: nothing to exclude
		}
		return &b
	}
	return q // fuzzy, match-all and anything else: as it is
}
