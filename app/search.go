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
// date), page, per_page, expand (on or off), group (on or off: one hit
// per note and its translations, or one per language version).

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
		NoExpand: c.Query("expand") == "off", NoGroup: c.Query("group") == "off",
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
	// AlsoIn are the note's other language versions the viewer may read,
	// when the search groups a note with its translations.
	AlsoIn []translationLink
}

// hitPath is where a hit of a kind is read.
func hitPath(kind, slug string) string {
	switch kind {
	case search.KindPractice:
		return "/practices/" + slug
	case search.KindOrganisation:
		return "/organisations/" + slug
	case search.KindConsultation:
		return "/consultations/" + slug
	case search.KindResponse:
		return "/consultations/" + slug + "/results#published-title"
	case search.KindPathway:
		return "/pathways/" + slug
	}
	return ""
}

// readableHits says which hits the store lets the viewer read now, by
// kind:id: permissions are checked again, in the one place that decides them.
type readableHits struct {
	ok          map[string]bool
	membersOnly map[uint]bool
	families    map[string][]models.Practice
}

func (h *handlers) readable(ctx context.Context, v models.Viewer, hits []search.Hit, group bool) (*readableHits, error) {
	byKind := map[string][]search.Hit{}
	for _, hit := range hits {
		byKind[hit.Kind] = append(byKind[hit.Kind], hit)
	}
	r := &readableHits{ok: map[string]bool{}, membersOnly: map[uint]bool{}}
	key := func(kind string, id uint) string { return kind + ":" + strconv.FormatUint(uint64(id), 10) }
	// One query answers for the notes: which the viewer may read now, which
	// are members-only, and (grouping) the other versions of their families.
	var ids []uint
	var roots []string
	for _, hit := range byKind[search.KindPractice] {
		ids = append(ids, hit.ID)
		if group && hit.Family != "" {
			roots = append(roots, hit.Family)
		}
	}
	practices, err := h.store.SearchablePractices(ctx, v, ids, roots)
	if err != nil {
		return nil, err
	}
	wanted := make(map[uint]bool, len(ids))
	for _, id := range ids {
		wanted[id] = true
	}
	inGroup := make(map[string]bool, len(roots))
	for _, root := range roots {
		inGroup[root] = true
	}
	if group {
		r.families = map[string][]models.Practice{}
	}
	for _, p := range practices {
		if wanted[p.ID] {
			r.ok[key(search.KindPractice, p.ID)] = true
			r.membersOnly[p.ID] = p.Visibility == models.VisibilityMembers
		}
		if root := p.TranslationRoot(); inGroup[root] {
			r.families[root] = append(r.families[root], p)
		}
	}
	var slugs []string
	for _, hit := range byKind[search.KindOrganisation] {
		slugs = append(slugs, hit.Slug)
	}
	orgs, err := h.store.ApprovedOrganisationsBySlug(ctx, slugs)
	if err != nil {
		return nil, err
	}
	approved := map[string]bool{}
	for _, o := range orgs {
		approved[o.Slug] = true
	}
	for _, hit := range byKind[search.KindOrganisation] {
		r.ok[key(hit.Kind, hit.ID)] = approved[hit.Slug]
	}
	slugs = slugs[:0]
	for _, hit := range byKind[search.KindConsultation] {
		slugs = append(slugs, hit.Slug)
	}
	published, err := h.store.PublishedConsultationSlugs(ctx, slugs)
	if err != nil {
		return nil, err
	}
	for _, hit := range byKind[search.KindConsultation] {
		r.ok[key(hit.Kind, hit.ID)] = published[hit.Slug]
	}
	for kind, check := range map[string]func(context.Context, []uint) (map[uint]bool, error){
		search.KindResponse: h.store.PublishedResponseIDs, search.KindPathway: h.store.NationalNoteIDs,
	} {
		ids = ids[:0]
		for _, hit := range byKind[kind] {
			ids = append(ids, hit.ID)
		}
		found, err := check(ctx, ids)
		if err != nil {
			return nil, err
		}
		for id := range found {
			r.ok[key(kind, id)] = true
		}
	}
	return r, nil
}

// visibleHits maps the index's hits to results, keeping only those the
// store lets the viewer read. With group, a note's hit lists its other
// language versions the viewer may read.
func (h *handlers) visibleHits(ctx context.Context, v models.Viewer, hits []search.Hit, group bool) ([]searchHit, error) {
	r, err := h.readable(ctx, v, hits, group)
	if err != nil {
		return nil, err
	}
	out := make([]searchHit, 0, len(hits))
	for _, hit := range hits {
		if !r.ok[hit.Kind+":"+strconv.FormatUint(uint64(hit.ID), 10)] {
			continue
		}
		sh := searchHit{Kind: hit.Kind, Slug: hit.Slug, Title: hit.Title, Language: hit.Language,
			Countries: hit.Countries, Date: hit.Date, Score: hit.Score, URL: hitPath(hit.Kind, hit.Slug),
			// The index escapes the snippet's text and adds only <mark>.
			Snippet: template.HTML(hit.SnippetHTML), MembersOnly: hit.Kind == search.KindPractice && r.membersOnly[hit.ID]}
		if hit.Kind == search.KindPractice && hit.Family != "" {
			for _, p := range r.families[hit.Family] {
				if p.ID != hit.ID {
					sh.AlsoIn = append(sh.AlsoIn, translationLink{Language: p.Language, Slug: p.Slug, Title: p.Title})
				}
			}
		}
		out = append(out, sh)
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
	Group    []option
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
	d := searchData{Query: q, Sorts: searchSorts(loc, q), Expand: expandOptions(loc, q), Group: groupOptions(loc, q)}
	res, err := h.index.Search(ctx, v, q)
	var unavailable *search.UnavailableError
	if errors.As(err, &unavailable) {
		return h.searchRebuilding(c, d, unavailable)
	}
	if err != nil {
		return err
	}
	d.Result, d.Total, d.Searched = res, res.Total, q.Text != "" || len(res.Facets) > 0 && res.Total > 0
	if d.Hits, err = h.visibleHits(ctx, v, res.Hits, !q.NoGroup); err != nil {
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
