package app

import (
	"errors"
	"html/template"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/app/form"
	"proact/app/i18n"
	"proact/content"
	"proact/models"
)

// Consultations: the list by state, one consultation, and its results.
// Responding is in consultation_response.go, the moderators' pages in
// admin_consultations.go, exports in consultation_exports.go, the API in
// api_consultations.go. Every time is shown in Brussels time with its zone.

// Template names of consultations.
const (
	tplConsultations          = "pages/consultations"
	tplConsultation           = "pages/consultation"
	tplConsultationResponse   = "pages/consultation_response"
	tplConsultationConfirm    = "pages/consultation_confirm"
	tplConsultationReceipt    = "pages/consultation_receipt"
	tplConsultationResults    = "pages/consultation_results"
	tplAdminConsultations     = "pages/admin_consultations"
	tplAdminConsultationForm  = "pages/admin_consultation_form"
	tplAdminConsultation      = "pages/admin_consultation"
	tplAdminQuestions         = "pages/admin_consultation_questions"
	tplAdminConsultationAll   = "pages/admin_consultation_responses"
	tplAdminConsultationPrint = "pages/admin_consultation_report"
)

// consultationView is what pages show of a consultation; never the entity.
type consultationView struct {
	ID              uint
	Slug            string
	Title           string
	DescriptionHTML template.HTML
	InitiativeURL   string
	Languages       []string
	OpensAt         time.Time
	ClosesAt        time.Time
	State           string
	TimeLeft        string // while open
	FrozenAt        *time.Time
	Questions       int
	Demo            bool
}

func (h *handlers) consultationViewOf(c *fiber.Ctx, m *models.Consultation) consultationView {
	now := h.cfg.Now()
	v := consultationView{ID: m.ID, Slug: m.Slug, Title: m.Title, InitiativeURL: m.InitiativeURL,
		// DescriptionHTML was sanitized by content.Renderer when it was saved.
		DescriptionHTML: template.HTML(content.ScrollTables(m.DescriptionHTML)), //nolint:gosec
		Languages:       m.Languages, OpensAt: m.OpensAt, ClosesAt: m.ClosesAt, State: m.State(now),
		FrozenAt: m.FrozenAt, Questions: len(m.Answerable()), Demo: m.Demo}
	if v.State == models.ConsultationOpen {
		v.TimeLeft = localizer(c).TimeLeft(now, m.ClosesAt)
	}
	return v
}

// IsoTime is a time for <time datetime="...">.
func (p *Page) IsoTime(t time.Time) string { return i18n.ISOTime(t) }

type consultationGroup struct {
	State string
	Items []consultationView
	Pager *pager
}

type consultationsData struct {
	Groups []consultationGroup
	Staff  bool
	Empty  bool
}

// pastPerPage is how many past consultations the list shows per page.
const pastPerPage = 20

// listConsultations lists the consultations by state: open ones first (the
// soonest deadline on top), then upcoming, then past ones, paged.
func (h *handlers) listConsultations(c *fiber.Ctx) error {
	ctx, v, loc, now := c.UserContext(), viewer(c), localizer(c), h.cfg.Now()
	d := consultationsData{Staff: v.Moderates(), Empty: true}
	groups := []struct {
		states []string
		sort   string
		paged  bool
	}{
		{[]string{models.ConsultationOpen}, "deadline", false},
		{[]string{models.ConsultationUpcoming}, "opening", false},
		{[]string{models.ConsultationClosed, models.ConsultationResults}, "recent", true},
	}
	for _, g := range groups {
		o := models.ListOptions{PerPage: 100, Sort: g.sort}
		if g.paged {
			o = listOptions(c, pastPerPage)
			o.Sort = g.sort
		}
		list, total, err := h.store.ListConsultations(ctx, v, models.ConsultationFilter{States: g.states, Now: now, ListOptions: o})
		if err != nil {
			return err
		}
		grp := consultationGroup{State: g.states[0]}
		for i := range list {
			grp.Items = append(grp.Items, h.consultationViewOf(c, &list[i]))
		}
		if g.paged {
			pg := newPager(c, max(o.Page, 1), pastPerPage, total)
			grp.Pager = &pg
		}
		if len(grp.Items) > 0 {
			d.Empty = false
		}
		d.Groups = append(d.Groups, grp)
	}
	p := h.page(c, loc.T("consult.list.title"), d)
	p.Description = loc.T("consult.list.lead")
	return h.render(c, fiber.StatusOK, tplConsultations, p)
}

