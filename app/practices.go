package app

import (
	"html/template"
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
}

// practiceFilter reads the filters of the list of notes from the query
// string; the API takes the same ones.
func practiceFilter(c *fiber.Ctx, o models.ListOptions) models.PracticeFilter {
	return models.PracticeFilter{
		Country: c.Query("country"), Language: c.Query("language"), Topic: c.Query("topic"),
		Sector: c.Query("sector"), ListOptions: o,
	}.Normalise()
}

// listPractices lists published notes with filters and pages.
func (h *handlers) listPractices(c *fiber.Ctx) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	f := practiceFilter(c, listOptions(c, 0))
	// The coverage matrix links to notes by indicator (the API does not filter by it).
	f.Indicator = c.Query("indicator")
	f = f.Normalise()
	items, total, err := h.store.ListPractices(ctx, v, f)
	if err != nil {
		return err
	}
	d := practicesData{Filter: f, Items: cards(items), Total: total}
	facets, err := h.store.PracticeFacets(ctx, v, models.Countries().Name(), models.Languages().Name(), models.Topics().Name(), models.Sectors().Name(), models.Indicators().Name())
	if err != nil {
		return err
	}
	for _, s := range []struct {
		param, vocab, value string
	}{
		{"country", models.Countries().Name(), f.Country}, {"language", models.Languages().Name(), f.Language},
		{"topic", models.Topics().Name(), f.Topic}, {"sector", models.Sectors().Name(), f.Sector},
		{"indicator", models.Indicators().Name(), f.Indicator},
	} {
		fs := filterSelect{Name: s.param, Label: loc.T("filter." + s.param), All: loc.T("filter.all")}
		for _, tc := range facets[s.vocab] {
			fs.Options = append(fs.Options, option{Value: tc.Term, Label: loc.Label(s.vocab, tc.Term), Count: tc.Count, Selected: tc.Term == s.value})
		}
		d.Selects = append(d.Selects, fs)
	}
	sorts := filterSelect{Name: "sort", Label: loc.T("filter.sort")}
	for _, s := range models.PracticeSortNames() {
		sorts.Options = append(sorts.Options, option{Value: s, Label: loc.T("sort." + s), Selected: s == f.Sort})
	}
	d.Selects = append(d.Selects, sorts)
	d.Pager = newPager(c, f.Page, f.PerPage, total)
	return h.render(c, fiber.StatusOK, tplPractices, h.page(c, loc.T("practices.title"), d))
}

type translationLink struct {
	Slug     string
	Title    string
	Language string
}

type practiceView struct {
	practiceCard
	Body         template.HTML
	Sectors      []string
	Indicators   []string
	TargetGroups []string
	Stage        string
	Evidence     string
	Version      int
	Updated      time.Time
	Translations []translationLink
}

// showPractice shows one note, or its Markdown source for /practices/{slug}.md.
func (h *handlers) showPractice(c *fiber.Ctx) error {
	ctx, v := c.UserContext(), viewer(c)
	slug, source := strings.CutSuffix(c.Params("slug"), ".md")
	p, err := h.store.PracticeBySlug(ctx, v, slug)
	if err != nil {
		return err
	}
	if source {
		data, err := content.MarshalNote(content.NoteFromPractice(p))
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "text/markdown; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `inline; filename="`+p.Slug+`.md"`)
		return c.Send(data)
	}
	translations, err := h.store.Translations(ctx, v, p)
	if err != nil {
		return err
	}
	pv := practiceView{
		practiceCard: card(p),
		// BodyHTML was sanitized by content.Renderer when the note was saved.
		Body:    template.HTML(p.BodyHTML), //nolint:gosec // sanitized HTML
		Sectors: p.Sectors, Indicators: p.Indicators, TargetGroups: p.TargetGroups,
		Stage: p.Stage, Evidence: p.Evidence, Version: p.Version, Updated: p.UpdatedAt,
	}
	for _, t := range translations {
		pv.Translations = append(pv.Translations, translationLink{Slug: t.Slug, Title: t.Title, Language: t.Language})
	}
	page := h.page(c, p.Title, pv)
	page.Description = p.Summary
	return h.render(c, fiber.StatusOK, tplPractice, page)
}
