package app

import (
	"errors"
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gosimple/slug"

	"proact/app/form"
	"proact/app/i18n"
	"proact/content"
	"proact/models"
)

// Writing notes in the browser: the editor of a new note and of a new
// version, the preview (a page without JavaScript, JSON for the editor's
// script), the personal-data check, and the conflict page.

// Template names of the practice note pages.
const (
	tplPracticeEdit      = "pages/practice_edit"
	tplPracticeConflict  = "pages/practice_conflict"
	tplPracticeSignedOut = "pages/practice_signed_out"
	tplPracticeHistory   = "pages/practice_history"
	tplPracticeVersion   = "pages/practice_version"
	tplPracticeDiff      = "pages/practice_diff"
	tplAdminReview       = "pages/admin_review"
	tplAdminReviewNote   = "pages/admin_review_note"
	tplAccountNotes      = "pages/account_notes"
)

// maxMessage bounds the author's message to reviewers and a moderator's
// comment, in bytes.
const maxMessage = 5000

// practiceForm is the editor's form: every field of a note as typed.
type practiceForm struct {
	Title         string   `form:"title"`
	Summary       string   `form:"summary"`
	Language      string   `form:"language"`
	Countries     []string `form:"countries"`
	Topics        []string `form:"topics"`
	Sectors       []string `form:"sectors"`
	TargetGroups  []string `form:"target_groups"`
	Indicators    []string `form:"indicators"`
	Stage         string   `form:"stage"`
	Evidence      string   `form:"evidence"`
	Visibility    string   `form:"visibility"`
	Body          string   `form:"body"`
	Message       string   `form:"message"`
	Version       int      `form:"version"`
	TranslationOf string   `form:"translation_of"`
	Action        string   `form:"action"` // preview, save or submit
}

// noteFields is the order of the editor's fields, for its error summary.
var noteFields = []string{"title", "summary", "language", "visibility", "body", "countries", "topics",
	"sectors", "target_groups", "indicators", "stage", "evidence", "message"}

func (f *practiceForm) normalise() {
	f.Title, f.Summary = strings.TrimSpace(f.Title), strings.TrimSpace(strings.ReplaceAll(f.Summary, "\r\n", "\n"))
	f.Body = strings.ReplaceAll(f.Body, "\r\n", "\n")
	f.Message = strings.TrimSpace(strings.ReplaceAll(f.Message, "\r\n", "\n"))
	for _, l := range []*[]string{&f.Countries, &f.Topics, &f.Sectors, &f.TargetGroups, &f.Indicators} {
		*l = form.Dedupe(*l)
	}
}

// validate checks the note as an import would (content.Note), with the
// messages of a form.
func (f *practiceForm) validate() form.Problems {
	f.normalise()
	var ps form.Problems
	ps.Text("title", f.Title, content.MaxTitle, true)
	ps.Multiline("summary", f.Summary, content.MaxSummary, false)
	ps.Multiline("body", f.Body, content.MaxBody, true)
	ps.Multiline("message", f.Message, maxMessage, false)
	n := f.note("x")
	for _, p := range n.Validate() {
		if p.Field != "slug" {
			ps.AddValue(p.Field, p.Key, p.Value)
		}
	}
	return ps
}

func (f *practiceForm) note(slug string) *content.Note {
	return &content.Note{Slug: slug, Body: f.Body, FrontMatter: content.FrontMatter{
		Title: f.Title, Summary: f.Summary, Language: f.Language, Countries: f.Countries, Topics: f.Topics,
		Sectors: f.Sectors, Indicators: f.Indicators, TargetGroups: f.TargetGroups, Stage: f.Stage,
		Evidence: f.Evidence, Visibility: f.Visibility, TranslationOf: f.TranslationOf,
	}}
}

func (f *practiceForm) content(html string) models.NoteContent {
	return models.NoteContent{
		Title: f.Title, Summary: f.Summary, Language: f.Language, Stage: f.Stage, Evidence: f.Evidence,
		Visibility: f.Visibility, Countries: f.Countries, Topics: f.Topics, Sectors: f.Sectors,
		Indicators: f.Indicators, TargetGroups: f.TargetGroups, BodyMD: f.Body, BodyHTML: html,
	}
}