// openConsultations are the open consultations for the home page.
func (h *handlers) openConsultations(c *fiber.Ctx) ([]consultationView, error) {
	list, _, err := h.store.ListConsultations(c.UserContext(), viewer(c), models.ConsultationFilter{
		States: []string{models.ConsultationOpen}, Now: h.cfg.Now(), ListOptions: models.ListOptions{PerPage: 6}})
	if err != nil {
		return nil, err
	}
	out := make([]consultationView, len(list))
	for i := range list {
		out[i] = h.consultationViewOf(c, &list[i])
	}
	return out, nil
}

// ownResponse is what a member's page says of their organisation's response.
type ownResponse struct {
	OrgName     string
	Status      string // models.NotStarted, or the response's status
	Reference   string
	UpdatedBy   string
	UpdatedAt   time.Time
	SubmittedAt time.Time
	OrgAdmin    bool
}

type consultationData struct {
	C         consultationView
	Questions []questionGroup
	Own       *ownResponse // for members of an organisation
	SignedIn  bool
	Staff     bool
}

// questionGroup is a section of the questionnaire and its questions, as
// the consultation's page lists them.
type questionGroup struct {
	Title string
	Start int // the number of its first question
	Items []questionSummary
}

type questionSummary struct {
	Number   int
	Title    string
	Required bool
}

func questionGroups(qs []models.Question) []questionGroup {
	var out []questionGroup
	n := 0
	for _, q := range qs {
		if q.Type == models.QuestionSection || len(out) == 0 {
			out = append(out, questionGroup{Start: n + 1})
		}
		if q.Type == models.QuestionSection {
			out[len(out)-1].Title = q.Title
			continue
		}
		n++
		g := &out[len(out)-1]
		g.Items = append(g.Items, questionSummary{Number: n, Title: q.Title, Required: q.Required})
	}
	return out
}

// showConsultation shows a consultation: its times, description and
// questions, and to a member their organisation's response.
func (h *handlers) showConsultation(c *fiber.Ctx) error {
	ctx, v := c.UserContext(), viewer(c)
	m, err := h.store.ConsultationBySlug(ctx, v, c.Params("slug"))
	if err != nil {
		return err
	}
	d := consultationData{C: h.consultationViewOf(c, m), Questions: questionGroups(m.Questions), SignedIn: v.SignedIn(), Staff: v.Moderates()}
	if v.OrganisationID != 0 {
		own, err := h.ownResponse(c, m, v)
		if err != nil {
			return err
		}
		d.Own = own
	}
	p := h.page(c, m.Title, d)
	return h.render(c, fiber.StatusOK, tplConsultation, p)
}

func (h *handlers) ownResponse(c *fiber.Ctx, m *models.Consultation, v models.Viewer) (*ownResponse, error) {
	ctx := c.UserContext()
	org, err := h.store.OrganisationByID(ctx, v.OrganisationID)
	if err != nil {
		return nil, err
	}
	own := &ownResponse{OrgName: org.Name, Status: models.NotStarted, OrgAdmin: v.OrgAdmin}
	r, err := h.store.ResponseOf(ctx, m.ID, v.OrganisationID)
	if errors.Is(err, models.ErrNotFound) {
		return own, nil
	}
	if err != nil {
		return nil, err
	}
	own.Status, own.Reference, own.UpdatedBy, own.UpdatedAt = r.Status, r.Reference, r.UpdatedByName, r.UpdatedAt
	if r.SubmittedAt != nil {
		own.SubmittedAt = *r.SubmittedAt
	}
	return own, nil
}

