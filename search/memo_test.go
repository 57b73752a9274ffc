package search

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"

	"proact/models/modelstest"
)

// TestMemoAnalyzerIsTheAnalyzer: a build's memo analyzers (memo.go) give
// what the portal's analyzers give, token for token (term, position,
// offsets, type), for every stemmed language of the shared corpora's
// sentences (14 of its 23), each sentence read twice (the second time from
// the memo). By default one sentence in four of each language is read, in a
// thorough run (modelstest.Thorough) every one.
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
		for i := 0; sc.Scan(); i++ {
			if modelstest.Sampled(i, 4, 0) {
				text = append(text, sc.Text())
			}
		}
		_ = f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		for round := range 2 {
			for _, line := range text {
				for _, a := range []analysis.Analyzer{an[lang]} {
					ma := memo.of(a)
					if ma == nil {
						continue // not a stemmed language
					}
					want := a.Analyze([]byte(line))
					got := ma.Analyze([]byte(line))
					if round == 0 {
						lines++
						tokens += len(want)
					}
					if len(got) != len(want) {
						t.Fatalf("%s %q: %d tokens, want %d", lang, line, len(got), len(want))
					}
					for i := range want {
						w, g := want[i], got[i]
						if string(g.Term) != string(w.Term) || g.Position != w.Position || g.Start != w.Start ||
							g.End != w.End || g.Type != w.Type || g.KeyWord != w.KeyWord {
							t.Fatalf("%s %q: token %d is %+v, want %+v", lang, line, i, *g, *w)
						}
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
