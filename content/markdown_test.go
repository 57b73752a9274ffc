package content_test

import (
	"regexp"
	"strings"
	"testing"

	"proact/content"
)

// renderer is shared by every test of the package: Render is documented as
// safe for concurrent use, and sharing it lets the race detector check that.
var renderer = content.NewRenderer()

// render renders src with the shared renderer and fails the test on error.
func render(t *testing.T, src string) string {
	t.Helper()
	out, err := renderer.Render(src)
	if err != nil {
		t.Fatalf("Render(%q): %v", src, err)
	}
	return out
}

// headingIDPattern finds the id of every heading in rendered HTML.
var headingIDPattern = regexp.MustCompile(`<h[1-6] id="([^"]*)"`)

// headingIDs returns the ids of the headings of html, in document order.
func headingIDs(html string) []string {
	var ids []string
	for _, m := range headingIDPattern.FindAllStringSubmatch(html, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestRender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		src     string
		want    []string // substrings the output must contain
		notWant []string // substrings the output must not contain
	}{
		{
			name: "GFM table",
			src:  "| Country | Cases |\n|---|---:|\n| NL | 12 |\n",
			want: []string{"<table>", "<thead>", "<th>Country</th>", "<tbody>", "<td>NL</td>", "12"},
		},
		{
			name: "strikethrough",
			src:  "~~withdrawn~~ kept",
			want: []string{"<del>withdrawn</del> kept"},
		},
		{
			name: "autolink URL",
			src:  "See https://example.org/report for details.",
			want: []string{`<a href="https://example.org/report" rel="nofollow noopener">https://example.org/report</a>`},
		},
		{
			name: "autolink www",
			src:  "See www.example.org today.",
			want: []string{`href="http://www.example.org"`, `rel="nofollow noopener"`},
		},
		{
			name:    "task list",
			src:     "- [ ] to do\n- [x] done\n",
			want:    []string{`<input disabled="" type="checkbox"> to do`, `<input checked="" disabled="" type="checkbox"> done`},
			notWant: []string{"[ ]", "[x]"},
		},
		{
			name: "footnotes",
			src:  "A claim[^src].\n\n[^src]: The source.\n",
			want: []string{
				`<sup id="fnref:1">`, `href="#fn:1"`, `class="footnote-ref"`, `role="doc-noteref"`,
				`<div class="footnotes" role="doc-endnotes">`, `<li id="fn:1">`,
				`href="#fnref:1"`, `class="footnote-backref"`, `role="doc-backlink"`,
			},
		},
		{
			name: "typographer",
			src:  `"Quoted" and 'single' -- dash...`,
			want: []string{"“Quoted”", "‘single’", "–", "…"},
		},
		{
			name: "English heading id",
			src:  "## Lessons learned\n",
			want: []string{`<h2 id="lessons-learned">Lessons learned</h2>`},
		},
		{
			name:    "raw script dropped",
			src:     "before\n\n<script>alert(1)</script>\n\nafter",
			want:    []string{"<p>before</p>", "<p>after</p>"},
			notWant: []string{"<script", "alert(1)"},
		},
		{
			name:    "raw iframe dropped",
			src:     "<iframe src=\"https://evil.example/\"></iframe>\n\ntext",
			want:    []string{"<p>text</p>"},
			notWant: []string{"<iframe", "evil.example"},
		},
		{
			name:    "raw img with onerror dropped",
			src:     "text <img src=x onerror=alert(1)> more",
			want:    []string{"text", "more"},
			notWant: []string{"<img", "onerror"},
		},
		{
			name:    "inline raw HTML dropped",
			src:     "a <b onclick=\"x()\">bold</b> <span style=\"color:red\">red</span>",
			notWant: []string{"onclick", "style=", "<b ", "<span"},
		},
		{
			name:    "javascript link removed",
			src:     "[click](javascript:alert(1))",
			want:    []string{"click"},
			notWant: []string{"javascript:", "href="},
		},
		{
			name:    "JavaScript link in mixed case removed",
			src:     "[click](JaVaScRiPt:alert(1))",
			notWant: []string{"avascript", "href="},
		},
		{
			name:    "vbscript link removed",
			src:     "[click](vbscript:msgbox(1))",
			notWant: []string{"vbscript:", "href="},
		},
		{
			name:    "data link removed",
			src:     "[click](data:text/html;base64,PHNjcmlwdD4=)",
			notWant: []string{"data:", "href="},
		},
		{
			name:    "data image removed",
			src:     "![x](data:image/png;base64,iVBORw0KGgo=)",
			notWant: []string{"data:", "src="},
		},
		{
			name: "external link gets nofollow noopener",
			src:  "[report](https://example.org/report.pdf)",
			want: []string{`<a href="https://example.org/report.pdf" rel="nofollow noopener">report</a>`},
		},
		{
			name: "protocol-relative link gets nofollow noopener",
			src:  "[report](//example.org/report.pdf)",
			want: []string{`href="//example.org/report.pdf"`, `rel="nofollow noopener"`},
		},
		{
			name:    "image from another host loses its src",
			src:     "![logo](https://evil.example/pixel.png)",
			want:    []string{`<img alt="logo">`},
			notWant: []string{"src=", "evil.example"},
		},
		{
			name:    "protocol-relative image loses its src",
			src:     "![logo](//evil.example/pixel.png)",
			notWant: []string{"src=", "evil.example"},
		},
		{
			name:    "http image loses its src",
			src:     "![logo](http://evil.example/pixel.png)",
			notWant: []string{"src=", "evil.example"},
		},
		{
			name: "image on the portal keeps its src",
			src:  "![chart](/static/x.png)",
			want: []string{`<img src="/static/x.png" alt="chart">`},
		},
		{
			name:    "absolute path link",
			src:     "[another note](/practices/shelter-for-men-foggia)",
			want:    []string{`href="/practices/shelter-for-men-foggia"`, ">another note</a>"},
			notWant: []string{"noopener"},
		},
		{
			name:    "relative link",
			src:     "[next](other-note) and [section](#lessons)",
			want:    []string{`href="other-note"`, `href="#lessons"`},
			notWant: []string{"noopener"},
		},
		{
			name: "mailto link",
			src:  "[write](mailto:info@example.org)",
			want: []string{`href="mailto:info@example.org"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := render(t, tt.src)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("Render(%q) = %q\nwant it to contain %q", tt.src, out, w)
				}
			}
			for _, nw := range tt.notWant {
				if strings.Contains(strings.ToLower(out), strings.ToLower(nw)) {
					t.Errorf("Render(%q) = %q\nwant it not to contain %q", tt.src, out, nw)
				}
			}
			if strings.Contains(out, `src="http`) || strings.Contains(out, `src="//`) {
				t.Errorf("Render(%q) = %q: an image still points at another host", tt.src, out)
			}
		})
	}
}