// bar is one bar of a chart drawn on the server: its label above it, the
// figures beside it, so that the chart reads on a phone as on a screen.
type bar struct {
	Label   string
	Short   string // the label cut to fit the chart
	Count   int
	Percent float64
	LabelY  int
	Y       int
	Width   float64 // out of chartWidth
	ValueY  int
}

// barChart is one question's figures: an SVG bar chart and the same numbers
// in a table beside it.
type barChart struct {
	ID     string
	Bars   []bar
	Height int
}

// Chart geometry, in SVG user units (about pixels on a phone).
const (
	chartWidth = 260 // the longest bar
	barRow     = 44
	barHeight  = 18
)

// BarX is where bars start.
func (barChart) BarX() int { return 0 }

// ValueX is where the figures beside the bars start.
func (barChart) ValueX() int { return chartWidth + 8 }

// Total is the width of the whole chart.
func (barChart) Total() int { return chartWidth + 92 }

// TrackWidth is the width of the grey track behind each bar.
func (barChart) TrackWidth() int { return chartWidth }

// BarHeight is the height of a bar.
func (barChart) BarHeight() int { return barHeight }

func barChartOf(id string, loc *i18n.Localizer, st models.QuestionStats) *barChart {
	if st.Options == nil {
		return nil
	}
	ch := &barChart{ID: id, Height: len(st.Options)*barRow + 4}
	for i, o := range st.Options {
		label := o.Label
		switch st.Question.Type {
		case models.QuestionYesNo:
			label = loc.T("consult.answer." + o.Value)
		case models.QuestionScale:
			label = o.Value
			if o.Value == "1" && st.Question.ScaleLow != "" {
				label += " · " + st.Question.ScaleLow
			}
			if o.Value == "5" && st.Question.ScaleHigh != "" {
				label += " · " + st.Question.ScaleHigh
			}
		}
		top := i * barRow
		b := bar{Label: label, Short: shorten(label, 44), Count: o.Count, Percent: o.Percent,
			LabelY: top + 14, Y: top + 20, Width: o.Percent / 100 * chartWidth, ValueY: top + 34}
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

type questionResult struct {
	Number    int
	Title     string
	Type      string
	Answered  int
	Responses int
	Chart     *barChart
	Mean      float64
}

type publicResponseView struct {
	Number  int
	Named   bool
	OrgSlug string
	OrgName string
	Country string
	OrgType string
	At      time.Time
	Answers []answerView
}

// answerView is one answer as read: question number and title, the answer
// as lines (choices), or nothing.
type answerView struct {
	QuestionID uint
	Number     int
	Title      string
	Lines      []string
	Long       bool
}

type resultsData struct {
	C         consultationView
	Results   []questionResult
	Responses []publicResponseView
	Total     int
	Preview   bool // moderators looking before the results are published
}

// answerViews lists every answerable question with its answer.
func answerViews(loc *i18n.Localizer, qs []models.Question, as models.Answers) []answerView {
	out := make([]answerView, 0, len(qs))
	n := 0
	for i := range qs {
		q := &qs[i]
		if q.Type == models.QuestionSection {
			continue
		}
		n++
		out = append(out, answerView{QuestionID: q.ID, Number: n, Title: q.Title, Lines: loc.Answer(q, as[q.ID]), Long: q.Type == models.QuestionLongText})
	}
	return out
}

// showResults shows the statistics of every question and the published
// responses, each as its organisation chose. Before the results are
// published only moderators see the page, with a banner saying so.
func (h *handlers) showResults(c *fiber.Ctx) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	m, err := h.store.ConsultationBySlug(ctx, v, c.Params("slug"))
	if err != nil {
		return err
	}
	preview := m.ResultsPublishedAt == nil
	if preview && !v.Moderates() {
		return fiber.ErrNotFound
	}
	counted, err := h.store.SubmittedResponses(ctx, m.ID)
	if err != nil {
		return err
	}
	published, err := h.store.PublishedResponses(ctx, m.ID)
	if err != nil {
		return err
	}
	if preview {
		// What would be published: the same rule, applied here.
		published = previewPublished(counted)
	}
	// The figures count what is published and nothing else: counting
	// every response would let anyone subtract the published ones from the
	// totals and read what the unpublished ones said.
	answers := make([]models.Answers, len(published))
	for i, r := range published {
		answers[i] = r.Answers
	}
	d := resultsData{C: h.consultationViewOf(c, m), Total: len(published), Preview: preview}
	d.Results = questionResults(loc, m, answers)
	for i, r := range published {
		d.Responses = append(d.Responses, publicResponseView{Number: i + 1, Named: r.Named, OrgSlug: r.OrgSlug, OrgName: r.OrgName,
			Country: r.Country, OrgType: r.OrgType, At: r.SubmittedAt, Answers: answerViews(loc, m.Questions, r.Answers)})
	}
	if preview {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	return h.render(c, fiber.StatusOK, tplConsultationResults, h.page(c, loc.T("consult.results.title", "Title", m.Title), d))
}

func questionResults(loc *i18n.Localizer, m *models.Consultation, answers []models.Answers) []questionResult {
	var out []questionResult
	for i, st := range models.Tally(m.Questions, answers) {
		out = append(out, questionResult{Number: i + 1, Title: st.Question.Title, Type: st.Question.Type,
			Answered: st.Answered, Responses: st.Responses, Mean: st.Mean,
			Chart: barChartOf("chart-"+itoa(st.Question.ID), loc, st)})
	}
	return out
}

// previewPublished is what PublishedResponses will return once the results
// are published, for the moderators' preview.
func previewPublished(counted []models.SubmittedResponse) []models.PublicResponse {
	var named, anonymous []models.PublicResponse
	for _, r := range counted {
		switch r.Publication {
		case models.PublishNamed:
			named = append(named, models.PublicResponse{ID: r.ResponseID, Named: true, OrgSlug: r.OrgSlug, OrgName: r.OrgName,
				Country: r.Country, OrgType: r.OrgType, SubmittedAt: r.SubmittedAt, Language: r.Language, Answers: r.Answers})
		case models.PublishAnonymous:
			anonymous = append(anonymous, models.PublicResponse{ID: r.ResponseID, Language: r.Language, Answers: r.Answers})
		}
	}
	return append(named, anonymous...)
}

// The contexts of the consultation partials pair the page (for
// translations and times) with the partial's own data.

type consultationCardContext struct {
	Page *Page
	C    consultationView
}

// WithConsultation is the data of partials/consultation_card.
func (p *Page) WithConsultation(c consultationView) consultationCardContext {
	return consultationCardContext{Page: p, C: c}
}

type fieldContext struct {
	Page    *Page
	F       questionField
	Preview bool
}

// WithField is the data of partials/consultation_question.
func (p *Page) WithField(f questionField, preview bool) fieldContext {
	return fieldContext{Page: p, F: f, Preview: preview}
}

type answersContext struct {
	Page    *Page
	Answers []answerView
}

// WithAnswers is the data of partials/consultation_answers.
func (p *Page) WithAnswers(as []answerView) answersContext {
	return answersContext{Page: p, Answers: as}
}

type barChartContext struct {
	Page  *Page
	Chart *barChart
	Title string
}

// WithBarChart is the data of partials/consultation_chart.
func (p *Page) WithBarChart(ch *barChart, title string) barChartContext {
	return barChartContext{Page: p, Chart: ch, Title: title}
}

type summaryContext struct {
	Page    *Page
	Summary []form.Link
}

// WithErrorSummary is the data of partials/consultation_errors: the
// problems of a form, linked to their fields.
func (p *Page) WithErrorSummary(s []form.Link) summaryContext {
	return summaryContext{Page: p, Summary: s}
}

type timeContext struct {
	Page *Page
	T    time.Time
}

// WithTime is the data of partials/consultation_time: a time in Brussels
// time with its zone, in a <time> element.
func (p *Page) WithTime(t time.Time) timeContext { return timeContext{Page: p, T: t} }
