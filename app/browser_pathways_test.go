package app

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"proact/models"
	"proact/models/modelstest"
)

// pdfText is the text of each page of a PDF, read with poppler's pdftotext
// (Debian poppler-utils). Without it the test is skipped, unless
// PROACT_REQUIRE_BROWSER is set (CI).
func pdfText(t *testing.T, pdf []byte) []string {
	t.Helper()
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("PROACT_REQUIRE_BROWSER") != "" {
			t.Fatal("PROACT_REQUIRE_BROWSER is set but pdftotext is not on the PATH (apt-get install poppler-utils)")
		}
		t.Skip("no pdftotext on the PATH: the printed booklet cannot be read (apt-get install poppler-utils)")
	}
	file := filepath.Join(t.TempDir(), "booklet.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(string(out), "\f")
	if last := len(pages) - 1; last >= 0 && strings.TrimSpace(pages[last]) == "" {
		pages = pages[:last] // the text ends with a form feed
	}
	return pages
}

// printBooklet opens path in the browser and prints it as Chromium's print
// dialogue would with "A4" and "background graphics": the page's own @page
// sizes (landscape for the charts) and margins.
func printBooklet(t *testing.T, ctx context.Context, url string) ([]byte, string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(".booklet-title-page"))); err != nil {
		t.Fatal(err)
	}
	doc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPreferCSSPageSize(),
		chromedp.PDFPrintBackground()))
	if err != nil {
		t.Fatal(err)
	}
	return pdf, doc
}

var (
	cardPattern = regexp.MustCompile(`<article class="pw-card[^"]*" id="org-([a-z0-9-]+)" data-card="(\d+)" data-slug="[^"]+">\s*<header>\s*<h3>.*?<span class="visually-hidden">\d+\. </span>([^<]+)</a>`)
	partPattern = regexp.MustCompile(`<section class="booklet-chart-page" data-part="(\d+)" data-parts="(\d+)">`)
	pageNumber  = regexp.MustCompile(`(?m)^\s*(\d+) / (\d+)\s*$`)
)

// pageOf returns the index of the first page at or after from that contains s.
func pageOf(pages []string, from int, s string) int {
	for i := from; i < len(pages); i++ {
		if strings.Contains(pages[i], s) {
			return i
		}
	}
	return -1
}

