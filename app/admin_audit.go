package app

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/app/form"
	"proact/app/i18n"
	"proact/models"
)

// auditRow is one line of the audit log as the page shows it.
type auditRow struct {
	At    string // UTC
	Actor string
	// ActorHref finds the actor among the accounts.
	ActorHref string
	Action    string // translated
	Code      string // the action as stored, for the filter
	Target    string
	// TargetHref leads to what the entry is about, while it exists.
	TargetHref string
	Detail     string
	IP         string
}

type adminAuditData struct {
	Selects []filterSelect // the action
	Actor   string
	From    string
	To      string
	Errors  []form.Link
	Items   []auditRow
	Total   int64
	Pager   pager
}

// adminAudit shows the audit log, newest first, with filters by action,
// actor and dates (UTC days, both ends included).
func (h *handlers) adminAudit(c *fiber.Ctx) error {
	ctx, loc := c.UserContext(), localizer(c)
	d := adminAuditData{
		Actor: form.Truncate(strings.TrimSpace(c.Query("actor")), 200),
		From:  form.Truncate(strings.TrimSpace(c.Query("from")), 40),
		To:    form.Truncate(strings.TrimSpace(c.Query("to")), 40),
	}
	f := models.AuditFilter{Action: oneOf(c.Query("action"), models.AuditActions()), Actor: d.Actor,
		ListOptions: listOptions(c, adminPerPage)}
	var ok bool
	var ps form.Problems
	if f.From, ok = parseDay(d.From); !ok {
		ps.Add("from", "admin.audit.error.from")
	}
	if f.To, ok = parseDay(d.To); !ok {
		ps.Add("to", "admin.audit.error.to")
	} else if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // up to the end of that day
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		ps.Add("range", "admin.audit.error.range")
	}
	d.Errors = ps.Messages(loc, "").Summary([]string{"from", "to", "range"})
	d.Selects = []filterSelect{translatedSelect(loc, "action", "admin.audit.action", "audit.action.", models.AuditActions(), f.Action, true)}
	list, total, err := h.store.ListAudit(ctx, f)
	if err != nil {
		return err
	}
	names, err := h.store.NamesOf(ctx, list)
	if err != nil {
		return err
	}
	d.Total, d.Pager = total, newPager(c, f.Page, adminPerPage, total)
	for _, e := range list {
		r := auditRow{
			At: adminFormatTime(loc, e.At), Actor: e.ActorEmail, Code: e.Action, Detail: e.Detail, IP: e.IP,
			Action: loc.TOr("audit.action."+e.Action, e.Action),
		}
		if e.ActorEmail != "" && e.ActorEmail != "cli" {
			r.ActorHref = "/admin/users?q=" + queryEscape(e.ActorEmail)
		}
		r.Target, r.TargetHref = auditTarget(loc, e, names)
		d.Items = append(d.Items, r)
	}
	return h.render(c, fiber.StatusOK, tplAdminAudit, h.page(c, loc.T("admin.audit.title"), d))
}

// parseDay reads a date of an <input type="date"> (2026-03-14) as the start
// of that day in UTC; "" is no date, and ok is false for anything else.
func parseDay(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.ParseInLocation(time.DateOnly, s, time.UTC)
	return t, err == nil
}

// auditTarget names what an entry is about, and links to it: a person by
// name and address, an organisation or an application by the
// organisation's name; what has been deleted since by its kind and id.
func auditTarget(loc *i18n.Localizer, e models.AuditEntry, names models.AuditNames) (string, string) {
	if e.TargetID == nil {
		return "", ""
	}
	id := *e.TargetID
	switch e.TargetKind {
	case "user":
		if u, ok := names.Users[id]; ok {
			name := u.Email
			if u.Name != "" {
				name = u.Name + " <" + u.Email + ">"
			}
			return loc.T("audit.target.user", "Name", name), "/admin/users?q=" + queryEscape(u.Email)
		}
	case "organisation":
		if o, ok := names.Organisations[id]; ok {
			return loc.T("audit.target.organisation", "Name", o.Name), "/organisations/" + o.Slug
		}
	case "application":
		if o, ok := names.Applications[id]; ok {
			return loc.TOr("admin.audit.target.application", "application") + ": " + o.Name, "/admin/applications/" + strconv.FormatUint(uint64(id), 10)
		}
	}
	ref := strings.TrimSpace(loc.TOr("admin.audit.target."+e.TargetKind, e.TargetKind) + " #" + strconv.FormatUint(uint64(id), 10))
	switch e.TargetKind {
	case "user", "organisation", "application": // looked up above, and not found
		return loc.T("audit.target.gone", "Kind", ref), ""
	}
	return ref, ""
}
