package search

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	unitok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
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
	return a.filter(a.tok.Tokenize(input))
}

// filter runs the analyzer's filters over tokens of its tokenizer.
func (a *memoAnalyzer) filter(tokens analysis.TokenStream) analysis.TokenStream {
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

// The language field of a document and its neutral field read the same
// text (Document.fieldsShared): the language field all of it, the neutral
// field the words of neutralText, then the organisation's name and place.
// Both analyzers start with Unicode word segmentation, which was a seventh
// of a build's CPU time: shareTokens segments the text once and gives each
// field its own filters' output of those tokens.
//
// That is the same as analysing each field's own value when no token spans
// a space, which holds for ASCII white space (Unicode word segmentation
// breaks at every one of them) and not for all of Unicode's (U+202F, a
// narrow no-break space, joins words), in UTF-8 only: a document whose
// text has any other white space, or bytes that are not UTF-8, is analysed
// field by field as before. The neutral field has no
// term vectors, so only its terms, their counts and its length count.
// TestSharedTokensAreTheFieldsOwn compares both ways over the corpora.

// fixedTokens is an analyzer that gives tokens analysed already.
type fixedTokens analysis.TokenStream

func (f fixedTokens) Analyze([]byte) analysis.TokenStream { return analysis.TokenStream(f) }

// shareTokens has the language field and the neutral field of doc (after
// memoFields) analysed from one segmentation of s, when it can.
func shareTokens(doc *document.Document, s *sharedText) {
	if s == nil || !plainSpaced(s.body[s.textFrom:]) || !plainSpaced(s.extra) {
		return
	}
	bodyAt, neutralAt := -1, -1
	for i, f := range doc.Fields {
		switch {
		case f.Name() == fNeutral:
			neutralAt = i
		case strings.HasPrefix(f.Name(), "body_"):
			bodyAt = i
		}
	}
	if bodyAt < 0 || neutralAt < 0 {
		return
	}
	body, neutral := doc.Fields[bodyAt].(*document.TextField), doc.Fields[neutralAt].(*document.TextField)
	tok, filterBody := tokensAndFilters(body.Analyzer())
	if tok == nil || !neutralFilters(neutral.Analyzer()) {
		return
	}
	input := body.Value()
	tokens := tok.Tokenize(input)

	// The neutral field's tokens: those of the text's words that
	// neutralText keeps, as copies (the language field's filters rewrite
	// their tokens in place), then those of the extra text.
	var words analysis.TokenStream
	text := input[s.textFrom:]
	next := 0 // the first token not yet placed in a word
	for start := 0; start < len(text); {
		for start < len(text) && asciiSpace[text[start]] {
			start++
		}
		end := start
		for end < len(text) && !asciiSpace[text[end]] {
			end++
		}
		if start == end {
			break
		}
		word := text[start:end]
		keep := utf8.RuneCount(word) >= neutralMinRunes || bytes.ContainsFunc(word, upperOrDigit)
		for ; next < len(tokens) && tokens[next].Start < s.textFrom+end; next++ {
			if keep && tokens[next].Start >= s.textFrom+start {
				t := *tokens[next]
				words = append(words, &t)
			}
		}
		start = end
	}
	words = append(words, tok.Tokenize([]byte(s.extra))...)
	for i, t := range words {
		t.Position = i + 1
	}
	lowerFold(words)

	doc.Fields[bodyAt] = document.NewTextFieldCustom(body.Name(), body.ArrayPositions(), input, body.Options(), fixedTokens(filterBody(tokens)))
	doc.Fields[neutralAt] = document.NewTextFieldCustom(neutral.Name(), neutral.ArrayPositions(), neutral.Value(), neutral.Options(), fixedTokens(words))
}

// plainSpaced reports whether s is UTF-8 (the segmentation of bytes that
// are not does not always stop at a space) with no white space but
// ASCII's, and no letter whose lower case is shorter in UTF-8 (İ, ẞ, the
// Kelvin sign): such rare text is analysed field by field, as it was when
// Bleve's lower-case filter mangled it (lowerFilter).
func plainSpaced(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return r >= utf8.RuneSelf && (unicode.IsSpace(r) || utf8.RuneLen(unicode.ToLower(r)) < utf8.RuneLen(r))
	})
}

// asciiSpace is the white space of ASCII (what unicode.IsSpace says of it).
var asciiSpace = [256]bool{' ': true, '\t': true, '\n': true, '\v': true, '\f': true, '\r': true}

// tokensAndFilters splits an analyzer of a language field into its Unicode
// tokenizer and the rest (nil when it is not made that way).
func tokensAndFilters(a analysis.Analyzer) (analysis.Tokenizer, func(analysis.TokenStream) analysis.TokenStream) {
	switch a := a.(type) {
	case *memoAnalyzer:
		if _, ok := a.tok.(*unitok.UnicodeTokenizer); ok {
			return a.tok, a.filter
		}
	case *analysis.DefaultAnalyzer:
		if _, ok := a.Tokenizer.(*unitok.UnicodeTokenizer); ok && len(a.CharFilters) == 0 {
			return a.Tokenizer, func(ts analysis.TokenStream) analysis.TokenStream {
				for _, f := range a.TokenFilters {
					ts = f.Filter(ts)
				}
				return ts
			}
		}
	}
	return nil, nil
}

// neutralFilters reports whether a is the neutral analyzer as
// shareTokens knows it: Unicode words, lower case, folding.
func neutralFilters(a analysis.Analyzer) bool {
	d, ok := a.(*analysis.DefaultAnalyzer)
	if !ok || len(d.CharFilters) != 0 || len(d.TokenFilters) != 2 {
		return false
	}
	_, uni := d.Tokenizer.(*unitok.UnicodeTokenizer)
	_, lower := d.TokenFilters[0].(lowerFilter)
	_, fold := d.TokenFilters[1].(foldFilter)
	return uni && lower && fold
}

// lowerFold lower-cases and folds the terms of tokens, as the neutral
// analyzer's filters do (Bleve's lower case, which for the text plainSpaced
// lets through is unicode.ToLower rune by rune, then foldFilter), into new
// bytes, one allocation for them all: the terms are the language field's,
// which its own filters rewrite in place. The terms are UTF-8 (shareTokens
// checks the text).
func lowerFold(tokens analysis.TokenStream) {
	n := 0
	for _, t := range tokens {
		n += len(t.Term)
	}
	buf := make([]byte, 0, n+n/4)
	table := foldTable()
	for _, t := range tokens {
		from := len(buf)
		for i := 0; i < len(t.Term); {
			c := t.Term[i]
			if c < utf8.RuneSelf {
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				buf = append(buf, c)
				i++
				continue
			}
			r, w := utf8.DecodeRune(t.Term[i:])
			i += w
			if r, keep := foldRune(table, unicode.ToLower(r)); keep {
				buf = utf8.AppendRune(buf, r)
			}
		}
		t.Term = buf[from:len(buf):len(buf)]
	}
}
