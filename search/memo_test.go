package search

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	index "github.com/blevesearch/bleve_index_api"

	"proact/models/modelstest"
)

// TestMemoAnalyzerIsTheAnalyzer: a build's memo analyzers (memo.go) give
// what the portal's analyzers give, token for token (term, position,
// offsets, type), for every stemmed language of the shared corpora's
// sentences (14 of its 23), each sentence read twice (the second time from
// the memo). The plain run reads every sentence (about a second). Under
// the race detector (25 times slower here, and no concurrency to see: one
// goroutine) it reads memoSample's covering part of them, unless
// PROACT_THOROUGH=1 or PROACT_FULL_ATTACKS=1 asks for every one.
func TestMemoAnalyzerIsTheAnalyzer(t *testing.T) {
	files := modelstest.CorpusFiles(t, "sentences/*.txt")
	an := sharedAnalyzers()
	memo := newMemoAnalyzers()
	for _, l := range stemmedLanguages {
		if memo.of(an[l]) == nil {
			t.Errorf("%s: the analyzer %T has no memo analyzer", l, an[l])
		}
	}
	var lines, tokens int
	for _, file := range files {
		lang := strings.TrimSuffix(filepath.Base(file), ".txt")
		if an[lang] == nil {
			t.Fatalf("%s: no analyzer", file)
		}
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		var text []string
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			text = append(text, sc.Text())
		}
		_ = f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		a := an[lang]
		ma := memo.of(a)
		if ma == nil {
			continue // not a stemmed language
		}
		if !memoSweep() {
			text = memoSample(text)
		}
		// The analyzer gives the same tokens for the same text every time:
		// it analyses each sentence once, and the memo is checked against
		// that twice (the second time from the memo).
		want := make([]analysis.TokenStream, len(text))
		for round := range 2 {
			for k, line := range text {
				if round == 0 {
					want[k] = a.Analyze([]byte(line))
					lines++
					tokens += len(want[k])
				}
				got := ma.Analyze([]byte(line))
				if len(got) != len(want[k]) {
					t.Fatalf("%s %q: %d tokens, want %d", lang, line, len(got), len(want[k]))
				}
				for i, w := range want[k] {
					g := got[i]
					if string(g.Term) != string(w.Term) || g.Position != w.Position || g.Start != w.Start ||
						g.End != w.End || g.Type != w.Type || g.KeyWord != w.KeyWord {
						t.Fatalf("%s %q: token %d is %+v, want %+v", lang, line, i, *g, *w)
					}
				}
			}
		}
	}
	if lines == 0 || tokens == 0 {
		t.Fatal("no text read")
	}
	t.Logf("%d lines, %d tokens, %d words kept", lines, tokens, memo.words)
}

// memoSweep reports whether TestMemoAnalyzerIsTheAnalyzer and
// TestSharedTokensAreTheFieldsOwn read all their sentences: in the plain
// run, or when PROACT_THOROUGH=1 or PROACT_FULL_ATTACKS=1 asks for it under
// the race detector (CI=true alone does not: CI runs under the detector
// only).
func memoSweep() bool {
	return !modelstest.RaceEnabled || os.Getenv(modelstest.ThoroughEnv) == "1" || modelstest.FullAttacks()
}

// memoSample is the sentences of one language that the race run reads:
// every eighth, and every one with a word of a shape no sentence before it
// had (see wordShape), so that each kind of word the language's text has
// (capitals, digits, apostrophes and elisions, hyphens, letters beyond
// ASCII, combining marks, punctuation, short and long words) goes through
// the analyzer's filters and then through the memo, read and read again:
// about a fifth of them.
func memoSample(lines []string) []string {
	var out []string
	seen := map[wordShape]bool{}
	for i, line := range lines {
		keep := i%8 == 0
		for _, w := range strings.Fields(line) {
			if s := shapeOf(w); !seen[s] {
				seen[s], keep = true, true
			}
		}
		if keep {
			out = append(out, line)
		}
	}
	return out
}

// wordShape is what a word (as strings.Fields cuts it) is made of.
type wordShape struct {
	firstUpper, laterUpper, lower, digit, apostrophe, hyphen, beyondASCII, mark, other bool
	// length is 1 or 2 (runes), 3 up to 4, 4 up to 8, 5 up to 14, 6 longer.
	length int
}

func shapeOf(w string) wordShape {
	var s wordShape
	n := 0
	for _, r := range w {
		switch {
		case unicode.IsUpper(r) && n == 0:
			s.firstUpper = true
		case unicode.IsUpper(r):
			s.laterUpper = true
		case unicode.IsLower(r):
			s.lower = true
		case unicode.IsDigit(r):
			s.digit = true
		case strings.ContainsRune("'’ʼ`´", r):
			s.apostrophe = true
		case strings.ContainsRune("-‐–", r):
			s.hyphen = true
		case unicode.Is(unicode.Mn, r):
			s.mark = true
		case !unicode.IsLetter(r):
			s.other = true
		}
		if r > unicode.MaxASCII && unicode.IsLetter(r) {
			s.beyondASCII = true
		}
		n++
	}
	switch {
	case n <= 2:
		s.length = n
	case n <= 4:
		s.length = 3
	case n <= 8:
		s.length = 4
	case n <= 14:
		s.length = 5
	default:
		s.length = 6
	}
	return s
}

