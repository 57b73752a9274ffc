package app

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/models"
)

// ownNoteRow is one note on the member's notes page.
type ownNoteRow struct {
	Slug        string
	Title       string
	Language    string
	State       string
	Status      string
	Version     int
	Published   int
	Updated     time.Time
	Returned    string // the moderator's last comments, for a returned note
	MembersOnly bool
	IsRevision  bool
	CanSubmit   bool
	Translation bool
}

type accountNotesData struct {
	Tabs     []reviewTab
	State    string
	Items    []ownNoteRow
	Total    int64
	Pager    pager
	CanWrite bool
	OrgName  string
	OrgSlug  string
}

// accountNotes is the member's notes: their organisation's drafts, notes in
// review, returned and published ones, with the moderators' comments.
func (h *handlers) accountNotes(c *fiber.Ctx) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	f := models.OwnNotesFilter{State: oneOf(c.Query("state"), models.OwnNoteStates()), ListOptions: listOptions(c, 0)}
	items, total, err := h.store.OwnNotes(ctx, v, f)
	if err != nil {
		return err
	}
	counts, err := h.store.OwnNoteCounts(ctx, v)
	if err != nil {
		return err
	}
	ids := make([]uint, 0, len(items))
	for _, p := range items {
		ids = append(ids, p.ID)
	}
	returns, err := h.store.LastReturn(ctx, ids)
	if err != nil {
		return err
	}
	d := accountNotesData{State: f.State, Total: total, CanWrite: v.CanWrite()}
	var all int64
	for _, st := range models.OwnNoteStates() {
		all += counts[st]
	}
	d.Tabs = append(d.Tabs, reviewTab{State: "", Label: loc.T("practices.mine.all"), Count: all, Current: f.State == ""})
	for _, st := range models.OwnNoteStates() {
		d.Tabs = append(d.Tabs, reviewTab{State: st, Label: loc.T("practices.state." + st), Count: counts[st], Current: st == f.State})
	}
	for i := range items {
		p := &items[i]
		row := ownNoteRow{Slug: p.Slug, Title: p.Title, Language: p.Language, State: p.State(), Status: p.Status,
			Version: p.Version, Published: p.PublishedVersion, Updated: p.UpdatedAt,
			MembersOnly: p.Visibility == models.VisibilityMembers, IsRevision: p.HasPendingRevision(),
			Translation: p.TranslationOf != ""}
		row.CanSubmit = v.EditsPractice(p) && (row.State == models.StatusDraft || row.State == models.StatusReturned)
		if row.State == models.StatusReturned {
			row.Returned = returns[p.ID].Comment
		}
		d.Items = append(d.Items, row)
		if d.OrgName == "" && p.Organisation != nil {
			d.OrgName, d.OrgSlug = p.Organisation.Name, p.Organisation.Slug
		}
	}
	d.Pager = newPager(c, max(f.Page, 1), 25, total)
	return h.render(c, fiber.StatusOK, tplAccountNotes, h.page(c, loc.T("practices.mine.title"), d))
}
