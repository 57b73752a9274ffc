package app

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"proact/app/form"
	"proact/models"
)

// The links sent by mail: an invitation (choose your first password) and a
// password reset. Both are single-use tokens whose hash only is stored; an
// unknown, expired or used link gets the same 404 page, and bad links count
// against the client's address like failed sign-ins.

// newPasswordForm is what every form that chooses a password sends.
type newPasswordForm struct {
	Password string `form:"password"`
	Confirm  string `form:"confirm"`
}

// checkNewPassword applies the password policy and the confirmation.
func (h *handlers) checkNewPassword(f newPasswordForm, email string, ps *form.Problems) {
	if key := h.policy.Check(f.Password, email); key != "" {
		ps.Add("password", key)
	} else if f.Password != f.Confirm {
		ps.Add("confirm", "password.mismatch")
	}
}

// link is one kind of link sent by mail: its token kind, the state its
// account must be in, its throttle scope (failures count per client
// address), and the page of its form.
type link struct {
	kind, status, scope string
	tpl, title          string
}

var (
	invitationLink = link{models.TokenInvitation, models.UserInvited, "invitation", tplInvitation, "invitation.title"}
	resetLink      = link{models.TokenReset, models.UserActive, "resetlink", tplPasswordReset, "reset.title"}
)

// linkData is the "choose your password" page behind a link.
type linkData struct {
	Token  string
	Email  string
	Errors form.Messages
}

// linkUser returns the account of the valid link in the URL, when that
// account is in the link's state; anything else is models.ErrNotFound.
func (h *handlers) linkUser(c *fiber.Ctx, l link) (*models.User, error) {
	u, err := h.store.PeekToken(c.UserContext(), l.kind, c.Params("token"))
	if err != nil {
		return nil, err
	}
	if u.Status != l.status {
		return nil, models.ErrNotFound
	}
	return u, nil
}

// invalidLink is the answer to every link that does not work.
func (h *handlers) invalidLink(c *fiber.Ctx, l link) error {
	if err := h.failThrottle(c, l.scope, ""); err != nil {
		return err
	}
	return h.render(c, fiber.StatusNotFound, tplLinkInvalid, h.page(c, localizer(c).T("link.invalid.title"), nil))
}

func (h *handlers) renderLink(c *fiber.Ctx, status int, l link, u *models.User, ps form.Problems) error {
	d := linkData{Token: c.Params("token"), Email: u.Email, Errors: ps.Messages(localizer(c), "")}
	return h.render(c, status, l.tpl, h.page(c, localizer(c).T(l.title), d))
}

// showLink shows the form behind a link, or the invalid-link page.
func (h *handlers) showLink(c *fiber.Ctx, l link) error {
	if err := h.checkThrottle(c, l.scope, ""); err != nil {
		return err
	}
	u, err := h.linkUser(c, l)
	if errors.Is(err, models.ErrNotFound) {
		return h.invalidLink(c, l)
	}
	if err != nil {
		return err
	}
	return h.renderLink(c, fiber.StatusOK, l, u, nil)
}

// checkLinkForm reads the new password sent to a link: the link's account
// (models.ErrNotFound for a link that does not work), the form and its
// problems. The link is not used up yet.
func (h *handlers) checkLinkForm(c *fiber.Ctx, l link) (*models.User, newPasswordForm, form.Problems, error) {
	var f newPasswordForm
	if err := h.checkThrottle(c, l.scope, ""); err != nil {
		return nil, f, nil, err
	}
	if err := form.Parse(c, &f); err != nil {
		return nil, f, nil, err
	}
	u, err := h.linkUser(c, l)
	if err != nil {
		return nil, f, nil, err
	}
	var ps form.Problems
	h.checkNewPassword(f, u.Email, &ps)
	return u, f, ps, nil
}

// showInvitation is the page behind an invitation link.
func (h *handlers) showInvitation(c *fiber.Ctx) error { return h.showLink(c, invitationLink) }

