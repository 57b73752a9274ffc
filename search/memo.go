package search

import (
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
)

// A full build analyses the same words again and again: the stemmers
// (Croatian's and Polish's are sets of regular expressions) took more than
// a third of the analysis of a build, on words they had stemmed before.
// Every token filter of the stemmed languages' analyzers (lower case,
// elision, possessive, apostrophe, stop words, normalisation, the stemmer,
// folding; see analyzers.go) reads and rewrites one token at a time, from
// its term alone: so a build's workers tokenise as before, and run the
// filters once per distinct word, keeping what came out (the term, or that
// the word is dropped). TestMemoAnalyzerIsTheAnalyzer checks that the output is the
// analyzer's, token for token, over every sentence of the shared corpora.
//
// Each worker has its own memo (no lock), used for the build only and then
// dropped: the analyzers that queries and the live indexer use are
// unchanged, and so is the serving memory.

// memoWords bounds the words one worker keeps (about 80 bytes each): past
// it, words not yet seen are filtered without being kept. The benchmark
// corpus's sentences in its 14 stemmed languages have 97,201.
const memoWords = 1 << 18

// memoTerm is what a word became: its term, or dropped.
type memoTerm struct {
	term []byte
	keep bool
}

// memoAnalyzer is one analyzer's tokenizer and filters, with the memo.
type memoAnalyzer struct {
	tok     analysis.Tokenizer
	filters []analysis.TokenFilter
	memo    map[string]memoTerm
	words   *int // the worker's total
	one     analysis.TokenStream
}

// memoAnalyzers are one worker's memo analyzers, by the analyzer they stand for.
type memoAnalyzers struct {
	by    map[analysis.Analyzer]*memoAnalyzer
	words int
}

func newMemoAnalyzers() *memoAnalyzers {
	return &memoAnalyzers{by: map[analysis.Analyzer]*memoAnalyzer{}}
}

// of returns the memo analyzer standing for a, or nil when a is not one of
// the stemmed languages' (Bleve's analyzer, then folding: see analyzers.go).
// The others (lower case, stop words, folding, truncation) cost about what
// looking a word up costs.
func (m *memoAnalyzers) of(a analysis.Analyzer) *memoAnalyzer {
	if ma, ok := m.by[a]; ok {
		return ma
	}
	var ma *memoAnalyzer
	if an, ok := a.(foldingAnalyzer); ok {
		if d, ok := an.Analyzer.(*analysis.DefaultAnalyzer); ok && len(d.CharFilters) == 0 {
			ma = &memoAnalyzer{tok: d.Tokenizer, filters: append(append([]analysis.TokenFilter(nil), d.TokenFilters...), foldFilter{})}
		}
	}
	if ma != nil {
		ma.memo, ma.words, ma.one = map[string]memoTerm{}, &m.words, make(analysis.TokenStream, 1)
	}
	m.by[a] = ma
	return ma
}

// Analyze gives what the analyzer it stands for gives.
func (a *memoAnalyzer) Analyze(input []byte) analysis.TokenStream {
	tokens := a.tok.Tokenize(input)
	out := tokens[:0]
	for _, t := range tokens {
		if m, ok := a.memo[string(t.Term)]; ok {
			if m.keep {
				t.Term = m.term
				out = append(out, t)
			}
			continue
		}
		word := string(t.Term)
		a.one[0] = t
		res := analysis.TokenStream(a.one)
		for _, f := range a.filters {
			res = f.Filter(res)
		}
		if len(res) > 1 || (len(res) == 1 && res[0] != t) {
			// Not one token in, at most the same one out: no memo
			// (none of the portal's filters does this).
			out = append(out, res...)
			continue
		}
		m := memoTerm{keep: len(res) == 1}
		if m.keep {
			m.term = append([]byte(nil), t.Term...)
			t.Term = m.term
			out = append(out, t)
		}
		if *a.words < memoWords {
			a.memo[word] = m
			*a.words++
		}
	}
	return out
}

// memoFields has the memo analyzers analyse the document's text fields
// (before Analyze is called on them).
func (m *memoAnalyzers) memoFields(doc *document.Document) {
	for i, f := range doc.Fields {
		tf, ok := f.(*document.TextField)
		if !ok || !tf.Options().IsIndexed() || tf.Analyzer() == nil {
			continue
		}
		ma := m.of(tf.Analyzer())
		if ma == nil {
			continue
		}
		doc.Fields[i] = document.NewTextFieldCustom(tf.Name(), tf.ArrayPositions(), tf.Value(), tf.Options(), ma)
	}
}
