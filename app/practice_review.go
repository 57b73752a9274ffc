package app

import (
	"context"
	"errors"
	"html/template"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/app/form"
	"proact/app/i18n"
	"proact/app/mail"
	"proact/content"
	"proact/models"
)

// The review of notes: moderators' queue at /admin/review, a note's review
// page, and the decisions (return with comments, publish with the
// personal-data flags confirmed, archive); the authors' submission and
// comments. Each decision, its audit entries, its mail and its outbox row
// are one transaction.

// withMail runs one store action and queues the mail it causes in the same
// transaction: the mail is in the outbox if, and only if, the action happened.
func (h *handlers) withMail(ctx context.Context, mails func(*models.ReviewNotice) []mail.Message,
	action func(tx *models.Store) (*models.ReviewNotice, error)) (*models.ReviewNotice, error) {
	var notice *models.ReviewNotice
	err := h.store.WithTx(ctx, func(tx *models.Store) error {
		var err error
		if notice, err = action(tx); err != nil {
			return err
		}
		return h.mail.Queue(ctx, tx, mails(notice)...)
	})
	return notice, err
}

// reviewMail composes the mail of a review event to the people the notice
// names, each in their own language.
func (h *handlers) reviewMail(event, comment string) func(*models.ReviewNotice) []mail.Message {
	return func(n *models.ReviewNotice) []mail.Message {
		var out []mail.Message
		p := n.Practice
		for i := range n.Notify {
			u := &n.Notify[i]
			switch event {
			case models.EventSubmitted:
				org := ""
				if p.Organisation != nil {
					org = p.Organisation.Name
				}
				out = append(out, h.mail.NoteSubmitted(u, p, org, p.PublishedVersion > 0))
			case models.EventReturned:
				out = append(out, h.mail.NoteReturned(u, p, comment))
			case models.EventPublished:
				out = append(out, h.mail.NotePublished(u, p))
			}
		}
		return out
	}
}

// eventView is one step of a note's review conversation.
type eventView struct {
	Action  string // translated
	Kind    string
	Who     string
	When    time.Time
	Version int
	Comment string
}

func eventViews(loc *i18n.Localizer, events []models.PracticeEvent) []eventView {
	out := make([]eventView, 0, len(events))
	for _, e := range events {
		who := e.UserName
		if who == "" {
			who = loc.T("practices.history.former_member")
		}
		out = append(out, eventView{Action: loc.T("practices.event." + e.Action), Kind: e.Action, Who: who,
			When: e.CreatedAt, Version: e.Version, Comment: e.Comment})
	}
	return out
}

// reviewRow is one note of the queue.
type reviewRow struct {
	ID         uint
	Slug       string
	Title      string
	Language   string
	OrgName    string
	Countries  []string
	Version    int
	Revision   bool // a new version of a published note
	Submitter  string
	Submitted  time.Time
	OpenFlags  int64
	Visibility string
}

type reviewQueueData struct {
	Filter  models.ReviewFilter
	Tabs    []reviewTab
	Selects []filterSelect
	Items   []reviewRow
	Total   int64
	Pager   pager
}

type reviewTab struct {
	State   string
	Label   string
	Count   int64
	Current bool
}

