package app

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/app/form"
	"proact/models"
)

// The consultations API: the list and one consultation with its questions
// for anyone; a member's token to save or submit their organisation's
// response, retried safely with an Idempotency-Key.

type apiConsultationSummary struct {
	Slug          string    `json:"slug"`
	Title         string    `json:"title"`
	State         string    `json:"state"`
	OpensAt       time.Time `json:"opens_at"`
	ClosesAt      time.Time `json:"closes_at"`
	Languages     []string  `json:"languages"`
	InitiativeURL string    `json:"initiative_url"`
	URL           string    `json:"url"`
}

type apiConsultationList struct {
	Data []apiConsultationSummary `json:"data"`
	Meta apiPage                  `json:"meta"`
}

type apiOption struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

type apiQuestion struct {
	ID         uint        `json:"id"`
	Number     int         `json:"number"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	Help       string      `json:"help"`
	Required   bool        `json:"required"`
	Section    string      `json:"section"`
	Options    []apiOption `json:"options"`
	MinChoices int         `json:"min_choices,omitempty"`
	MaxChoices int         `json:"max_choices,omitempty"`
	MaxLength  int         `json:"max_length,omitempty"`
	ScaleLow   string      `json:"scale_low,omitempty"`
	ScaleHigh  string      `json:"scale_high,omitempty"`
}

type apiConsultationDetail struct {
	apiConsultationSummary
	DescriptionMarkdown string        `json:"description_markdown"`
	DescriptionHTML     string        `json:"description_html"`
	Questions           []apiQuestion `json:"questions"`
	ResultsURL          string        `json:"results_url,omitempty"`
}

func (h *handlers) apiConsultation(m *models.Consultation) apiConsultationSummary {
	langs := m.Languages
	if langs == nil {
		langs = []string{}
	}
	return apiConsultationSummary{Slug: m.Slug, Title: m.Title, State: m.State(h.cfg.Now()), OpensAt: m.OpensAt.UTC(),
		ClosesAt: m.ClosesAt.UTC(), Languages: langs, InitiativeURL: m.InitiativeURL, URL: h.cfg.SiteURL() + "/consultations/" + m.Slug}
}

// apiQuestions lists the answerable questions, each with the title of its section.
func apiQuestions(m *models.Consultation) []apiQuestion {
	out := []apiQuestion{}
	section, n := "", 0
	for _, q := range m.Questions {
		if q.Type == models.QuestionSection {
			section = q.Title
			continue
		}
		n++
		aq := apiQuestion{ID: q.ID, Number: n, Type: q.Type, Title: q.Title, Help: q.Help, Required: q.Required, Section: section,
			Options: []apiOption{}, MinChoices: q.MinChoices, MaxChoices: q.MaxChoices, ScaleLow: q.ScaleLow, ScaleHigh: q.ScaleHigh}
		if q.Text() {
			aq.MaxLength = q.Limit()
		}
		for _, o := range q.Options {
			aq.Options = append(aq.Options, apiOption{Value: o.Value, Label: o.Label})
		}
		if q.Type == models.QuestionYesNo || q.Type == models.QuestionScale {
			for _, v := range q.Values() {
				aq.Options = append(aq.Options, apiOption{Value: v, Label: v})
			}
		}
		out = append(out, aq)
	}
	return out
}

// apiListConsultations is GET /api/v1/consultations, soonest deadline first;
// ?state= keeps one state.
func (h *handlers) apiListConsultations(c *fiber.Ctx) error {
	f := models.ConsultationFilter{Now: h.cfg.Now(), ListOptions: apiListOptions(c)}
	if st := c.Query("state"); st != "" {
		f.States = []string{st}
	}
	f = f.Normalise()
	if c.Query("state") != "" && len(f.States) == 0 {
		return c.JSON(apiConsultationList{Data: []apiConsultationSummary{}, Meta: apiPage{Page: f.Page, PerPage: f.PerPage}})
	}
	list, total, err := h.store.ListConsultations(c.UserContext(), viewer(c), f)
	if err != nil {
		return err
	}
	out := apiConsultationList{Data: make([]apiConsultationSummary, 0, len(list)), Meta: apiPage{Page: f.Page, PerPage: f.PerPage, Total: total}}
	for i := range list {
		out.Data = append(out.Data, h.apiConsultation(&list[i]))
	}
	return c.JSON(out)
}

// apiShowConsultation is GET /api/v1/consultations/{slug}, with its questions.
func (h *handlers) apiShowConsultation(c *fiber.Ctx) error {
	m, err := h.store.ConsultationBySlug(c.UserContext(), viewer(c), c.Params("slug"))
	if err != nil {
		return err
	}
	d := apiConsultationDetail{apiConsultationSummary: h.apiConsultation(m), DescriptionMarkdown: m.DescriptionMD,
		DescriptionHTML: m.DescriptionHTML, Questions: apiQuestions(m)}
	if m.ResultsPublishedAt != nil {
		d.ResultsURL = h.cfg.SiteURL() + "/consultations/" + m.Slug + "/results"
	}
	return c.JSON(d)
}

// apiTokenOnly lets API writes through only with a personal token: a session
// cookie never authorises them, since no CSRF token protects the API.
func apiTokenOnly(c *fiber.Ctx) error {
	if !strings.HasPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ") {
		return fiber.ErrUnauthorized
	}
	return c.Next()
}

// apiResponseRequest is the body of POST /api/v1/consultations/{slug}/responses.
type apiResponseRequest struct {
	Answers     map[string]json.RawMessage `json:"answers"`
	Publication string                     `json:"publication"`
	Language    string                     `json:"language"`
	Submit      bool                       `json:"submit"`
}

type apiResponseResult struct {
	Reference   string     `json:"reference"`
	Status      string     `json:"status"`
	Version     int        `json:"version"`
	SubmittedAt *time.Time `json:"submitted_at"`
	URL         string     `json:"url"`
}

// apiErrorDetail is a JSON error that names each failing question.
type apiErrorDetail struct {
	Error apiErrorDetailBody `json:"error"`
}

type apiErrorDetailBody struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Questions map[string]string `json:"questions,omitempty"`
}

func apiFail(c *fiber.Ctx, status int, code, message string, questions map[string]string) error {
	return c.Status(status).JSON(apiErrorDetail{Error: apiErrorDetailBody{Code: code, Message: message, Questions: questions}})
}

// apiSaveResponse is POST /api/v1/consultations/{slug}/responses: the
// answers sent replace the organisation's draft, and with "submit" it is
// submitted. 201 for what is stored, 200 for a repeat; 422 names each
// failing question; 403 after the closing time (the text is kept for the
// organisation to read, nothing changes).
func (h *handlers) apiSaveResponse(c *fiber.Ctx) error {
	m, v, err := h.responseTarget(c)
	if err != nil {
		return err
	}
	loc, now := localizer(c), h.cfg.Now()
	var body apiResponseRequest
	if e := decodeBody(c.Body(), &body, "consult.api.bad_json"); e != nil {
		return apiFail(c, fiber.StatusBadRequest, e.Code, loc.T(e.Key), nil)
	}
	key := strings.TrimSpace(c.Get("Idempotency-Key"))
	if len(key) > models.MaxIdempotencyKey || !form.CleanText(key, false) {
		return apiFail(c, fiber.StatusBadRequest, "bad_request", loc.T("consult.api.bad_key", "Max", models.MaxIdempotencyKey), nil)
	}
	if body.Language == "" && len(m.Languages) == 1 {
		body.Language = m.Languages[0]
	}
	answers, ps := jsonAnswers(m, body.Answers)
	// After the closing time nothing is checked: the text is kept as sent
	// (what can be stored of it) and the answer is 403, whatever it says.
	open := m.State(now) == models.ConsultationOpen
	keep, more := checkAnswers(m.Questions, answers, body.Submit && open)
	for _, p := range more {
		ps.AddValue(p.Field, p.Key, p.Value)
	}
	checkMeta(m, body.Publication, body.Language, body.Submit, &ps)
	if !ps.OK() && open {
		questions := map[string]string{}
		for field, msg := range ps.Messages(loc, "") {
			questions[strings.TrimPrefix(field, "q-")] = msg
		}
		return apiFail(c, fiber.StatusUnprocessableEntity, "invalid", loc.T("consult.api.invalid", "Count", len(questions)), questions)
	}
	if body.Submit && !v.OrgAdmin && open {
		return apiFail(c, fiber.StatusForbidden, "forbidden", loc.T("consult.api.org_admin"), nil)
	}
	in := models.ResponseInput{ConsultationID: m.ID, OrganisationID: v.OrganisationID, By: auditBy(c), Now: now,
		Answers: keep, SetMeta: true, Publication: body.Publication, Language: body.Language, Submit: body.Submit,
		QuestionsVersion: m.QuestionsVersion, IdempotencyKey: key}
	if ps.Has(fieldPublication) || ps.Has(fieldLanguage) {
		in.SetMeta = false // only after the closing time, when ps is not refused
	}
	for _, q := range m.Answerable() {
		in.Covered = append(in.Covered, q.ID)
	}
	canonical, err := json.Marshal(struct {
		A    models.Answers
		P, L string
		S    bool
	}{keep, body.Publication, body.Language, body.Submit})
	if err != nil {
		return err
	}
	in.RequestHash = requestHash("api", string(canonical))
	res, err := h.store.SaveResponse(c.UserContext(), in, h.queueReceipt(c, m, v))
	switch {
	case errors.Is(err, models.ErrIdempotencyMismatch):
		return apiFail(c, fiber.StatusUnprocessableEntity, "idempotency_key_reused", loc.T("consult.api.key_reused"), nil)
	case errors.Is(err, models.ErrAlreadySubmitted):
		return apiFail(c, fiber.StatusConflict, "conflict", loc.T("consult.api.submitted"), nil)
	case errors.Is(err, models.ErrQuestionsChanged), errors.Is(err, models.ErrStale):
		return apiFail(c, fiber.StatusConflict, "conflict", loc.T("consult.api.changed"), nil)
	case errors.Is(err, models.ErrNotOpen):
		return apiFail(c, fiber.StatusForbidden, "not_open", loc.T("consult.notice.upcoming", "Time", loc.BrusselsTime(m.OpensAt)), nil)
	case err != nil:
		return err
	}
	if res.Late {
		return apiFail(c, fiber.StatusForbidden, "closed", loc.T("consult.api.closed", "Time", loc.BrusselsTime(m.ClosesAt)), nil)
	}
	status := fiber.StatusCreated
	if res.Repeat || (!res.Created && !res.Changed && !res.Submitted) {
		status = fiber.StatusOK
	}
	r := res.Response
	return c.Status(status).JSON(apiResponseResult{Reference: r.Reference, Status: r.Status, Version: r.Version,
		SubmittedAt: r.SubmittedAt, URL: h.cfg.SiteURL() + "/consultations/" + m.Slug + "/response"})
}
