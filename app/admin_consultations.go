package app

import (
	"errors"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gosimple/slug"

	"proact/app/form"
	"proact/app/i18n"
	"proact/models"
)

// Running consultations (moderators and administrators): creating one,
// building its questions, previewing it as a member would see it,
// publishing it and its results, following who has answered, reading every
// response.

type adminConsultationRow struct {
	consultationView
	Submitted int
	Started   int
}

type adminConsultationsData struct {
	Items []adminConsultationRow
	Total int64
	Pager pager
}

// adminConsultations lists every consultation, drafts included, with how
// many organisations have answered.
func (h *handlers) adminConsultations(c *fiber.Ctx) error {
	ctx, loc := c.UserContext(), localizer(c)
	o := listOptions(c, adminPerPage)
	o.Sort = "recent"
	list, total, err := h.store.ListConsultations(ctx, viewer(c), models.ConsultationFilter{Now: h.cfg.Now(), ListOptions: o})
	if err != nil {
		return err
	}
	d := adminConsultationsData{Total: total, Pager: newPager(c, max(o.Page, 1), adminPerPage, total)}
	for i := range list {
		rows, err := h.store.ConsultationProgress(ctx, list[i].ID)
		if err != nil {
			return err
		}
		row := adminConsultationRow{consultationView: h.consultationViewOf(c, &list[i])}
		for _, r := range rows {
			switch r.Status {
			case models.ResponseSubmitted, models.ResponseReopened:
				row.Submitted++
			case models.ResponseDraft:
				row.Started++
			}
		}
		d.Items = append(d.Items, row)
	}
	return h.render(c, fiber.StatusOK, tplAdminConsultations, h.page(c, loc.T("consult.admin.title"), d))
}

// consultationForm is what the form of a consultation's details sends.
type consultationForm struct {
	Title         string   `form:"title"`
	Description   string   `form:"description"`
	InitiativeURL string   `form:"initiative_url"`
	Languages     []string `form:"languages"`
	OpensAt       string   `form:"opens_at"`
	ClosesAt      string   `form:"closes_at"`
	Version       int      `form:"version"`
}

// Limits of a consultation's details.
const (
	maxConsultationTitle       = 200
	maxConsultationDescription = 20000
)