func practiceFormOf(c models.NoteContent, version int) practiceForm {
	return practiceForm{
		Title: c.Title, Summary: c.Summary, Language: c.Language, Countries: c.Countries, Topics: c.Topics,
		Sectors: c.Sectors, TargetGroups: c.TargetGroups, Indicators: c.Indicators, Stage: c.Stage,
		Evidence: c.Evidence, Visibility: c.Visibility, Body: c.BodyMD, Version: version,
	}
}

// flagView is one personal-data finding as the author and the moderator see it.
type flagView struct {
	Kind, Field          string // translated
	Before, Match, After string
	Fingerprint          string
	Confirmed            bool
}

// checkNote runs the personal-data check on the fields of a note: what to
// store, and what to show.
func checkNote(loc *i18n.Localizer, c models.NoteContent) ([]models.PracticeFlag, []flagView) {
	fields := []content.FieldText{{Name: "title", Text: c.Title}, {Name: "summary", Text: c.Summary}, {Name: "body", Text: c.BodyMD}}
	found := content.CheckPersonalData(fields...)
	flags := make([]models.PracticeFlag, 0, len(found))
	views := make([]flagView, 0, len(found))
	for _, f := range found {
		flags = append(flags, models.PracticeFlag{Field: f.Field, Position: f.Start, Length: f.End - f.Start,
			Kind: f.Kind, Fingerprint: f.Fingerprint()})
		views = append(views, findingView(loc, fields, f.Field, f.Kind, f.Start, f.End, f.Fingerprint(), false))
	}
	return flags, views
}

func findingView(loc *i18n.Localizer, fields []content.FieldText, field, kind string, start, end int, fp string, confirmed bool) flagView {
	v := flagView{Kind: loc.T("practices.flag.kind." + kind), Field: loc.T("practices.field." + field), Fingerprint: fp, Confirmed: confirmed}
	for _, fl := range fields {
		if fl.Name == field && end <= len(fl.Text) {
			v.Before, v.Match, v.After = content.Excerpt(fl.Text, start, end, 50)
		}
	}
	return v
}

// storedFlagViews shows the flags stored for a version, against its text.
func storedFlagViews(loc *i18n.Localizer, c models.NoteContent, flags []models.PracticeFlag) []flagView {
	fields := []content.FieldText{{Name: "title", Text: c.Title}, {Name: "summary", Text: c.Summary}, {Name: "body", Text: c.BodyMD}}
	out := make([]flagView, 0, len(flags))
	for _, f := range flags {
		out = append(out, findingView(loc, fields, f.Field, f.Kind, f.Position, f.Position+f.Length, f.Fingerprint, f.Confirmed))
	}
	return out
}

// editorData is the data of the editor page.
type editorData struct {
	Form       practiceForm
	Errors     form.Messages
	Summary    []form.Link
	Slug       string // "" for a new note
	Action     string // where the form posts
	NoteTitle  string
	State      string
	Published  bool // readers see a published version: a save waits for review
	Languages  []option
	Countries  []option
	Topics     []option
	Sectors    []option
	Targets    []option
	Indicators []option
	Stages     []option
	Evidence   []option
	Preview    template.HTML
	Previewed  bool
	Flags      []flagView
	Files      []attachmentView
	MaxUpload  string
	Original   *originalView
	Events     []eventView
	CanDelete  bool
}

// originalView is the note a translation starts from, shown beside the editor.
type originalView struct {
	Slug, Title, Language string
	Body                  template.HTML
}