// reviewQueue is the moderators' queue: the notes waiting for review, the
// longest waiting first, with their open personal-data flags.
func (h *handlers) reviewQueue(c *fiber.Ctx) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	f := models.ReviewFilter{State: c.Query("state"), Country: c.Query("country"), Language: c.Query("language"),
		ListOptions: listOptions(c, 0)}.Normalise()
	items, total, err := h.store.ReviewQueue(ctx, v, f)
	if err != nil {
		return err
	}
	counts, err := h.store.ReviewCounts(ctx, v)
	if err != nil {
		return err
	}
	d := reviewQueueData{Filter: f, Total: total, Pager: newPager(c, f.Page, f.PerPage, total)}
	for _, st := range models.ReviewStates() {
		d.Tabs = append(d.Tabs, reviewTab{State: st, Label: loc.T("practices.review.state." + st), Count: counts[st], Current: st == f.State})
	}
	for _, it := range items {
		r := reviewRow{ID: it.ID, Slug: it.Slug, Title: it.Title, Language: it.Language, Countries: it.Countries,
			Version: it.Version, Revision: it.PublishedVersion > 0, Submitter: it.SubmitterName, OpenFlags: it.OpenFlags,
			Visibility: it.Visibility}
		if it.SubmittedAt != nil {
			r.Submitted = *it.SubmittedAt
		}
		if it.Organisation != nil {
			r.OrgName = it.Organisation.Name
		}
		d.Items = append(d.Items, r)
	}
	d.Selects = []filterSelect{
		{Name: "country", Label: loc.T("filter.country"), All: loc.T("filter.all"), Options: vocabOptions(loc, models.Countries(), []string{f.Country}, true)},
		{Name: "language", Label: loc.T("filter.language"), All: loc.T("filter.all"), Options: vocabOptions(loc, models.Languages(), []string{f.Language}, true)},
		sortSelect(loc, "practices.review.sort.", models.ReviewSortNames(), f.Sort),
	}
	return h.render(c, fiber.StatusOK, tplAdminReview, h.page(c, loc.T("practices.review.title"), d))
}

func sortSelect(loc *i18n.Localizer, prefix string, names []string, selected string) filterSelect {
	fs := filterSelect{Name: "sort", Label: loc.T("filter.sort")}
	for _, s := range names {
		fs.Options = append(fs.Options, option{Value: s, Label: loc.T(prefix + s), Selected: s == selected})
	}
	return fs
}

// reviewNoteData is a note's review page.
type reviewNoteData struct {
	ID         uint
	Slug       string
	Title      string
	Summary    string
	Language   string
	OrgName    string
	Countries  []string
	Topics     []string
	Visibility string
	State      string
	Version    int
	Head       revisionView
	Body       template.HTML
	Revision   bool // a new version of a published note
	Diff       template.HTML
	Changed    []string
	Flags      []flagView
	OpenFlags  int
	Events     []eventView
	Errors     form.Messages
	Comment    string
	Confirm    []string
	Archived   bool
	// OwnVersion: the moderator wrote or submitted this version, so another
	// moderator publishes it (they may still return it).
	OwnVersion bool
}

// reviewableNote loads the note of :id for a moderator.
func (h *handlers) reviewableNote(c *fiber.Ctx) (*models.Practice, error) {
	id, err := strconv.ParseUint(c.Params("id"), 10, 32)
	if err != nil {
		return nil, models.ErrNotFound
	}
	p, err := h.store.PracticeByID(c.UserContext(), uint(id))
	if err != nil {
		return nil, err
	}
	if !viewer(c).Moderates() {
		return nil, models.ErrNotFound
	}
	return p, nil
}

// showReview is a note's review page: its newest version as readers would
// see it, what changed since the published one, its flags, its conversation
// and the decisions.
func (h *handlers) showReview(c *fiber.Ctx) error {
	p, err := h.reviewableNote(c)
	if err != nil {
		return err
	}
	return h.renderReview(c, fiber.StatusOK, p, reviewForm{}, nil)
}

func (h *handlers) renderReview(c *fiber.Ctx, status int, p *models.Practice, f reviewForm, ps form.Problems) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	head, err := h.store.HeadRevision(ctx, v, p)
	if err != nil {
		return err
	}
	hc := head.Content()
	d := reviewNoteData{ID: p.ID, Slug: p.Slug, Title: hc.Title, Summary: hc.Summary, Language: hc.Language,
		Countries: hc.Countries, Topics: hc.Topics, Visibility: hc.Visibility, State: p.State(), Version: p.Version,
		Head: revisionViewOf(head), Body: template.HTML(content.ScrollTables(head.BodyHTML)), //nolint:gosec // sanitized when saved
		Revision: p.HasPendingRevision(), Errors: ps.Messages(loc, "practices.field."), Comment: f.Comment,
		Confirm: f.Confirm, Archived: p.Status == models.StatusArchived,
		OwnVersion: (head.AuthorID != nil && *head.AuthorID == v.UserID) || (p.SubmittedBy != nil && *p.SubmittedBy == v.UserID)}
	if p.Organisation != nil {
		d.OrgName = p.Organisation.Name
	}
	if d.Revision {
		pub := p.Content()
		d.Diff = template.HTML(content.DiffHTML(content.DiffWords(pub.BodyMD, hc.BodyMD))) //nolint:gosec // escaped
		d.Changed = changedFields(loc, pub, hc)
	}
	flags, err := h.store.PracticeFlags(ctx, v, p, p.Version)
	if err != nil {
		return err
	}
	d.Flags = storedFlagViews(loc, hc, flags)
	for _, fl := range d.Flags {
		if !fl.Confirmed {
			d.OpenFlags++
		}
	}
	events, err := h.store.PracticeEvents(ctx, v, p)
	if err != nil {
		return err
	}
	d.Events = eventViews(loc, events)
	return h.render(c, status, tplAdminReviewNote, h.page(c, loc.T("practices.review.note_title", "Title", hc.Title), d))
}

