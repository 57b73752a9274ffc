package search

import (
	"bytes"
	"fmt"
	"sync"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	truncatetok "github.com/blevesearch/bleve/v2/analysis/token/truncate"
	unitok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	// The language analyzers and stop-word filters register themselves
	// with Bleve when imported.
	_ "github.com/blevesearch/bleve/v2/analysis/lang/ar"
	"github.com/blevesearch/bleve/v2/analysis/lang/bg"
	"github.com/blevesearch/bleve/v2/analysis/lang/cs"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/da"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/de"
	"github.com/blevesearch/bleve/v2/analysis/lang/el"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/en"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/es"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/fi"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/fr"
	"github.com/blevesearch/bleve/v2/analysis/lang/ga"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/hi"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/hr"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/hu"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/it"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/nl"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/pl"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/pt"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/ro"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/ru"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/sv"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/tr"
)

// How each language is analysed:
//
//   - where Bleve has an analyzer (stemmer and stop words: da, de, en, es, fi,
//     fr, hr, hu, it, nl, pl, pt, ro, sv, and ar, hi, ru, tr), that analyzer,
//     then accent folding;
//   - where it has stop words only (bg, cs, el, ga), Unicode words, lower
//     case, those stop words, accent folding;
//   - every other language, Unicode words, lower case, accent folding;
//   - and where there is no stemmer, words cut after six letters.
//
// Folding comes last, after the stemmer has seen the real word, so that a
// query typed without accents ("muncitori sezonieri", "travailleurs
// etrangers") still meets the stems of accented text. The neutral analyzer
// (names, acronyms, numbers, in any language) is Unicode words, lower case
// and folding, with no stop words and no stemming.
var (
	stemmedLanguages  = []string{"ar", "da", "de", "en", "es", "fi", "fr", "hi", "hr", "hu", "it", "nl", "pl", "pt", "ro", "ru", "sv", "tr"}
	stopOnlyLanguages = map[string]string{"bg": bg.StopName, "cs": cs.StopName, "el": el.StopName, "ga": ga.StopName}
)

const (
	foldName    = "proact_fold"
	lowerName   = "proact_lower"
	neutralName = "proact_neutral"
)

// analyzerName is the analyzer of a language's fields.
func analyzerName(lang string) string { return "proact_" + lang }

var registerOnce sync.Once

// registerAnalysis registers the portal's analyzers with Bleve, once per
// process (Bleve's registry is global).
func registerAnalysis(languages []string) {
	registerOnce.Do(func() {
		must := func(err error) {
			if err != nil {
				panic(fmt.Sprintf("search: registering analysis: %v", err))
			}
		}
		must(registry.RegisterTokenFilter(foldName, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
			return foldFilter{}, nil
		}))
		must(registry.RegisterTokenFilter(lowerName, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
			return lowerFilter{}, nil
		}))
		must(registry.RegisterAnalyzer(neutralName, chain(nil, "", 0)))
		stemmed := map[string]bool{}
		for _, l := range stemmedLanguages {
			stemmed[l] = true
		}
		for _, lang := range languages {
			switch {
			case stemmed[lang]:
				base := lang
				must(registry.RegisterAnalyzer(analyzerName(lang), func(map[string]any, *registry.Cache) (analysis.Analyzer, error) {
					a, err := stemmedBase(base)
					if err != nil {
						return nil, err
					}
					return foldingAnalyzer{a}, nil
				}))
			case stopOnlyLanguages[lang] != "":
				var pre []string
				if lang == "ga" {
					pre = []string{ga.ElisionName}
				}
				must(registry.RegisterAnalyzer(analyzerName(lang), chain(pre, stopOnlyLanguages[lang], truncateAt)))
			default:
				must(registry.RegisterAnalyzer(analyzerName(lang), chain(nil, "", truncateAt)))
			}
		}
	})
}

// stemmedBases holds Bleve's own analyzer of each stemmed language, built
// once per process. An index builds its analyzers afresh each time it is
// opened (into a cache of its own), and Polish's stemmer reads its whole
// table to do so: a tenth of a second, most of an open, under the race
// detector, paid by every test that opens a copy of an index. The analyzers
// keep no state between calls (Bleve already runs one on many goroutines at
// once), so indexes may share them.
var stemmedBases = struct {
	sync.Mutex
	m map[string]analysis.Analyzer
}{m: map[string]analysis.Analyzer{}}

func stemmedBase(lang string) (analysis.Analyzer, error) {
	stemmedBases.Lock()
	defer stemmedBases.Unlock()
	if a, ok := stemmedBases.m[lang]; ok {
		return a, nil
	}
	a, err := registry.NewCache().AnalyzerNamed(lang)
	if err != nil {
		return nil, err
	}
	if d, ok := a.(*analysis.DefaultAnalyzer); ok {
		for i, f := range d.TokenFilters {
			if _, ok := f.(*lowercase.LowerCaseFilter); ok {
				d.TokenFilters[i] = lowerFilter{} // this cache's own analyzer: nobody else holds it
			}
		}
	}
	stemmedBases.m[lang] = a
	return a, nil
}

