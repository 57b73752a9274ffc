package content_test

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"proact/content"
	"proact/models"
	"proact/models/modelstest"
)

// payload is one line of an attack corpus file.
type payload struct {
	file string
	line int
	text string
}

func (p payload) String() string { return fmt.Sprintf("%s:%d %q", p.file, p.line, p.text) }

// attackFiles returns the contents of every corpus file by name; without
// the corpus the test skips, or fails in CI (see modelstest.CorpusFiles).
// Rendering is cheap, so these tests always take every payload.
func attackFiles(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, f := range modelstest.CorpusFiles(t, filepath.Join("attacks", "*.txt")) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("reading %s: %v", f, err)
		}
		files[filepath.Base(f)] = string(data)
	}
	return files
}

// attackPayloads returns every non-blank line of every corpus file.
func attackPayloads(t *testing.T) []payload {
	t.Helper()
	var out []payload
	for name, data := range attackFiles(t) {
		sc := bufio.NewScanner(strings.NewReader(data))
		sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
		for n := 1; sc.Scan(); n++ {
			if strings.TrimSpace(sc.Text()) != "" {
				out = append(out, payload{file: name, line: n, text: sc.Text()})
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("reading %s: %v", name, err)
		}
	}
	slices.SortFunc(out, func(a, b payload) int {
		if c := strings.Compare(a.file, b.file); c != 0 {
			return c
		}
		return a.line - b.line
	})
	if len(out) < 100 {
		t.Fatalf("only %d payloads in %s, want the whole corpus", len(out), modelstest.CorporaDir())
	}
	return out
}

// forbiddenTags may never appear in rendered Markdown.
var forbiddenTags = map[string]bool{
	"script": true, "iframe": true, "frame": true, "frameset": true, "object": true,
	"embed": true, "applet": true, "svg": true, "math": true, "style": true, "link": true,
	"meta": true, "base": true, "form": true, "button": true, "textarea": true,
	"select": true, "video": true, "audio": true, "source": true, "marquee": true,
}

// forbiddenAttrs may never appear in rendered Markdown, on any element.
var forbiddenAttrs = map[string]bool{
	"style": true, "formaction": true, "action": true, "srcdoc": true, "srcset": true,
	"background": true, "poster": true, "xmlns": true, "xlink:href": true, "form": true,
}

// squash is how a browser may read a URL or script attribute: case folded,
// and without the whitespace and control characters it skips.
func squash(v string) string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToLower(v))
}

