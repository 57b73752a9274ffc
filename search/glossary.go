package search

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"

	"proact/content"
)

// Concept is one idea of the field with its terms per language (ISO 639-1
// code → terms, the preferred one first), as content/glossary.yaml has them.
type Concept = content.Concept

// GlossaryConcepts returns the concepts of the glossary embedded in the
// binary (content/glossary.yaml): what Config.Concepts is given in serve.
func GlossaryConcepts() ([]Concept, error) {
	g, err := content.LoadGlossary()
	if err != nil {
		return nil, fmt.Errorf("search: the glossary: %w", err)
	}
	return g.Concepts(), nil
}

// embeddedGlossary is the embedded glossary analysed, once per process: it
// never changes, and analysing its terms in 24 languages takes a moment.
var embeddedGlossary = sync.OnceValues(func() (*glossary, error) {
	concepts, err := GlossaryConcepts()
	if err != nil {
		return nil, err
	}
	return newGlossary(concepts, languageCodes()), nil
})

// glossary finds concepts in a query and knows each concept's terms in
// every language as the index analyses them.
type glossary struct {
	concepts []glossaryConcept
	// starts maps a language, then the first token of one of its terms (as
	// that language's analyzer makes it), to the forms starting with it.
	starts map[string]map[string][]termForm
	// langs are the languages with terms, in which a query is read.
	langs []string
}

type glossaryConcept struct {
	Concept
	// forms are the analysed terms per language: each a phrase of token
	// slots (an empty slot where a stop word was).
	forms map[string][][][]string
}

type termForm struct {
	concept int
	tokens  []string // the tokens of the term, stop words left out
}

// sharedAnalyzers returns the analyzer of every language, by code, and the
// neutral one under "": built once, as Bleve's registry they come from is
// one per process.
var sharedAnalyzers = sync.OnceValue(func() map[string]analysis.Analyzer {
	langs := languageCodes()
	registerAnalysis(langs)
	cache := registry.NewCache()
	out := make(map[string]analysis.Analyzer, len(langs)+1)
	for _, l := range langs {
		if a, err := cache.AnalyzerNamed(analyzerName(l)); err == nil {
			out[l] = a
		}
	}
	if a, err := cache.AnalyzerNamed(neutralName); err == nil {
		out[""] = a
	}
	return out
})

// newGlossary analyses every term of every concept with its language's
// analyzer, once.
func newGlossary(concepts []Concept, langs []string) *glossary {
	an := sharedAnalyzers()
	g := &glossary{starts: map[string]map[string][]termForm{}}
	for _, c := range concepts {
		gc := glossaryConcept{Concept: c, forms: map[string][][][]string{}}
		i := len(g.concepts)
		for lang, terms := range c.Terms {
			a, ok := an[lang]
			if !ok {
				continue
			}
			for _, t := range terms {
				ts := a.Analyze([]byte(t))
				if len(ts) == 0 {
					continue
				}
				gc.forms[lang] = append(gc.forms[lang], phraseSlots(ts))
				tokens := make([]string, len(ts))
				for j, tok := range ts {
					tokens[j] = string(tok.Term)
				}
				if g.starts[lang] == nil {
					g.starts[lang] = map[string][]termForm{}
				}
				g.starts[lang][tokens[0]] = append(g.starts[lang][tokens[0]], termForm{concept: i, tokens: tokens})
			}
		}
		g.concepts = append(g.concepts, gc)
	}
	for _, l := range languageCodes() {
		for _, c := range g.concepts {
			if len(c.forms[l]) > 0 {
				g.langs = append(g.langs, l)
				break
			}
		}
	}
	// Longest forms first, so that "debt bondage" wins over "debt".
	for _, starts := range g.starts {
		for k, forms := range starts {
			sort.SliceStable(forms, func(a, b int) bool { return len(forms[a].tokens) > len(forms[b].tokens) })
			starts[k] = forms
		}
	}
	return g
}

// phraseSlots turns a token stream into phrase slots, keeping the gaps that
// removed stop words leave, as Bleve's match-phrase query does.
func phraseSlots(ts analysis.TokenStream) [][]string {
	first, last := ts[0].Position, ts[0].Position
	for _, t := range ts {
		first, last = min(first, t.Position), max(last, t.Position)
	}
	slots := make([][]string, last-first+1)
	for _, t := range ts {
		slots[t.Position-first] = append(slots[t.Position-first], string(t.Term))
	}
	return slots
}

// match is a concept found in a query: which bytes of the query text it
// covers.
type match struct {
	concept    int
	start, end int
}

// find returns the concepts whose terms occur in text, in any of the
// languages, as their analyzers fold it; overlapping finds keep the
// longest. tokens analyses a piece of the text in a language: find reads
// the text cut at ASCII white space (where words always break, so the
// pieces give the tokens the whole text would), which lets a search analyse
// each word once per language for the glossary and the query alike
// (builder.tokens).
func (g *glossary) find(text string, tokens func(lang, piece string) analysis.TokenStream, langs []string) []match {
	if g == nil || len(g.concepts) == 0 {
		return nil
	}
	pieces := splitSpace(text)
	var found []match
	type tok struct {
		term       []byte
		start, end int
	}
	var ts []tok
	for _, lang := range langs {
		starts := g.starts[lang]
		if len(starts) == 0 {
			continue
		}
		ts = ts[:0]
		for _, p := range pieces {
			for _, t := range tokens(lang, text[p.start:p.end]) {
				ts = append(ts, tok{t.Term, p.start + t.Start, p.start + t.End})
			}
		}
		for i := range ts {
			for _, f := range starts[string(ts[i].term)] {
				if i+len(f.tokens) > len(ts) {
					continue
				}
				same := true
				for j, want := range f.tokens {
					if string(ts[i+j].term) != want {
						same = false
						break
					}
				}
				if !same {
					continue
				}
				found = append(found, match{concept: f.concept, start: ts[i].start, end: ts[i+len(f.tokens)-1].end})
				break
			}
		}
	}
	// Keep the longest of overlapping finds, one per concept.
	sort.SliceStable(found, func(a, b int) bool {
		return found[a].end-found[a].start > found[b].end-found[b].start
	})
	var out []match
	seen := map[int]bool{}
	for _, m := range found {
		if seen[m.concept] || overlapsAny(m, out) {
			continue
		}
		seen[m.concept] = true
		out = append(out, m)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].start < out[b].start })
	return out
}

// splitSpace returns the pieces of text between ASCII white space.
func splitSpace(text string) []span {
	var out []span
	for at := 0; at < len(text); {
		for at < len(text) && isSpaceByte(text[at]) {
			at++
		}
		end := at
		for end < len(text) && !isSpaceByte(text[end]) {
			end++
		}
		if at < end {
			out = append(out, span{at, end})
		}
		at = end
	}
	return out
}

func overlapsAny(m match, list []match) bool {
	for _, o := range list {
		if m.start < o.end && o.start < m.end {
			return true
		}
	}
	return false
}

// ExpandedConcept is a glossary concept a query was expanded with.
type ExpandedConcept struct {
	ID       string
	Category string
	// Matched is the part of the query that named it.
	Matched string
	// Terms are its preferred terms, by language.
	Terms map[string]string
}

func (g *glossary) expanded(m match, text string) ExpandedConcept {
	c := g.concepts[m.concept]
	e := ExpandedConcept{ID: c.ID, Category: c.Category, Matched: strings.TrimSpace(text[m.start:m.end]), Terms: map[string]string{}}
	for lang, terms := range c.Terms {
		if len(terms) > 0 {
			e.Terms[lang] = terms[0]
		}
	}
	return e
}