// TestMemoFieldsKeepsTheField: a field given a memo analyzer is the same
// field (name, options, value) and analyses to the same length and terms.
func TestMemoFieldsKeepsTheField(t *testing.T) {
	m := newMapping()
	d := &Document{Kind: KindPractice, ID: 7, Slug: "s", Language: "pl", Title: "Pracownicy sezonowi",
		Summary: "Umowy o pracę", Body: "Pracownicy sezonowi z Ukrainy i umowy o pracę w rolnictwie.", Countries: []string{"PL"}}
	plain, memoed := document.NewDocument("practice:7"), document.NewDocument("practice:7")
	for _, doc := range []*document.Document{plain, memoed} {
		if err := m.MapDocument(doc, d.fields()); err != nil {
			t.Fatal(err)
		}
	}
	newMemoAnalyzers().memoFields(memoed)
	if len(plain.Fields) != len(memoed.Fields) {
		t.Fatalf("%d fields, want %d", len(memoed.Fields), len(plain.Fields))
	}
	byName := map[string]int{} // a field and its value: the suggest field is a list
	for i, g := range memoed.Fields {
		byName[g.Name()+"\x00"+string(g.Value())] = i
	}
	replaced := 0
	for i, f := range plain.Fields {
		g := memoed.Fields[byName[f.Name()+"\x00"+string(f.Value())]]
		if f.Name() != g.Name() || f.Options() != g.Options() || string(f.Value()) != string(g.Value()) {
			t.Fatalf("field %d: %s %v %q, want %s %v %q", i, g.Name(), g.Options(), g.Value(), f.Name(), f.Options(), f.Value())
		}
		if tf, ok := g.(*document.TextField); ok {
			if _, ok := tf.Analyzer().(*memoAnalyzer); ok {
				replaced++
			}
		}
		f.Analyze()
		g.Analyze()
		if f.AnalyzedLength() != g.AnalyzedLength() || len(f.AnalyzedTokenFrequencies()) != len(g.AnalyzedTokenFrequencies()) {
			t.Fatalf("%s: %d tokens, %d terms, want %d, %d", f.Name(), g.AnalyzedLength(), len(g.AnalyzedTokenFrequencies()),
				f.AnalyzedLength(), len(f.AnalyzedTokenFrequencies()))
		}
		for k, tf := range f.AnalyzedTokenFrequencies() {
			gf := g.AnalyzedTokenFrequencies()[k]
			if gf == nil || gf.Frequency() != tf.Frequency() || len(gf.Locations) != len(tf.Locations) {
				t.Fatalf("%s: term %q differs", f.Name(), k)
			}
		}
	}
	if replaced != 1 {
		t.Fatalf("%d fields given a memo analyzer, want 1 (body_pl)", replaced)
	}
}

// TestSharedTokensAreTheFieldsOwn: a build's documents, their language and
// neutral fields analysed from one segmentation (shareTokens) with the memo
// analyzers, have the fields that Bleve's own analysis of each field's value
// gives: the same fields, lengths, terms, counts and (for the language
// fields) locations. Documents are made of the shared corpora's sentences in
// all 23 languages, the declaration's articles, the attack payloads, and
// text made to break the rule shareTokens relies on (white space other than
// ASCII's, bytes that are not UTF-8, marks after a space, capitals and
// digits in short words): the first 280 sentences of each language, or
// under the race detector (one goroutine: nothing for it to see) the first
// 140, unless memoSweep asks for all.
func TestSharedTokensAreTheFieldsOwn(t *testing.T) {
	ix := &Index{mapping: newMapping()}
	var texts [][]string // lines of one language each
	var langs []string
	first := 280 // 40 documents a language
	if !memoSweep() {
		first = 140
	}
	for _, pattern := range []string{"sentences/*.txt", "udhr/*.txt"} {
		for _, file := range modelstest.CorpusFiles(t, pattern) {
			lines := readLines(t, file)
			if len(lines) > first {
				lines = lines[:first]
			}
			langs = append(langs, strings.SplitN(strings.TrimSuffix(filepath.Base(file), ".txt"), "_", 2)[0])
			texts = append(texts, lines)
		}
	}
	payloads := hostileQueries(t)
	texts, langs = append(texts, payloads), append(langs, "en")
	texts = append(texts, []string{
		"Dąb\u202fDrzewo Pracownicy sezonowi", "ab\u00a0cd ÉTÉ été", "x \u0301abcd \u200dZWJ", "UE 2024 r. EU-27 ab1 Ąę", "\tTab\tsep\v\fVT\r\nCRLF",
		"l'Homme L'HOMME aujourd'hui", "ﬁ ﬂ ǅ İstanbul ΣΊΣΥΦΟΣ", "", "\u2028line\u2029para\u0085nel", "123 4567 a-b-c-d",
	})
	langs = append(langs, "pl")
	memo := newMemoAnalyzers()
	var docs, shared int
	for li, lines := range texts {
		lang := langs[li]
		if !knownLanguage(lang) {
			t.Fatalf("%s: not a language of the index", lang)
		}
		for i := 0; i < len(lines); i += 7 {
			part := func(from, n int) string {
				var out []string
				for j := from; j < min(from+n, len(lines)); j++ {
					out = append(out, lines[j])
				}
				return strings.Join(out, " ")
			}
			d := &Document{Kind: KindPractice, ID: uint(docs + 1), Slug: "s", Language: lang, Title: part(i, 1),
				Summary: part(i+1, 1), Body: part(i+2, 5), Countries: []string{"RO"}, Extra: part(i+3, 1) + "\nBucureşti"}
			docs++
			plain, got := bothWays(t, ix, memo, d)
			for _, f := range got.Fields {
				if tf, ok := f.(*document.TextField); ok && tf.Name() == fNeutral {
					if _, ok := tf.Analyzer().(fixedTokens); ok {
						shared++
					}
				}
			}
			compareAnalysed(t, plain, got, d)
		}
	}
	if shared < docs*9/10 {
		t.Fatalf("only %d of %d documents analysed from one segmentation", shared, docs)
	}
	t.Logf("%d documents, %d of them from one segmentation", docs, shared)
}

