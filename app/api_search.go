package app

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/search"
)

// API types of the search (see openapi.yaml).
type apiSearchHit struct {
	Kind        string     `json:"kind"`
	Slug        string     `json:"slug"`
	Title       string     `json:"title"`
	Language    string     `json:"language"`
	Countries   []string   `json:"countries"`
	PublishedAt *time.Time `json:"published_at"`
	SnippetHTML string     `json:"snippet_html"`
	Score       float64    `json:"score"`
	URL         string     `json:"url"`
	// AlsoIn are a note's other language versions, when grouped.
	AlsoIn []apiTranslation `json:"also_in,omitempty"`
}

type apiTranslation struct {
	Language string `json:"language"`
	Slug     string `json:"slug"`
	Title    string `json:"title"`
	URL      string `json:"url"`
}

type apiFacetValue struct {
	Value    string `json:"value"`
	Count    uint64 `json:"count"`
	Selected bool   `json:"selected"`
}

type apiConcept struct {
	ID       string            `json:"id"`
	Category string            `json:"category"`
	Matched  string            `json:"matched"`
	Terms    map[string]string `json:"terms"`
}

type apiSearchResult struct {
	Total            uint64                     `json:"total"`
	TookMS           float64                    `json:"took_ms"`
	Page             int                        `json:"page"`
	PerPage          int                        `json:"per_page"`
	Hits             []apiSearchHit             `json:"hits"`
	Facets           map[string][]apiFacetValue `json:"facets"`
	ExpandedConcepts []apiConcept               `json:"expanded_concepts"`
	Fuzzy            bool                       `json:"fuzzy"`
	DidYouMean       string                     `json:"did_you_mean,omitempty"`
	Relaxed          bool                       `json:"relaxed"`
}

type apiSuggestion struct {
	Kind     string `json:"kind"`
	Slug     string `json:"slug"`
	Title    string `json:"title"`
	Language string `json:"language"`
	URL      string `json:"url"`
}

type apiSuggestions struct {
	Suggestions []apiSuggestion `json:"suggestions"`
}

// apiUnavailable answers 503 with Retry-After while the index is rebuilt.
func apiUnavailable(c *fiber.Ctx, err error) error {
	var unavailable *search.UnavailableError
	if errors.As(err, &unavailable) {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(unavailable.RetryAfter.Seconds())))
		return fiber.NewError(fiber.StatusServiceUnavailable, "rebuilding")
	}
	return err
}

// apiSearch is GET /api/v1/search: the same parameters as the page.
func (h *handlers) apiSearch(c *fiber.Ctx) error {
	start := time.Now()
	ctx, v := c.UserContext(), viewer(c)
	q := searchQuery(c, 0)
	res, err := h.index.Search(ctx, v, q)
	if err != nil {
		return apiUnavailable(c, err)
	}
	hits, err := h.visibleHits(ctx, v, res.Hits, !q.NoGroup)
	if err != nil {
		return err
	}
	out := apiSearchResult{Total: res.Total, Page: q.Page, PerPage: q.PerPage, Hits: []apiSearchHit{},
		Facets: map[string][]apiFacetValue{}, ExpandedConcepts: []apiConcept{}, Fuzzy: res.Fuzzy, DidYouMean: res.DidYouMean, Relaxed: res.Relaxed}
	base := h.cfg.SiteURL()
	for _, hit := range hits {
		a := apiSearchHit{Kind: hit.Kind, Slug: hit.Slug, Title: hit.Title, Language: hit.Language,
			Countries: nonNil(hit.Countries), SnippetHTML: string(hit.Snippet), Score: hit.Score, URL: base + hit.URL}
		if !hit.Date.IsZero() {
			d := hit.Date
			a.PublishedAt = &d
		}
		for _, t := range hit.AlsoIn {
			a.AlsoIn = append(a.AlsoIn, apiTranslation{Language: t.Language, Slug: t.Slug, Title: t.Title, URL: base + hitPath(search.KindPractice, t.Slug)})
		}
		out.Hits = append(out.Hits, a)
	}
	for _, f := range res.Facets {
		vals := []apiFacetValue{}
		for _, fv := range f.Values {
			vals = append(vals, apiFacetValue{Value: fv.Value, Count: fv.Count, Selected: fv.Selected})
		}
		out.Facets[f.Name] = vals
	}
	for _, e := range res.Expanded {
		out.ExpandedConcepts = append(out.ExpandedConcepts, apiConcept{ID: e.ID, Category: e.Category, Matched: e.Matched, Terms: e.Terms})
	}
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return c.JSON(out)
}

// apiSuggest is GET /api/v1/search/suggest?q=: titles the reader may see
// whose words start with what was typed.
func (h *handlers) apiSuggest(c *fiber.Ctx) error {
	list, err := h.index.Suggest(c.UserContext(), viewer(c), c.Query("q"), queryInt(c, "limit", 8))
	if err != nil {
		return apiUnavailable(c, err)
	}
	out := apiSuggestions{Suggestions: []apiSuggestion{}}
	base := h.cfg.SiteURL()
	for _, s := range list {
		path := hitPath(s.Kind, s.Slug)
		if path == "" {
			continue
		}
		out.Suggestions = append(out.Suggestions, apiSuggestion{Kind: s.Kind, Slug: s.Slug, Title: s.Title, Language: s.Language, URL: base + path})
	}
	c.Set(fiber.HeaderCacheControl, "private, max-age=60")
	return c.JSON(out)
}
