package search

import (
	"context"
	"errors"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"proact/models"
)

// The sources of the consultations issue and of the referral pathways:
// published consultations, the responses published with their results, and
// the national notes that head each country's pathway. Each builds its
// document from what the public page shows and nothing more.

type consultationSource struct {
	store *models.Store
}

func (consultationSource) Kind() string { return KindConsultation }

func (s consultationSource) Load(ctx context.Context, id uint) (*Document, error) {
	c, err := s.store.SearchableConsultation(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.document(c), nil
}

func (s consultationSource) Count(ctx context.Context) (int, error) {
	n, err := s.store.CountSearchableConsultations(ctx)
	return int(n), err
}

func (s consultationSource) Scan(ctx context.Context, fn func(*Document) error) error {
	return scanPages(ctx, s.store.SearchableConsultationsAfter, func(e *models.Consultation) uint { return e.ID }, s.document, fn)
}

// document indexes a published consultation: its title, description and
// the questions with their help and options, as the public page shows them.
// Consultations have no members-only form: once published, everyone reads
// them (models.ConsultationBySlug), so their audience is public.
func (s consultationSource) document(c *models.Consultation) *Document {
	var qs []string
	for _, q := range c.Questions {
		qs = append(qs, q.Title, q.Help, q.ScaleLow, q.ScaleHigh)
		for _, o := range q.Options {
			qs = append(qs, o.Label)
		}
	}
	desc := plainText(c.DescriptionHTML)
	lang := "en"
	if len(c.Languages) > 0 {
		lang = c.Languages[0]
	}
	lang = detectLanguage(c.Title+"\n"+desc, append([]string{lang}, c.Languages...))
	d := &Document{Kind: KindConsultation, ID: c.ID, Slug: c.Slug, Language: lang, Title: c.Title,
		Summary: truncate(desc, 300), Body: desc + "\n" + strings.Join(nonEmpty(qs), "\n"), Audience: AudiencePublic}
	if c.PublishedAt != nil {
		d.Date = *c.PublishedAt
	}
	return d
}

func nonEmpty(list []string) []string {
	out := list[:0:0]
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

type responseSource struct {
	store *models.Store
}

func (responseSource) Kind() string { return KindResponse }

func (s responseSource) Load(ctx context.Context, id uint) (*Document, error) {
	r, err := s.store.SearchableResponse(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return responseDocument(r), nil
}

func (s responseSource) Count(ctx context.Context) (int, error) {
	n, err := s.store.CountSearchableResponses(ctx)
	return int(n), err
}

func (s responseSource) Scan(ctx context.Context, fn func(*Document) error) error {
	return scanPages(ctx, s.store.SearchableResponsesAfter, func(e *models.SearchableResponse) uint { return e.ID }, responseDocument, fn)
}

// responseDocument indexes a response as the results page publishes it:
// the text answers and the labels of the options chosen, under the
// consultation's title. An anonymous response carries no organisation,
// country, type or date (models.PublicResponse has none), so nothing in the
// index can say who wrote it; a named one carries its organisation.
func responseDocument(r *models.SearchableResponse) *Document {
	var parts []string
	for _, q := range r.Questions {
		a, ok := r.Answers[q.ID]
		if !ok || a.Empty() {
			continue
		}
		switch {
		case q.Text():
			parts = append(parts, a.Text)
		case q.Type == models.QuestionSingle:
			parts = append(parts, q.OptionLabel(a.Text))
		case q.Type == models.QuestionMultiple:
			for _, v := range a.Choices {
				parts = append(parts, q.OptionLabel(v))
			}
		}
	}
	body := strings.Join(nonEmpty(parts), "\n")
	d := &Document{Kind: KindResponse, ID: r.ID, Slug: r.ConsultationSlug, Title: r.ConsultationTitle,
		Language: r.Language, Body: body, Audience: AudiencePublic}
	if !knownLanguage(d.Language) {
		d.Language = detectLanguage(body, nil)
	}
	if r.Named {
		d.Summary, d.Extra, d.OrgType, d.Date = r.OrgName, r.OrgName, r.OrgType, r.SubmittedAt
		if r.Country != "" {
			d.Countries = []string{r.Country}
		}
	}
	return d
}

type pathwaySource struct {
	store *models.Store
}

func (pathwaySource) Kind() string { return KindPathway }

func (s pathwaySource) Load(ctx context.Context, id uint) (*Document, error) {
	n, err := s.store.NationalNoteByID(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.document(n), nil
}

func (s pathwaySource) Count(ctx context.Context) (int, error) {
	n, err := s.store.CountNationalNotes(ctx)
	return int(n), err
}

func (s pathwaySource) Scan(ctx context.Context, fn func(*Document) error) error {
	list, err := s.store.AllNationalNotes(ctx)
	if err != nil {
		return err
	}
	for i := range list {
		if err := fn(s.document(&list[i])); err != nil {
			return err
		}
	}
	return nil
}

// document indexes a national note as the pathway page shows it to
// everyone: who identifies victims and the text; never its author. The
// title names the country in the note's language and in English, so that
// "Romania" and "România" both find it.
func (s pathwaySource) document(n *models.NationalNote) *Document {
	body := plainText(n.BodyHTML)
	title := countryName(n.Country, n.Language)
	extra := countryName(n.Country, "en")
	return &Document{Kind: KindPathway, ID: n.ID, Slug: n.Country, Language: n.Language,
		Title: title, Summary: n.IdentifiedBy, Body: body, Extra: extra + "\n" + n.Country,
		Countries: []string{n.Country}, Date: n.UpdatedAt, Audience: AudiencePublic}
}

// countryName names a country in a language (the code when unknown).
func countryName(code, lang string) string {
	if code == "EU" {
		return "European Union"
	}
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	tag, err := language.Parse(lang)
	if err != nil {
		tag = language.English
	}
	if name := display.Regions(tag).Name(r); name != "" {
		return name
	}
	return code
}

// OutboxKind is the kind the store writes in the outbox for national notes.
func (pathwaySource) OutboxKind() string { return models.KindNationalNote }
