package app

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/gosimple/slug"

	"proact/app/form"
	"proact/content"
	"proact/models"
)

// maxNoteFile bounds a note file sent to the API: the longest body and its
// front matter.
const maxNoteFile = content.MaxBody + 16<<10

// apiCreated is the answer to POST /api/v1/practices.
type apiCreated struct {
	Slug    string    `json:"slug"`
	Status  string    `json:"status"`
	Version int       `json:"version"`
	URL     string    `json:"url"`
	EditURL string    `json:"edit_url"`
	Flags   []apiFlag `json:"flags"`
}

// apiFlag is one thing that looks like personal data, by kind and field:
// the author checks them in the editor before submitting.
type apiFlag struct {
	Kind  string `json:"kind"`
	Field string `json:"field"`
}

// apiWriter lets through API clients with a personal token whose
// organisation may write. A session cookie is not enough: writes through the
// API carry no CSRF token, so only a bearer token (which a browser never
// sends by itself) may make them.
func (h *handlers) apiWriter(c *fiber.Ctx) error {
	if currentUser(c) == nil || !strings.HasPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ") {
		return fiber.ErrUnauthorized
	}
	if !viewer(c).CanWrite() {
		return errSuspended
	}
	return c.Next()
}

// apiCreatePractice is POST /api/v1/practices: a Markdown file with front
// matter becomes a draft of the member's organisation.
func (h *handlers) apiCreatePractice(c *fiber.Ctx) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	if ct := strings.ToLower(c.Get(fiber.HeaderContentType)); !strings.HasPrefix(ct, "text/markdown") {
		return fiber.ErrUnsupportedMediaType
	}
	data := c.Body()
	if len(data) > maxNoteFile {
		return fiber.ErrRequestEntityTooLarge
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return c.Status(fiber.StatusBadRequest).JSON(apiError{Error: apiErrorBody{Code: "bad_utf8", Message: loc.T("api.bad_utf8")}})
	}
	fm, body, err := content.SplitFile(data)
	var fileProblems content.Problems
	if errors.As(err, &fileProblems) {
		var ps form.Problems
		for _, p := range fileProblems {
			ps.AddValue(strings.ReplaceAll(p.Field, " ", "_"), p.Key, p.Value)
		}
		return h.apiInvalid(c, ps)
	}
	if err != nil {
		return err
	}
	f := practiceForm{Title: fm.Title, Summary: fm.Summary, Language: fm.Language, Countries: fm.Countries, Topics: fm.Topics,
		Sectors: fm.Sectors, TargetGroups: fm.TargetGroups, Indicators: fm.Indicators, Stage: fm.Stage,
		Evidence: fm.Evidence, Visibility: fm.Visibility, Body: body}
	if f.Visibility == "" {
		f.Visibility = models.VisibilityPublic
	}
	ps := f.validate()
	if !form.CleanText(fm.Organisation, false) || (fm.Organisation != "" && fm.Organisation != h.orgSlugOf(c)) {
		ps.AddValue("organisation", "practices.validation.own_organisation", fm.Organisation)
	}
	if fm.TranslationOf != "" {
		orig, err := h.store.PracticeBySlug(ctx, v, fm.TranslationOf)
		switch {
		case errors.Is(err, models.ErrNotFound) || !content.ValidSlug(fm.TranslationOf):
			ps.AddValue("translation_of", "validation.unknown_term", fm.TranslationOf)
		case err != nil:
			return err
		default:
			f.TranslationOf = orig.TranslationRoot()
		}
	}
	if !ps.OK() {
		return h.apiInvalid(c, ps)
	}
	html, err := h.renderer.RenderNote(f.Body, "", nil)
	if err != nil {
		return err
	}
	nc := f.content(html)
	flags, _ := checkNote(loc, nc)
	base := slug.Make(form.Truncate(f.Title, 80))
	if base == "" || !content.ValidSlug(base) {
		base = "note"
	}
	notice, err := h.store.CreatePractice(ctx, v, models.NewNote{Content: nc, BaseSlug: base, TranslationOf: f.TranslationOf,
		Flags: flags}, h.auditEntry(c))
	if errors.Is(err, models.ErrTranslationExists) {
		ps.AddValue("language", "practices.validation.translation_exists", loc.LanguageName(f.Language))
		return h.apiInvalid(c, ps)
	}
	if err != nil {
		return err
	}
	p := notice.Practice
	out := apiCreated{Slug: p.Slug, Status: p.Status, Version: p.Version, URL: h.cfg.SiteURL() + "/practices/" + p.Slug,
		EditURL: h.cfg.SiteURL() + "/practices/" + p.Slug + "/edit", Flags: make([]apiFlag, 0, len(flags))}
	for _, fl := range flags {
		out.Flags = append(out.Flags, apiFlag{Kind: fl.Kind, Field: fl.Field})
	}
	c.Location(out.URL)
	return c.Status(fiber.StatusCreated).JSON(out)
}

// orgSlugOf is the slug of the signed-in person's organisation, or "".
func (h *handlers) orgSlugOf(c *fiber.Ctx) string {
	v := viewer(c)
	if v.OrganisationID == 0 {
		return ""
	}
	org, err := h.store.OrganisationByID(c.UserContext(), v.OrganisationID)
	if err != nil {
		return ""
	}
	return org.Slug
}

// apiInvalid answers 422 with a message per field, in the request's language.
func (h *handlers) apiInvalid(c *fiber.Ctx, ps form.Problems) error {
	loc := localizer(c)
	msgs := ps.Messages(loc, "practices.field.")
	body := apiErrorBody{Code: "invalid", Message: loc.T("error.invalid.message")}
	for _, p := range ps {
		body.Fields = append(body.Fields, apiFieldError{Field: p.Field, Code: p.Key, Message: msgs[p.Field]})
	}
	return c.Status(fiber.StatusUnprocessableEntity).JSON(apiError{Error: body})
}
