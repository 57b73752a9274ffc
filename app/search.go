package app

import (
	"context"
	"errors"
	"html/template"
	"math"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/models"
	"proact/search"
)

// The search across countries and languages: the /search page, its facets
// panel and the JSON API take the same parameters: q, kind, lang, country,
// topic, sector, org_type, year (each repeatable), sort (relevance or
// date), page, per_page, expand (on or off).

// maxFilterValues bounds how many values of one parameter are read.
const maxFilterValues = 20

// searchQuery reads a search from the query string. Values outside the
// controlled lists are dropped by search.Query.Normalise.
func searchQuery(c *fiber.Ctx, perPage int) search.Query {
	all := func(key string) []string {
		var out []string
		for _, v := range c.Context().QueryArgs().PeekMulti(key) {
			if len(out) == maxFilterValues {
				break
			}
			if s := string(v); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	if perPage == 0 {
		perPage = queryInt(c, "per_page", search.DefaultPerPage)
	}
	return search.Query{
		Text: c.Query("q"), Kinds: all("kind"), Languages: all("lang"), Countries: all("country"),
		Topics: all("topic"), Sectors: all("sector"), OrgTypes: all("org_type"), Years: all("year"),
		Sort: c.Query("sort"), Page: queryInt(c, "page", 1), PerPage: perPage,
		NoExpand: c.Query("expand") == "off",
	}.Normalise()
}

// searchHit is one result as pages and the API show it.
type searchHit struct {
	Kind, Slug, Title, Language, URL string
	Countries                        []string
	Date                             time.Time
	Snippet                          template.HTML
	Score                            float64
	MembersOnly                      bool
}

// visibleHits maps the index's hits to results, keeping only those the
// store lets the viewer read: permissions are checked again, in the one
// place that decides them.
func (h *handlers) visibleHits(ctx context.Context, v models.Viewer, hits []search.Hit) ([]searchHit, error) {
	var ids []uint
	var orgSlugs []string
	for _, hit := range hits {
		switch hit.Kind {
		case search.KindPractice:
			ids = append(ids, hit.ID)
		case search.KindOrganisation:
			orgSlugs = append(orgSlugs, hit.Slug)
		}
	}
	practices, err := h.store.PracticesByIDs(ctx, v, ids)
	if err != nil {
		return nil, err
	}
	orgs, err := h.store.ApprovedOrganisationsBySlug(ctx, orgSlugs)
	if err != nil {
		return nil, err
	}
	readable := map[string]bool{}
	membersOnly := map[uint]bool{}
	for _, p := range practices {
		readable[search.KindPractice+":"+p.Slug] = true
		membersOnly[p.ID] = p.Visibility == models.VisibilityMembers
	}
	for _, o := range orgs {
		readable[search.KindOrganisation+":"+o.Slug] = true
	}
	out := make([]searchHit, 0, len(hits))
	for _, hit := range hits {
		if !readable[hit.Kind+":"+hit.Slug] {
			continue
		}
		r := searchHit{Kind: hit.Kind, Slug: hit.Slug, Title: hit.Title, Language: hit.Language,
			Countries: hit.Countries, Date: hit.Date, Score: hit.Score,
			// The index escapes the snippet's text and adds only <mark>.
			Snippet: template.HTML(hit.SnippetHTML), MembersOnly: hit.Kind == search.KindPractice && membersOnly[hit.ID]}
		r.URL = "/" + map[string]string{search.KindPractice: "practices", search.KindOrganisation: "organisations"}[hit.Kind] + "/" + hit.Slug
		out = append(out, r)
	}
	return out, nil
}

type searchData struct {
	Query    search.Query
	Searched bool
	Hits     []searchHit
	Total    uint64
	Result   *search.Result
	Facets   []facetGroup
	Pager    pager
	Sorts    []option
	Expand   []option
	// ExpandOff is the same search without glossary expansion.
	ExpandOff  string
	DidYouMean string
	// Rebuilding says the index cannot answer yet: minutes to wait and the
	// share done (0 when unknown).
	Rebuilding        bool
	RetryMinutes      int
	RebuildingPercent int
}

// search is the /search page. Hits come from the index; what they show is
// checked against the store (visibleHits).
func (h *handlers) search(c *fiber.Ctx) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	q := searchQuery(c, 0)
	d := searchData{Query: q, Sorts: searchSorts(loc, q), Expand: expandOptions(loc, q)}
	res, err := h.index.Search(ctx, v, q)
	var unavailable *search.UnavailableError
	if errors.As(err, &unavailable) {
		return h.searchRebuilding(c, d, unavailable)
	}
	if err != nil {
		return err
	}
	d.Result, d.Total, d.Searched = res, res.Total, q.Text != "" || len(res.Facets) > 0 && res.Total > 0
	if d.Hits, err = h.visibleHits(ctx, v, res.Hits); err != nil {
		return err
	}
	d.Facets = facetGroups(loc, c, res.Facets)
	d.Pager = newPager(c, q.Page, q.PerPage, int64(min(res.Total, uint64(search.MaxPage*q.PerPage))))
	if len(res.Expanded) > 0 {
		d.ExpandOff = withParam(c, "expand", "off")
	}
	if res.DidYouMean != "" {
		d.DidYouMean = withParam(c, "q", res.DidYouMean)
	}
	title := loc.T("search.title")
	if q.Text != "" {
		title = loc.T("search.title_for", "Query", q.Text)
	}
	return h.render(c, fiber.StatusOK, tplSearch, h.page(c, title, d))
}

// searchRebuilding answers a search while the index is being rebuilt: 503
// with Retry-After, and the search page saying so in the reader's language,
// with what they typed kept in the box.
func (h *handlers) searchRebuilding(c *fiber.Ctx, d searchData, e *search.UnavailableError) error {
	loc := localizer(c)
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(e.RetryAfter.Seconds())))
	d.Rebuilding = true
	d.RetryMinutes = max(1, int(math.Ceil(e.RetryAfter.Minutes())))
	if st := e.Status; st.Total > 0 {
		d.RebuildingPercent = min(99, 100*st.Done/st.Total)
	}
	return h.render(c, fiber.StatusServiceUnavailable, tplSearch, h.page(c, loc.T("search.rebuilding.title"), d))
}