// lf makes a browser's line breaks (CRLF) plain ones.
func lf(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

func (f *consultationForm) validate() (opens, closes time.Time, ps form.Problems) {
	f.Title, f.Description = strings.TrimSpace(f.Title), lf(f.Description)
	f.InitiativeURL = strings.TrimSpace(f.InitiativeURL)
	f.Languages = form.Dedupe(f.Languages)
	ps.Text("title", f.Title, maxConsultationTitle, true)
	ps.Multiline("description", f.Description, maxConsultationDescription, false)
	if f.InitiativeURL != "" {
		ps.Text("initiative_url", f.InitiativeURL, 500, false)
		if u, err := url.Parse(f.InitiativeURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			ps.AddValue("initiative_url", "validation.bad_url", form.Truncate(f.InitiativeURL, 80))
		}
	}
	for _, l := range f.Languages {
		if !models.Languages().Has(l) {
			ps.AddValue("languages", "validation.unknown_term", form.Truncate(l, 20))
		}
	}
	var ok bool
	if opens, ok = i18n.ParseBrussels(f.OpensAt); !ok {
		ps.AddValue("opens_at", "consult.validation.time", form.Truncate(f.OpensAt, 30))
	}
	if closes, ok = i18n.ParseBrussels(f.ClosesAt); !ok {
		ps.AddValue("closes_at", "consult.validation.time", form.Truncate(f.ClosesAt, 30))
	}
	if !ps.Has("opens_at") && !ps.Has("closes_at") && !closes.After(opens) {
		ps.Add("closes_at", "consult.validation.closes_before")
	}
	return opens, closes, ps
}

type consultationFormData struct {
	Form      consultationForm
	Slug      string // "" for a new one
	Languages []option
	Errors    form.Messages
	Summary   []form.Link
	Frozen    bool
	State     string
}

var consultationFields = []string{"title", "description", "initiative_url", "languages", "opens_at", "closes_at"}

func (h *handlers) renderConsultationForm(c *fiber.Ctx, status int, d consultationFormData, ps form.Problems) error {
	loc := localizer(c)
	d.Errors = ps.Messages(loc, "consult.field.")
	d.Summary = d.Errors.Summary(consultationFields)
	d.Languages = vocabOptions(loc, models.Languages(), d.Form.Languages, false)
	title := loc.T("consult.admin.new")
	if d.Slug != "" {
		title = loc.T("consult.admin.edit", "Title", d.Form.Title)
	}
	return h.render(c, status, tplAdminConsultationForm, h.page(c, title, d))
}

// newConsultation shows the form of a new consultation: open from tomorrow
// at noon for four weeks, Brussels time, to change.
func (h *handlers) newConsultation(c *fiber.Ctx) error {
	now := h.cfg.Now().In(i18n.Brussels())
	opens := time.Date(now.Year(), now.Month(), now.Day()+1, 12, 0, 0, 0, i18n.Brussels())
	f := consultationForm{OpensAt: i18n.BrusselsInput(opens), ClosesAt: i18n.BrusselsInput(opens.AddDate(0, 0, 28)), Languages: []string{"en"}}
	return h.renderConsultationForm(c, fiber.StatusOK, consultationFormData{Form: f}, nil)
}

// createConsultation creates a draft and goes on to its questions.
func (h *handlers) createConsultation(c *fiber.Ctx) error {
	var f consultationForm
	if err := form.Parse(c, &f); err != nil {
		return err
	}
	opens, closes, ps := f.validate()
	if !ps.OK() {
		return h.renderConsultationForm(c, fiber.StatusUnprocessableEntity, consultationFormData{Form: f}, ps)
	}
	html, err := h.renderer.Render(f.Description)
	if err != nil {
		return err
	}
	m := &models.Consultation{Slug: slug.Make(f.Title), Title: f.Title, DescriptionMD: f.Description, DescriptionHTML: html,
		InitiativeURL: f.InitiativeURL, Languages: f.Languages, OpensAt: opens, ClosesAt: closes}
	if len(m.Slug) > 80 {
		m.Slug = strings.TrimRight(m.Slug[:80], "-")
	}
	if u := currentUser(c); u != nil {
		m.CreatedBy = &u.ID
	}
	if err := h.store.CreateConsultation(c.UserContext(), m, auditBy(c)); err != nil {
		return err
	}
	h.flash(c, "consult.flash.created")
	return c.Redirect("/admin/consultations/"+m.Slug+"/questions", fiber.StatusSeeOther)
}

// staffConsultation loads the consultation of the route for moderators.
func (h *handlers) staffConsultation(c *fiber.Ctx) (*models.Consultation, error) {
	return h.store.ConsultationBySlug(c.UserContext(), viewer(c), c.Params("slug"))
}

// editConsultation shows the details of a consultation to change.
func (h *handlers) editConsultation(c *fiber.Ctx) error {
	m, err := h.staffConsultation(c)
	if err != nil {
		return err
	}
	f := consultationForm{Title: m.Title, Description: m.DescriptionMD, InitiativeURL: m.InitiativeURL, Languages: m.Languages,
		OpensAt: i18n.BrusselsInput(m.OpensAt), ClosesAt: i18n.BrusselsInput(m.ClosesAt), Version: m.Version}
	return h.renderConsultationForm(c, fiber.StatusOK, consultationFormData{Form: f, Slug: m.Slug, Frozen: m.FrozenAt != nil, State: m.State(h.cfg.Now())}, nil)
}

// updateConsultation saves the details, unless someone saved them meanwhile.
func (h *handlers) updateConsultation(c *fiber.Ctx) error {
	m, err := h.staffConsultation(c)
	if err != nil {
		return err
	}
	var f consultationForm
	if err := form.Parse(c, &f); err != nil {
		return err
	}
	d := consultationFormData{Form: f, Slug: m.Slug, Frozen: m.FrozenAt != nil, State: m.State(h.cfg.Now())}
	opens, closes, ps := f.validate()
	d.Form = f
	if !ps.OK() {
		return h.renderConsultationForm(c, fiber.StatusUnprocessableEntity, d, ps)
	}
	html, err := h.renderer.Render(f.Description)
	if err != nil {
		return err
	}
	m.Title, m.DescriptionMD, m.DescriptionHTML, m.InitiativeURL, m.Languages, m.OpensAt, m.ClosesAt =
		f.Title, f.Description, html, f.InitiativeURL, f.Languages, opens, closes
	err = h.store.UpdateConsultation(c.UserContext(), m, f.Version, auditBy(c))
	if errors.Is(err, models.ErrConflict) {
		ps.Add("title", "consult.validation.changed_meanwhile")
		return h.renderConsultationForm(c, fiber.StatusConflict, d, ps)
	}
	if err != nil {
		return err
	}
	h.flash(c, "consult.flash.updated")
	return c.Redirect("/admin/consultations/"+m.Slug, fiber.StatusSeeOther)
}

// consultationAction publishes or withdraws a consultation or its results,
// or deletes a draft: the path's last segment says which.
func (h *handlers) consultationAction(c *fiber.Ctx) error {
	m, err := h.staffConsultation(c)
	if err != nil {
		return err
	}
	ctx, by := c.UserContext(), auditBy(c)
	action := path.Base(c.Path())
	switch action {
	case "publish":
		err = h.store.PublishConsultation(ctx, m.ID, by)
	case "unpublish":
		err = h.store.UnpublishConsultation(ctx, m.ID, by)
	case "results":
		err = h.store.PublishResults(ctx, m.ID, h.cfg.Now(), by)
	case "withdraw":
		err = h.store.WithdrawResults(ctx, m.ID, by)
	case "delete":
		if err = h.store.DeleteConsultation(ctx, m.ID, by); err == nil {
			h.flash(c, "consult.flash.deleted")
			return c.Redirect("/admin/consultations", fiber.StatusSeeOther)
		}
	default:
		return fiber.ErrNotFound
	}
	switch {
	case errors.Is(err, models.ErrStillOpen):
		h.flash(c, "consult.flash.still_open")
	case errors.Is(err, models.ErrHasResponses):
		h.flash(c, "consult.flash.has_responses")
	case errors.Is(err, models.ErrConflict):
		h.flash(c, "consult.flash.nothing_to_do")
	case err != nil:
		return err
	default:
		h.flash(c, "consult.flash."+action)
	}
	return c.Redirect("/admin/consultations/"+m.Slug, fiber.StatusSeeOther)
}

// questionForm is what the form of one question sends.
type questionForm struct {
	Type       string `form:"type"`
	Title      string `form:"title"`
	Help       string `form:"help"`
	Required   bool   `form:"required"`
	Options    string `form:"options"`
	MinChoices string `form:"min_choices"`
	MaxChoices string `form:"max_choices"`
	MaxLength  string `form:"max_length"`
	ScaleLow   string `form:"scale_low"`
	ScaleHigh  string `form:"scale_high"`
}

var questionFields = []string{"type", "title", "help", "options", "min_choices", "max_choices", "max_length", "scale_low", "scale_high"}

// toQuestion checks the form and makes the question; existing are the
// options the question had, whose values stay for labels that stay.
func (f *questionForm) toQuestion(existing []models.Option) (models.Question, form.Problems) {
	var ps form.Problems
	f.Title, f.ScaleLow, f.ScaleHigh = strings.TrimSpace(f.Title), strings.TrimSpace(f.ScaleLow), strings.TrimSpace(f.ScaleHigh)
	f.Help, f.Options = lf(f.Help), lf(f.Options)
	ps.OneOf("type", f.Type, models.QuestionTypes())
	ps.Text("title", f.Title, 500, true)
	ps.Multiline("help", f.Help, 2000, false)
	q := models.Question{Type: f.Type, Title: f.Title, Help: strings.TrimSpace(f.Help), Required: f.Required && f.Type != models.QuestionSection}
	number := func(field, v string, lo, hi int) int {
		v = strings.TrimSpace(v)
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			ps.AddValue(field, "consult.validation.number", strconv.Itoa(lo)+"–"+strconv.Itoa(hi))
		}
		return n
	}
	switch f.Type {
	case models.QuestionSingle, models.QuestionMultiple:
		ps.Multiline("options", f.Options, 20000, true)
		known := map[string]string{}
		for _, o := range existing {
			known[o.Label] = o.Value
		}
		q.Options = models.OptionsFromLines(f.Options, func(label string) string {
			if v, ok := known[label]; ok {
				return v
			}
			return slug.Make(label)
		})
		for _, o := range q.Options {
			if len(o.Label) > 300 || !form.CleanText(o.Label, false) {
				ps.Add("options", "consult.validation.option_text")
			}
		}
		if len(q.Options) < 2 || len(q.Options) > models.MaxOptions {
			ps.AddValue("options", "consult.validation.options", strconv.Itoa(models.MaxOptions))
		}
		if f.Type == models.QuestionMultiple {
			q.MinChoices = number("min_choices", f.MinChoices, 0, models.MaxOptions)
			q.MaxChoices = number("max_choices", f.MaxChoices, 0, models.MaxOptions)
			if q.MaxChoices > 0 && q.MinChoices > q.MaxChoices {
				ps.Add("max_choices", "consult.validation.min_max")
			}
			if q.MinChoices > len(q.Options) {
				ps.Add("min_choices", "consult.validation.min_options")
			}
		}
	case models.QuestionLongText:
		q.MaxLength = number("max_length", f.MaxLength, 100, models.MaxLongAnswer)
	case models.QuestionScale:
		ps.Text("scale_low", f.ScaleLow, 100, false)
		ps.Text("scale_high", f.ScaleHigh, 100, false)
		q.ScaleLow, q.ScaleHigh = f.ScaleLow, f.ScaleHigh
	}
	return q, ps
}

