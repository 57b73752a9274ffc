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
	At     string // UTC
	Actor  string
	Action string // translated
	Code   string // the action as stored, for the filter
	Target string
	Detail string
	IP     string
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
	var userIDs []uint
	for _, e := range list {
		if e.TargetKind == "user" && e.TargetID != nil {
			userIDs = append(userIDs, *e.TargetID)
		}
	}
	emails, err := h.store.UserEmails(ctx, userIDs)
	if err != nil {
		return err
	}
	d.Total, d.Pager = total, newPager(c, f.Page, adminPerPage, total)
	for _, e := range list {
		d.Items = append(d.Items, auditRow{
			At: adminFormatTime(loc, e.At), Actor: e.ActorEmail, Code: e.Action, Detail: e.Detail, IP: e.IP,
			Action: loc.TOr("audit.action."+e.Action, e.Action),
			Target: auditTarget(loc, e, emails),
		})
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

// auditTarget names what an entry is about: an account by its address while
// it exists, anything else by its kind and id.
func auditTarget(loc *i18n.Localizer, e models.AuditEntry, emails map[uint]string) string {
	if e.TargetID == nil {
		return ""
	}
	if email, ok := emails[*e.TargetID]; ok && e.TargetKind == "user" {
		return email
	}
	kind := loc.TOr("admin.audit.target."+e.TargetKind, e.TargetKind)
	return strings.TrimSpace(kind + " #" + strconv.FormatUint(uint64(*e.TargetID), 10))
}