// asciiID matches a heading id that works in a URL fragment without escaping.
var asciiID = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

func TestRenderHeadingIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string // exact ids; nil means only "non-empty ASCII" is checked
		n    int      // number of headings
	}{
		{name: "English", src: "# Results and lessons\n", want: []string{"results-and-lessons"}, n: 1},
		{name: "Greek", src: "## Αξιολόγηση\n", n: 1},
		{name: "Bulgarian", src: "# Резултати и поуки\n", n: 1},
		{name: "Polish diacritics", src: "## Współpraca służb\n", n: 1},
		{name: "punctuation only", src: "## ???\n", n: 1},
		{
			name: "duplicates",
			src:  "## Context\n\n## Context\n\n## Context\n",
			want: []string{"context", "context-1", "context-2"},
			n:    3,
		},
		{
			name: "duplicate that collides with a numbered heading",
			src:  "## A\n\n## A 1\n\n## A\n",
			n:    3,
		},
		{
			name: "duplicate Greek headings",
			src:  "## Αξιολόγηση\n\n## Αξιολόγηση\n",
			n:    2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := render(t, tt.src)
			ids := headingIDs(out)
			if len(ids) != tt.n {
				t.Fatalf("Render(%q) = %q: got %d heading ids %q, want %d", tt.src, out, len(ids), ids, tt.n)
			}
			seen := map[string]bool{}
			for i, id := range ids {
				if !asciiID.MatchString(id) {
					t.Errorf("heading %d of %q: id %q is not a non-empty ASCII slug", i, tt.src, id)
				}
				if seen[id] {
					t.Errorf("heading %d of %q: id %q is used twice (%q)", i, tt.src, id, ids)
				}
				seen[id] = true
				if tt.want != nil && id != tt.want[i] {
					t.Errorf("heading %d of %q: id %q, want %q", i, tt.src, id, tt.want[i])
				}
			}
		})
	}
}

// TestRenderIDsPerDocument checks that heading ids restart with every document:
// the renderer is shared, its id generator must not be.
func TestRenderIDsPerDocument(t *testing.T) {
	t.Parallel()
	for i := range 3 {
		ids := headingIDs(render(t, "## Context\n"))
		if len(ids) != 1 || ids[0] != "context" {
			t.Fatalf("render %d: ids %q, want [context]", i, ids)
		}
	}
}

// TestRenderNoteImagesOnlyFromItsAttachments: a note's images may show its
// own attachments and nothing else, whatever the Markdown says.
func TestRenderNoteImagesOnlyFromItsAttachments(t *testing.T) {
	r := content.NewRenderer()
	own := "/practices/farm-visits/files/abc123.png"
	cases := []struct {
		name, src string
		want      []string
		notWant   []string
	}{
		{"own attachment", "![the farm](" + own + ")", []string{`<img src="` + own + `" alt="the farm">`}, nil},
		{"another note's attachment", "![x](/practices/other/files/abc123.png)", []string{"<p>x</p>"}, []string{"<img"}},
		{"static file", "![logo](/static/img/logo.svg)", []string{"logo"}, []string{"<img"}},
		{"other site", "![pixel](https://tracker.example/p.gif)", []string{"pixel"}, []string{"<img", "tracker"}},
		{"unknown name", "![x](/practices/farm-visits/files/zzz.png)", nil, []string{"<img"}},
		{"raw HTML image", `<img src="` + own + `">`, nil, []string{"<img"}},
		{"reference image", "![farm][f]\n\n[f]: " + own, []string{`<img src="` + own + `"`}, nil},
	}
	for _, tc := range cases {
		got, err := r.RenderNote(tc.src, "farm-visits", []string{"abc123.png"})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %s lacks %s", tc.name, got, w)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(got, w) {
				t.Errorf("%s: %s has %s", tc.name, got, w)
			}
		}
	}
	// Without attachments, no image at all.
	if got, _ := r.RenderNote("![a]("+own+")", "farm-visits", nil); strings.Contains(got, "<img") {
		t.Errorf("no attachments: %s", got)
	}
}
