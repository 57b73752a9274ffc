package search

import (
	"html"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// Snippets are made from the stored text of a hit, read again with its
// language's analyzer: a word is marked when its term is one the query
// looked for in that language (the words typed, their glossary expansions,
// their typo corrections), or when its folded form is one the neutral field
// looked for. The text is escaped; only <mark> is added.
const (
	snippetRunes   = 240 // about two lines
	snippetScan    = 4000
	snippetContext = 60
)

type span struct{ start, end int }

// highlighter marks the terms of one search in the snippets of its page:
// what it works out from the terms (per language), and the stems of the
// words it has read, serve every hit of the page.
type highlighter struct {
	hl    map[string]map[string]bool
	langs map[string]*langMarks
}

// langMarks is what marking text of one language needs.
type langMarks struct {
	terms, exact map[string]bool
	an           analysis.Analyzer // the language's; nil when it has none
	pf           prefixSet         // of every term: which pieces to analyse
	stemPrefixes map[string]bool   // prefix2 of the terms: which words to stem
	stems        map[string]string // word → its stem, as read so far
	buf          analysis.TokenStream
}

// oneASCIIWord reports whether piece is one run of ASCII letters and digits
// with ASCII punctuation around it only, and where the run is: the common
// case in Latin scripts ("word", "word,", "(word)."), whose only token is
// the run (no rule of Unicode word breaking joins punctuation at the edges
// of a word to it, but the underscore, which is left out here).
func oneASCIIWord(piece string) (from, to int, ok bool) {
	from, to = -1, -1
	for i := 0; i < len(piece); i++ {
		c := piece[i]
		switch {
		case c >= utf8.RuneSelf || c == '_':
			return 0, 0, false
		case wordByte[c]:
			if to >= 0 && to < i {
				return 0, 0, false // a second run
			}
			if from < 0 {
				from = i
			}
			to = i + 1
		}
	}
	return from, to, from >= 0
}

func asciiLower(b []byte) []byte {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return b
}

func newHighlighter(hl map[string]map[string]bool) *highlighter {
	return &highlighter{hl: hl, langs: map[string]*langMarks{}}
}

func (h *highlighter) forLang(lang string) *langMarks {
	if m, ok := h.langs[lang]; ok {
		return m
	}
	m := &langMarks{terms: h.hl[lang], exact: h.hl[""], stemPrefixes: map[string]bool{}}
	if a, ok := sharedAnalyzers()[lang]; ok {
		m.an = a
	} else {
		m.terms = nil
	}
	for t := range m.terms {
		m.pf.add(t)
		m.stemPrefixes[prefix2(t)] = true
	}
	for t := range m.exact {
		m.pf.add(t)
	}
	h.langs[lang] = m
	return m
}

// snippet is the passage of a hit's text to show, escaped, its matches in
// <mark>.
func (h *highlighter) snippet(lang, summary, body string) string {
	text := body
	if text == "" {
		text = summary
	}
	if len(text) > snippetScan {
		text = truncate(text, snippetScan)
	}
	marks := h.matches(lang, text)
	if len(marks) == 0 && summary != "" && summary != text {
		if m := h.matches(lang, summary); len(m) > 0 {
			text, marks = summary, m
		}
	}
	start, end := window(text, marks)
	var b strings.Builder
	if start > 0 {
		b.WriteString("… ")
	}
	at := start
	for _, m := range marks {
		if m.start < start || m.end > end {
			continue
		}
		b.WriteString(html.EscapeString(text[at:m.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[m.start:m.end]))
		b.WriteString("</mark>")
		at = m.end
	}
	b.WriteString(html.EscapeString(text[at:end]))
	if end < len(text) {
		b.WriteString(" …")
	}
	return b.String()
}

// matches returns the spans of text to mark, in order. A word is marked
// when its folded form (the neutral analyzer's: words, lower case, folded)
// is a neutral term looked for, or when its stem in the hit's language is
// one of that language's terms; a word is stemmed only when it starts like
// one of those terms, since stemming every word of every hit would cost more
// than the search.
//
// Reading the whole text with the neutral analyzer (Unicode word breaking)
// cost more than the rest of a search, so the text is read in pieces: it is
// cut at ASCII white space, where Unicode word breaking always breaks (so a
// piece gives the tokens the whole text gives there), and only a piece in
// which some word may start like a term looked for (its first one or two
// runes, lower-cased and folded: see mayStart) is analysed. The marks are
// the same as analysing the whole text; TestSnippetMatchesWholeText checks it.
func (h *highlighter) matches(lang, text string) []span {
	neutral := sharedAnalyzers()[""]
	if neutral == nil || len(h.hl) == 0 {
		return nil
	}
	m := h.forLang(lang)
	if len(m.terms) == 0 && len(m.exact) == 0 {
		return nil
	}
	var out []span
	for _, sp := range splitSpace(text) {
		at, piece := sp.start, text[sp.start:sp.end]
		if m.pf.mayStart(piece) {
			ts := m.buf[:0]
			if from, to, ok := oneASCIIWord(piece); ok {
				// What Unicode word breaking and the neutral analyzer make
				// of it: the word, lower-cased (ASCII folds to itself).
				ts = append(ts, &analysis.Token{Term: asciiLower([]byte(piece[from:to])), Start: from, End: to})
			} else {
				ts = neutral.Analyze([]byte(piece))
			}
			for _, t := range ts {
				w := string(t.Term)
				if m.exact[w] {
					out = append(out, span{at + t.Start, at + t.End})
					continue
				}
				if !m.stemPrefixes[prefix2(w)] {
					continue
				}
				if m.stems == nil {
					m.stems = map[string]string{}
				}
				stem, seen := m.stems[w]
				if !seen {
					if ts := m.an.Analyze([]byte(piece[t.Start:t.End])); len(ts) == 1 {
						stem = string(ts[0].Term)
					}
					m.stems[w] = stem
				}
				if m.terms[stem] {
					out = append(out, span{at + t.Start, at + t.End})
				}
			}
		}
	}
	return mergeSpans(out)
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// prefixSet holds the first one or two folded runes (prefix2) of the terms
// looked for; first says which ASCII bytes (either case) start one, firsts
// which folded runes do.
type prefixSet struct {
	set    map[string]bool
	first  [128]bool
	firsts map[rune]bool
}

func (p *prefixSet) add(term string) {
	if term == "" {
		return
	}
	if p.set == nil {
		p.set, p.firsts = map[string]bool{}, map[rune]bool{}
	}
	p.set[prefix2(term)] = true
	r, _ := utf8.DecodeRuneInString(term)
	p.firsts[r] = true
	if r < utf8.RuneSelf {
		p.first[r] = true
		if 'a' <= r && r <= 'z' {
			p.first[r-'a'+'A'] = true
		}
	}
}

// wordByte says which ASCII bytes are letters or digits.
var wordByte = func() (t [128]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	return t
}()

// mayStart reports whether a token of piece (no white space in it) may
// start like one of the terms. It errs on the side of yes: every rune that
// follows a rune which is not a letter, digit or mark (and the first) is
// taken as the start of a token, with its next rune; a piece with runes
// beyond Greek and Cyrillic (scripts whose words break otherwise) is always
// analysed.
func (p *prefixSet) mayStart(piece string) bool {
	prevWord := false
	for i := 0; i < len(piece); {
		c := piece[i]
		if c < utf8.RuneSelf {
			if !prevWord && p.first[c] && p.startsAt(piece, i) {
				return true
			}
			prevWord = wordByte[c]
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(piece[i:])
		if r >= 0x500 && (r < 0x1e00 || r > 0x1fff) {
			return true
		}
		if !prevWord && p.startsAt(piece, i) {
			return true
		}
		prevWord = unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
		i += size
	}
	return false
}

// startsAt reports whether the token that would start at i begins with one
// of the prefixes: its first rune, or its first two, lower-cased and folded
// as the neutral analyzer does (marks dropped).
func (p *prefixSet) startsAt(piece string, i int) bool {
	var buf [8]byte
	b := buf[:0]
	n := 0
	for _, r := range piece[i:] {
		if r >= utf8.RuneSelf && unicode.Is(unicode.Mn, r) {
			continue
		}
		l := unicode.ToLower(r)
		if utf8.RuneLen(l) != utf8.RuneLen(r) {
			return true // a lower case of another width (İ): let the analyzer read it
		}
		r = fold(l)
		if n == 0 && !p.firsts[r] {
			return false
		}
		b = utf8.AppendRune(b, r)
		n++
		if p.set[string(b)] {
			return true
		}
		if n == 2 {
			return false
		}
	}
	return false
}

// fold is a rune folded as foldFilter folds it.
func fold(r rune) rune {
	if r < utf8.RuneSelf {
		return r
	}
	if t := foldArray(); int(r) < len(t) {
		return t[r]
	}
	return r
}

// foldArray is foldTable as an array, for the runes it covers.
var foldArray = sync.OnceValue(func() []rune {
	t := make([]rune, 0x2000)
	for r := range t {
		t[r] = rune(r)
	}
	for from, to := range foldTable() {
		if int(from) < len(t) {
			t[from] = to
		}
	}
	return t
})

// prefix2 is the first two characters of a folded word.
func prefix2(w string) string {
	n := 0
	for i := range w {
		if n == 2 {
			return w[:i]
		}
		n++
	}
	return w
}

func mergeSpans(s []span) []span {
	if len(s) < 2 {
		return s
	}
	for i := 1; i < len(s); i++ { // insertion sort: few marks
		for j := i; j > 0 && s[j].start < s[j-1].start; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	out := s[:1]
	for _, x := range s[1:] {
		last := &out[len(out)-1]
		if x.start <= last.end {
			last.end = max(last.end, x.end)
			continue
		}
		out = append(out, x)
	}
	return out
}

// window picks the passage with the most marks, cut at word boundaries.
func window(text string, marks []span) (int, int) {
	size := byteWindow(text, 0, snippetRunes)
	if len(text) <= size {
		return 0, len(text)
	}
	best, bestN := 0, -1
	for i, m := range marks {
		from := max(0, m.start-snippetContext)
		n := 0
		for _, o := range marks[i:] {
			if o.end > from+size {
				break
			}
			n++
		}
		if n > bestN {
			best, bestN = from, n
		}
	}
	start := wordStart(text, best)
	end := wordEnd(text, start+byteWindow(text, start, snippetRunes))
	return start, end
}

// byteWindow is how many bytes n runes from from take.
func byteWindow(text string, from, n int) int {
	i := from
	for ; i < len(text) && n > 0; n-- {
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	return i - from
}

func wordStart(text string, i int) int {
	if i <= 0 {
		return 0
	}
	for j := i; j > max(0, i-30); j-- {
		if text[j-1] == ' ' || text[j-1] == '\n' {
			return j
		}
	}
	for i < len(text) && !utf8.RuneStart(text[i]) {
		i++
	}
	return i
}

func wordEnd(text string, i int) int {
	if i >= len(text) {
		return len(text)
	}
	for j := i; j < min(len(text), i+30); j++ {
		if text[j] == ' ' || text[j] == '\n' {
			return j
		}
	}
	for i > 0 && !utf8.RuneStart(text[i]) {
		i--
	}
	return i
}

// didYouMean rewrites the query with the words the typo tolerance found, as
// they occur in the hits (which the viewer may see, so nothing else can
// leak through it); "" when it found nothing to suggest.
func didYouMean(text string, hits []Hit, b *builder) string {
	p := parse(text)
	changed := false
	out := text
	for _, g := range p.groups {
		for _, w := range g {
			if w.phrase || utf8.RuneCountInString(w.text) < 5 {
				continue
			}
			typed := neutralTokens(w.text)
			if len(typed) != 1 {
				continue
			}
			if alt := closestWord(typed[0], hits); alt != "" && alt != typed[0] {
				out = strings.Replace(out, w.text, alt, 1)
				changed = true
			}
		}
	}
	if !changed {
		return ""
	}
	return out
}

// closestWord finds, in the hits' titles and snippets, the word nearest to
// the one typed (at most two edits): of those as near, the most frequent,
// then the first in byte order, so that one query always suggests the same.
func closestWord(typed string, hits []Hit) string {
	best, bestD, bestN := "", 3, 0
	counts := map[string]int{}
	for _, h := range hits {
		for _, w := range neutralTokens(h.Title + " " + stripMarks(h.SnippetHTML)) {
			counts[w]++
		}
	}
	for w, n := range counts {
		if d := editDistance(typed, w, 2); d < bestD || (d == bestD && (n > bestN || (n == bestN && w < best))) {
			best, bestD, bestN = w, d, n
		}
	}
	if bestD > 2 {
		return ""
	}
	return best
}

func stripMarks(s string) string {
	return html.UnescapeString(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s))
}

// editDistance is the Levenshtein distance of a and b, or limit+1 when it
// is larger than limit.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
