package app

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/app/form"
	"proact/app/i18n"
	"proact/app/mail"
	"proact/models"
)

// An organisation's response: one per organisation, edited by any of its
// members (section by section, saved as a draft as often as wanted, with
// JavaScript as they type), submitted by one of its admins after a page that
// shows every answer, with a receipt page and mail; reopened and submitted
// again until the deadline, which is the server's.

// formPage is one page of the questionnaire: a section and its questions.
type formPage struct {
	Title     string
	Help      string
	Questions []models.Question
}

// pagesOf splits the questions into pages at each section. The questions
// before the first section are a page without a title.
func pagesOf(m *models.Consultation) []formPage {
	var pages []formPage
	for _, q := range m.Questions {
		if q.Type == models.QuestionSection {
			pages = append(pages, formPage{Title: q.Title, Help: q.Help})
			continue
		}
		if len(pages) == 0 {
			pages = append(pages, formPage{})
		}
		pages[len(pages)-1].Questions = append(pages[len(pages)-1].Questions, q)
	}
	if len(pages) == 0 {
		pages = []formPage{{}}
	}
	return pages
}

// numbers gives each answerable question its number in the questionnaire.
func numbers(m *models.Consultation) map[uint]int {
	out := map[uint]int{}
	n := 0
	for _, q := range m.Questions {
		if q.Type != models.QuestionSection {
			n++
			out[q.ID] = n
		}
	}
	return out
}

// choiceOption is one choice of a question as the form shows it.
type choiceOption struct {
	Value   string
	Label   string
	Checked bool
}

// questionField is one question of the form: its text, the answer as typed
// or stored, the problem beside it, and a conflict with a colleague's change.
type questionField struct {
	ID         uint
	Name       string
	Number     int
	Type       string
	Title      string
	Help       string
	Required   bool
	Options    []choiceOption
	Text       string
	MaxLength  int
	MinChoices int
	MaxChoices int
	ScaleLow   string
	ScaleHigh  string
	ChoiceHint string
	Error      string
	Conflict   *conflictView
}

// conflictView is a colleague's change to an answer since the page was
// opened: who, when, and what it says now.
type conflictView struct {
	By     string
	At     time.Time
	Theirs []string
}

// responseFormData is the data of the response form (and its preview).
type responseFormData struct {
	C            consultationView
	OrgName      string
	Steps        []stepLink
	Page         int
	Pages        int
	Last         bool
	PageTitle    string
	PageHelp     string
	Fields       []questionField
	Status       string
	Reference    string
	Version      int
	UpdatedBy    string
	UpdatedAt    time.Time
	Publication  []choiceOption
	Languages    []choiceOption
	MetaError    map[string]string
	Summary      []form.Link
	MetaConflict *conflictView
	Editable     bool
	CanSubmit    bool
	Admins       []string
	Preview      bool
	Action       string
	Notice       string // a translation key
	NoticeArgs   []any
	NoticeText   string
	Readonly     []readonlyCopy
}

// stepLink is one page in the list of pages above the form.
type stepLink struct {
	Number  int
	Title   string
	Href    string
	Current bool
	Errors  bool
}

// readonlyCopy is a set of answers shown to read and copy: the submission
// that counts, a draft, the text that came too late.
type readonlyCopy struct {
	Heading string // translation key
	At      time.Time
	By      string
	Answers []answerView
	Note    string // translation key
}

// formState is what a page of the form shows beyond the stored response: the
// page, the answers as just typed, their problems and conflicts.
type formState struct {
	Page        int
	Typed       models.Answers // nil: the stored answers
	TypedMeta   bool
	Publication string
	Language    string
	Problems    form.Problems
	Conflicts   []uint
	Notice      string
	NoticeArgs  []any
}

