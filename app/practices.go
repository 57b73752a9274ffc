package app

import (
	"cmp"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/content"
	"proact/models"
)

// practiceCard is what a list shows of a note; templates never see entities.
type practiceCard struct {
	Slug        string
	Title       string
	Summary     string
	Language    string
	Countries   []string
	Topics      []string
	OrgName     string
	OrgSlug     string
	Demo        bool
	MembersOnly bool
	Published   time.Time
	// Also are the other language versions of the note, when a list
	// groups translations.
	Also []translationLink
}

func card(p *models.Practice) practiceCard {
	c := practiceCard{
		Slug: p.Slug, Title: p.Title, Summary: p.Summary, Language: p.Language,
		Countries: p.Countries, Topics: p.Topics,
		MembersOnly: p.Visibility == models.VisibilityMembers,
	}
	if p.PublishedAt != nil {
		c.Published = *p.PublishedAt
	}
	if p.Organisation != nil {
		c.OrgName, c.OrgSlug, c.Demo = p.Organisation.Name, p.Organisation.Slug, p.Organisation.Demo
	}
	return c
}

func cards(list []models.Practice) []practiceCard {
	out := make([]practiceCard, len(list))
	for i := range list {
		out[i] = card(&list[i])
	}
	return out
}

type practicesData struct {
	Filter  models.PracticeFilter
	Selects []filterSelect
	Items   []practiceCard
	Total   int64
	Pager   pager
	Feed    string
	// Chips are the active filters, each with the address without it.
	Chips []filterChip
	// Drop suggests, when nothing matches, which filter to remove and what
	// that would list.
	Drop []filterChip
	// AllVersions lists every language version as its own card.
	AllVersions bool
}

// filterChip is one active filter of a list: "Topic: Outreach", and the
// address of the list without it (and, as a suggestion, what it would count).
type filterChip struct {
	Facet, Label, Href string
	Count              int64
}

// practiceFacets are the filters of the list of notes: the query parameter
// and its vocabulary.
var practiceFacets = []struct{ param, vocab string }{
	{"country", models.Countries().Name()}, {"language", models.Languages().Name()},
	{"topic", models.Topics().Name()}, {"sector", models.Sectors().Name()},
	{"indicator", models.Indicators().Name()}, {"target", models.TargetGroups().Name()},
}

// practiceFilter reads the filters of the list of notes from the query
// string; the API takes the same ones.
func practiceFilter(c *fiber.Ctx, o models.ListOptions) models.PracticeFilter {
	return models.PracticeFilter{
		Country: c.Query("country"), Language: c.Query("language"), Topic: c.Query("topic"),
		Sector: c.Query("sector"), ListOptions: o,
	}.Normalise()
}

// chosen is the value of a facet in the filter.
func chosen(f models.PracticeFilter, vocab string) string {
	switch vocab {
	case models.Countries().Name():
		return f.Country
	case models.Languages().Name():
		return f.Language
	case models.Topics().Name():
		return f.Topic
	case models.Sectors().Name():
		return f.Sector
	case models.Indicators().Name():
		return f.Indicator
	case models.TargetGroups().Name():
		return f.Target
	}
	return ""
}

// withTranslations adds to each card the other language versions of its
// note, in one query for the list.
func (h *handlers) withTranslations(c *fiber.Ctx, list []models.Practice, out []practiceCard) error {
	roots := make([]string, 0, len(list))
	for i := range list {
		roots = append(roots, list[i].TranslationRoot())
	}
	groups, err := h.store.TranslationGroups(c.UserContext(), viewer(c), roots)
	if err != nil {
		return err
	}
	for i := range list {
		for _, t := range groups[list[i].TranslationRoot()] {
			if t.ID != list[i].ID {
				out[i].Also = append(out[i].Also, translationLink{Slug: t.Slug, Title: t.Title, Language: t.Language})
			}
		}
	}
	return nil
}

