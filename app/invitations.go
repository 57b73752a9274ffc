package app

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"proact/app/mail"
	"proact/models"
)

// Pending invitations: the people an organisation (or the network, on
// approving an application) invited who have not chosen a password yet. A
// message says what happened to the mail: queued, and sent by the mail
// server when there is one; never "sent" when it was only queued.

// invitationNotice is a fresh invitation link, shown once for copying, and
// what became of its mail.
type invitationNotice struct {
	Name, Email, Link string
	// Message is a translation key: the mail queued (with or without a mail
	// server), or no mail at all.
	Message string
}

// invitationNotice says what happened to an invitation to u whose link is
// link; queued says whether its mail was queued.
func (h *handlers) invitationNotice(u *models.User, link string, queued bool) *invitationNotice {
	n := &invitationNotice{Name: u.Name, Email: u.Email, Link: link, Message: "staff.invitation.link_only"}
	if queued {
		n.Message = h.mailQueuedKey("staff.invitation.queued")
	}
	return n
}

// mailQueuedKey is key for a portal with a mail server, key + ".nomail"
// for one without (where queued mail is never sent).
func (h *handlers) mailQueuedKey(key string) string {
	if h.cfg.SMTPURL == "" {
		return key + ".nomail"
	}
	return key
}

// invitedMember loads :id, an account of org whose invitation is pending.
func (h *handlers) invitedMember(c *fiber.Ctx, org *models.Organisation) (*models.User, error) {
	id, err := strconv.ParseUint(c.Params("id"), 10, 32)
	if err != nil {
		return nil, models.ErrNotFound
	}
	u, err := h.store.UserByID(c.UserContext(), uint(id))
	if err != nil {
		return nil, err
	}
	if u.OrganisationID == nil || *u.OrganisationID != org.ID {
		return nil, models.ErrNotFound
	}
	if u.Status != models.UserInvited {
		return nil, models.ErrConflict
	}
	return u, nil
}

// renewInvitation gives a pending invitation a new link (the older ones stop
// working), shown for copying; with action=resend its mail is queued too.
func (h *handlers) renewInvitation(c *fiber.Ctx) error {
	org, err := h.managedOrg(c)
	if err != nil {
		return err
	}
	u, err := h.invitedMember(c, org)
	if err != nil {
		return err
	}
	resend, err := invitationAction(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	var link string
	err = h.store.WithTx(ctx, func(tx *models.Store) error {
		if link, err = h.mail.InvitationLink(ctx, tx, u, org.Name, mail.ByPerson(inviterName(currentUser(c))), resend); err != nil {
			return err
		}
		e := h.auditEntry(c)
		e.Action, e.TargetKind, e.TargetID, e.Detail = models.AuditInvitationRenewed, "user", &u.ID, org.Slug
		return tx.Audit(ctx, e)
	})
	if err != nil {
		return err
	}
	return h.renderMembers(c, fiber.StatusOK, org, membersData{Link: h.invitationNotice(u, link, resend)})
}

// withdrawInvitation deletes a pending invitation: the account that never
// had a password, its links, and its mail still in the outbox.
func (h *handlers) withdrawInvitation(c *fiber.Ctx) error {
	org, err := h.managedOrg(c)
	if err != nil {
		return err
	}
	u, err := h.invitedMember(c, org)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	err = h.store.WithTx(ctx, func(tx *models.Store) error {
		if err := tx.EraseUser(ctx, u.ID); err != nil {
			return err
		}
		e := h.auditEntry(c)
		e.Action, e.TargetKind, e.TargetID, e.Detail = models.AuditInvitationWithdrawn, "user", &u.ID, org.Slug
		return tx.Audit(ctx, e)
	})
	if err != nil {
		return err
	}
	h.flash(c, "staff.invitation.withdrawn")
	return c.Redirect("/organisations/"+org.Slug+"/members", fiber.StatusSeeOther)
}

// invitationAction reads the button of an invitation form: "link" (or none:
// the form sent with Enter) renews the link for copying, "resend" also
// queues its mail. Anything else is refused: renewing ends the link the
// invitee already has, so a stray value must not do it.
func invitationAction(c *fiber.Ctx) (resend bool, err error) {
	switch c.FormValue("action") {
	case "", "link":
		return false, nil
	case "resend":
		return true, nil
	}
	return false, fiber.ErrBadRequest
}
