package content

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"proact/models/modelstest"
	"proact/search/searchtest"
)

// Found from outside (issue 8): goldmark's parser is quadratic in a few
// shapes of text. Before the bounds, a 200 KB body of ">" took 90 s to
// preview and one of "[a](" 48 s, each holding a core: any member could
// stall the portal with a few requests of the editor's preview.
func TestPathologicalMarkdownRendersQuickly(t *testing.T) {
	r := NewRenderer()
	n, budget := MaxBody, 8*time.Second // each took from 10 s to 90 s before; a few hundred ms now
	if modelstest.RaceEnabled {
		// The detector makes this 30 times slower and it is no concurrency
		// test: the plain run measures the whole size, this one a sample.
		n, budget = MaxBody/20, 20*time.Second
	}
	cases := map[string]string{
		"nested quotes":          strings.Repeat(">", n),
		"nested quotes, spaced":  strings.Repeat("> ", n/2),
		"quotes in lists":        strings.Repeat("> - ", n/4),
		"unclosed links":         strings.Repeat("[a](", n/4),
		"unclosed images":        strings.Repeat("![a](", n/5),
		"links over lines":       strings.Repeat("[a](\n", n/5),
		"unclosed nested parens": strings.Repeat("[a]((", n/5),
		"emphasis and links":     strings.Repeat("*[a](*", n/6),
		"bracketed lines":        strings.Repeat("[a]\n", n/4),
	}
	// Each render's own CPU time (its thread's), not the wall clock: the
	// machine may be busy with other tests and builds.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for name, src := range cases {
		start := searchtest.ThreadCPUTime()
		html, err := r.RenderNote(src, "x", nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d := searchtest.ThreadCPUTime() - start; d > budget {
			t.Errorf("%s: %v of CPU to render %d bytes", name, d, len(src))
		}
		if q := strings.Count(html, "<blockquote>"); q > maxNesting+1 {
			t.Errorf("%s: %d nested quotes", name, q)
		}
	}
}

// Ordinary notes are rendered from exactly what was typed.
func TestBoundsLeaveOrdinaryNotes(t *testing.T) {
	var b strings.Builder
	for i := range 40 {
		b.WriteString("> A quote with a [link](https://example.org/a) and **bold**.\n>\n> - a list\n>   1. nested\n\n")
		b.WriteString("- item with [one](/practices/x) and [two](/practices/y)\n  - deeper\n    > quoted\n\n")
		if i%5 == 0 {
			b.WriteString("| a | b |\n|---|---|\n| 1 | 2 |\n\n")
		}
	}
	src := b.String()
	if got := boundStructure(src); got != src {
		t.Fatal("an ordinary note was changed")
	}
	// Deep nesting keeps its first levels and shows the rest as text.
	deep := strings.Repeat("> ", maxNesting+5) + "text"
	html, err := NewRenderer().Render(deep)
	if err != nil {
		t.Fatal(err)
	}
	if q := strings.Count(html, "<blockquote>"); q != maxNesting {
		t.Errorf("%d quotes, want %d", q, maxNesting)
	}
	if !strings.Contains(html, "&gt; &gt; &gt; &gt; &gt; text") {
		t.Errorf("the deeper markers are not shown as text: %s", html[len(html)-200:])
	}
	many := strings.Repeat("[a](/b) ", maxLinksPerBlock+10)
	html, _ = NewRenderer().Render(many)
	if l := strings.Count(html, "<a href"); l != maxLinksPerBlock {
		t.Errorf("%d links, want %d", l, maxLinksPerBlock)
	}
}