// listPractices lists published notes with filters and pages: a note and
// its translations as one card (the version in the reader's language when
// there is one), notes in the reader's language first, and facet counts
// that say what each choice would list given the others.
func (h *handlers) listPractices(c *fiber.Ctx) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	// A reader may ask for longer pages (per_page, up to the list's maximum).
	f := practiceFilter(c, listOptions(c, queryInt(c, "per_page", 0)))
	f.Indicator, f.Target = c.Query("indicator"), c.Query("target")
	f.Prefer = loc.Lang
	d := practicesData{AllVersions: c.Query("versions") == "all"}
	f.Group = !d.AllVersions
	f = f.Normalise()
	items, total, err := h.store.ListPractices(ctx, v, f)
	if err != nil {
		return err
	}
	d.Filter, d.Items, d.Total, d.Feed = f, cards(items), total, "/feeds/practices.atom"+feedQuery(f)
	if err := h.withTranslations(c, items, d.Items); err != nil {
		return err
	}
	vocabs := make([]string, len(practiceFacets))
	for i, pf := range practiceFacets {
		vocabs[i] = pf.vocab
	}
	facets, err := h.store.FilteredFacets(ctx, v, f, vocabs...)
	if err != nil {
		return err
	}
	for _, pf := range practiceFacets {
		value := chosen(f, pf.vocab)
		fs := filterSelect{Name: pf.param, Label: loc.T("filter." + pf.param), All: loc.T("filter.all")}
		found := false
		for _, tc := range facets[pf.vocab] {
			found = found || tc.Term == value
			fs.Options = append(fs.Options, option{Value: tc.Term, Label: loc.Label(pf.vocab, tc.Term), Count: tc.Count, Selected: tc.Term == value})
		}
		if value == "" {
			d.Selects = append(d.Selects, fs)
			continue
		}
		if !found { // chosen, but nothing else chosen leaves any: still shown, to be unchosen
			fs.Options = append(fs.Options, option{Value: value, Label: loc.Label(pf.vocab, value), Selected: true, Zero: true})
		}
		d.Selects = append(d.Selects, fs)
		chip := filterChip{Facet: fs.Label, Label: loc.Label(pf.vocab, value), Href: withoutParam(c, pf.param)}
		d.Chips = append(d.Chips, chip)
		if total == 0 {
			if chip.Count, err = h.store.CountPractices(ctx, v, f.Without(pf.vocab)); err != nil {
				return err
			}
			if chip.Count > 0 {
				d.Drop = append(d.Drop, chip)
			}
		}
	}
	slices.SortStableFunc(d.Drop, func(a, b filterChip) int { return cmp.Compare(b.Count, a.Count) })
	sorts := filterSelect{Name: "sort", Label: loc.T("filter.sort")}
	for _, s := range models.PracticeSortNames() {
		sorts.Options = append(sorts.Options, option{Value: s, Label: loc.T("sort." + s), Selected: s == f.Sort})
	}
	d.Selects = append(d.Selects, sorts)
	d.Pager = newPager(c, f.Page, f.PerPage, total)
	page := h.page(c, loc.T("practices.title"), d)
	page.Feeds = []FeedLink{{Title: loc.T("practices.feed.title"), Href: d.Feed}}
	return h.render(c, fiber.StatusOK, tplPractices, page)
}

type translationLink struct {
	Slug     string
	Title    string
	Language string
}

type practiceView struct {
	practiceCard
	ID           uint
	Body         template.HTML
	Sectors      []string
	Indicators   []string
	TargetGroups []string
	Stage        string
	Evidence     string
	Version      int // the published version (the newest, for a note never published)
	Updated      time.Time
	Translations []translationLink
	// InReaderLanguage is the version in the reader's language, when this
	// one is in another.
	InReaderLanguage *translationLink
	// Related are notes sharing a topic or an indicator.
	Related []practiceCard
	// What its organisation and moderators see besides.
	State        string
	Status       string
	Newest       int // the newest version, when it differs from Version
	Editor       bool
	Moderator    bool
	CanTranslate bool
	Returned     string // the moderator's comments, when returned
	Cite         citation
}

// relatedNotes is how many related notes a note's page shows.
const relatedNotes = 4

// citation is "cite this note": who wrote it, its title, the version and
// date, its permanent address.
type citation struct {
	Org, Title, Year, Date, URL string
	Version                     int
}

