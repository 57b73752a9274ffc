package app

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"proact/app/form"
	"proact/app/mail"
	"proact/models"
)

// The moderators' review of an application beyond the decision: notes and
// checklist, a request for more information, the invitation's link.

const maxNotes = 10000

// saveApplicationNotes stores the internal notes and the vetting checklist.
func (h *handlers) saveApplicationNotes(c *fiber.Ctx) error {
	a, err := h.application(c)
	if err != nil {
		return err
	}
	notes := strings.TrimSpace(strings.ReplaceAll(c.FormValue("notes"), "\r\n", "\n"))
	var ps form.Problems
	if ps.Multiline("notes", notes, maxNotes, false); !ps.OK() {
		return h.renderApplication(c, fiber.StatusUnprocessableEntity, a, ps.Key("notes"), nil)
	}
	var checks []string
	args := c.Request().PostArgs()
	for _, v := range args.PeekMulti("check") {
		if s := string(v); slices.Contains(models.VettingChecks(), s) && !slices.Contains(checks, s) {
			checks = append(checks, s)
		}
	}
	ctx := c.UserContext()
	err = h.store.WithTx(ctx, func(tx *models.Store) error {
		if err := tx.SaveApplicationNotes(ctx, a.ID, notes, checks); err != nil {
			return err
		}
		e := h.auditEntry(c)
		e.Action, e.TargetKind, e.TargetID, e.Detail = models.AuditApplicationNoted, "application", &a.ID, strings.Join(checks, ",")
		return tx.Audit(ctx, e)
	})
	if err != nil {
		return err
	}
	h.flash(c, "staff.flash.notes_saved")
	return c.Redirect("/admin/applications/"+strconv.FormatUint(uint64(a.ID), 10), fiber.StatusSeeOther)
}

func (h *handlers) showInfoRequest(c *fiber.Ctx) error {
	a, err := h.application(c)
	if err != nil {
		return err
	}
	if !a.Open() {
		return models.ErrConflict
	}
	return h.confirmStep(c, fiber.StatusOK, h.infoConfirm(c, a, "", ""))
}

// infoConfirm is the form that asks the applicant for more information.
func (h *handlers) infoConfirm(c *fiber.Ctx, a *models.Application, typed, errKey string) *Page {
	loc, name, id := localizer(c), profileOf(a).Name, strconv.FormatUint(uint64(a.ID), 10)
	r := &stepReason{Name: "questions", Label: loc.T("staff.info.questions"), Multiline: true,
		Hint: loc.T("staff.info.hint"), Value: typed}
	if errKey != "" {
		r.Error = loc.T(errKey, "Field", r.Label)
	}
	return h.page(c, loc.T("staff.info.title", "Name", name), stepData{
		Back: "/admin/applications/" + id, BackTo: loc.T("directory.application.title", "Name", name),
		Lead:   loc.T("staff.info.lead", "Email", a.ContactEmail),
		Action: "/admin/applications/" + id + "/info", Button: loc.T("staff.info.send"), Reason: r,
	})
}

// requestInfo mails the applicant the moderator's questions; the
// application waits in status info_requested until it is decided.
func (h *handlers) requestInfo(c *fiber.Ctx) error {
	a, err := h.application(c)
	if err != nil {
		return err
	}
	if !a.Open() {
		return models.ErrConflict
	}
	questions := strings.TrimSpace(strings.ReplaceAll(c.FormValue("questions"), "\r\n", "\n"))
	var ps form.Problems
	if ps.Multiline("questions", questions, maxReason, true); !ps.OK() {
		return h.confirmStep(c, fiber.StatusUnprocessableEntity, h.infoConfirm(c, a, questions, ps.Key("questions")))
	}
	ctx := c.UserContext()
	err = h.store.WithTx(ctx, func(tx *models.Store) error {
		if err := tx.RequestApplicationInfo(ctx, a.ID); err != nil {
			return err
		}
		if err := h.mail.Queue(ctx, tx, h.mail.MoreInformation(a, profileOf(a).Name, questions)); err != nil {
			return err
		}
		e := h.auditEntry(c)
		e.Action, e.TargetKind, e.TargetID, e.Detail = models.AuditInfoRequested, "application", &a.ID, form.Truncate(questions, 500)
		return tx.Audit(ctx, e)
	})
	if err != nil {
		return err
	}
	h.flash(c, h.mailQueuedKey("staff.flash.info_requested"))
	return c.Redirect("/admin/applications/"+strconv.FormatUint(uint64(a.ID), 10), fiber.StatusSeeOther)
}

// applicationInvitation gives the contact person of an approved application
// a new invitation link, shown for copying; action=resend queues its mail.
func (h *handlers) applicationInvitation(c *fiber.Ctx) error {
	a, err := h.application(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if a.Status != models.ApplicationApproved || a.OrganisationID == nil {
		return models.ErrConflict
	}
	u, err := h.store.UserByEmail(ctx, a.ContactEmail)
	if err != nil {
		return err
	}
	if u.Status != models.UserInvited || u.OrganisationID == nil || *u.OrganisationID != *a.OrganisationID {
		return models.ErrConflict
	}
	resend, err := invitationAction(c)
	if err != nil {
		return err
	}
	var link string
	err = h.store.WithTx(ctx, func(tx *models.Store) error {
		if link, err = h.mail.InvitationLink(ctx, tx, u, profileOf(a).Name, mail.ByNetwork, resend); err != nil {
			return err
		}
		e := h.auditEntry(c)
		e.Action, e.TargetKind, e.TargetID, e.Detail = models.AuditInvitationRenewed, "user", &u.ID, "application "+strconv.FormatUint(uint64(a.ID), 10)
		return tx.Audit(ctx, e)
	})
	if err != nil {
		return err
	}
	return h.renderApplication(c, fiber.StatusOK, a, "", h.invitationNotice(u, link, resend))
}