// formOf is the form of an existing question.
func formOf(q *models.Question) questionForm {
	f := questionForm{Type: q.Type, Title: q.Title, Help: q.Help, Required: q.Required, ScaleLow: q.ScaleLow, ScaleHigh: q.ScaleHigh}
	var labels []string
	for _, o := range q.Options {
		labels = append(labels, o.Label)
	}
	f.Options = strings.Join(labels, "\n")
	if q.MinChoices > 0 {
		f.MinChoices = strconv.Itoa(q.MinChoices)
	}
	if q.MaxChoices > 0 {
		f.MaxChoices = strconv.Itoa(q.MaxChoices)
	}
	if q.MaxLength > 0 {
		f.MaxLength = strconv.Itoa(q.MaxLength)
	}
	return f
}

type builderQuestion struct {
	ID       uint
	Number   int
	Type     string
	Title    string
	Help     string
	Required bool
	Options  []string
	Limits   string
	First    bool
	Last     bool
	Editing  bool
}

type questionsData struct {
	C          consultationView
	Questions  []builderQuestion
	Frozen     bool
	Types      []option
	Form       questionForm
	EditID     uint // the question being edited, 0 for a new one
	Errors     form.Messages
	Summary    []form.Link
	Notice     string // the refusal of a change, translated
	FrozenText string
}

