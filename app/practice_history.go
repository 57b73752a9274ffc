package app

import (
	"errors"
	"html/template"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/app/form"
	"proact/content"
	"proact/models"
)

// Versions: every saved version of a note is kept. Readers see the versions
// that were published; the note's organisation and moderators see all of
// them, compare any two, and bring an old one back as a new version.

// revisionView is one version in a list.
type revisionView struct {
	Version      int
	Author       string // "" when the reader may not see names, or the account is gone
	Date         time.Time
	Message      string
	Published    bool
	PublishedAt  time.Time
	RestoredFrom int
}

func revisionViewOf(r *models.PracticeRevision) revisionView {
	v := revisionView{Version: r.Version, Author: r.AuthorName, Date: r.CreatedAt, Message: r.Message, Published: r.PublishedAt != nil}
	if r.PublishedAt != nil {
		v.PublishedAt = *r.PublishedAt
	}
	if r.RestoredFrom != nil {
		v.RestoredFrom = *r.RestoredFrom
	}
	return v
}

// forReader hides the names of the people who wrote a version from those
// outside the network: staff of the field are named only to its members.
func forReader(v models.Viewer, r revisionView) revisionView {
	if !v.SignedIn() {
		r.Author, r.Message = "", ""
	}
	return r
}

type historyData struct {
	Slug, Title, Language string
	OrgName               string
	Versions              []revisionView
	Total                 int64
	Pager                 pager
	Editor                bool // may restore
	Current               int  // the newest version
	Published             int  // the published version
}

// noteHistory lists a note's versions with author and date, and the form to
// compare two of them.
func (h *handlers) noteHistory(c *fiber.Ctx) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	p, err := h.store.NoteBySlug(ctx, v, c.Params("slug"))
	if err != nil {
		return err
	}
	o := listOptions(c, 0)
	list, total, err := h.store.PracticeHistory(ctx, v, p, o)
	if err != nil {
		return err
	}
	d := historyData{Slug: p.Slug, Title: p.Title, Language: p.Language, Total: total,
		Editor: v.EditsPractice(p), Current: p.Version, Published: p.PublishedVersion}
	if p.Organisation != nil {
		d.OrgName = p.Organisation.Name
	}
	for i := range list {
		d.Versions = append(d.Versions, forReader(v, revisionViewOf(&list[i])))
	}
	d.Pager = newPager(c, max(o.Page, 1), 100, total)
	page := h.page(c, loc.T("practices.history.title", "Title", p.Title), d)
	page.Robots = "noindex"
	return h.render(c, fiber.StatusOK, tplPracticeHistory, page)
}

// versionParam reads a version number from the path or query.
func versionParam(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

type versionData struct {
	Slug, Title, Summary, Language string
	Rev                            revisionView
	Body                           template.HTML
	Content                        models.NoteContent
	Editor                         bool
	Current                        int
}

// noteVersion shows one version of a note as it was.
func (h *handlers) noteVersion(c *fiber.Ctx) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	p, err := h.store.NoteBySlug(ctx, v, c.Params("slug"))
	if err != nil {
		return err
	}
	n, ok := versionParam(c.Params("id"))
	if !ok {
		return models.ErrNotFound
	}
	r, err := h.store.PracticeRevisionFor(ctx, v, p, n)
	if err != nil {
		return err
	}
	rc := r.Content()
	d := versionData{Slug: p.Slug, Title: rc.Title, Summary: rc.Summary, Language: rc.Language, Rev: forReader(v, revisionViewOf(r)),
		Body: template.HTML(content.ScrollTables(r.BodyHTML)), Content: rc, Editor: v.EditsPractice(p), Current: p.Version} //nolint:gosec // sanitized when saved
	page := h.page(c, loc.T("practices.version.title", "Title", rc.Title, "Version", n), d)
	page.Robots = "noindex"
	page.Canonical = h.cfg.SiteURL() + "/practices/" + p.Slug
	return h.render(c, fiber.StatusOK, tplPracticeVersion, page)
}

type diffData struct {
	Slug, Title    string
	From, To       revisionView
	TitleDiff      template.HTML
	SummaryDiff    template.HTML
	BodyDiff       template.HTML
	Changed        []string
	Stats          content.DiffStats
	Versions       []int
	FromNum, ToNum int
	Same           bool
}

// noteDiff compares two versions word by word: ?from=N&to=M (the published
// and the newest the reader may see, by default).
func (h *handlers) noteDiff(c *fiber.Ctx) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	p, err := h.store.NoteBySlug(ctx, v, c.Params("slug"))
	if err != nil {
		return err
	}
	list, _, err := h.store.PracticeHistory(ctx, v, p, models.ListOptions{PerPage: 500})
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return models.ErrNotFound
	}
	from, okFrom := versionParam(c.Query("from"))
	to, okTo := versionParam(c.Query("to"))
	if !okTo {
		to = list[0].Version
	}
	if !okFrom {
		from = list[min(1, len(list)-1)].Version
	}
	a, err := h.store.PracticeRevisionFor(ctx, v, p, from)
	if err != nil {
		return err
	}
	b, err := h.store.PracticeRevisionFor(ctx, v, p, to)
	if err != nil {
		return err
	}
	ac, bc := a.Content(), b.Content()
	body := content.DiffWords(ac.BodyMD, bc.BodyMD)
	d := diffData{Slug: p.Slug, Title: p.Title, From: forReader(v, revisionViewOf(a)), To: forReader(v, revisionViewOf(b)),
		TitleDiff:   template.HTML(content.DiffHTML(content.DiffWords(ac.Title, bc.Title))),     //nolint:gosec // escaped
		SummaryDiff: template.HTML(content.DiffHTML(content.DiffWords(ac.Summary, bc.Summary))), //nolint:gosec // escaped
		BodyDiff:    template.HTML(content.DiffHTML(body)),                                      //nolint:gosec // escaped
		Changed:     changedFields(loc, ac, bc), Stats: content.Stats(body), FromNum: from, ToNum: to,
		Same: ac.BodyMD == bc.BodyMD && ac.Title == bc.Title && ac.Summary == bc.Summary}
	for _, r := range list {
		d.Versions = append(d.Versions, r.Version)
	}
	page := h.page(c, loc.T("practices.diff.title", "Title", p.Title, "From", from, "To", to), d)
	page.Robots = "noindex"
	return h.render(c, fiber.StatusOK, tplPracticeDiff, page)
}

// restoreNote brings an old version back as the newest one (a draft, or a
// pending version of a published note), from the version the person saw.
func (h *handlers) restoreNote(c *fiber.Ctx) error {
	ctx, v := c.UserContext(), viewer(c)
	p, err := h.editableNote(c)
	if err != nil {
		return err
	}
	n, ok := versionParam(c.Params("id"))
	if !ok {
		return models.ErrNotFound
	}
	var f noteAction
	if err := form.Parse(c, &f); err != nil {
		return err
	}
	_, err = h.store.RestorePracticeRevision(ctx, v, p.ID, n, f.Version, h.auditEntry(c))
	switch {
	case errors.Is(err, models.ErrStaleVersion):
		h.flash(c, "practices.flash.restore_stale")
		return c.Redirect("/practices/"+p.Slug+"/history", fiber.StatusSeeOther)
	case errors.Is(err, models.ErrWrongState):
		h.flash(c, "practices.flash.restore_archived")
		return c.Redirect("/practices/"+p.Slug+"/history", fiber.StatusSeeOther)
	case err != nil:
		return err
	}
	h.flash(c, "practices.flash.restored")
	return c.Redirect("/practices/"+p.Slug+"/edit", fiber.StatusSeeOther)
}