// editorOptions fills the choices of every field from what the form holds.
func editorOptions(loc *i18n.Localizer, d *editorData, f practiceForm, taken []string) {
	d.Languages = vocabOptions(loc, models.Languages(), []string{f.Language}, true)
	for i := range d.Languages {
		for _, t := range taken {
			if d.Languages[i].Value == t && t != f.Language {
				d.Languages[i].Count = -1 // marks a language the note exists in already
			}
		}
	}
	d.Countries = vocabOptions(loc, models.Countries(), f.Countries, true)
	d.Topics = vocabOptions(loc, models.Topics(), f.Topics, true)
	d.Sectors = vocabOptions(loc, models.Sectors(), f.Sectors, false)
	d.Targets = vocabOptions(loc, models.TargetGroups(), f.TargetGroups, true)
	d.Indicators = vocabOptions(loc, models.Indicators(), f.Indicators, true)
	d.Stages = vocabOptions(loc, models.PracticeStages(), []string{f.Stage}, false)
	d.Evidence = vocabOptions(loc, models.EvidenceLevels(), []string{f.Evidence}, false)
}

func (h *handlers) renderEditor(c *fiber.Ctx, status int, d editorData, ps form.Problems) error {
	loc := localizer(c)
	d.Errors = ps.Messages(loc, "practices.field.")
	d.Summary = d.Errors.Summary(noteFields)
	d.MaxUpload = humanBytes(h.cfg.AttachmentMaxBytes)
	var taken []string
	if root := d.Form.TranslationOf; root != "" {
		var err error
		if taken, err = h.store.TranslationLanguages(c.UserContext(), root); err != nil {
			return err
		}
	}
	editorOptions(loc, &d, d.Form, taken)
	title := loc.T("practices.new.title")
	if d.Slug != "" {
		title = loc.T("practices.edit.title", "Title", d.NoteTitle)
	}
	return h.render(c, status, tplPracticeEdit, h.page(c, title, d))
}

// showNewNote is the editor of a new note, or of a translation of
// ?translation_of=slug (its metadata filled in, its text beside).
func (h *handlers) showNewNote(c *fiber.Ctx) error {
	loc, v := localizer(c), viewer(c)
	f := practiceForm{Visibility: models.VisibilityPublic, Language: loc.Lang}
	d := editorData{Action: "/practices/new"}
	if from := c.Query("translation_of"); from != "" {
		orig, err := h.store.PracticeBySlug(c.UserContext(), v, from)
		if err != nil {
			return err
		}
		f = practiceFormOf(orig.Content(), 0)
		f.Title, f.Summary, f.Body, f.Language = "", "", "", ""
		f.TranslationOf = orig.TranslationRoot()
		d.Original = &originalView{Slug: orig.Slug, Title: orig.Title, Language: orig.Language,
			Body: template.HTML(content.ScrollTables(orig.BodyHTML))} //nolint:gosec // sanitized when saved
	}
	d.Form = f
	return h.renderEditor(c, fiber.StatusOK, d, nil)
}

// createNote saves a new note as a draft or submits it, or shows its
// preview (the Preview button, without JavaScript).
func (h *handlers) createNote(c *fiber.Ctx) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	var f practiceForm
	if err := form.Parse(c, &f); err != nil {
		return err
	}
	d := editorData{Form: f, Action: "/practices/new"}
	if f.TranslationOf != "" {
		orig, err := h.store.PracticeBySlug(ctx, v, f.TranslationOf)
		if err != nil {
			return err
		}
		d.Form.TranslationOf = orig.TranslationRoot()
		d.Original = &originalView{Slug: orig.Slug, Title: orig.Title, Language: orig.Language,
			Body: template.HTML(content.ScrollTables(orig.BodyHTML))} //nolint:gosec // sanitized when saved
	}
	ps := d.Form.validate()
	f = d.Form
	if f.Action == "preview" || !ps.OK() {
		return h.previewEditor(c, d, "", nil, ps)
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
	notice, err := h.withMail(ctx, h.reviewMail(models.EventSubmitted, ""), func(tx *models.Store) (*models.ReviewNotice, error) {
		return tx.CreatePractice(ctx, v, models.NewNote{Content: nc, BaseSlug: base, TranslationOf: f.TranslationOf,
			Submit: f.Action == "submit", Message: f.Message, Flags: flags}, h.auditEntry(c))
	})
	if errors.Is(err, models.ErrTranslationExists) {
		ps.AddValue("language", "practices.validation.translation_exists", loc.LanguageName(f.Language))
		return h.previewEditor(c, d, "", nil, ps)
	}
	if err != nil {
		return err
	}
	return h.afterNoteSave(c, notice, f.Action == "submit")
}

