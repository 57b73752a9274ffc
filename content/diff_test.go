package content_test

import (
	"strings"
	"testing"

	"proact/content"
)

func TestDiffWords(t *testing.T) {
	cases := []struct {
		older, newer, html string
		added, removed     int
	}{
		{"The team visits farms.", "The team visits farms.", "The team visits farms.", 0, 0},
		{"The team visits farms.", "The mobile team visits farms.", "The <ins>mobile </ins>team visits farms.", 1, 0},
		{"We call every worker.", "We meet every worker.", "We <del>call</del><ins>meet</ins> every worker.", 1, 1},
		{"Line one.\nLine two.", "Line one.\n", "Line one.\n<del>Line two.</del>", 0, 2},
		{"Echipa vizitează fermele.", "Echipa mobilă vizitează fermele.", "Echipa <ins>mobilă </ins>vizitează fermele.", 1, 0},
		{"", "<script>alert(1)</script>", "<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>", 4, 0},
		{"a & b", "a &amp; b", "a &amp;<ins>amp;</ins> b", 1, 0},
	}
	for _, tc := range cases {
		ch := content.DiffWords(tc.older, tc.newer)
		if got := content.DiffHTML(ch); got != tc.html {
			t.Errorf("%q → %q: %s, want %s", tc.older, tc.newer, got, tc.html)
		}
		if st := content.Stats(ch); st.Added != tc.added || st.Removed != tc.removed {
			t.Errorf("%q → %q: %+v, want +%d -%d", tc.older, tc.newer, st, tc.added, tc.removed)
		}
		// Both texts come back whole from the changes.
		var older, newer strings.Builder
		for _, c := range ch {
			if c.Op <= 0 {
				older.WriteString(c.Text)
			}
			if c.Op >= 0 {
				newer.WriteString(c.Text)
			}
		}
		if older.String() != tc.older || newer.String() != tc.newer {
			t.Errorf("%q → %q does not rebuild: %q %q", tc.older, tc.newer, older.String(), newer.String())
		}
	}
}

// TestDiffWordsManyWords: more distinct words than fit below the surrogate
// range are mapped past it.
func TestDiffWordsManyWords(t *testing.T) {
	var a, b strings.Builder
	for i := 0; i < 60000; i++ {
		w := "w" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strings.Repeat("y", i/26%100)
		a.WriteString(w + " ")
		if i != 30000 {
			b.WriteString(w + " ")
		}
	}
	ch := content.DiffWords(a.String(), b.String())
	if st := content.Stats(ch); st.Removed != 1 || st.Added != 0 {
		t.Errorf("%+v", st)
	}
}
