package app

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserSearch searches as a newcomer would, in a real browser: the
// home box offers suggestions while typing, the results page shows
// highlighted snippets in several languages, a facet checkbox applies
// itself, the filter survives the next page, and the French interface
// finds French and Italian notes for French words.
func TestBrowserSearch(t *testing.T) {
	t.Parallel()
	base, ctx := browser(t)
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
