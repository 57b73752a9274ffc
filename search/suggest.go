package search

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"proact/models"
)

// Suggestions as you type come from the titles of documents the reader may
// see: every word of a title is indexed whole and with its prefixes of two
// to four characters, folded like the neutral field, in the keyword field
// "suggest". A last word typed of five characters or more is looked up as
// a prefix of the whole words: few words of the dictionary start with five
// given letters, and every longer prefix indexed (up to ten, before mapping
// version 6) was a tenth of all the terms a build wrote.
const (
	suggestMinPrefix = 2
	suggestMaxPrefix = 4
	suggestMaxWords  = 10
)

// suggestTerms returns the words of a title and their prefixes.
func suggestTerms(title string) []string {
	words := neutralTokens(title)
	if len(words) > suggestMaxWords {
		words = words[:suggestMaxWords]
	}
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, w := range words {
		n := utf8.RuneCountInString(w)
		r := []rune(w)
		for l := suggestMinPrefix; l <= min(n, suggestMaxPrefix); l++ {
			add(string(r[:l]))
		}
		add(w)
	}
	return out
}

// neutralTokens analyses text like the neutral field.
func neutralTokens(text string) []string {
	a, ok := sharedAnalyzers()[""]
	if !ok {
		return strings.Fields(strings.ToLower(text))
	}
	ts := a.Analyze([]byte(text))
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t.Term)
	}
	return out
}

// Suggestion is a title offered while the reader types.
type Suggestion struct {
	Kind, Slug, Title, Language string
}

// MaxSuggestions bounds what Suggest returns.
const MaxSuggestions = 10

// Suggest returns up to n titles of documents the viewer may see whose
// words start with what was typed: every word complete but the last, which
// may be the start of one.
func (ix *Index) Suggest(ctx context.Context, v models.Viewer, text string, n int) ([]Suggestion, error) {
	if utf8.RuneCountInString(text) > MaxQueryRunes {
		text = string([]rune(text)[:MaxQueryRunes])
	}
	n = min(max(n, 1), MaxSuggestions)
	words := neutralTokens(text)
	if len(words) > suggestMaxWords {
		words = words[:suggestMaxWords]
	}
	if len(words) == 0 || utf8.RuneCountInString(words[len(words)-1]) < suggestMinPrefix {
		return nil, nil
	}
	var must []query.Query
	for i, w := range words {
		if i == len(words)-1 && utf8.RuneCountInString(w) > suggestMaxPrefix {
			pq := query.NewPrefixQuery(w) // longer prefixes are not indexed
			pq.SetField(fSuggest)
			must = append(must, pq)
			continue
		}
		tq := query.NewTermQuery(w)
		tq.SetField(fSuggest)
		must = append(must, tq)
	}
	if aq := audienceQuery(v); aq != nil {
		must = append(must, aq)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.gen == nil {
		return nil, ix.unavailable()
	}
	req := bleve.NewSearchRequestOptions(query.NewConjunctionQuery(must), n, 0, false)
	req.Fields = []string{sTitle, sSlug, fKind, fLang}
	// Equal scores (titles alike in length) in the order of their ids,
	// not in whatever order the segments hold them, which a rebuild
	// changes.
	req.SortBy([]string{"-_score", "_id"})
	res, err := ix.gen.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: unable to suggest: %w", err)
	}
	out := make([]Suggestion, 0, len(res.Hits))
	for _, h := range res.Hits {
		s := Suggestion{}
		s.Title, _ = h.Fields[sTitle].(string)
		s.Slug, _ = h.Fields[sSlug].(string)
		s.Kind, _ = h.Fields[fKind].(string)
		s.Language, _ = h.Fields[fLang].(string)
		out = append(out, s)
	}
	return out, nil
}