// TestBrowserBookletPrintsCleanA4Pages prints the network's booklet as a
// visitor and one country's as a member, reads the PDF's pages back, and
// checks: A4 pages (the charts in landscape), every page after the title page
// numbered "n / N" with N the page count, every organisation card and every
// chart part whole on one page, and the members-only contact only in the
// members' edition.
func TestBrowserBookletPrintsCleanA4Pages(t *testing.T) {
	t.Parallel()
	base, ta, ctx := browserApp(t)
	contacts := membersOnlyContacts(t, ta)

	pdf, doc := printBooklet(t, ctx, base+"/pathways/booklet")
	pages := pdfText(t, pdf)
	overview, err := ta.store.PathwayOverview(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	countries := len(overview) - countWithoutMembers(overview)
	cards := cardPattern.FindAllStringSubmatch(doc, -1)
	parts := partPattern.FindAllStringSubmatch(doc, -1)
	if len(cards) < 25 || len(parts) < countries {
		t.Fatalf("the booklet holds %d cards and %d chart parts for %d countries", len(cards), len(parts), countries)
	}
	// Each country: its note and coverage, its chart parts (one page each),
	// its cards (on pages of their own) and its practice notes: at least four
	// pages, besides the title page; and never more than a page per card.
	if min, max := 1+countries*4, 1+countries*3+len(parts)+len(cards); len(pages) < min || len(pages) > max {
		t.Errorf("the booklet has %d pages, want between %d and %d", len(pages), min, max)
	}
	for i, p := range pages[1:] {
		m := pageNumber.FindAllStringSubmatch(p, -1)
		if len(m) == 0 || m[len(m)-1][1] != fmt.Sprint(i+2) || m[len(m)-1][2] != fmt.Sprint(len(pages)) {
			t.Errorf("page %d is not numbered %d / %d: %q", i+2, i+2, len(pages), lastLine(p))
		}
	}
	if pageNumber.MatchString(pages[0]) {
		t.Error("the title page carries a page number")
	}
	// Every card begins and ends on the same page: its heading, and the
	// profile address that closes it, whole (a long address wraps onto the
	// next line of the card, which must be on the same page).
	checkCardsWhole(t, pdfWords(t, pdf), cards)
	// Every chart part fits its page: its heading and its legend, which
	// follows the drawing, are on the same page, and that page is landscape.
	from := 0
	for _, p := range parts {
		head := pageOf(pages, from, "Pathway chart")
		if head < 0 {
			t.Fatalf("chart part %s/%s: no heading after page %d", p[1], p[2], from+1)
		}
		if !strings.Contains(pages[head], "refers people to (from the dot") {
			t.Errorf("chart part %s/%s on page %d runs over onto the next page", p[1], p[2], head+1)
		}
		from = head + 1
	}
	for slug, secrets := range contacts {
		for _, s := range secrets {
			for i, p := range pages {
				if strings.Contains(p, s) {
					t.Errorf("the visitor's booklet shows %s's members-only %q on page %d", slug, s, i+1)
				}
			}
		}
	}
	if sizes := pageSizes(t, pdf); len(sizes) == len(pages) {
		landscape := 0
		for _, s := range sizes {
			switch s {
			case "842x595":
				landscape++
			case "595x842":
			default:
				t.Errorf("a page of %s points is not A4", s)
			}
		}
		if landscape != len(parts) {
			t.Errorf("%d landscape pages, want one per chart part (%d)", landscape, len(parts))
		}
	}

	// A member prints the members' edition, with the contacts.
	member := ta.createUser(t, "printer@rlrc.example.org", models.RoleMember, rotterdam, false)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/login"),
		typeText("#email", member.Email), typeText("#password", member.Password)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	pdf, _ = printBooklet(t, ctx, base+"/pathways/NL/booklet")
	text := squashSpaces(strings.Join(pdfText(t, pdf), "\n"))
	mustContain(t, "the members' booklet", text, "Members' edition.", "Contact for members", contacts[rotterdam][1])
}

// pdfWord is one word of a PDF page and its box, in points from the top left.
type pdfWord struct {
	X, Y, X2, Y2 float64
	Text         string
}

var wordPattern = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)

// pdfWords reads every word of every page with its position (pdftotext -bbox).
func pdfWords(t *testing.T, pdf []byte) [][]pdfWord {
	t.Helper()
	pdfText(t, pdf) // skips or fails, as it says, without pdftotext
	file := filepath.Join(t.TempDir(), "words.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", "-bbox", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox: %v", err)
	}
	var pages [][]pdfWord
	for _, page := range strings.Split(string(out), "<page ")[1:] {
		var words []pdfWord
		for _, m := range wordPattern.FindAllStringSubmatch(page, -1) {
			w := pdfWord{Text: html.UnescapeString(m[5])}
			fmt.Sscan(m[1], &w.X)
			fmt.Sscan(m[2], &w.Y)
			fmt.Sscan(m[3], &w.X2)
			fmt.Sscan(m[4], &w.Y2)
			words = append(words, w)
		}
		pages = append(pages, words)
	}
	return pages
}

// checkCardsWhole finds each card's profile address in the PDF, in document
// order, follows it down its column when it wraps, and checks that the whole
// address and the card's heading (above it, in the same column) are on one page.
func checkCardsWhole(t *testing.T, pages [][]pdfWord, cards [][]string) {
	t.Helper()
	page, used := 0, map[[2]int]bool{}
	for _, c := range cards {
		slug, n, name := c[1], c[2], html.UnescapeString(c[3])
		p, i, tail := findAddress(pages, page, used, slug)
		if p < 0 {
			t.Fatalf("card %s. %s: its profile address is not in the PDF after page %d", n, name, page+1)
		}
		page, used[[2]int{p, i}] = p, true
		w := pages[p][i]
		for last := w; tail != slug; {
			below := -1
			for j, v := range pages[p] {
				if v.X > last.X-2 && v.X < last.X+2 && v.Y > last.Y2-1 && v.Y < last.Y2+12 {
					below = j
				}
			}
			if below < 0 {
				t.Errorf("card %s. %s is cut: its profile address breaks off at the foot of page %d after %q", n, name, p+1, tail)
				break
			}
			last = pages[p][below]
			tail += last.Text
		}
		first, heading := strings.Fields(name)[0], false
		for _, v := range pages[p] {
			if v.Text == first && v.Y < w.Y && v.X > w.X-5 && v.X < w.X+60 {
				heading = true
			}
		}
		if !heading {
			t.Errorf("card %s. %s is cut: its end is on page %d, its heading is not", n, name, p+1)
		}
	}
}

