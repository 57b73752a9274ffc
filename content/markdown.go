// Package content turns members' Markdown into safe HTML, reads and writes
// practice note files (front matter and body), and imports the demo content.
package content

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/gosimple/slug"
	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Renderer converts Markdown written by members into HTML that is safe to
// show: goldmark with raw HTML off, then bluemonday. Build one with
// NewRenderer and share it; it is safe for concurrent use.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// NewRenderer builds the one Markdown pipeline of the portal.
func NewRenderer() *Renderer {
	md := goldmark.New(
		goldmark.WithExtensions(
			extension.GFM, // tables, strikethrough, autolinks, task lists
			extension.Footnote,
			extension.Typographer,
		),
		goldmark.WithParserOptions(
			parser.WithAutoHeadingID(),
			parser.WithASTTransformers(util.Prioritized(externalLinks{}, 500), util.Prioritized(ownImages{}, 600)),
		),
		// goldmark's html.WithUnsafe is deliberately absent: raw HTML in a
		// note is dropped ("<!-- raw HTML omitted -->"), never passed through.
	)
	return &Renderer{md: md, policy: Policy()}
}

// Render returns the sanitized HTML of a Markdown document.
func (r *Renderer) Render(source string) (string, error) {
	var buf bytes.Buffer
	ctx := parser.NewContext(parser.WithIDs(newHeadingIDs()))
	if err := r.md.Convert([]byte(boundStructure(source)), &buf, parser.WithContext(ctx)); err != nil {
		return "", fmt.Errorf("content: unable to render Markdown: %w", err)
	}
	return r.policy.Sanitize(buf.String()), nil
}

// AttachmentPath is the address of a note's attachment.
func AttachmentPath(slug, name string) string { return "/practices/" + slug + "/files/" + name }

// RenderNote renders a practice note's Markdown: as Render, but images may
// only show the note's own attachments (names, as stored), both in the
// Markdown (others become their alt text) and in the sanitizer's policy
// (whose img src allows exactly those addresses).
func (r *Renderer) RenderNote(source, slug string, attachments []string) (string, error) {
	allowed := make(map[string]bool, len(attachments))
	quoted := make([]string, 0, len(attachments))
	for _, name := range attachments {
		allowed[AttachmentPath(slug, name)] = true
		quoted = append(quoted, regexp.QuoteMeta(name))
	}
	var buf bytes.Buffer
	ctx := parser.NewContext(parser.WithIDs(newHeadingIDs()))
	ctx.Set(allowedImagesKey, allowed)
	if err := r.md.Convert([]byte(boundStructure(source)), &buf, parser.WithContext(ctx)); err != nil {
		return "", fmt.Errorf("content: unable to render Markdown: %w", err)
	}
	images := noImages
	if len(quoted) > 0 {
		images = regexp.MustCompile(`^` + regexp.QuoteMeta("/practices/"+slug+"/files/") + `(?:` + strings.Join(quoted, "|") + `)$`)
	}
	return policyWithImages(images).Sanitize(buf.String()), nil
}

// noImages matches no address: a note without attachments shows no image.
var noImages = regexp.MustCompile(`^\b\B$`)

// allowedImagesKey holds, in a note's parser context, the image addresses
// it may use.
var allowedImagesKey = parser.NewContextKey()

// ownImages replaces the images of a note that are not its own attachments
// by their alt text, so that a reader's browser never fetches another
// address (another note's file, another site, a tracking pixel).
type ownImages struct{}

func (ownImages) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	allowed, ok := pc.Get(allowedImagesKey).(map[string]bool)
	if !ok {
		return // not a note: Policy decides
	}
	source := reader.Source()
	var refused []*ast.Image
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if img, isImg := n.(*ast.Image); entering && isImg && !allowed[string(img.Destination)] {
			refused = append(refused, img)
		}
		return ast.WalkContinue, nil
	})
	for _, img := range refused {
		var alt bytes.Buffer
		_ = ast.Walk(img, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if t, isText := n.(*ast.Text); entering && isText {
				alt.Write(t.Segment.Value(source))
			}
			return ast.WalkContinue, nil
		})
		if parent := img.Parent(); parent != nil {
			parent.ReplaceChild(parent, img, ast.NewString(alt.Bytes()))
		}
	}
}

// Policy is bluemonday's UGCPolicy adjusted for practice notes: footnotes and
// task lists keep the attributes they need, external links carry
// rel="nofollow noopener", and images may only come from the portal itself
// (a relative path), so that reading a note never makes the reader's browser
// call another server.
func Policy() *bluemonday.Policy { return policyWithImages(portalImages) }