// previewEditor shows the editor again with the preview of what was typed
// and its personal-data findings: after the Preview button, or with problems.
func (h *handlers) previewEditor(c *fiber.Ctx, d editorData, slugName string, files []string, ps form.Problems) error {
	loc := localizer(c)
	html, err := h.renderer.RenderNote(d.Form.Body, slugName, files)
	if err != nil {
		return err
	}
	d.Preview, d.Previewed = template.HTML(content.ScrollTables(html)), d.Form.Action == "preview" //nolint:gosec // sanitized by RenderNote
	_, d.Flags = checkNote(loc, d.Form.content(html))
	status := fiber.StatusOK
	if !ps.OK() {
		status = fiber.StatusUnprocessableEntity
	}
	return h.renderEditor(c, status, d, ps)
}

// afterNoteSave goes to the page after a save: the editor again for a
// draft, the note for a submission.
func (h *handlers) afterNoteSave(c *fiber.Ctx, notice *models.ReviewNotice, submitted bool) error {
	p := notice.Practice
	if submitted {
		h.flash(c, "practices.flash.submitted")
		return c.Redirect("/practices/"+p.Slug, fiber.StatusSeeOther)
	}
	h.flash(c, "practices.flash.saved")
	return c.Redirect("/practices/"+p.Slug+"/edit", fiber.StatusSeeOther)
}

// editableNote loads the note of :slug for its editors; anyone else is told
// it does not exist.
func (h *handlers) editableNote(c *fiber.Ctx) (*models.Practice, error) {
	p, err := h.store.NoteBySlug(c.UserContext(), viewer(c), c.Params("slug"))
	if err != nil {
		return nil, err
	}
	if !viewer(c).EditsPractice(p) {
		return nil, models.ErrNotFound
	}
	return p, nil
}

// editNote is the editor of a note's newest version.
func (h *handlers) editNote(c *fiber.Ctx) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	p, err := h.editableNote(c)
	if err != nil {
		return err
	}
	head, err := h.store.HeadRevision(ctx, v, p)
	if err != nil {
		return err
	}
	d, err := h.editorOf(c, p)
	if err != nil {
		return err
	}
	hc := head.Content()
	d.Form = practiceFormOf(hc, p.Version)
	d.Form.TranslationOf = p.TranslationOf
	flags, err := h.store.PracticeFlags(ctx, v, p, p.Version)
	if err != nil {
		return err
	}
	d.Flags = storedFlagViews(loc, hc, flags)
	return h.renderEditor(c, fiber.StatusOK, d, nil)
}

// editorOf is the editor's data of an existing note, but for the form.
func (h *handlers) editorOf(c *fiber.Ctx, p *models.Practice) (editorData, error) {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	d := editorData{Slug: p.Slug, Action: "/practices/" + p.Slug + "/edit", NoteTitle: p.Title, State: p.State(),
		Published: p.PublishedVersion > 0, CanDelete: p.PublishedVersion == 0}
	files, err := h.store.Attachments(ctx, p.ID)
	if err != nil {
		return d, err
	}
	d.Files = attachmentViews(p.Slug, files)
	events, err := h.store.PracticeEvents(ctx, v, p)
	if err != nil {
		return d, err
	}
	d.Events = eventViews(loc, events)
	return d, nil
}