// bothWays maps d to a document twice: as Bleve does (plain) and as a
// build's worker does (got: the memo analyzers, one segmentation of the
// shared text); neither is analysed yet.
func bothWays(t *testing.T, ix *Index, memo *memoAnalyzers, d *Document) (plain, got *document.Document) {
	t.Helper()
	fields, sh := d.fieldsShared()
	if sh == nil {
		t.Fatalf("%s: no shared text", d.Language)
	}
	plain, got = document.NewDocument("practice:1"), document.NewDocument("practice:1")
	for _, doc := range []*document.Document{plain, got} {
		if err := ix.mapping.MapDocument(doc, fields); err != nil {
			t.Fatal(err)
		}
	}
	memo.memoFields(got)
	shareTokens(got, sh)
	return plain, got
}

// compareAnalysed analyses both documents' fields and fails where they differ.
func compareAnalysed(t *testing.T, want, got *document.Document, d *Document) {
	t.Helper()
	if len(want.Fields) != len(got.Fields) {
		t.Fatalf("%d fields, want %d", len(got.Fields), len(want.Fields))
	}
	// A field by its name and value (MapDocument's order is the map's, and
	// the suggest field is a list), or by its name alone for the two that
	// shareTokens analysed already (the language field's filters rewrite its
	// value in place, as they do when Bleve analyses it).
	byName := map[string]index.Field{}
	for _, g := range got.Fields {
		if tf, ok := g.(*document.TextField); ok {
			if _, ok := tf.Analyzer().(fixedTokens); ok {
				byName[g.Name()] = g
				continue
			}
		}
		byName[g.Name()+"\x00"+string(g.Value())] = g
	}
	for i, w := range want.Fields {
		g := byName[w.Name()+"\x00"+string(w.Value())]
		if g == nil {
			g = byName[w.Name()]
		}
		if g == nil {
			t.Fatalf("field %d: %s %q missing", i, w.Name(), w.Value())
		}
		if w.Name() != g.Name() || w.Options() != g.Options() {
			t.Fatalf("field %d: %s %v, want %s %v", i, g.Name(), g.Options(), w.Name(), w.Options())
		}
		if !w.Options().IsIndexed() {
			continue
		}
		w.Analyze()
		g.Analyze()
		wf, gf := w.AnalyzedTokenFrequencies(), g.AnalyzedTokenFrequencies()
		if w.AnalyzedLength() != g.AnalyzedLength() || len(wf) != len(gf) {
			var diff []string
			for k := range wf {
				if gf[k] == nil {
					diff = append(diff, "-"+truncate(k, 40))
				}
			}
			for k := range gf {
				if wf[k] == nil {
					diff = append(diff, "+"+truncate(k, 40))
				}
			}
			t.Fatalf("%s of %.200q / %.200q / %.200q: %d tokens, %d terms, want %d, %d: %q", w.Name(), d.Title, d.Summary, d.Body,
				g.AnalyzedLength(), len(gf), w.AnalyzedLength(), len(wf), diff)
		}
		for term, wt := range wf {
			gt := gf[term]
			if gt == nil || gt.Frequency() != wt.Frequency() || len(gt.Locations) != len(wt.Locations) {
				t.Fatalf("%s of %q: term %q differs", w.Name(), d.Body, term)
			}
			for k, wl := range wt.Locations {
				gl := gt.Locations[k]
				if gl.Position != wl.Position || gl.Start != wl.Start || gl.End != wl.End || gl.Field != wl.Field {
					t.Fatalf("%s of %q: term %q at %+v, want %+v", w.Name(), d.Body, term, *gl, *wl)
				}
			}
		}
	}
}

func readLines(t *testing.T, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}
