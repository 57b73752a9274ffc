package content

import (
	"html"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Change is one run of a word-level diff: text both versions share (Op 0),
// text only the newer one has (Op 1), or only the older one (Op -1).
type Change struct {
	Op   int
	Text string
}

// DiffStats counts the words added and removed.
type DiffStats struct{ Added, Removed int }

// diffTimeout bounds the time one diff may take, after which it is coarser
// but still right: a note's diff is a public page (between published
// versions), and two unrelated 200 KB texts took the whole of the former
// 2 s, so that a reader could keep a core busy with a few requests a second.
// An ordinary note's versions compare in a few milliseconds.
const diffTimeout = 300 * time.Millisecond

// DiffWords compares two texts word by word: runs of letters and digits,
// runs of spaces and each other character are the units, so a changed word
// shows as that word, not as a changed line. It uses diff-match-patch
// (Myers' algorithm, with a time limit) on the words mapped to runes.
func DiffWords(older, newer string) []Change {
	if older == newer {
		if older == "" {
			return nil
		}
		return []Change{{Op: 0, Text: older}}
	}
	vocab := map[string]rune{}
	var words []string
	encode := func(s string) []rune {
		toks := tokenize(s)
		out := make([]rune, len(toks))
		for i, t := range toks {
			r, ok := vocab[t]
			if !ok {
				r = tokenRune(len(words))
				vocab[t] = r
				words = append(words, t)
			}
			out[i] = r
		}
		return out
	}
	a, b := encode(older), encode(newer)
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = diffTimeout
	diffs := dmp.DiffCleanupSemantic(dmp.DiffMainRunes(a, b, false))
	out := make([]Change, 0, len(diffs))
	for _, d := range diffs {
		var sb strings.Builder
		for _, r := range d.Text {
			sb.WriteString(words[runeToken(r)])
		}
		op := 0
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			op = 1
		case diffmatchpatch.DiffDelete:
			op = -1
		}
		if n := len(out); n > 0 && out[n-1].Op == op {
			out[n-1].Text += sb.String()
			continue
		}
		out = append(out, Change{Op: op, Text: sb.String()})
	}
	return out
}

// tokenRune maps the i-th distinct word to a rune, skipping the surrogate
// range, which is not a valid rune.
func tokenRune(i int) rune {
	r := rune(i + 1)
	if r >= 0xD800 {
		r += 0x800
	}
	return r
}

func runeToken(r rune) int {
	if r >= 0xE000 {
		r -= 0x800
	}
	return int(r - 1)
}

func tokenize(s string) []string {
	var out []string
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		n := size
		switch {
		case isWordRune(r):
			for n < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[n:])
				if !isWordRune(r2) {
					break
				}
				n += sz
			}
		case r == ' ' || r == '\t':
			for n < len(s) && (s[n] == ' ' || s[n] == '\t') {
				n++
			}
		}
		out = append(out, s[:n])
		s = s[n:]
	}
	return out
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) }

// Stats counts the words (runs of letters and digits) added and removed.
func Stats(changes []Change) DiffStats {
	var st DiffStats
	for _, c := range changes {
		n := 0
		for _, t := range tokenize(c.Text) {
			if r, _ := utf8.DecodeRuneInString(t); isWordRune(r) {
				n++
			}
		}
		switch c.Op {
		case 1:
			st.Added += n
		case -1:
			st.Removed += n
		}
	}
	return st
}

// DiffHTML writes the changes as HTML: shared text as it is, added text in
// <ins>, removed text in <del>, all of it escaped. Show it in an element with
// white-space: pre-wrap so that line breaks stay.
func DiffHTML(changes []Change) string {
	var b strings.Builder
	for _, c := range changes {
		text := html.EscapeString(c.Text)
		switch c.Op {
		case 1:
			b.WriteString("<ins>" + text + "</ins>")
		case -1:
			b.WriteString("<del>" + text + "</del>")
		default:
			b.WriteString(text)
		}
	}
	return b.String()
}