// updateNote saves a new version of a note, or shows its preview. A save
// from a version that is no longer the newest gets the conflict page.
func (h *handlers) updateNote(c *fiber.Ctx) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	p, err := h.editableNote(c)
	if err != nil {
		return err
	}
	var f practiceForm
	if err := form.Parse(c, &f); err != nil {
		return err
	}
	f.TranslationOf = p.TranslationOf // fixed when the translation was started
	d, err := h.editorOf(c, p)
	if err != nil {
		return err
	}
	d.Form = f
	ps := d.Form.validate()
	f = d.Form
	names, err := h.store.AttachmentNames(ctx, p.ID)
	if err != nil {
		return err
	}
	if f.Action == "preview" || !ps.OK() {
		return h.previewEditor(c, d, p.Slug, names, ps)
	}
	html, err := h.renderer.RenderNote(f.Body, p.Slug, names)
	if err != nil {
		return err
	}
	nc := f.content(html)
	flags, _ := checkNote(loc, nc)
	notice, err := h.withMail(ctx, h.reviewMail(models.EventSubmitted, ""), func(tx *models.Store) (*models.ReviewNotice, error) {
		return tx.SavePracticeRevision(ctx, v, p.ID, models.NoteEdit{Content: nc, BaseVersion: f.Version,
			Submit: f.Action == "submit", Message: f.Message, Flags: flags}, h.auditEntry(c))
	})
	switch {
	case errors.Is(err, models.ErrStaleVersion):
		return h.renderConflict(c, p, d)
	case errors.Is(err, models.ErrTranslationExists):
		ps.AddValue("language", "practices.validation.translation_exists", loc.LanguageName(f.Language))
		return h.previewEditor(c, d, p.Slug, names, ps)
	case err != nil:
		return err
	}
	return h.afterNoteSave(c, notice, f.Action == "submit")
}

// conflictData is the conflict page: the other person's version, what they
// changed, what yours changes in theirs, and the editor with your text.
type conflictData struct {
	editorData
	Theirs        revisionView
	TheirText     string
	TheirChanges  template.HTML
	YourChanges   template.HTML
	ChangedFields []string
}

// renderConflict answers a save from an old version with 409: nothing typed
// is lost, the form holds it, based on the newest version now, so that
// saving it again is a choice made knowing what the other person wrote.
func (h *handlers) renderConflict(c *fiber.Ctx, p *models.Practice, d editorData) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	p, err := h.store.NoteBySlug(ctx, v, p.Slug) // as it is now
	if err != nil {
		return err
	}
	head, err := h.store.HeadRevision(ctx, v, p)
	if err != nil {
		return err
	}
	cd := conflictData{editorData: d, Theirs: revisionViewOf(head), TheirText: head.BodyMD}
	theirs := head.Content()
	if base, err := h.store.PracticeRevisionFor(ctx, v, p, d.Form.Version); err == nil {
		cd.TheirChanges = template.HTML(content.DiffHTML(content.DiffWords(base.BodyMD, head.BodyMD))) //nolint:gosec // escaped by DiffHTML
	} else if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	cd.YourChanges = template.HTML(content.DiffHTML(content.DiffWords(head.BodyMD, d.Form.Body))) //nolint:gosec // escaped by DiffHTML
	cd.ChangedFields = changedFields(loc, theirs, d.Form.content(""))
	cd.Form.Version = p.Version
	cd.Form.Action = ""
	cd.Errors = nil
	cd.MaxUpload = humanBytes(h.cfg.AttachmentMaxBytes)
	editorOptions(loc, &cd.editorData, cd.Form, nil)
	page := h.page(c, loc.T("practices.conflict.title"), cd)
	return h.render(c, fiber.StatusConflict, tplPracticeConflict, page)
}

// changedFields names the metadata fields whose values differ.
func changedFields(loc *i18n.Localizer, a, b models.NoteContent) []string {
	var out []string
	same := func(x, y []string) bool { return strings.Join(uniqSorted(x), ",") == strings.Join(uniqSorted(y), ",") }
	for _, f := range []struct {
		name string
		eq   bool
	}{
		{"title", a.Title == b.Title}, {"summary", a.Summary == b.Summary}, {"language", a.Language == b.Language},
		{"visibility", a.Visibility == b.Visibility}, {"countries", same(a.Countries, b.Countries)},
		{"topics", same(a.Topics, b.Topics)}, {"sectors", same(a.Sectors, b.Sectors)},
		{"target_groups", same(a.TargetGroups, b.TargetGroups)}, {"indicators", same(a.Indicators, b.Indicators)},
		{"stage", a.Stage == b.Stage}, {"evidence", a.Evidence == b.Evidence},
	} {
		if !f.eq {
			out = append(out, loc.T("practices.field."+f.name))
		}
	}
	return out
}

