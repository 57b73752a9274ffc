package app

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/models"
)

// API types: the JSON the API promises (see openapi.yaml), mapped explicitly
// from entities so that no field is published by accident.
type apiPracticeSummary struct {
	Slug         string              `json:"slug"`
	Title        string              `json:"title"`
	Summary      string              `json:"summary"`
	Language     string              `json:"language"`
	Countries    []string            `json:"countries"`
	Topics       []string            `json:"topics"`
	Sectors      []string            `json:"sectors"`
	Visibility   string              `json:"visibility"`
	Organisation *apiOrganisationRef `json:"organisation"`
	PublishedAt  *time.Time          `json:"published_at"`
	URL          string              `json:"url"`
}

type apiOrganisationRef struct {
	Slug    string `json:"slug"`
	Name    string `json:"name"`
	Country string `json:"country"`
	Demo    bool   `json:"demo"`
}

type apiPractice struct {
	apiPracticeSummary
	Indicators    []string  `json:"indicators"`
	TargetGroups  []string  `json:"target_groups"`
	Stage         string    `json:"stage"`
	Evidence      string    `json:"evidence"`
	TranslationOf string    `json:"translation_of"`
	Version       int       `json:"version"`
	UpdatedAt     time.Time `json:"updated_at"`
	BodyMarkdown  string    `json:"body_markdown"`
	BodyHTML      string    `json:"body_html"`
}

type apiPage struct {
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
	Total   int64 `json:"total"`
}

type apiPracticeList struct {
	Data []apiPracticeSummary `json:"data"`
	Meta apiPage              `json:"meta"`
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (h *handlers) apiSummary(p *models.Practice) apiPracticeSummary {
	s := apiPracticeSummary{
		Slug: p.Slug, Title: p.Title, Summary: p.Summary, Language: p.Language,
		Countries: nonNil(p.Countries), Topics: nonNil(p.Topics), Sectors: nonNil(p.Sectors),
		Visibility: p.Visibility, PublishedAt: p.PublishedAt,
		URL: h.cfg.SiteURL() + "/practices/" + p.Slug,
	}
	if o := p.Organisation; o != nil {
		s.Organisation = &apiOrganisationRef{Slug: o.Slug, Name: o.Name, Country: o.Country, Demo: o.Demo}
	}
	return s
}

// apiListPractices is GET /api/v1/practices, with the filters of the page.
func (h *handlers) apiListPractices(c *fiber.Ctx) error {
	f := practiceFilter(c, apiListOptions(c))
	items, total, err := h.store.ListPractices(c.UserContext(), viewer(c), f)
	if err != nil {
		return err
	}
	out := apiPracticeList{Data: make([]apiPracticeSummary, 0, len(items)), Meta: apiPage{Page: f.Page, PerPage: f.PerPage, Total: total}}
	for i := range items {
		out.Data = append(out.Data, h.apiSummary(&items[i]))
	}
	return c.JSON(out)
}

// apiShowPractice is GET /api/v1/practices/{slug}.
func (h *handlers) apiShowPractice(c *fiber.Ctx) error {
	p, err := h.store.PracticeBySlug(c.UserContext(), viewer(c), c.Params("slug"))
	if err != nil {
		return err
	}
	// The published version: a newer one waiting for review is not public.
	updated := p.UpdatedAt
	if p.RevisedAt != nil {
		updated = *p.RevisedAt
	}
	return c.JSON(apiPractice{
		apiPracticeSummary: h.apiSummary(p),
		Indicators:         nonNil(p.Indicators), TargetGroups: nonNil(p.TargetGroups),
		Stage: p.Stage, Evidence: p.Evidence, TranslationOf: p.TranslationOf,
		Version: p.PublishedVersion, UpdatedAt: updated, BodyMarkdown: p.BodyMD, BodyHTML: p.BodyHTML,
	})
}