// showQuestions is the question builder: the questions in order, with the
// form of a new question or of the one being edited.
func (h *handlers) showQuestions(c *fiber.Ctx) error {
	m, err := h.staffConsultation(c)
	if err != nil {
		return err
	}
	d := questionsData{Form: questionForm{Type: models.QuestionShortText}}
	if id, err := strconv.ParseUint(c.Query("edit"), 10, 32); err == nil {
		if q := questionByID(m, uint(id)); q != nil {
			d.EditID, d.Form = q.ID, formOf(q)
		}
	}
	return h.renderQuestions(c, fiber.StatusOK, m, d, nil)
}

func questionByID(m *models.Consultation, id uint) *models.Question {
	for i := range m.Questions {
		if m.Questions[i].ID == id {
			return &m.Questions[i]
		}
	}
	return nil
}

func (h *handlers) renderQuestions(c *fiber.Ctx, status int, m *models.Consultation, d questionsData, ps form.Problems) error {
	loc := localizer(c)
	d.C, d.Frozen = h.consultationViewOf(c, m), m.FrozenAt != nil
	if m.FrozenAt != nil {
		d.FrozenText = loc.T("consult.builder.frozen", "Time", loc.BrusselsTime(*m.FrozenAt))
	}
	d.Errors = ps.Messages(loc, "consult.qfield.")
	d.Summary = d.Errors.Summary(questionFields)
	for _, t := range models.QuestionTypes() {
		d.Types = append(d.Types, option{Value: t, Label: loc.T("consult.type." + t), Selected: t == d.Form.Type})
	}
	nums := numbers(m)
	for i, q := range m.Questions {
		b := builderQuestion{ID: q.ID, Number: nums[q.ID], Type: q.Type, Title: q.Title, Help: q.Help, Required: q.Required,
			First: i == 0, Last: i == len(m.Questions)-1, Editing: q.ID == d.EditID}
		for _, o := range q.Options {
			b.Options = append(b.Options, o.Label)
		}
		switch q.Type {
		case models.QuestionLongText:
			b.Limits = loc.T("consult.builder.limit", "Max", q.Limit())
		case models.QuestionMultiple:
			b.Limits = choiceLimits(loc, q.MinChoices, q.MaxChoices)
		case models.QuestionScale:
			if q.ScaleLow != "" || q.ScaleHigh != "" {
				b.Limits = "1 = " + q.ScaleLow + " · 5 = " + q.ScaleHigh
			}
		}
		d.Questions = append(d.Questions, b)
	}
	return h.render(c, status, tplAdminQuestions, h.page(c, loc.T("consult.builder.title", "Title", m.Title), d))
}

