package search

import (
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
)

// detectLanguage guesses the language of a text that does not say (an
// organisation's description) from Bleve's stop-word lists: the language
// whose stop words make up most of the text, if they are a fair share of
// it; else the first language the organisation works in that the index
// knows; else English, the network's common language.
func detectLanguage(text string, hints []string) string {
	d := stopDetector()
	tokens := d.tokenizer.Tokenize([]byte(text))
	for _, t := range tokens {
		t.Term = lowerASCII(t.Term)
	}
	best, bestN := "", 0
	for _, lang := range d.langs {
		in := make(analysis.TokenStream, len(tokens))
		for i, t := range tokens {
			c := *t
			in[i] = &c
		}
		if n := len(tokens) - len(d.filters[lang].Filter(in)); n > bestN {
			best, bestN = lang, n
		}
	}
	if best != "" && bestN >= 3 && bestN*20 >= len(tokens) {
		return best
	}
	for _, h := range hints {
		if knownLanguage(h) {
			return h
		}
	}
	return "en"
}

func lowerASCII(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

type detector struct {
	tokenizer analysis.Tokenizer
	langs     []string
	filters   map[string]analysis.TokenFilter
}

var stopDetector = sync.OnceValue(func() *detector {
	cache := registry.NewCache()
	d := &detector{filters: map[string]analysis.TokenFilter{}}
	d.tokenizer, _ = cache.TokenizerNamed("unicode")
	for _, l := range []string{"bg", "cs", "da", "de", "el", "en", "es", "fi", "fr", "ga", "hr", "hu", "it", "nl", "pl", "pt", "ro", "sv"} {
		if f, err := cache.TokenFilterNamed("stop_" + l); err == nil {
			d.langs = append(d.langs, l)
			d.filters[l] = f
		}
	}
	return d
})