// lowerFilter lower-cases each rune of a term (unicode.ToLower; a capital
// sigma that ends a term becomes a final sigma), as Bleve's to_lower does, but
// right where a rune's lower case is shorter in UTF-8 (İ, ẞ, the Kelvin
// sign): Bleve's leaves the rest of such a term's bytes where they were,
// "İstanbul" giving "i\xb0stanbu", which no query for "istanbul" met.
// TestLowerFilter.
type lowerFilter struct{}

func (lowerFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	for _, t := range input {
		t.Term = lowerTerm(t.Term)
	}
	return input
}

// lowerTerm lower-cases s in place where every rune keeps its width, into
// a new slice from the first rune that does not.
func lowerTerm(s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				s[i] = c + 'a' - 'A'
			}
			i++
			continue
		}
		r, w := utf8.DecodeRune(s[i:])
		l := unicode.ToLower(r)
		if l == r {
			i += w
			continue
		}
		if l == 'σ' && i+w == len(s) {
			l = 'ς'
		}
		if utf8.RuneLen(l) != w {
			return append(s[:i:i], bytes.ToLower(s[i:])...)
		}
		utf8.EncodeRune(s[i:], l)
		i += w
	}
	return s
}

// truncateAt is where words are cut in languages without a stemmer: the
// first six letters stand in for the stem (inflection mostly changes the
// end of a word), which found an article's subject in many more languages
// of the relevance test (BENCHMARKS.md); the neutral field keeps the
// words whole.
const truncateAt = 6

// chain builds "Unicode words, lower case, [pre...], [stop], fold,
// [truncate]".
func chain(pre []string, stop string, truncate int) registry.AnalyzerConstructor {
	return func(_ map[string]any, cache *registry.Cache) (analysis.Analyzer, error) {
		tok, err := cache.TokenizerNamed(unitok.Name)
		if err != nil {
			return nil, err
		}
		names := append([]string{lowerName}, pre...)
		if stop != "" {
			names = append(names, stop)
		}
		names = append(names, foldName)
		filters := make([]analysis.TokenFilter, 0, len(names)+1)
		for _, n := range names {
			f, err := cache.TokenFilterNamed(n)
			if err != nil {
				return nil, err
			}
			filters = append(filters, f)
		}
		if truncate > 0 {
			filters = append(filters, truncatetok.NewTruncateTokenFilter(truncate))
		}
		return &analysis.DefaultAnalyzer{Tokenizer: tok, TokenFilters: filters}, nil
	}
}

// foldingAnalyzer runs one of Bleve's language analyzers, then folds accents.
type foldingAnalyzer struct{ analysis.Analyzer }

func (a foldingAnalyzer) Analyze(input []byte) analysis.TokenStream {
	return foldFilter{}.Filter(a.Analyzer.Analyze(input))
}

// foldFilter removes diacritics (é → e, ă → a, ł → l, ά → α) and maps the
// final sigma to sigma, so that accents typed or not typed make no
// difference. Each rune's folded form is worked out once (decomposed, marks
// dropped) and kept in a table: folding runs on every token indexed and
// searched.
type foldFilter struct{}

// foldTable covers Latin, Greek and Cyrillic (U+0000–U+04FF) and Latin
// Extended Additional (U+1E00–U+1FFF); other runes are kept as they are.
var foldTable = sync.OnceValue(func() map[rune]rune {
	t := map[rune]rune{}
	add := func(from, to rune) {
		for r := from; r <= to; r++ {
			if f := foldSlow(r); f != r {
				t[r] = f
			}
		}
	}
	add(0x80, 0x4ff)
	add(0x1e00, 0x1fff)
	return t
})

func foldSlow(r rune) rune {
	switch r {
	case 'ς':
		return 'σ'
	case 'ł':
		return 'l'
	case 'Ł':
		return 'L'
	case 'ø':
		return 'o'
	case 'Ø':
		return 'O'
	case 'đ':
		return 'd'
	case 'Đ':
		return 'D'
	case 'ħ':
		return 'h'
	case 'ı':
		return 'i'
	}
	d := norm.NFD.String(string(r))
	base, size := utf8.DecodeRuneInString(d)
	for _, m := range d[size:] {
		if !unicode.Is(unicode.Mn, m) {
			return r // not a letter with marks only
		}
	}
	return base
}

func (foldFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	table := foldTable()
	for _, tok := range input {
		if isASCII(tok.Term) {
			continue
		}
		out := make([]byte, 0, len(tok.Term))
		for _, r := range string(tok.Term) {
			if r, keep := foldRune(table, r); keep {
				out = utf8.AppendRune(out, r)
			}
		}
		tok.Term = out
	}
	return input
}

// foldRune is a rune folded by foldTable, or not kept: a combining mark
// typed on its own.
func foldRune(table map[rune]rune, r rune) (rune, bool) {
	if unicode.Is(unicode.Mn, r) {
		return r, false
	}
	if f, ok := table[r]; ok {
		return f, true
	}
	return r, true
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