// choiceLimits says how many choices a multiple-choice question takes.
func choiceLimits(loc *i18n.Localizer, lo, hi int) string {
	switch {
	case lo > 0 && hi > 0:
		return loc.T("consult.choices.between", "Min", lo, "Max", hi)
	case lo > 0:
		return loc.T("consult.choices.at_least", "Min", lo)
	case hi > 0:
		return loc.T("consult.choices.at_most", "Max", hi)
	}
	return ""
}

// frozenRefusal answers a change of frozen questions: 409, with the reason.
func (h *handlers) frozenRefusal(c *fiber.Ctx, m *models.Consultation, d questionsData) error {
	fresh, err := h.staffConsultation(c)
	if err != nil {
		return err
	}
	d.EditID = 0
	if fresh.FrozenAt != nil {
		d.Notice = localizer(c).T("consult.builder.frozen_refused", "Time", localizer(c).BrusselsTime(*fresh.FrozenAt))
	}
	return h.renderQuestions(c, fiber.StatusConflict, fresh, d, nil)
}

// addQuestion appends a question, or says why the questions cannot change.
func (h *handlers) addQuestion(c *fiber.Ctx) error {
	m, err := h.staffConsultation(c)
	if err != nil {
		return err
	}
	var f questionForm
	if err := form.Parse(c, &f); err != nil {
		return err
	}
	d := questionsData{Form: f}
	if m.FrozenAt != nil {
		return h.frozenRefusal(c, m, d)
	}
	q, ps := f.toQuestion(nil)
	if !ps.OK() {
		return h.renderQuestions(c, fiber.StatusUnprocessableEntity, m, d, ps)
	}
	q.ConsultationID = m.ID
	err = h.store.AddQuestion(c.UserContext(), &q, auditBy(c))
	if errors.Is(err, models.ErrQuestionsFrozen) {
		return h.frozenRefusal(c, m, d)
	}
	if err != nil {
		return err
	}
	h.flash(c, "consult.flash.question_added")
	return c.Redirect("/admin/consultations/"+m.Slug+"/questions#question-"+itoa(q.ID), fiber.StatusSeeOther)
}

// changeQuestion updates, deletes or moves one question: the form's
// "action" field says which.
func (h *handlers) changeQuestion(c *fiber.Ctx) error {
	m, err := h.staffConsultation(c)
	if err != nil {
		return err
	}
	id, err := adminParamID(c, "id")
	if err != nil {
		return err
	}
	q := questionByID(m, id)
	if q == nil {
		return fiber.ErrNotFound
	}
	var f questionForm
	if err := form.Parse(c, &f); err != nil {
		return err
	}
	d := questionsData{Form: f, EditID: id}
	if m.FrozenAt != nil {
		return h.frozenRefusal(c, m, d)
	}
	ctx, by := c.UserContext(), auditBy(c)
	switch c.FormValue("action") {
	case "delete":
		err = h.store.DeleteQuestion(ctx, m.ID, id, by)
	case "up", "down":
		delta := map[string]int{"up": -1, "down": 1}[c.FormValue("action")]
		err = h.store.MoveQuestion(ctx, m.ID, id, delta, by)
	default:
		next, ps := f.toQuestion(q.Options)
		if !ps.OK() {
			return h.renderQuestions(c, fiber.StatusUnprocessableEntity, m, d, ps)
		}
		next.ID, next.ConsultationID = id, m.ID
		err = h.store.UpdateQuestion(ctx, &next, by)
	}
	if errors.Is(err, models.ErrQuestionsFrozen) {
		return h.frozenRefusal(c, m, d)
	}
	if err != nil {
		return err
	}
	h.flash(c, "consult.flash.questions_saved")
	return c.Redirect("/admin/consultations/"+m.Slug+"/questions#question-"+itoa(id), fiber.StatusSeeOther)
}

