package search

import (
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"

	"proact/content"
	"proact/models/modelstest"
)

// sanitizerText is what plainText replaced: a strict sanitizer, block ends
// made spaces by a replacer, unescaping, one space between words. Its
// block ends are plainText's.
func sanitizerText(h string) string {
	var ends []string
	for _, tag := range []string{"p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "div", "tr", "dd", "dt"} {
		ends = append(ends, "</"+tag+">", "</"+tag+"> ")
	}
	ends = append(ends, "<br>", " ", "<br/>", " ", "<br />", " ")
	h = strings.NewReplacer(ends...).Replace(h)
	return strings.Join(strings.Fields(html.UnescapeString(bluemonday.StrictPolicy().Sanitize(h))), " ")
}

// TestPlainTextAsSanitizer: plainText reads the HTML the portal stores (its
// Markdown renderer's sanitized output) exactly as a strict sanitizer does,
// over the attack payloads and real sentences of every language as
// Markdown.
func TestPlainTextAsSanitizer(t *testing.T) {
	r := content.NewRenderer()
	var sources []string
	for _, p := range modelstest.AttackPayloads(t) {
		sources = append(sources, p, "# "+p+"\n\n- "+p+"\n- item\n\n> "+p+"\n\n| a | b |\n|---|---|\n| "+p+" | x |\n\nline  \nbreak `"+p+"`")
	}
	for _, f := range modelstest.CorpusFiles(t, "sentences/*.txt") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		lang := strings.TrimSuffix(filepath.Base(f), ".txt")
		for i := 0; i+3 < len(lines) && i < 120; i += 4 {
			sources = append(sources, "## "+lines[i]+"\n\n"+lines[i+1]+"\n"+lines[i+2]+"\n\n* **"+lang+"** "+lines[i+3])
		}
	}
	sources = append(sources, "a&nbsp;b&amp;c &lt;p&gt;", "one<br>two", "x<script>alert(1)</script>y", "")
	for _, src := range sources {
		h, err := r.Render(src)
		if err != nil {
			t.Fatalf("render %q: %v", src, err)
		}
		if got, want := plainText(h), sanitizerText(h); got != want {
			t.Fatalf("plainText(%q)\n = %q\nwant %q", h, got, want)
		}
		// Raw HTML is never stored (a sanitizer's quirks on it, such as
		// bluemonday skipping the rest after a frameset, are not copied):
		// plainText reads it to valid UTF-8 without failing.
		if got := plainText(src); !utf8.ValidString(got) && utf8.ValidString(src) {
			t.Fatalf("plainText(%q) raw = %q: not UTF-8", src, got)
		}
	}
	for h, want := range map[string]string{
		"<p>one</p><p>two</p>":                       "one two",
		"<ul><li>a</li><li>b</li></ul>c":             "a b c",
		"<b>glued</b>together":                       "gluedtogether",
		"x<br/>y<BR>z":                               "x y z",
		"<p>&lt;script&gt; &amp;amp;</p>":            "<script> &amp;",
		"a<style>p{}</style>b<noscript>c</noscript>": "ab",
		"  spaced \n\t out\u00a0":                    "spaced out",
	} {
		if got := plainText(h); got != want {
			t.Errorf("plainText(%q) = %q, want %q", h, got, want)
		}
	}
}