// acceptInvitation sets the first password, activates the account and signs
// the person in (staff go on to set up two-factor authentication).
func (h *handlers) acceptInvitation(c *fiber.Ctx) error {
	u, f, ps, err := h.checkLinkForm(c, invitationLink)
	if err == nil && ps.OK() {
		// Using the link up and activating the account: one transaction,
		// whose conditional update lets only one of two racing requests through.
		var hash string
		if hash, err = h.hashPassword(c, f.Password); err == nil {
			u, err = h.store.AcceptInvitation(c.UserContext(), c.Params("token"), hash)
		}
	}
	switch {
	case errors.Is(err, models.ErrNotFound):
		return h.invalidLink(c, invitationLink)
	case err != nil:
		return err
	case !ps.OK():
		return h.renderLink(c, fiber.StatusUnprocessableEntity, invitationLink, u, ps)
	}
	return h.completeLogin(c, u, "/welcome", "invitation")
}

// forgotData is the forgotten-password form, and its one answer.
type forgotData struct {
	Email string
	Error string
	Sent  bool
}

// showForgot asks for the e-mail address of the account.
func (h *handlers) showForgot(c *fiber.Ctx) error {
	return h.render(c, fiber.StatusOK, tplPasswordForgot, h.page(c, localizer(c).T("forgot.title"), forgotData{}))
}

// forgot mails a reset link to an active account. The answer is the same
// whether or not the address has an account, and every request counts
// against the address and the client, so that nobody can bomb a mailbox.
func (h *handlers) forgot(c *fiber.Ctx) error {
	email := strings.TrimSpace(c.FormValue("email"))
	title := localizer(c).T("forgot.title")
	if !form.PlausibleEmail(email) {
		if err := h.checkThrottle(c, "reset", ""); err != nil {
			return err
		}
		if err := h.failThrottle(c, "reset", ""); err != nil {
			return err
		}
		d := forgotData{Email: email, Error: "forgot.invalid"}
		return h.render(c, fiber.StatusUnprocessableEntity, tplPasswordForgot, h.page(c, title, d))
	}
	if err := h.checkThrottle(c, "reset", email); err != nil {
		return err
	}
	if err := h.failThrottle(c, "reset", email); err != nil {
		return err
	}
	ctx := c.UserContext()
	u, err := h.store.UserByEmail(ctx, email)
	switch {
	case err == nil && u.Status == models.UserActive:
		if err := h.mail.SendReset(ctx, h.store, u); err != nil {
			return err
		}
	case err != nil && !errors.Is(err, models.ErrNotFound):
		return err
	}
	return h.render(c, fiber.StatusOK, tplPasswordForgot, h.page(c, title, forgotData{Sent: true}))
}

// showReset is the page behind a password reset link.
func (h *handlers) showReset(c *fiber.Ctx) error { return h.showLink(c, resetLink) }

// reset sets the new password and ends every session of the account: whoever
// knew the old password is signed out. The person then signs in as usual
// (with their two-factor code, if they use one).
func (h *handlers) reset(c *fiber.Ctx) error {
	u, f, ps, err := h.checkLinkForm(c, resetLink)
	if err == nil && ps.OK() {
		// Using the link up, the new password, the end of every session and
		// the audit row (the account's owner as actor): one transaction, so
		// that a failure between them does not burn the link.
		var hash string
		if hash, err = h.hashPassword(c, f.Password); err == nil {
			u, err = h.store.ResetPassword(c.UserContext(), c.Params("token"), hash, models.AuditEntry{IP: c.IP()})
		}
	}
	switch {
	case errors.Is(err, models.ErrNotFound):
		return h.invalidLink(c, resetLink)
	case err != nil:
		return err
	case !ps.OK():
		return h.renderLink(c, fiber.StatusUnprocessableEntity, resetLink, u, ps)
	}
	h.clearThrottle(c, "login", u.Email)
	h.flash(c, "flash.password_reset")
	return c.Redirect("/login", fiber.StatusSeeOther)
}
