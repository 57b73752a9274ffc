package search

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"proact/models/modelstest"
)

// matchesWholeText is how snippets found their marks before matches read
// the text in pieces: the whole text through the neutral analyzer.
func matchesWholeText(lang, text string, hl map[string]map[string]bool) []span {
	an := sharedAnalyzers()
	neutral := an[""]
	if neutral == nil || len(hl) == 0 {
		return nil
	}
	terms, exact := hl[lang], hl[""]
	a, ok := an[lang]
	if !ok {
		terms = nil
	}
	prefixes := map[string]bool{}
	for t := range terms {
		prefixes[prefix2(t)] = true
	}
	stems := map[string]string{}
	var out []span
	for _, t := range neutral.Analyze([]byte(text)) {
		w := string(t.Term)
		if exact[w] {
			out = append(out, span{t.Start, t.End})
			continue
		}
		if !prefixes[prefix2(w)] {
			continue
		}
		stem, seen := stems[w]
		if !seen {
			if ts := a.Analyze([]byte(text[t.Start:t.End])); len(ts) == 1 {
				stem = string(ts[0].Term)
			}
			stems[w] = stem
		}
		if terms[stem] {
			out = append(out, span{t.Start, t.End})
		}
	}
	return mergeSpans(out)
}

// TestSnippetMatchesWholeText checks that reading a hit's text in pieces
// marks exactly what reading it whole does: texts of every language of the
// sentences corpus (and some awkward ones), with terms picked from them as
// a query would give them (stems of the language, folded neutral words).
func TestSnippetMatchesWholeText(t *testing.T) {
	langs, sentences := modelstest.Sentences(t)
	an := sharedAnalyzers()
	r := rand.New(rand.NewPCG(9, 9))
	odd := []string{
		"l'emploi d’un travailleur (saisonnier), « Travailleurs » — ÉTÉ été e\u0301te\u0301",
		"_abc abc_def 3.14 3,5 m² x²y e.g. U.S.A. ΑΣ Σοφία ΣΟΦΙΑΣ İstanbul ǅemal",
		"日本語の文 テキスト ١٢٣ עברית a\u200db don't\ttab\r\nnew",
		"-- ... \"quoted\" [brackets] {x} <b>tag</b> &amp; ½ ¾",
	}
	checked, marked := 0, 0
	for round := range 400 {
		lang := langs[round%len(langs)]
		var text string
		if round%25 == 0 {
			text = odd[(round/25)%len(odd)]
		} else {
			var parts []string
			for range 3 + r.IntN(6) {
				parts = append(parts, sentences[lang][r.IntN(len(sentences[lang]))])
			}
			text = strings.Join(parts, " ")
			if round%3 == 0 {
				cut := len(text) / 3
				for !utf8.RuneStart(text[cut]) {
					cut++
				}
				text = strings.ToUpper(text[:cut]) + text[cut:]
			}
		}
		words := strings.Fields(text)
		hl := map[string]map[string]bool{lang: {}, "": {}}
		for range 1 + r.IntN(4) {
			w := words[r.IntN(len(words))]
			for _, tok := range an[lang].Analyze([]byte(w)) {
				hl[lang][string(tok.Term)] = true
			}
			if r.IntN(2) == 0 {
				w = words[r.IntN(len(words))]
				for _, tok := range an[""].Analyze([]byte(w)) {
					hl[""][string(tok.Term)] = true
				}
			}
		}
		if round%7 == 0 {
			hl[""]["a"], hl[lang]["e"] = true, true // one-rune terms
		}
		want := matchesWholeText(lang, text, hl)
		got := newHighlighter(hl).matches(lang, text)
		if !slices.Equal(got, want) {
			t.Fatalf("%s %q with %v:\n got %v\nwant %v", lang, text, hl, got, want)
		}
		checked++
		marked += len(want)
	}
	if marked == 0 {
		t.Fatalf("no marks in %d texts: the test checks nothing", checked)
	}
	t.Logf("%d texts, %d marks, the same", checked, marked)
}