// responseTarget loads the consultation of the request for a member of an
// organisation; staff, who answer for no organisation, see the preview.
func (h *handlers) responseTarget(c *fiber.Ctx) (*models.Consultation, models.Viewer, error) {
	v := viewer(c)
	m, err := h.store.ConsultationBySlug(c.UserContext(), v, c.Params("slug"))
	if err != nil {
		return nil, v, err
	}
	if v.OrganisationID == 0 {
		return m, v, errNoOrganisation
	}
	if m.PublishedAt == nil {
		return nil, v, fiber.ErrNotFound
	}
	return m, v, nil
}

var errNoOrganisation = fiber.NewError(fiber.StatusForbidden, "no organisation")

// responseOf returns the organisation's response, or nil when it has none.
func (h *handlers) responseOf(c *fiber.Ctx, m *models.Consultation, orgID uint) (*models.Response, error) {
	r, err := h.store.ResponseOf(c.UserContext(), m.ID, orgID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return r, err
}

// showResponse shows one page of the organisation's response.
func (h *handlers) showResponse(c *fiber.Ctx) error {
	m, v, err := h.responseTarget(c)
	if errors.Is(err, errNoOrganisation) && v.Moderates() {
		return c.Redirect("/admin/consultations/"+m.Slug+"/preview", fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	r, err := h.responseOf(c, m, v.OrganisationID)
	if err != nil {
		return err
	}
	st := formState{Page: queryInt(c, "page", 1)}
	return h.renderResponse(c, fiber.StatusOK, m, r, st)
}

// renderResponse shows the response page in the state st.
func (h *handlers) renderResponse(c *fiber.Ctx, status int, m *models.Consultation, r *models.Response, st formState) error {
	d, err := h.responseForm(c, m, r, st, false)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.render(c, status, tplConsultationResponse, h.page(c, m.Title, d))
}

func (h *handlers) responseForm(c *fiber.Ctx, m *models.Consultation, r *models.Response, st formState, preview bool) (responseFormData, error) {
	ctx, loc, v, now := c.UserContext(), localizer(c), viewer(c), h.cfg.Now()
	pages := pagesOf(m)
	page := min(max(st.Page, 1), len(pages))
	d := responseFormData{C: h.consultationViewOf(c, m), Page: page, Pages: len(pages), Last: page == len(pages),
		PageTitle: pages[page-1].Title, PageHelp: pages[page-1].Help, Preview: preview,
		Action: "/consultations/" + m.Slug + "/response", Notice: st.Notice, NoticeArgs: st.NoticeArgs,
		Status: models.NotStarted, CanSubmit: v.OrgAdmin}
	stored, publication, language := models.Answers{}, "", ""
	if r != nil {
		stored, publication, language = r.Answers, r.Publication, r.Language
		d.Status, d.Reference, d.Version, d.UpdatedBy, d.UpdatedAt = r.Status, r.Reference, r.Version, r.UpdatedByName, r.UpdatedAt
	}
	if st.TypedMeta {
		publication, language = st.Publication, st.Language
	}
	state := m.State(now)
	d.Editable = preview || (state == models.ConsultationOpen && d.Status != models.ResponseSubmitted && v.CanWrite())
	if v.OrganisationID != 0 {
		org, err := h.store.OrganisationByID(ctx, v.OrganisationID)
		if err != nil {
			return d, err
		}
		d.OrgName = org.Name
		if !v.OrgAdmin {
			if d.Admins, err = h.orgAdminNames(c, v.OrganisationID); err != nil {
				return d, err
			}
		}
	}
	msgs := st.Problems.Messages(loc, "")
	errorPages := map[int]bool{}
	nums := numbers(m)
	for i, p := range pages {
		for _, q := range p.Questions {
			if msgs[answerField(q.ID)] != "" {
				errorPages[i+1] = true
			}
		}
	}
	for i, p := range pages {
		title := p.Title
		if title == "" {
			title = loc.T("consult.form.page", "Number", i+1)
		}
		href := d.Action + "?page=" + strconv.Itoa(i+1)
		if preview {
			href = "/admin/consultations/" + m.Slug + "/preview?page=" + strconv.Itoa(i+1)
		}
		d.Steps = append(d.Steps, stepLink{Number: i + 1, Title: title, Href: href, Current: i+1 == page, Errors: errorPages[i+1]})
	}
	for _, q := range pages[page-1].Questions {
		a := stored[q.ID]
		if st.Typed != nil {
			a = st.Typed[q.ID]
		}
		f := fieldOf(loc, &q, a, nums[q.ID])
		f.Error = msgs[f.Name]
		if slices.Contains(st.Conflicts, q.ID) && r != nil {
			f.Conflict = &conflictView{By: r.UpdatedByName, At: r.UpdatedAt, Theirs: loc.Answer(&q, stored[q.ID])}
		}
		d.Fields = append(d.Fields, f)
	}
	if slices.Contains(st.Conflicts, 0) && r != nil {
		d.MetaConflict = &conflictView{By: r.UpdatedByName, At: r.UpdatedAt}
	}
	d.MetaError = map[string]string{fieldPublication: msgs[fieldPublication], fieldLanguage: msgs[fieldLanguage]}
	for _, p := range models.Publications() {
		d.Publication = append(d.Publication, choiceOption{Value: p, Label: loc.T("consult.publication." + p), Checked: p == publication})
	}
	for _, l := range responseLanguages(m) {
		d.Languages = append(d.Languages, choiceOption{Value: l, Label: loc.LanguageName(l), Checked: l == language})
	}
	var order []string
	for _, f := range d.Fields {
		order = append(order, f.Name)
	}
	d.Summary = form.Messages(msgs).Summary(append(order, fieldPublication, fieldLanguage))
	if !d.Editable && r != nil && !preview {
		copies, err := h.readonlyCopies(c, m, r)
		if err != nil {
			return d, err
		}
		d.Readonly = copies
	}
	if d.Notice == "" && !preview {
		d.Notice, d.NoticeArgs = responseNotice(loc, m, state, d.Status)
	}
	if d.Notice != "" {
		d.NoticeText = loc.T(d.Notice, d.NoticeArgs...)
	}
	return d, nil
}

// responseNotice is what the response page says at the top.
func responseNotice(loc *i18n.Localizer, m *models.Consultation, state, status string) (string, []any) {
	switch {
	case state == models.ConsultationUpcoming:
		return "consult.notice.upcoming", []any{"Time", loc.BrusselsTime(m.OpensAt)}
	case state == models.ConsultationClosed || state == models.ConsultationResults:
		return "consult.notice.closed", []any{"Time", loc.BrusselsTime(m.ClosesAt)}
	case status == models.ResponseSubmitted:
		return "consult.notice.submitted", nil
	case status == models.ResponseReopened:
		return "consult.notice.reopened", nil
	}
	return "", nil
}

func fieldOf(loc *i18n.Localizer, q *models.Question, a models.Answer, number int) questionField {
	f := questionField{ID: q.ID, Name: answerField(q.ID), Number: number, Type: q.Type, Title: q.Title, Help: q.Help,
		Required: q.Required, Text: a.Text, MaxLength: q.Limit(), MinChoices: q.MinChoices, MaxChoices: q.MaxChoices,
		ScaleLow: q.ScaleLow, ScaleHigh: q.ScaleHigh}
	switch q.Type {
	case models.QuestionSingle, models.QuestionMultiple:
		f.ChoiceHint = choiceLimits(loc, q.MinChoices, q.MaxChoices)
		for _, o := range q.Options {
			checked := o.Value == a.Text || slices.Contains(a.Choices, o.Value)
			f.Options = append(f.Options, choiceOption{Value: o.Value, Label: o.Label, Checked: checked})
		}
	case models.QuestionScale:
		for n := models.ScaleMin; n <= models.ScaleMax; n++ {
			f.Options = append(f.Options, choiceOption{Value: strconv.Itoa(n), Label: strconv.Itoa(n), Checked: a.Number == n})
		}
	case models.QuestionYesNo:
		for _, yn := range []string{"yes", "no"} {
			f.Options = append(f.Options, choiceOption{Value: yn, Label: loc.T("consult.answer." + yn), Checked: a.Text == yn})
		}
	}
	return f
}

// readonlyCopies are the texts a closed or submitted response shows to read
// and copy: the submission that counts, the working copy when it differs,
// and the late copy.
func (h *handlers) readonlyCopies(c *fiber.Ctx, m *models.Consultation, r *models.Response) ([]readonlyCopy, error) {
	loc := localizer(c)
	subs, err := h.store.Submissions(c.UserContext(), r.ID)
	if err != nil {
		return nil, err
	}
	var out []readonlyCopy
	var counted *models.Submission
	for i := range subs {
		if r.SubmissionID != nil && subs[i].ID == *r.SubmissionID {
			counted = &subs[i]
		}
	}
	if counted != nil {
		out = append(out, readonlyCopy{Heading: "consult.copy.submitted", At: counted.At, By: counted.ByName,
			Answers: answerViews(loc, m.Questions, counted.Answers)})
	}
	if counted == nil || !counted.Answers.Equal(r.Answers) {
		out = append(out, readonlyCopy{Heading: "consult.copy.draft", At: r.UpdatedAt, By: r.UpdatedByName,
			Answers: answerViews(loc, m.Questions, r.Answers), Note: "consult.copy.draft.note"})
	}
	for _, s := range subs {
		if s.Kind == models.SubmissionLate {
			out = append(out, readonlyCopy{Heading: "consult.copy.late", At: s.At, By: s.ByName,
				Answers: answerViews(loc, m.Questions, s.Answers), Note: "consult.copy.late.note"})
		}
	}
	return out, nil
}

func (h *handlers) orgAdminNames(c *fiber.Ctx, orgID uint) ([]string, error) {
	members, err := h.store.Members(c.UserContext(), orgID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, u := range members {
		if u.OrgAdmin && u.Status == models.UserActive {
			name := u.Name
			if name == "" {
				name = u.Email
			}
			out = append(out, name)
		}
	}
	return out, nil
}

// auditBy is who acts, for the store's audit rows: the signed-in person and
// their address.
func auditBy(c *fiber.Ctx) models.AuditEntry {
	e := models.AuditEntry{IP: c.IP()}
	if u := currentUser(c); u != nil {
		e.ActorID, e.ActorEmail = &u.ID, u.Email
	}
	return e
}

// autosaved says whether the request is the page's script saving as the
// person types: it is answered with JSON instead of a page.
func autosaved(c *fiber.Ctx) bool { return c.Get("X-Autosave") == "1" }

type autosaveReply struct {
	Version  int               `json:"version"`
	State    string            `json:"state,omitempty"`  // the response's status
	Status   string            `json:"status,omitempty"` // the same, translated
	Saved    bool              `json:"saved"`
	Message  string            `json:"message"`
	Errors   map[string]string `json:"errors,omitempty"`
	Conflict bool              `json:"conflict,omitempty"`
	Late     bool              `json:"late,omitempty"`
}

// saveResponse saves the questions of one page as the draft, then goes
// where the button pressed says: the same page, the next or the previous,
// or the review before submission.
func (h *handlers) saveResponse(c *fiber.Ctx) error {
	m, v, err := h.responseTarget(c)
	if err != nil {
		return err
	}
	loc, now := localizer(c), h.cfg.Now()
	pages := pagesOf(m)
	page := min(max(formInt(c, "page"), 1), len(pages))
	qs := pages[page-1].Questions
	typed := formAnswers(c, qs)
	keep, ps := checkAnswers(qs, typed, false)
	in := models.ResponseInput{ConsultationID: m.ID, OrganisationID: v.OrganisationID, By: auditBy(c), Now: now,
		Base: formInt(c, "version"), CheckBase: true, Answers: keep, QuestionsVersion: m.QuestionsVersion}
	for _, q := range qs {
		_, typedIt := typed[q.ID]
		if _, kept := keep[q.ID]; kept || !typedIt {
			in.Covered = append(in.Covered, q.ID) // a refused answer leaves the stored one alone
		}
	}
	st := formState{Page: page, Typed: typed, Problems: ps}
	if page == len(pages) {
		in.SetMeta, in.Publication, in.Language = true, c.FormValue(fieldPublication), c.FormValue(fieldLanguage)
		checkMeta(m, in.Publication, in.Language, false, &st.Problems)
		st.TypedMeta, st.Publication, st.Language = true, in.Publication, in.Language
		if st.Problems.Has(fieldPublication) || st.Problems.Has(fieldLanguage) {
			in.SetMeta = false
		}
	}
	res, err := h.store.SaveResponse(c.UserContext(), in, nil)
	switch {
	case errors.Is(err, models.ErrAlreadySubmitted):
		return h.responseRefused(c, m, st, fiber.StatusConflict, "consult.notice.submitted_first")
	case errors.Is(err, models.ErrNotOpen):
		return h.responseRefused(c, m, st, fiber.StatusForbidden, "")
	case err != nil:
		return err
	}
	if res.Late {
		st.Notice, st.NoticeArgs = "consult.notice.late", []any{"Time", loc.BrusselsTime(m.ClosesAt), "Now", loc.BrusselsTime(now)}
		return h.responseReply(c, m, res.Response, st, fiber.StatusForbidden, res)
	}
	if len(res.Conflicts) > 0 {
		st.Conflicts = res.Conflicts
		st.Notice = "consult.notice.conflict"
		return h.responseReply(c, m, res.Response, st, fiber.StatusConflict, res)
	}
	if !st.Problems.OK() {
		st.Notice = "consult.notice.saved_with_problems"
		return h.responseReply(c, m, res.Response, st, fiber.StatusUnprocessableEntity, res)
	}
	if autosaved(c) {
		return h.responseReply(c, m, res.Response, st, fiber.StatusOK, res)
	}
	next := page
	switch c.FormValue("go") {
	case "next":
		next = min(page+1, len(pages))
	case "previous":
		next = max(page-1, 1)
	case "review":
		return c.Redirect("/consultations/"+m.Slug+"/response/confirm", fiber.StatusSeeOther)
	default:
		if n, err := strconv.Atoi(c.FormValue("go")); err == nil && n >= 1 && n <= len(pages) {
			next = n
		}
	}
	h.flash(c, "consult.flash.saved")
	return c.Redirect("/consultations/"+m.Slug+"/response?page="+strconv.Itoa(next), fiber.StatusSeeOther)
}

// responseReply answers a save that did not simply succeed: JSON for the
// script, else the page again with the answers as typed.
func (h *handlers) responseReply(c *fiber.Ctx, m *models.Consultation, r *models.Response, st formState, status int, res models.ResponseResult) error {
	loc := localizer(c)
	if autosaved(c) {
		reply := autosaveReply{Version: r.Version, Saved: res.Changed || status == fiber.StatusOK, Late: res.Late, Conflict: len(res.Conflicts) > 0,
			Errors: st.Problems.Messages(loc, ""), State: r.Status, Status: loc.T("consult.status." + r.Status)}
		switch {
		case res.Late:
			reply.Message = loc.T(st.Notice, st.NoticeArgs...)
		case reply.Conflict:
			reply.Message = loc.T("consult.autosave.conflict")
		case !st.Problems.OK():
			reply.Message = loc.T("consult.autosave.problems", "Time", loc.BrusselsTime(h.cfg.Now()))
		default:
			reply.Message = loc.T("consult.autosave.saved", "Time", loc.BrusselsTime(h.cfg.Now()))
		}
		return c.Status(status).JSON(reply)
	}
	fresh, err := h.responseOf(c, m, r.OrganisationID)
	if err != nil {
		return err
	}
	return h.renderResponse(c, status, m, fresh, st)
}

// responseRefused answers a save the store refused as a whole.
func (h *handlers) responseRefused(c *fiber.Ctx, m *models.Consultation, st formState, status int, notice string) error {
	loc := localizer(c)
	if autosaved(c) {
		msg := loc.T("error.forbidden.message")
		if notice != "" {
			msg = loc.T(notice)
		}
		return c.Status(status).JSON(autosaveReply{Message: msg})
	}
	v := viewer(c)
	r, err := h.responseOf(c, m, v.OrganisationID)
	if err != nil {
		return err
	}
	st.Notice = notice
	return h.renderResponse(c, status, m, r, st)
}

func formInt(c *fiber.Ctx, name string) int {
	n, _ := strconv.Atoi(c.FormValue(name))
	return n
}

// confirmData is the review of a whole response before it is submitted.
type confirmData struct {
	C           consultationView
	OrgName     string
	Sections    []confirmSection
	Publication string
	Language    string
	Problems    []confirmProblem
	Version     int
	Key         string
	CanSubmit   bool
	Admins      []string
	Status      string
	Reference   string
	UpdatedBy   string
	UpdatedAt   time.Time
	Notice      string
}

type confirmSection struct {
	Title   string
	Page    int
	Answers []answerView
}

type confirmProblem struct {
	Message string
	Href    string
}

// showConfirm shows every answer and, to an organisation admin, the button
// that submits them.
func (h *handlers) showConfirm(c *fiber.Ctx) error {
	m, v, err := h.responseTarget(c)
	if err != nil {
		return err
	}
	r, err := h.responseOf(c, m, v.OrganisationID)
	if err != nil {
		return err
	}
	if r == nil {
		return c.Redirect("/consultations/"+m.Slug+"/response", fiber.StatusSeeOther)
	}
	return h.renderConfirm(c, fiber.StatusOK, m, r, "")
}

func (h *handlers) renderConfirm(c *fiber.Ctx, status int, m *models.Consultation, r *models.Response, notice string) error {
	loc, v := localizer(c), viewer(c)
	d := confirmData{C: h.consultationViewOf(c, m), Version: r.Version, Key: newFormKey(), CanSubmit: v.OrgAdmin,
		Status: r.Status, Reference: r.Reference, UpdatedBy: r.UpdatedByName, UpdatedAt: r.UpdatedAt, Notice: notice}
	org, err := h.store.OrganisationByID(c.UserContext(), v.OrganisationID)
	if err != nil {
		return err
	}
	d.OrgName = org.Name
	if !v.OrgAdmin {
		if d.Admins, err = h.orgAdminNames(c, v.OrganisationID); err != nil {
			return err
		}
	}
	if r.Publication != "" {
		d.Publication = loc.T("consult.publication." + r.Publication)
	}
	if r.Language != "" {
		d.Language = loc.LanguageName(r.Language)
	}
	pages := pagesOf(m)
	nums := numbers(m)
	pageOf := map[string]int{}
	for i, p := range pages {
		sec := confirmSection{Title: p.Title, Page: i + 1}
		for _, q := range p.Questions {
			sec.Answers = append(sec.Answers, answerView{QuestionID: q.ID, Number: nums[q.ID], Title: q.Title,
				Lines: loc.Answer(&q, r.Answers[q.ID]), Long: q.Type == models.QuestionLongText})
			pageOf[answerField(q.ID)] = i + 1
		}
		d.Sections = append(d.Sections, sec)
	}
	_, ps := checkAnswers(m.Questions, r.Answers, true)
	checkMeta(m, r.Publication, r.Language, true, &ps)
	msgs := ps.Messages(loc, "")
	for _, p := range ps {
		page, ok := pageOf[p.Field]
		if !ok {
			page = len(pages) // the publication choice and the language
		}
		prefix := ""
		for _, q := range m.Questions {
			if answerField(q.ID) == p.Field {
				prefix = loc.T("consult.question.number", "Number", nums[q.ID]) + ": "
			}
		}
		d.Problems = append(d.Problems, confirmProblem{Message: prefix + msgs[p.Field],
			Href: "/consultations/" + m.Slug + "/response?page=" + strconv.Itoa(page) + "#f-" + p.Field})
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.render(c, status, tplConsultationConfirm, h.page(c, loc.T("consult.confirm.title", "Title", m.Title), d))
}

// newFormKey is the idempotency key of one rendering of the submit form: a
// double click or a form sent again submits once.
func newFormKey() string { return "form-" + rand.Text() }

// submitResponse submits the response as reviewed (its version), once per
// form key, and queues the receipt to the organisation's admins in the same
// transaction.
func (h *handlers) submitResponse(c *fiber.Ctx) error {
	m, v, err := h.responseTarget(c)
	if err != nil {
		return err
	}
	if !v.OrgAdmin {
		return fiber.NewError(fiber.StatusForbidden, "org admins submit")
	}
	ctx, loc, now := c.UserContext(), localizer(c), h.cfg.Now()
	r, err := h.responseOf(c, m, v.OrganisationID)
	if err != nil {
		return err
	}
	if r == nil {
		return c.Redirect("/consultations/"+m.Slug+"/response", fiber.StatusSeeOther)
	}
	version := formInt(c, "version")
	key := form.Truncate(c.FormValue("key"), models.MaxIdempotencyKey)
	if version < 1 {
		return h.renderConfirm(c, fiber.StatusConflict, m, r, "consult.confirm.stale")
	}
	if r.Version == version && m.State(now) == models.ConsultationOpen {
		// What was reviewed is checked here; anything else is a repeat of an
		// earlier click (the key says so) or stale, and the store refuses it.
		_, ps := checkAnswers(m.Questions, r.Answers, true)
		checkMeta(m, r.Publication, r.Language, true, &ps)
		if !ps.OK() {
			return h.renderConfirm(c, fiber.StatusUnprocessableEntity, m, r, "consult.confirm.problems")
		}
	}
	in := models.ResponseInput{ConsultationID: m.ID, OrganisationID: v.OrganisationID, By: auditBy(c), Now: now,
		Base: version, CheckBase: true, Submit: true, QuestionsVersion: m.QuestionsVersion, IdempotencyKey: key, RequestHash: requestHash("web", strconv.Itoa(version))}
	res, err := h.store.SaveResponse(ctx, in, h.queueReceipt(c, m, v))
	switch {
	case errors.Is(err, models.ErrStale), errors.Is(err, models.ErrQuestionsChanged), errors.Is(err, models.ErrIdempotencyMismatch):
		fresh, ferr := h.responseOf(c, m, v.OrganisationID)
		if ferr != nil {
			return ferr
		}
		return h.renderConfirm(c, fiber.StatusConflict, m, fresh, "consult.confirm.stale")
	case errors.Is(err, models.ErrNotOpen):
		return fiber.ErrForbidden
	case err != nil:
		return err
	}
	if res.Late {
		st := formState{Page: len(pagesOf(m)), Notice: "consult.notice.late",
			NoticeArgs: []any{"Time", loc.BrusselsTime(m.ClosesAt), "Now", loc.BrusselsTime(now)}}
		return h.renderResponse(c, fiber.StatusForbidden, m, res.Response, st)
	}
	if res.Submitted {
		h.flash(c, "consult.flash.submitted")
	}
	return c.Redirect("/consultations/"+m.Slug+"/response/receipt", fiber.StatusSeeOther)
}

// queueReceipt returns the step of a submission's transaction that queues
// its receipt to every admin of the organisation, in their languages.
func (h *handlers) queueReceipt(c *fiber.Ctx, m *models.Consultation, v models.Viewer) func(tx *models.Store, res models.ResponseResult) error {
	ctx := c.UserContext()
	byName := ""
	if u := currentUser(c); u != nil {
		byName = u.Name
		if byName == "" {
			byName = u.Email
		}
	}
	return func(tx *models.Store, res models.ResponseResult) error {
		if !res.Submitted {
			return nil
		}
		org, err := tx.OrganisationByID(ctx, v.OrganisationID)
		if err != nil {
			return err
		}
		members, err := tx.Members(ctx, v.OrganisationID)
		if err != nil {
			return err
		}
		r := res.Response
		seq := 1
		if subs, err := tx.Submissions(ctx, r.ID); err != nil {
			return err
		} else {
			for _, s := range subs {
				if s.Kind == models.SubmissionSubmitted {
					seq = s.Seq
				}
			}
		}
		receipt := mail.Receipt{Consultation: m, OrgName: org.Name, Reference: r.Reference, Seq: seq, At: *r.SubmittedAt,
			By: byName, Publication: r.Publication, Language: r.Language, Answers: r.Answers}
		var msgs []mail.Message
		for i := range members {
			u := &members[i]
			if u.OrgAdmin && u.Status == models.UserActive {
				msgs = append(msgs, h.mail.ResponseReceipt(u, receipt))
			}
		}
		return h.mail.Queue(ctx, tx, msgs...)
	}
}

// requestHash is a digest of what a request asks, to tell a retry from a
// different request under the same idempotency key.
func requestHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p)) + ":" + p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// receiptData is the receipt of the submission that counts, with the history.
type receiptData struct {
	C           consultationView
	OrgName     string
	Reference   string
	At          time.Time
	By          string
	Seq         int
	Publication string
	Language    string
	Answers     []answerView
	History     []historyEntry
	Status      string
	CanReopen   bool
}

type historyEntry struct {
	Seq     int
	Kind    string
	At      time.Time
	By      string
	Counted bool
	Answers []answerView
}

// showReceipt shows the receipt of the organisation's submitted response.
func (h *handlers) showReceipt(c *fiber.Ctx) error {
	m, v, err := h.responseTarget(c)
	if err != nil {
		return err
	}
	loc := localizer(c)
	r, err := h.responseOf(c, m, v.OrganisationID)
	if err != nil {
		return err
	}
	if r == nil || r.SubmissionID == nil {
		return c.Redirect("/consultations/"+m.Slug+"/response", fiber.StatusSeeOther)
	}
	subs, err := h.store.Submissions(c.UserContext(), r.ID)
	if err != nil {
		return err
	}
	org, err := h.store.OrganisationByID(c.UserContext(), v.OrganisationID)
	if err != nil {
		return err
	}
	d := receiptData{C: h.consultationViewOf(c, m), OrgName: org.Name, Reference: r.Reference, Status: r.Status,
		CanReopen: v.OrgAdmin && m.State(h.cfg.Now()) == models.ConsultationOpen && r.Status == models.ResponseSubmitted}
	for _, s := range subs {
		e := historyEntry{Seq: s.Seq, Kind: s.Kind, At: s.At, By: s.ByName, Counted: s.ID == *r.SubmissionID,
			Answers: answerViews(loc, m.Questions, s.Answers)}
		if e.Counted {
			d.At, d.By, d.Seq, d.Answers = s.At, s.ByName, s.Seq, e.Answers
			if s.Publication != "" {
				d.Publication = loc.T("consult.publication." + s.Publication)
			}
			if s.Language != "" {
				d.Language = loc.LanguageName(s.Language)
			}
		}
		d.History = append(d.History, e)
	}
	slices.Reverse(d.History)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.render(c, fiber.StatusOK, tplConsultationReceipt, h.page(c, loc.T("consult.receipt.title"), d))
}

// reopenResponse lets an organisation admin change a submitted response
// before the deadline; the submission counts until the next one.
func (h *handlers) reopenResponse(c *fiber.Ctx) error {
	m, v, err := h.responseTarget(c)
	if err != nil {
		return err
	}
	if !v.OrgAdmin {
		return fiber.NewError(fiber.StatusForbidden, "org admins reopen")
	}
	_, err = h.store.ReopenResponse(c.UserContext(), m.ID, v.OrganisationID, h.cfg.Now(), auditBy(c))
	switch {
	case errors.Is(err, models.ErrClosed):
		h.flash(c, "consult.flash.closed")
	case err != nil:
		return err
	default:
		h.flash(c, "consult.flash.reopened")
	}
	return c.Redirect("/consultations/"+m.Slug+"/response", fiber.StatusSeeOther)
}
