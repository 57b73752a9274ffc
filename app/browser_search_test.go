package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserSearch searches as a newcomer would, in a real browser: the
// home box offers suggestions while typing, the results page shows
// highlighted snippets in several languages, a facet checkbox applies
// itself, the filter survives the next page, and the French interface
// finds French and Italian notes for French words; a consultation is
// found through the kind facet and opens.
func TestBrowserSearch(t *testing.T) {
	t.Parallel()
	base, ta, ctx := browserApp(t)
	ta.loadDemoConsultations(t, time.Now())
	if _, err := ta.index.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	var options int
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.SendKeys("#home-q", "strawb")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#home-q-suggestions option").length > 0`,
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Fatalf("no suggestions while typing: %v", err)
	}
	options, _ = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#home-q-suggestions option").length`))
	if options == 0 {
		t.Error("the datalist stayed empty")
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/search?q=debt+bondage")); err != nil {
		t.Fatal(err)
	}
	langs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...new Set([...document.querySelectorAll(".hit h3 a")].map(a => a.lang))]`))
	if err != nil || len(langs) < 3 {
		t.Errorf("debt bondage found notes in %v (%v), want three languages or more", langs, err)
	}
	marks, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".snippet mark").length`))
	if marks == 0 {
		t.Error("no highlighted words in the snippets")
	}
	// A facet checkbox applies itself.
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.facets input[name="lang"]`))); err != nil {
		t.Fatal(err)
	}
	url, _ := chromedp.Run(ctx, chromedp.Location())
	checked, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.facets input[name="lang"]:checked').length`))
	if !strings.Contains(url, "lang=") || checked != 1 {
		t.Errorf("after ticking a language: %s, %d checked", url, checked)
	}
	// A consultation, through the kind facet, opens from its hit.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/search?q=remediation+before+a+product+ban")); err != nil {
		t.Fatal(err)
	}
	label, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('.facets input[name="kind"][value="consultation"]')||{}).parentElement?.textContent || ""`))
	if !strings.Contains(label, "Consultations") {
		t.Errorf("the kind facet offers no consultations: %q", label)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.facets input[name="kind"][value="consultation"]`))); err != nil {
		t.Fatal(err)
	}
	kinds, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".hit .badge")].map(b => b.textContent)`))
	if len(kinds) == 0 || slicesAll(kinds, "Consultation") != true {
		t.Errorf("filtered by consultations, the hits are %v", kinds)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.hit h3 a`))); err != nil {
		t.Fatal(err)
	}
	url, _ = chromedp.Run(ctx, chromedp.Location())
	if !strings.HasSuffix(url, "/consultations/"+closedSlug) {
		t.Errorf("the consultation hit opened %s", url)
	}
	// The French interface, French words: French notes first, others too.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/language/fr?next=/search%3Fq%3Dtravailleurs%2Bsaisonniers"),
		chromedp.WaitVisible(chromedp.CSS("#results-title")),
	); err != nil {
		t.Fatal(err)
	}
	facetTitle, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#facets-title")))
	first, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".hit h3 a").lang`))
	if facetTitle != "Affiner les résultats" || first != "fr" {
		t.Errorf("French search: panel %q, first hit in %q", facetTitle, first)
	}
}

// slicesAll reports whether every string is want.
func slicesAll(list []string, want string) bool {
	for _, s := range list {
		if strings.TrimSpace(s) != want {
			return false
		}
	}
	return true
}