// findAddress returns the page and index of the first word, on page or
// after it and not used yet, that holds the beginning of the profile address
// of slug, and that beginning. Words of a page are not in reading order (two
// cards side by side), so a page is searched whole.
func findAddress(pages [][]pdfWord, page int, used map[[2]int]bool, slug string) (int, int, string) {
	for ; page < len(pages); page++ {
		for i := range pages[page] {
			if used[[2]int{page, i}] {
				continue
			}
			_, tail, ok := strings.Cut(pages[page][i].Text, "/organisations/")
			if ok && (tail == slug || tail != "" && strings.HasSuffix(tail, "-") && strings.HasPrefix(slug, tail)) {
				return page, i, tail
			}
		}
	}
	return -1, -1, ""
}

// lastLine is the last non-empty line of a page, for messages.
func lastLine(page string) string {
	lines := strings.Split(strings.TrimSpace(page), "\n")
	return lines[len(lines)-1]
}

func squashSpaces(s string) string { return strings.Join(strings.Fields(s), " ") }

// pageSizes lists each page's size in points ("595x842"), read with pdfinfo,
// or nothing when pdfinfo is missing.
func pageSizes(t *testing.T, pdf []byte) []string {
	t.Helper()
	tool, err := exec.LookPath("pdfinfo")
	if err != nil {
		return nil
	}
	file := filepath.Join(t.TempDir(), "sizes.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-f", "1", "-l", "9999", file).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	var sizes []string
	for _, m := range regexp.MustCompile(`Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts`).FindAllStringSubmatch(string(out), -1) {
		var w, h float64
		fmt.Sscan(m[1], &w)
		fmt.Sscan(m[2], &h)
		sizes = append(sizes, fmt.Sprintf("%.0fx%.0f", w, h))
	}
	return sizes
}

// TestBrowserPathwayPagesPassAxe runs axe-core's WCAG 2.1 A and AA rules on
// the pathway pages, at a desktop and a phone width, and checks that none
// scrolls sideways. By default it checks the first and the third page at
// 1280 px (a country's chart and the coverage table) and the first at
// 390 px (the coverage table), a thorough run (modelstest.Thorough) every
// one. The overview at 390 px is TestBrowserEveryPageOnAPhoneAsAVisitor's,
// with axe in every run.
func TestBrowserPathwayPagesPassAxe(t *testing.T) {
	t.Parallel()
	base, ctx := browser(t)
	axe, err := os.ReadFile(filepath.Join("testdata", "axe-core@4.14.1", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	// Every page once at each width would double the run for little: each
	// width gets the pages whose layout changes most there.
	for width, paths := range map[int64][]string{
		1280: {"/pathways/NL", "/pathways/RO/booklet", "/practices/coverage"},
		390:  {"/practices/coverage", "/pathways/IT"},
	} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			t.Fatal(err)
		}
		for i, path := range paths {
			if !modelstest.Sampled(i, 2, 0) {
				continue
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](string(axe))); err != nil {
				t.Fatal(err)
			}
			raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
				.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))))`,
				chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			var violations []struct {
				ID, Help string
				Nodes    []string
			}
			if err := json.Unmarshal([]byte(raw), &violations); err != nil {
				t.Fatal(err)
			}
			for _, v := range violations {
				t.Errorf("%s at %d px: %s (%s) at %v", path, width, v.ID, v.Help, v.Nodes)
			}
			// Nothing wider than the screen but the chart's own scrolling region.
			wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
			if err != nil || wide {
				t.Errorf("%s at %d px: the page scrolls sideways (%v)", path, width, err)
			}
		}
	}
}