// previewConsultation shows the response form as a member would see it,
// without saving anything.
func (h *handlers) previewConsultation(c *fiber.Ctx) error {
	m, err := h.staffConsultation(c)
	if err != nil {
		return err
	}
	d, err := h.responseForm(c, m, nil, formState{Page: queryInt(c, "page", 1)}, true)
	if err != nil {
		return err
	}
	d.OrgName = localizer(c).T("consult.preview.org")
	return h.render(c, fiber.StatusOK, tplConsultationResponse, h.page(c, localizer(c).T("consult.preview.title", "Title", m.Title), d))
}

// progressCount is one line of a progress table: organisations by state.
type progressCount struct {
	Key        string // a status, a country code or an organisation type
	Label      string
	Total      int
	Submitted  int
	Draft      int
	NotStarted int
	Percent    int // submitted out of total
}

type progressOrg struct {
	models.ProgressRow
	CountryName string
	TypeName    string
}

type moderatorData struct {
	C         consultationView
	Total     progressCount
	ByCountry []progressCount
	ByType    []progressCount
	Orgs      []progressOrg
	Results   bool
	Published bool
	Closed    bool
	Reminders []string
	Started   bool // an organisation has a response: no way back to draft
}

// adminConsultation is the moderators' view of one consultation: its
// state and actions, and who has answered, by state, country and type.
func (h *handlers) adminConsultation(c *fiber.Ctx) error {
	m, err := h.staffConsultation(c)
	if err != nil {
		return err
	}
	loc := localizer(c)
	rows, err := h.store.ConsultationProgress(c.UserContext(), m.ID)
	if err != nil {
		return err
	}
	state := m.State(h.cfg.Now())
	d := moderatorData{C: h.consultationViewOf(c, m), Results: m.ResultsPublishedAt != nil, Published: m.PublishedAt != nil,
		Closed: state == models.ConsultationClosed || state == models.ConsultationResults}
	byCountry, byType := map[string]*progressCount{}, map[string]*progressCount{}
	d.Total.Label = loc.T("consult.progress.all")
	for _, r := range rows {
		d.Orgs = append(d.Orgs, progressOrg{ProgressRow: r, CountryName: loc.Country(r.Country), TypeName: loc.Label(models.OrganisationTypes().Name(), r.OrgType)})
		for _, pc := range []*progressCount{&d.Total, tally(byCountry, r.Country, loc.Country(r.Country)), tally(byType, r.OrgType, loc.Label(models.OrganisationTypes().Name(), r.OrgType))} {
			pc.Total++
			switch r.Status {
			case models.ResponseSubmitted, models.ResponseReopened:
				pc.Submitted++
			case models.ResponseDraft:
				pc.Draft++
			default:
				pc.NotStarted++
			}
		}
	}
	d.ByCountry, d.ByType = sortedCounts(loc, byCountry), sortedCounts(loc, byType)
	for _, pc := range append(append([]*progressCount{&d.Total}, ptrs(d.ByCountry)...), ptrs(d.ByType)...) {
		if pc.Total > 0 {
			pc.Percent = 100 * pc.Submitted / pc.Total
		}
	}
	for _, r := range models.ReminderOffsets() {
		// A reminder whose time comes before the opening is never sent.
		if at := m.ClosesAt.Add(-r.Before); !at.Before(m.OpensAt) {
			d.Reminders = append(d.Reminders, loc.BrusselsTime(at))
		}
	}
	d.Started = d.Total.Submitted+d.Total.Draft > 0
	return h.render(c, fiber.StatusOK, tplAdminConsultation, h.page(c, m.Title, d))
}

func tally(m map[string]*progressCount, key, label string) *progressCount {
	if m[key] == nil {
		m[key] = &progressCount{Key: key, Label: label}
	}
	return m[key]
}

func sortedCounts(loc *i18n.Localizer, m map[string]*progressCount) []progressCount {
	out := make([]progressCount, 0, len(m))
	for _, pc := range m {
		out = append(out, *pc)
	}
	opts := make([]option, len(out))
	for i, pc := range out {
		opts[i] = option{Value: pc.Key, Label: pc.Label}
	}
	sortOptions(loc, opts)
	sorted := make([]progressCount, 0, len(out))
	for _, o := range opts {
		for _, pc := range out {
			if pc.Key == o.Value {
				sorted = append(sorted, pc)
			}
		}
	}
	return sorted
}