// reviewForm is a moderator's decision.
type reviewForm struct {
	Version int      `form:"version"`
	Comment string   `form:"comment"`
	Confirm []string `form:"confirm"`
}

func (h *handlers) parseReview(c *fiber.Ctx) (*models.Practice, reviewForm, error) {
	var f reviewForm
	p, err := h.reviewableNote(c)
	if err != nil {
		return nil, f, err
	}
	if err := form.Parse(c, &f); err != nil {
		return nil, f, err
	}
	f.Comment = form.Truncate(f.Comment, maxMessage)
	return p, f, nil
}

// reviewError turns a refused decision into the review page with a message.
func (h *handlers) reviewError(c *fiber.Ctx, p *models.Practice, f reviewForm, err error) error {
	var open *models.OpenFlagsError
	var ps form.Problems
	switch {
	case errors.As(err, &open):
		ps.AddValue("confirm", "practices.review.flags_open", strconv.Itoa(len(open.Flags)))
	case errors.Is(err, models.ErrStaleVersion):
		ps.Add("version", "practices.review.stale")
	case errors.Is(err, models.ErrOwnVersion):
		ps.Add("version", "practices.review.own_version")
	case errors.Is(err, models.ErrWrongState):
		ps.Add("version", "practices.review.wrong_state")
	default:
		return err
	}
	fresh, lerr := h.store.PracticeByID(c.UserContext(), p.ID)
	if lerr != nil {
		return lerr
	}
	return h.renderReview(c, fiber.StatusConflict, fresh, f, ps)
}

// returnNote returns a submitted note to its authors with comments, which
// are required: an author must know what to change.
func (h *handlers) returnNote(c *fiber.Ctx) error {
	ctx, v := c.UserContext(), viewer(c)
	p, f, err := h.parseReview(c)
	if err != nil {
		return err
	}
	var ps form.Problems
	ps.Multiline("comment", f.Comment, maxMessage, true)
	if !ps.OK() {
		return h.renderReview(c, fiber.StatusUnprocessableEntity, p, f, ps)
	}
	_, err = h.withMail(ctx, h.reviewMail(models.EventReturned, f.Comment), func(tx *models.Store) (*models.ReviewNotice, error) {
		return tx.ReturnPractice(ctx, v, p.ID, f.Version, f.Comment, h.auditEntry(c))
	})
	if err != nil {
		return h.reviewError(c, p, f, err)
	}
	h.flash(c, "practices.flash.returned")
	return c.Redirect("/admin/review", fiber.StatusSeeOther)
}

// publishNote publishes a submitted version, once every personal-data flag
// is confirmed (the ticked ones are confirmed by this request, and audited).
func (h *handlers) publishNote(c *fiber.Ctx) error {
	ctx, v := c.UserContext(), viewer(c)
	p, f, err := h.parseReview(c)
	if err != nil {
		return err
	}
	_, err = h.withMail(ctx, h.reviewMail(models.EventPublished, ""), func(tx *models.Store) (*models.ReviewNotice, error) {
		return tx.PublishPractice(ctx, v, p.ID, f.Version, f.Confirm, f.Comment, h.auditEntry(c))
	})
	if err != nil {
		return h.reviewError(c, p, f, err)
	}
	h.flash(c, "practices.flash.published")
	return c.Redirect("/practices/"+p.Slug, fiber.StatusSeeOther)
}