// previewResponse is what the editor's script gets: the HTML of the text,
// as the note page will show it, and the personal-data findings.
type previewResponse struct {
	HTML  string        `json:"html"`
	Flags []previewFlag `json:"flags"`
	Count string        `json:"count"`
}

type previewFlag struct {
	Kind   string `json:"kind"`
	Field  string `json:"field"`
	Before string `json:"before"`
	Match  string `json:"match"`
	After  string `json:"after"`
}

// previewNote renders the editor's text through the portal's own pipeline
// (content.Renderer), for the editor's preview; the script sends the
// CSRF token in X-CSRF-Token.
func (h *handlers) previewNote(c *fiber.Ctx) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	var f practiceForm
	if err := form.Parse(c, &f); err != nil {
		return err
	}
	f.normalise()
	if len(f.Body) > content.MaxBody || len(f.Title) > content.MaxTitle || len(f.Summary) > content.MaxSummary {
		return fiber.ErrRequestEntityTooLarge
	}
	slugName, names := "", []string(nil)
	if s := c.FormValue("slug"); s != "" {
		if p, err := h.store.NoteBySlug(ctx, v, s); err == nil && v.EditsPractice(p) {
			slugName = p.Slug
			if names, err = h.store.AttachmentNames(ctx, p.ID); err != nil {
				return err
			}
		}
	}
	html, err := h.renderer.RenderNote(f.Body, slugName, names)
	if err != nil {
		return err
	}
	_, flags := checkNote(loc, f.content(html))
	out := previewResponse{HTML: html, Flags: make([]previewFlag, 0, len(flags)),
		Count: loc.T("practices.flags.count", "Count", len(flags))}
	for _, fl := range flags {
		out.Flags = append(out.Flags, previewFlag{Kind: fl.Kind, Field: fl.Field, Before: fl.Before, Match: fl.Match, After: fl.After})
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

// noteWriter guards the saving of a note: like writer, but a person whose
// session ended while writing gets their text back, on a page that says
// what happened, instead of a bare refusal (nothing typed is lost).
func (h *handlers) noteWriter(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return h.writer(c)
	}
	var f practiceForm
	_ = c.BodyParser(&f) // what can be read of it is given back; the rest was not a form
	loc := localizer(c)
	page := h.page(c, loc.T("practices.signed_out.title"), f)
	return h.render(c, fiber.StatusUnauthorized, tplPracticeSignedOut, page)
}

// humanBytes writes a size for people: 5 MB, 800 KB.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

func uniqSorted(s []string) []string {
	out := form.Dedupe(s)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

type flagsContext struct {
	Page    *Page
	Flags   []flagView
	Confirm bool // a moderator's list, with a checkbox per open flag
	checked []string
}

// Checked reports whether the moderator ticked the flag in the form sent.
func (fc flagsContext) Checked(fingerprint string) bool {
	for _, c := range fc.checked {
		if c == fingerprint {
			return true
		}
	}
	return false
}

// WithFlags is the data of "notes-flags".
func (p *Page) WithFlags(flags []flagView, confirm bool, checked []string) flagsContext {
	return flagsContext{Page: p, Flags: flags, Confirm: confirm, checked: checked}
}

// editorLabelKeys are the labels the editor's script shows (toolbar,
// preview, the personal-data panel), in the page's language.
var editorLabelKeys = []string{"bold", "italic", "heading", "quote", "list", "numbered", "link", "table",
	"preview", "side", "undo", "redo", "bold.title", "italic.title", "heading.title", "quote.title", "list.title",
	"numbered.title", "link.title", "table.title", "preview.title", "side.title", "undo.title", "redo.title",
	"loading", "failed", "unsaved", "toolbar", "text_area", "insert"}

// EditorLabels are the editor script's labels, for its JSON block.
func (p *Page) EditorLabels() map[string]string {
	out := make(map[string]string, len(editorLabelKeys)+2)
	for _, k := range editorLabelKeys {
		out[k] = p.T("practices.editor." + k)
	}
	out["none"] = p.T("practices.flags.none")
	out["confirmed"] = p.T("practices.flags.confirmed")
	return out
}