// showPractice shows one note, or its Markdown source for /practices/{slug}.md.
// Readers see published notes; the note's organisation and moderators also
// its drafts, notes in review and archived ones, with their state.
func (h *handlers) showPractice(c *fiber.Ctx) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	slug, source := strings.CutSuffix(c.Params("slug"), ".md")
	if source {
		return h.practiceSource(c, slug)
	}
	p, err := h.store.NoteBySlug(ctx, v, slug)
	if err != nil {
		return err
	}
	if v.SeesUnpublished(p) {
		personalPage(c) // its organisation's or a moderator's view: states the outbox does not follow
	}
	translations, err := h.store.Translations(ctx, v, p)
	if err != nil {
		return err
	}
	site := h.cfg.SiteURL()
	pv := practiceView{
		practiceCard: card(p), ID: p.ID,
		// BodyHTML was sanitized by content.Renderer when the note was saved.
		Body:    template.HTML(content.ScrollTables(p.BodyHTML)), //nolint:gosec // sanitized HTML
		Sectors: p.Sectors, Indicators: p.Indicators, TargetGroups: p.TargetGroups,
		Stage: p.Stage, Evidence: p.Evidence, Version: p.PublishedVersion, Updated: p.UpdatedAt,
		State: p.State(), Status: p.Status, Editor: v.EditsPractice(p), Moderator: v.Moderates(),
		CanTranslate: v.CanWrite() && p.Status == models.StatusPublished,
	}
	if p.RevisedAt != nil {
		pv.Updated = *p.RevisedAt
	}
	if p.PublishedVersion == 0 {
		pv.Version = p.Version
	}
	if p.Version != pv.Version && v.SeesUnpublished(p) {
		pv.Newest = p.Version
	}
	if pv.State == models.StatusReturned && v.SeesUnpublished(p) {
		last, err := h.store.LastReturn(ctx, []uint{p.ID})
		if err != nil {
			return err
		}
		pv.Returned = last[p.ID].Comment
	}
	for _, t := range translations {
		link := translationLink{Slug: t.Slug, Title: t.Title, Language: t.Language}
		pv.Translations = append(pv.Translations, link)
		if t.Language == loc.Lang && p.Language != loc.Lang {
			pv.InReaderLanguage = &link
		}
	}
	if p.Status == models.StatusPublished {
		related, err := h.store.RelatedPractices(ctx, v, p, loc.Lang, relatedNotes)
		if err != nil {
			return err
		}
		pv.Related = cards(related)
	}
	pv.Cite = citation{Org: pv.OrgName, Title: p.Title, Version: pv.Version, URL: site + "/practices/" + p.Slug}
	if !pv.Published.IsZero() {
		pv.Cite.Year, pv.Cite.Date = strconv.Itoa(pv.Published.Year()), loc.Date(pv.Updated)
	}
	page := h.page(c, p.Title, pv)
	page.Description = p.Summary
	page.Head = noteHead(site, p, translations, loc.T("site.name"))
	return h.render(c, fiber.StatusOK, tplPractice, page)
}

// noteHead is what a note's page adds to <head>: its canonical address, its
// translations by hreflang, Open Graph; search engines keep only what is
// public and published.
func noteHead(site string, p *models.Practice, translations []models.Practice, siteName string) Head {
	url := site + "/practices/" + p.Slug
	hd := Head{Canonical: url}
	if p.Status != models.StatusPublished || p.Visibility != models.VisibilityPublic {
		hd.Robots = "noindex"
	}
	if len(translations) > 0 {
		hd.Alternates = append(hd.Alternates, Alternate{Lang: p.Language, Href: url})
		for _, t := range translations {
			hd.Alternates = append(hd.Alternates, Alternate{Lang: t.Language, Href: site + "/practices/" + t.Slug})
		}
	}
	hd.OpenGraph = []MetaProperty{
		{"og:type", "article"}, {"og:site_name", siteName}, {"og:title", p.Title},
		{"og:description", p.Summary}, {"og:url", url}, {"og:locale", p.Language},
	}
	if p.PublishedAt != nil {
		hd.OpenGraph = append(hd.OpenGraph, MetaProperty{"article:published_time", p.PublishedAt.UTC().Format(time.RFC3339)})
	}
	if p.RevisedAt != nil {
		hd.OpenGraph = append(hd.OpenGraph, MetaProperty{"article:modified_time", p.RevisedAt.UTC().Format(time.RFC3339)})
	}
	return hd
}

// practiceSource is /practices/{slug}.md: the published note as a text file
// with its metadata, to edit or reuse elsewhere.
func (h *handlers) practiceSource(c *fiber.Ctx, slug string) error {
	p, err := h.store.PracticeBySlug(c.UserContext(), viewer(c), slug)
	if err != nil {
		return err
	}
	data, err := content.MarshalNote(content.NoteFromPractice(p))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/markdown; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+p.Slug+`.md"`)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	return c.Send(data)
}