// unarchiveNote publishes an archived note again (moderators).
func (h *handlers) unarchiveNote(c *fiber.Ctx) error {
	p, f, err := h.parseReview(c)
	if err != nil {
		return err
	}
	if _, err := h.store.UnarchivePractice(c.UserContext(), viewer(c), p.ID, f.Comment, h.auditEntry(c)); err != nil {
		return h.reviewError(c, p, f, err)
	}
	h.flash(c, "practices.flash.unarchived")
	return c.Redirect("/practices/"+p.Slug, fiber.StatusSeeOther)
}

// noteAction is the form of an author's action on a note: the version they
// saw, and what they say.
type noteAction struct {
	Version int    `form:"version"`
	Comment string `form:"comment"`
}

func (h *handlers) parseNoteAction(c *fiber.Ctx) (*models.Practice, noteAction, error) {
	var f noteAction
	p, err := h.editableNote(c)
	if err != nil {
		return nil, f, err
	}
	if err := form.Parse(c, &f); err != nil {
		return nil, f, err
	}
	f.Comment = form.Truncate(f.Comment, maxMessage)
	return p, f, nil
}

// submitNote submits a note's newest version for review without editing it.
func (h *handlers) submitNote(c *fiber.Ctx) error {
	ctx, v := c.UserContext(), viewer(c)
	p, f, err := h.parseNoteAction(c)
	if err != nil {
		return err
	}
	_, err = h.withMail(ctx, h.reviewMail(models.EventSubmitted, ""), func(tx *models.Store) (*models.ReviewNotice, error) {
		return tx.SubmitPractice(ctx, v, p.ID, f.Version, f.Comment, h.auditEntry(c))
	})
	if errors.Is(err, models.ErrConflict) {
		h.flash(c, "practices.flash.not_submitted")
		return c.Redirect("/practices/"+p.Slug, fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	h.flash(c, "practices.flash.submitted")
	return c.Redirect("/practices/"+p.Slug, fiber.StatusSeeOther)
}

// commentNote adds a comment to a note's review conversation.
func (h *handlers) commentNote(c *fiber.Ctx) error {
	p, f, err := h.parseNoteAction(c)
	if err != nil {
		return err
	}
	var ps form.Problems
	ps.Multiline("comment", f.Comment, maxMessage, true)
	back := "/practices/" + p.Slug + "/edit"
	if viewer(c).Moderates() && c.FormValue("back") == "review" {
		back = "/admin/review/" + strconv.FormatUint(uint64(p.ID), 10)
	}
	if !ps.OK() {
		h.flash(c, "practices.flash.comment_empty")
		return c.Redirect(back, fiber.StatusSeeOther)
	}
	if _, err := h.store.CommentPractice(c.UserContext(), viewer(c), p.ID, f.Comment); err != nil {
		return err
	}
	h.flash(c, "practices.flash.commented")
	return c.Redirect(back+"#conversation", fiber.StatusSeeOther)
}

// archiveNote takes a published note out of the lists: its organisation
// withdraws it, or a moderator does.
func (h *handlers) archiveNote(c *fiber.Ctx) error {
	p, f, err := h.parseNoteAction(c)
	if err != nil {
		return err
	}
	_, err = h.store.ArchivePractice(c.UserContext(), viewer(c), p.ID, f.Comment, h.auditEntry(c))
	if errors.Is(err, models.ErrConflict) {
		h.flash(c, "practices.flash.not_archived")
		return c.Redirect("/practices/"+p.Slug, fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	h.flash(c, "practices.flash.archived")
	return c.Redirect("/practices/"+p.Slug, fiber.StatusSeeOther)
}

// deleteNote deletes a note that was never published, and its files.
func (h *handlers) deleteNote(c *fiber.Ctx) error {
	p, _, err := h.parseNoteAction(c)
	if err != nil {
		return err
	}
	files, err := h.store.DeletePractice(c.UserContext(), viewer(c), p.ID, h.auditEntry(c))
	if errors.Is(err, models.ErrConflict) {
		h.flash(c, "practices.flash.not_deleted")
		return c.Redirect("/practices/"+p.Slug+"/edit", fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	h.removeFiles(c, files)
	h.flash(c, "practices.flash.deleted")
	return c.Redirect("/account/notes", fiber.StatusSeeOther)
}