// otherHost reports whether a URL attribute value may lead the browser to
// another host: an absolute http(s) URL, a protocol-relative one (including
// the backslash forms browsers accept), or anything unparseable.
func otherHost(v string) bool {
	s := strings.ReplaceAll(squash(v), `\`, "/")
	if strings.HasPrefix(s, "//") {
		return true
	}
	u, err := url.Parse(s)
	if err != nil {
		return true
	}
	return u.Host != "" || (u.Scheme != "" && u.Scheme != "mailto")
}

// isTaskCheckbox reports whether an input element is exactly the disabled
// checkbox of a task list item.
func isTaskCheckbox(tok html.Token) bool {
	typ, disabled := false, false
	for _, a := range tok.Attr {
		switch {
		case a.Key == "type" && a.Val == "checkbox":
			typ = true
		case a.Key == "disabled" && a.Val == "":
			disabled = true
		case a.Key == "checked" && a.Val == "":
		default:
			return false
		}
	}
	return typ && disabled
}

// attr returns the value of an attribute of tok, and whether it is there.
func attr(tok html.Token, key string) (string, bool) {
	for _, a := range tok.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// unsafeHTML returns what is wrong with rendered HTML (nil when it is safe):
// it tokenizes out as a browser would and checks every tag and attribute.
func unsafeHTML(out string) []string {
	var bad []string
	lower := strings.ToLower(out)
	for _, tag := range []string{"<script", "<iframe", "<object", "<embed", "<svg", "<style", "<form"} {
		if strings.Contains(lower, tag) {
			bad = append(bad, "contains "+tag)
		}
	}
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				bad = append(bad, "tokenizer: "+z.Err().Error())
			}
			return bad
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if forbiddenTags[tok.Data] {
			bad = append(bad, "<"+tok.Data+"> element")
		}
		if tok.Data == "input" && !isTaskCheckbox(tok) {
			bad = append(bad, fmt.Sprintf("<input> that is not a task list checkbox: %v", tok.Attr))
		}
		for _, a := range tok.Attr {
			v := squash(a.Val)
			switch {
			case strings.HasPrefix(a.Key, "on"):
				bad = append(bad, fmt.Sprintf("event handler %s=%q on <%s>", a.Key, a.Val, tok.Data))
			case forbiddenAttrs[a.Key]:
				bad = append(bad, fmt.Sprintf("attribute %s=%q on <%s>", a.Key, a.Val, tok.Data))
			case strings.Contains(v, "javascript:") || strings.Contains(v, "vbscript:"):
				bad = append(bad, fmt.Sprintf("script URL in %s=%q on <%s>", a.Key, a.Val, tok.Data))
			}
			switch a.Key {
			case "href", "src", "cite":
				u, err := url.Parse(strings.ReplaceAll(v, `\`, "/"))
				switch {
				case err != nil:
					bad = append(bad, fmt.Sprintf("unparseable %s=%q on <%s>", a.Key, a.Val, tok.Data))
				case !slices.Contains([]string{"", "http", "https", "mailto"}, u.Scheme):
					bad = append(bad, fmt.Sprintf("scheme %q in %s=%q on <%s>", u.Scheme, a.Key, a.Val, tok.Data))
				case !otherHost(a.Val):
				case tok.Data == "a" && a.Key == "href":
					if rel, _ := attr(tok, "rel"); rel != "nofollow noopener" {
						bad = append(bad, fmt.Sprintf("link to another host %q with rel=%q", a.Val, rel))
					}
				default:
					bad = append(bad, fmt.Sprintf("%s=%q on <%s> points at another host", a.Key, a.Val, tok.Data))
				}
			}
		}
	}
}

// TestUnsafeHTML checks the checker: it must flag what it is meant to flag,
// and let through what the renderer legitimately writes.
func TestUnsafeHTML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		html string
		safe bool
	}{
		{`<p>text &lt;script&gt; onclick=alert(1) javascript:x</p>`, true},
		{`<a href="https://example.org" rel="nofollow noopener">x</a>`, true},
		{`<a href="/practices/x" rel="nofollow">x</a> <a href="#fn:1">1</a>`, true},
		{`<a href="mailto:a@example.org">x</a>`, true},
		{`<img src="/static/x.png" alt="x"><img alt="y">`, true},
		{`<input disabled="" type="checkbox"><input checked="" disabled="" type="checkbox">`, true},
		{`<a href="https://example.org">x</a>`, false},
		{`<a href="https://example.org" rel="nofollow">x</a>`, false},
		{`<a href="/\evil.example">x</a>`, false},
		{`<a href="java&#x09;script:alert(1)">x</a>`, false},
		{`<a href="JAVASCRIPT:alert(1)" rel="nofollow noopener">x</a>`, false},
		{`<a href="data:text/html,x">x</a>`, false},
		{`<img src="https://evil.example/x.png">`, false},
		{`<img src="//evil.example/x.png">`, false},
		{`<img src="x" onerror="alert(1)">`, false},
		{`<p OnMouseOver="alert(1)">x</p>`, false},
		{`<ScRiPt>alert(1)</script>`, false},
		{`<svg><g></g></svg>`, false},
		{`<input type="text">`, false},
		{`<input type="checkbox" disabled="" autofocus="">`, false},
		{`<input type="checkbox">`, false},
		{`<iframe></iframe>`, false},
		{`<p style="background:url(x)">x</p>`, false},
		{`<blockquote cite="https://evil.example/">x</blockquote>`, false},
	}
	for _, tt := range tests {
		if got := unsafeHTML(tt.html); (len(got) == 0) != tt.safe {
			t.Errorf("unsafeHTML(%q) = %q, want safe=%v", tt.html, got, tt.safe)
		}
	}
}

func TestAttackPayloadsRender(t *testing.T) {
	t.Parallel()
	files := attackFiles(t)
	payloads := attackPayloads(t)
	byFile := map[string][]payload{}
	for _, p := range payloads {
		byFile[p.file] = append(byFile[p.file], p)
	}
	t.Logf("rendering %d payloads from %d files", len(payloads), len(files))
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// Each payload alone, then the whole file as one document, so that
			// payloads can combine (reference definitions, open blocks).
			docs := byFile[name]
			docs = append(docs, payload{file: name, line: 0, text: data})
			for _, p := range docs {
				out, err := renderer.Render(p.text)
				if err != nil {
					t.Errorf("%v: Render: %v", p, err)
					continue
				}
				if bad := unsafeHTML(out); len(bad) > 0 {
					t.Errorf("%v rendered unsafely: %s\noutput: %s", p, strings.Join(bad, "; "), out)
				}
			}
		})
	}
}

// noPanic runs fn and turns a panic into a test error naming p.
func noPanic(t *testing.T, p payload, what string, fn func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%v: %s panicked: %v", p, what, r)
		}
	}()
	fn()
}

// baseNote is a valid note the payload tests change one field group at a time.
func baseNote() *content.Note {
	return &content.Note{
		Slug: "attack-test",
		FrontMatter: content.FrontMatter{
			Title: "Attack test", Summary: "A summary.", Language: "en",
			Countries: []string{"NL"}, Topics: []string{"outreach"}, Sectors: []string{"A"},
			Indicators: []string{"deception"}, TargetGroups: []string{"seasonal-workers"},
			Stage: "pilot", Evidence: "none", Visibility: "public",
			Organisation: "test-org", TranslationOf: "original-note", Published: "2026-01-02",
		},
		Body: "Body.\n",
	}
}

// roundTrip writes n with MarshalNote and reads it back with ParseNote under
// slug, failing the test (not panicking) when either breaks.
func roundTrip(t *testing.T, p payload, slug string, n *content.Note) (*content.Note, content.Problems, bool) {
	t.Helper()
	var (
		got  *content.Note
		ps   content.Problems
		done bool
	)
	noPanic(t, p, "MarshalNote/ParseNote", func() {
		data, err := content.MarshalNote(n)
		if err != nil {
			t.Errorf("%v: MarshalNote: %v", p, err)
			return
		}
		got, err = content.ParseNote(slug, data)
		if err != nil {
			var ok bool
			if ps, ok = err.(content.Problems); !ok {
				t.Errorf("%v: ParseNote error %v (%T), want content.Problems", p, err, err)
				return
			}
			_ = ps.Error() // the sentences must be printable too
		}
		if got == nil {
			t.Errorf("%v: ParseNote could not read what MarshalNote wrote: %v", p, err)
			return
		}
		done = true
	})
	return got, ps, done
}

// TestAttackPayloadsFrontMatter puts every payload in every field of a note,
// writes it and reads it back: text comes back as typed or is refused with a
// problem about that field; vocabulary fields and slugs are refused by name.
func TestAttackPayloadsFrontMatter(t *testing.T) {
	t.Parallel()
	payloads := attackPayloads(t)
	t.Run("text fields", func(t *testing.T) {
		t.Parallel()
		textKeys := []string{"validation.too_long", "validation.bad_text", "validation.required"}
		accepted := 0
		defer func() { t.Logf("%d of %d payloads accepted as title, summary and body", accepted, len(payloads)) }()
		for _, p := range payloads {
			n := baseNote()
			n.Title, n.Summary, n.Body = p.text, p.text, p.text
			n.Organisation, n.TranslationOf = p.text, p.text
			got, ps, ok := roundTrip(t, p, p.text, n)
			if !ok {
				continue
			}
			fields := map[string]string{
				"title": got.Title, "summary": got.Summary, "organisation": got.Organisation,
				"translation_of": got.TranslationOf,
			}
			for field, v := range fields {
				if v != p.text {
					t.Errorf("%v: %s came back as %q", p, field, v)
				}
			}
			// The file form ends the body with a newline.
			if want := p.text + "\n"; got.Body != want && got.Body != p.text {
				t.Errorf("%v: body came back as %q", p, got.Body)
			}
			for _, field := range []string{"slug", "organisation", "translation_of"} {
				pr, found := findProblem(ps, field)
				switch {
				case content.ValidSlug(p.text) && found:
					t.Errorf("%v: valid slug refused for %s: %+v", p, field, pr)
				case !content.ValidSlug(p.text) && !found:
					t.Errorf("%v: accepted as %s, want a bad_slug problem", p, field)
				case found && (pr.Key != "validation.bad_slug" || pr.Value != p.text):
					t.Errorf("%v: %s problem %+v, want bad_slug with the value", p, field, pr)
				}
			}
			textProblem := false
			for _, pr := range ps {
				switch pr.Field {
				case "slug", "organisation", "translation_of":
				case "title", "summary", "body":
					textProblem = true
					if !slices.Contains(textKeys, pr.Key) {
						t.Errorf("%v: unexpected problem %+v", p, pr)
					}
				default:
					t.Errorf("%v: problem about a field that was not changed: %+v", p, pr)
				}
			}
			if !textProblem {
				accepted++
			}
		}
	})
	t.Run("vocabulary fields", func(t *testing.T) {
		t.Parallel()
		vocabs := []struct {
			field string
			vocab models.Vocabulary
			set   func(n *content.Note, v string)
		}{
			{"language", models.Languages(), func(n *content.Note, v string) { n.Language = v }},
			{"stage", models.PracticeStages(), func(n *content.Note, v string) { n.Stage = v }},
			{"evidence", models.EvidenceLevels(), func(n *content.Note, v string) { n.Evidence = v }},
			{"visibility", models.Visibilities(), func(n *content.Note, v string) { n.Visibility = v }},
			{"countries", models.Countries(), func(n *content.Note, v string) { n.Countries = []string{"NL", v} }},
			{"topics", models.Topics(), func(n *content.Note, v string) { n.Topics = []string{v} }},
			{"sectors", models.Sectors(), func(n *content.Note, v string) { n.Sectors = []string{v, "A"} }},
			{"indicators", models.Indicators(), func(n *content.Note, v string) { n.Indicators = []string{v} }},
			{"target_groups", models.TargetGroups(), func(n *content.Note, v string) { n.TargetGroups = []string{v} }},
		}
		for _, p := range payloads {
			n := baseNote()
			for _, v := range vocabs {
				v.set(n, p.text)
			}
			_, ps, ok := roundTrip(t, p, n.Slug, n)
			if !ok {
				continue
			}
			for _, v := range vocabs {
				pr, found := findProblem(ps, v.field)
				switch {
				case v.vocab.Has(p.text):
				case !found:
					t.Errorf("%v: accepted as %s", p, v.field)
				case pr.Key != "validation.unknown_term" || pr.Value != p.text:
					t.Errorf("%v: %s problem %+v, want unknown_term with the value as typed", p, v.field, pr)
				}
			}
			if len(ps) != len(vocabs) {
				t.Errorf("%v: %d problems %+v, want one for each of the %d vocabulary fields", p, len(ps), ps, len(vocabs))
			}
		}
	})
}