// portalImages matches a path on this portal ("/static/..."), never another host.
var portalImages = regexp.MustCompile(`^/[^/\\]`)

func policyWithImages(images *regexp.Regexp) *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowStandardAttributes() // dir, id (restricted pattern), lang, title
	p.AllowStandardURLs()       // http, https, mailto; relative URLs
	p.AllowElements("article", "aside", "figure", "section", "summary", "hgroup",
		"h1", "h2", "h3", "h4", "h5", "h6", "br", "div", "hr", "p", "span", "wbr",
		"abbr", "acronym", "cite", "code", "dfn", "em", "figcaption", "mark", "s", "samp",
		"strong", "sub", "sup", "var", "b", "i", "pre", "small", "strike", "tt", "u",
		"del", "ins", "rp", "rt", "ruby")
	p.AllowAttrs("open").Matching(regexp.MustCompile(`(?i)^(|open)$`)).OnElements("details")
	p.AllowAttrs("cite").OnElements("blockquote", "q")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("datetime").Matching(bluemonday.ISO8601).OnElements("time", "del", "ins")
	p.AllowLists()
	p.AllowTables()

	// Links: goldmark's transformer marks external links; bluemonday makes sure
	// of it whatever the Markdown said.
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^nofollow noopener$`)).OnElements("a")
	p.RequireNoFollowOnFullyQualifiedLinks(true)

	// Footnotes, as goldmark writes them.
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^(footnote-ref|footnote-backref|footnotes)$`)).
		OnElements("a", "div")
	p.AllowAttrs("role").Matching(regexp.MustCompile(`^doc-(noteref|endnotes|backlink)$`)).
		OnElements("a", "div")

	// Task lists: a disabled checkbox, and nothing else of forms.
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^checkbox$`)).OnElements("input")
	p.AllowAttrs("checked", "disabled").Matching(regexp.MustCompile(`^$`)).OnElements("input")

	// Images: only the addresses images matches.
	p.AllowAttrs("src").Matching(images).OnElements("img")
	p.AllowAttrs("alt").Matching(bluemonday.Paragraph).OnElements("img")
	return p
}

// externalLinks marks links to other sites with rel="nofollow noopener".
type externalLinks struct{}

func (externalLinks) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	source := reader.Source()
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var dest []byte
		switch l := n.(type) {
		case *ast.Link:
			dest = l.Destination
		case *ast.AutoLink:
			dest = l.URL(source)
		default:
			return ast.WalkContinue, nil
		}
		if isExternal(string(dest)) {
			n.SetAttributeString("rel", []byte("nofollow noopener"))
		}
		return ast.WalkContinue, nil
	})
}

func isExternal(dest string) bool {
	d := strings.ToLower(strings.TrimSpace(dest))
	return strings.HasPrefix(d, "http://") || strings.HasPrefix(d, "https://") || strings.HasPrefix(d, "//")
}

// headingIDs gives headings ids that work for every script: goldmark's own
// generator drops non-ASCII letters (a Bulgarian heading became "-"), so ids
// come from slug.Make, which transliterates Greek, Cyrillic and the rest.
type headingIDs struct {
	used map[string]bool
}

func newHeadingIDs() *headingIDs { return &headingIDs{used: map[string]bool{}} }

// Generate returns a unique id for a heading's text.
func (h *headingIDs) Generate(value []byte, _ ast.NodeKind) []byte {
	base := slug.Make(string(value))
	if base == "" {
		base = "section"
	}
	id := base
	for i := 1; h.used[id]; i++ {
		id = base + "-" + strconv.Itoa(i)
	}
	h.used[id] = true
	return []byte(id)
}

// Put records an id set explicitly ({#id} attribute syntax).
func (h *headingIDs) Put(value []byte) { h.used[string(value)] = true }

// ScrollTables wraps every table of sanitized HTML in a box that scrolls
// sideways on its own (and takes the keyboard focus, so that it can be
// scrolled without a mouse): a wide table never widens the page. The input
// must be the sanitizer's output, where "<table>" can only be a tag.
func ScrollTables(html string) string {
	if !strings.Contains(html, "<table>") {
		return html
	}
	html = strings.ReplaceAll(html, "<table>", `<div class="table-scroll" tabindex="0"><table>`)
	return strings.ReplaceAll(html, "</table>", "</table></div>")
}
