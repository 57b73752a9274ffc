// Package searchtest holds what the search benchmarks of several packages
// share: the 500 fixed queries (see BENCHMARKS.md).
package searchtest

import (
	"math/rand/v2"
	"net/url"
	"sort"
	"strings"
	"testing"

	"proact/models"
	"proact/models/modelstest"
)

// BenchQuery is one of the fixed queries and its class.
type BenchQuery struct {
	Class     string
	Text      string
	Countries []string
	Topics    []string
	NoExpand  bool
}

// URL is the query as GET /api/v1/search parameters.
func (q BenchQuery) URL(path string) string {
	v := url.Values{"q": {q.Text}}
	for _, c := range q.Countries {
		v.Add("country", c)
	}
	for _, t := range q.Topics {
		v.Add("topic", t)
	}
	if q.NoExpand {
		v.Set("expand", "off")
	}
	return path + "?" + v.Encode()
}

// Analyzer says whether a word of a language is kept (not a stop word).
type Analyzer func(lang, word string) bool

// GlossaryTerm is a term of the glossary in one language.
type GlossaryTerm struct{ Lang, Term string }

// BenchQueries builds the 500 fixed queries from the sentences corpus,
// deterministically, cycling through the languages: rare and common single
// words, two- and three-word AND, two-word OR, phrases, a word with a
// country and a topic filter, and glossary terms with and without
// expansion. Words are taken as written in the sentences (lower-cased);
// "rare" words occur in 2 to 4 of a language's 1,000 sentences, "common"
// ones are among its 40 most frequent words that its analyzer keeps.
func BenchQueries(tb testing.TB, keep Analyzer, glossary []GlossaryTerm) []BenchQuery {
	langs, sentences := modelstest.Sentences(tb)
	type stats struct {
		rare, common []string
		sentences    [][]string
	}
	per := map[string]*stats{}
	for _, l := range langs {
		st := &stats{}
		df := map[string]int{}
		for _, s := range sentences[l] {
			words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
				return !(r == '-' || r == '\'' || IsLetter(r))
			})
			var kept []string
			seen := map[string]bool{}
			for _, w := range words {
				if len([]rune(w)) < 3 || !keep(l, w) {
					continue // a stop word
				}
				kept = append(kept, w)
				if !seen[w] {
					seen[w] = true
					df[w]++
				}
			}
			if len(kept) >= 3 {
				st.sentences = append(st.sentences, kept)
			}
		}
		words := make([]string, 0, len(df))
		for w := range df {
			words = append(words, w)
		}
		sort.Slice(words, func(i, j int) bool {
			if df[words[i]] != df[words[j]] {
				return df[words[i]] > df[words[j]]
			}
			return words[i] < words[j]
		})
		st.common = words[:min(40, len(words))]
		for _, w := range words {
			if df[w] >= 2 && df[w] <= 4 && len([]rune(w)) >= 6 {
				st.rare = append(st.rare, w)
			}
		}
		per[l] = st
	}
	r := rand.New(rand.NewPCG(500, 1))
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	topics := models.Topics().Terms()
	classes := []struct {
		name string
		n    int
		make func(lang string) BenchQuery
	}{
		{"rare", 80, func(l string) BenchQuery { return BenchQuery{Text: pick(per[l].rare)} }},
		{"common", 80, func(l string) BenchQuery { return BenchQuery{Text: pick(per[l].common)} }},
		{"and2", 60, func(l string) BenchQuery {
			s := per[l].sentences[r.IntN(len(per[l].sentences))]
			return BenchQuery{Text: s[0] + " " + s[len(s)-1]}
		}},
		{"and3", 60, func(l string) BenchQuery {
			s := per[l].sentences[r.IntN(len(per[l].sentences))]
			return BenchQuery{Text: s[0] + " " + s[len(s)/2] + " " + s[len(s)-1]}
		}},
		{"or2", 50, func(l string) BenchQuery { return BenchQuery{Text: pick(per[l].common) + " OR " + pick(per[l].rare)} }},
		{"phrase", 50, func(l string) BenchQuery {
			s := per[l].sentences[r.IntN(len(per[l].sentences))]
			i := r.IntN(len(s) - 1)
			return BenchQuery{Text: `"` + s[i] + " " + s[i+1] + `"`}
		}},
		{"facets", 60, func(l string) BenchQuery {
			return BenchQuery{Text: pick(per[l].common), Topics: []string{pick(topics)}, Countries: []string{pick(countriesOf(l))}}
		}},
		{"glossary-on", 30, func(string) BenchQuery {
			return BenchQuery{Text: glossary[r.IntN(len(glossary))].Term}
		}},
		{"glossary-off", 30, func(string) BenchQuery {
			return BenchQuery{Text: glossary[r.IntN(len(glossary))].Term, NoExpand: true}
		}},
	}
	var out []BenchQuery
	for _, c := range classes {
		for i := range c.n {
			q := c.make(langs[i%len(langs)])
			q.Class = c.name
			out = append(out, q)
		}
	}
	return out
}

// IsLetter reports whether r belongs to a word (not punctuation).
func IsLetter(r rune) bool {
	return ('a' <= r && r <= 'z') || r > 0x7f && !strings.ContainsRune("«»„“”–—…’‘·", r)
}

func countriesOf(lang string) []string {
	m := map[string][]string{"de": {"DE", "AT"}, "fr": {"FR", "BE"}, "en": {"IE", "MT"}, "nl": {"NL", "BE"},
		"el": {"GR"}, "sv": {"SE"}, "sl": {"SI"}}
	if c, ok := m[lang]; ok {
		return c
	}
	return []string{strings.ToUpper(lang)}
}