func ptrs(list []progressCount) []*progressCount {
	out := make([]*progressCount, len(list))
	for i := range list {
		out[i] = &list[i]
	}
	return out
}

type fullResponse struct {
	models.SubmittedResponse
	CountryName  string
	TypeName     string
	Publication  string
	LanguageName string
	Answers      []answerView
}

type allResponsesData struct {
	C         consultationView
	Responses []fullResponse
	Report    bool
	Results   []questionReport
	Now       time.Time
}

// questionReport is one question of the printable report: its figures and
// every answer, with who gave it.
type questionReport struct {
	questionResult
	Answers []reportAnswer
}

type reportAnswer struct {
	OrgName string
	Lines   []string
}

// adminResponses shows every counted response in full.
func (h *handlers) adminResponses(c *fiber.Ctx) error {
	m, err := h.staffConsultation(c)
	if err != nil {
		return err
	}
	loc := localizer(c)
	counted, err := h.store.SubmittedResponses(c.UserContext(), m.ID)
	if err != nil {
		return err
	}
	d := allResponsesData{C: h.consultationViewOf(c, m)}
	for _, r := range counted {
		f := fullResponse{SubmittedResponse: r, CountryName: loc.Country(r.Country), TypeName: loc.Label(models.OrganisationTypes().Name(), r.OrgType),
			Answers: answerViews(loc, m.Questions, r.Answers)}
		if r.Publication != "" {
			f.Publication = loc.T("consult.publication." + r.Publication)
		}
		if r.Language != "" {
			f.LanguageName = loc.LanguageName(r.Language)
		}
		d.Responses = append(d.Responses, f)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.render(c, fiber.StatusOK, tplAdminConsultationAll, h.page(c, loc.T("consult.all.title", "Title", m.Title), d))
}

// adminReport is the printable report: per question, the figures and every
// answer, with the organisation that gave it.
func (h *handlers) adminReport(c *fiber.Ctx) error {
	m, err := h.staffConsultation(c)
	if err != nil {
		return err
	}
	loc := localizer(c)
	counted, err := h.store.SubmittedResponses(c.UserContext(), m.ID)
	if err != nil {
		return err
	}
	d := allResponsesData{C: h.consultationViewOf(c, m), Report: true, Now: h.cfg.Now()}
	answerable := m.Answerable()
	// Moderators' own report: every counted response, published or not.
	all := make([]models.Answers, len(counted))
	for i, r := range counted {
		all[i] = r.Answers
	}
	for i, qr := range questionResults(loc, m, all) {
		rep := questionReport{questionResult: qr}
		q := &answerable[i]
		for _, r := range counted {
			if lines := loc.Answer(q, r.Answers[q.ID]); len(lines) > 0 && q.Text() {
				rep.Answers = append(rep.Answers, reportAnswer{OrgName: r.OrgName, Lines: lines})
			}
		}
		d.Results = append(d.Results, rep)
	}
	if err := h.store.Audit(c.UserContext(), consultationExportAudit(c, m, "report")); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.render(c, fiber.StatusOK, tplAdminConsultationPrint, h.page(c, loc.T("consult.report.title", "Title", m.Title), d))
}

func consultationExportAudit(c *fiber.Ctx, m *models.Consultation, what string) models.AuditEntry {
	e := auditBy(c)
	e.Action, e.TargetKind, e.TargetID, e.Detail = models.AuditConsultationExported, models.KindConsultation, &m.ID, what
	return e
}

// hasValue is for templates: whether list holds v.
func hasValue(list []string, v string) bool { return slices.Contains(list, v) }

type progressContext struct {
	Page    *Page
	Caption string
	Rows    []progressCount
}

// WithProgress is the data of a progress table: its caption key and rows.
func (p *Page) WithProgress(caption string, rows []progressCount) progressContext {
	return progressContext{Page: p, Caption: caption, Rows: rows}
}

type questionFormContext struct {
	Page   *Page
	Form   questionForm
	Errors form.Messages
	Types  []option
	Prefix string
}

// WithQuestionForm is the data of partials/consultation_question_form.
func (p *Page) WithQuestionForm(f questionForm, errs form.Messages, types []option, prefix string) questionFormContext {
	return questionFormContext{Page: p, Form: f, Errors: errs, Types: types, Prefix: prefix}
}
