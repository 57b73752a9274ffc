package app

import (
	"fmt"
	"regexp"

	"github.com/gofiber/fiber/v2"

	"proact/app/i18n"
	"proact/models"
)

// mailRow is what the outbox shows of a message.
type mailRow struct {
	ID        uint
	To        string
	Subject   string
	Kind      string
	Language  string
	Created   string
	Sent      string // empty while not delivered
	Attempts  int
	LastError string
}

type adminMailData struct {
	Items []mailRow
	Total int64
	Pager pager
	SMTP  bool
}

type adminMailMessageData struct {
	mailRow
	Body  string
	Links []string // the invitation and reset links in the body, to copy
}

// mailLinks finds the portal's one-time links in a message's body.
var mailLinks = regexp.MustCompile(`https?://[^\s]+/(?:invitation|password/reset)/[A-Za-z0-9]+`)

func newMailRow(loc *i18n.Localizer, m *models.Mail) mailRow {
	r := mailRow{ID: m.ID, To: m.ToAddr, Subject: m.Subject, Created: adminFormatTime(loc, m.CreatedAt),
		Kind: loc.TOr("admin.mail.kind."+m.Kind, m.Kind), Language: loc.LanguageName(m.Language),
		Attempts: m.Attempts, LastError: m.LastError}
	if m.SentAt != nil {
		r.Sent = adminFormatTime(loc, *m.SentAt)
	}
	return r
}

// adminMail lists the mail outbox, newest first. Without SMTP this is where
// invitations and reset links wait to be passed on by hand.
func (h *handlers) adminMail(c *fiber.Ctx) error {
	loc := localizer(c)
	o := listOptions(c, adminPerPage)
	list, total, err := h.store.ListMailPage(c.UserContext(), o)
	if err != nil {
		return err
	}
	d := adminMailData{Total: total, Pager: newPager(c, o.Page, adminPerPage, total), SMTP: h.cfg.SMTPURL != ""}
	for i := range list {
		d.Items = append(d.Items, newMailRow(loc, &list[i]))
	}
	return h.render(c, fiber.StatusOK, tplAdminMail, h.page(c, loc.T("admin.mail.title"), d))
}

// adminMailMessage shows one message in full, as plain text.
func (h *handlers) adminMailMessage(c *fiber.Ctx) error {
	id, err := adminParamID(c, "id")
	if err != nil {
		return err
	}
	m, err := h.store.MailByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	loc := localizer(c)
	d := adminMailMessageData{mailRow: newMailRow(loc, m), Body: m.Body, Links: mailLinks.FindAllString(m.Body, 3)}
	return h.render(c, fiber.StatusOK, tplAdminMailMessage, h.page(c, loc.T("admin.mail.message.title"), d))
}

// adminResendMail queues a copy of a message, for one that failed or was
// lost; the flash says whether anything will send it.
func (h *handlers) adminResendMail(c *fiber.Ctx) error {
	id, err := adminParamID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	var copied *models.Mail
	err = h.store.WithTx(ctx, func(tx *models.Store) error {
		if copied, err = tx.RequeueMail(ctx, id); err != nil {
			return err
		}
		e := h.auditEntry(c)
		e.Action, e.TargetKind, e.TargetID, e.Detail = models.AuditMailRequeued, "mail", &copied.ID, fmt.Sprintf("copy of %d", id)
		return tx.Audit(ctx, e)
	})
	if err != nil {
		return err
	}
	h.flash(c, h.mailQueuedKey("staff.mail.requeued"))
	return c.Redirect(fmt.Sprintf("/admin/mail/%d", copied.ID), fiber.StatusSeeOther)
}
