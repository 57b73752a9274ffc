package app

import (
	"errors"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"proact/models"
)

// The links sent by mail: an invitation (choose your first password) and a
// password reset. Both are single-use tokens whose hash only is stored; an
// unknown, expired or used link gets the same 404 page, and bad links count
// against the client's address like failed sign-ins.

// accountErrors maps a form field to the translation key of its problem.
type accountErrors map[string]string

// newPasswordForm is what every form that chooses a password sends.
type newPasswordForm struct {
	Password string `form:"password"`
	Confirm  string `form:"confirm"`
}

// checkNewPassword applies the password policy and the confirmation.
func (h *handlers) checkNewPassword(f newPasswordForm, email string, errs accountErrors) {
	if key := h.policy.Check(f.Password, email); key != "" {
		errs["password"] = key
	} else if f.Password != f.Confirm {
		errs["confirm"] = "password.mismatch"
	}
}

// linkData is the "choose your password" page behind a link.
type linkData struct {
	Token  string
	Email  string
	Errors accountErrors
}

// Throttle scopes of the links: failures count per client address.
const (
	scopeInvitation = "invitation"
	scopeResetLink  = "resetlink"
)

// linkUser returns the account of the valid link in the URL, when that
// account is in the expected state; anything else is models.ErrNotFound.
func (h *handlers) linkUser(c *fiber.Ctx, kind, status string) (*models.User, error) {
	u, err := h.store.PeekToken(c.UserContext(), kind, c.Params("token"))
	if err != nil {
		return nil, err
	}
	if u.Status != status {
		return nil, models.ErrNotFound
	}
	return u, nil
}

// invalidLink is the answer to every link that does not work.
func (h *handlers) invalidLink(c *fiber.Ctx, scope string) error {
	h.failThrottle(c, scope, "")
	return h.render(c, fiber.StatusNotFound, tplLinkInvalid, h.page(c, localizer(c).T("link.invalid.title"), nil))
}

// linkPage shows the form behind a link, or the invalid-link page.
func (h *handlers) linkPage(c *fiber.Ctx, kind, status, scope, tpl, title string) error {
	if err := h.checkThrottle(c, scope, ""); err != nil {
		return err
	}
	u, err := h.linkUser(c, kind, status)
	if errors.Is(err, models.ErrNotFound) {
		return h.invalidLink(c, scope)
	}
	if err != nil {
		return err
	}
	d := linkData{Token: c.Params("token"), Email: u.Email}
	return h.render(c, fiber.StatusOK, tpl, h.page(c, localizer(c).T(title), d))
}

// useLink checks the new password of a link's form and uses the link up. It
// returns the account with its new password hash (not yet saved), or nil
// when it has answered already (invalid link, or the form again with errors).
func (h *handlers) useLink(c *fiber.Ctx, kind, status, scope, tpl, title string) (*models.User, error) {
	if err := h.checkThrottle(c, scope, ""); err != nil {
		return nil, err
	}
	var f newPasswordForm
	if err := c.BodyParser(&f); err != nil {
		return nil, fiber.ErrBadRequest
	}
	u, err := h.linkUser(c, kind, status)
	if errors.Is(err, models.ErrNotFound) {
		return nil, h.invalidLink(c, scope)
	}
	if err != nil {
		return nil, err
	}
	errs := accountErrors{}
	if h.checkNewPassword(f, u.Email, errs); len(errs) > 0 {
		d := linkData{Token: c.Params("token"), Email: u.Email, Errors: errs}
		return nil, h.render(c, fiber.StatusUnprocessableEntity, tpl, h.page(c, localizer(c).T(title), d))
	}
	hash, err := h.hasher.Hash(f.Password)
	if err != nil {
		return nil, err
	}
	// The conditional update in UseToken lets only one of two racing requests through.
	u, err = h.store.UseToken(c.UserContext(), kind, c.Params("token"))
	if errors.Is(err, models.ErrNotFound) || (err == nil && u.Status != status) {
		return nil, h.invalidLink(c, scope)
	}
	if err != nil {
		return nil, err
	}
	u.PasswordHash, u.MustChangePassword = hash, false
	return u, nil
}

// showInvitation is the page behind an invitation link.
func (h *handlers) showInvitation(c *fiber.Ctx) error {
	return h.linkPage(c, models.TokenInvitation, models.UserInvited, scopeInvitation, tplInvitation, "invitation.title")
}

// acceptInvitation sets the first password, activates the account and signs
// the person in (staff go on to set up two-factor authentication).
func (h *handlers) acceptInvitation(c *fiber.Ctx) error {
	u, err := h.useLink(c, models.TokenInvitation, models.UserInvited, scopeInvitation, tplInvitation, "invitation.title")
	if u == nil {
		return err
	}
	u.Status = models.UserActive
	if err := h.store.UpdateUser(c.UserContext(), u); err != nil {
		return err
	}
	return h.completeLogin(c, u, "/account", "invitation")
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
	if !plausibleEmail(email) {
		if err := h.checkThrottle(c, "reset", ""); err != nil {
			return err
		}
		h.failThrottle(c, "reset", "")
		d := forgotData{Email: email, Error: "forgot.invalid"}
		return h.render(c, fiber.StatusUnprocessableEntity, tplPasswordForgot, h.page(c, title, d))
	}
	if err := h.checkThrottle(c, "reset", email); err != nil {
		return err
	}
	h.failThrottle(c, "reset", email)
	ctx := c.UserContext()
	u, err := h.store.UserByEmail(ctx, email)
	switch {
	case err == nil && u.Status == models.UserActive:
		if err := h.sendReset(ctx, u); err != nil {
			return err
		}
	case err != nil && !errors.Is(err, models.ErrNotFound):
		return err
	}
	return h.render(c, fiber.StatusOK, tplPasswordForgot, h.page(c, title, forgotData{Sent: true}))
}

// plausibleEmail accepts a bare address (no display name) of sensible length.
func plausibleEmail(s string) bool {
	if s == "" || len(s) > 254 || !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// showReset is the page behind a password reset link.
func (h *handlers) showReset(c *fiber.Ctx) error {
	return h.linkPage(c, models.TokenReset, models.UserActive, scopeResetLink, tplPasswordReset, "reset.title")
}

// reset sets the new password and ends every session of the account: whoever
// knew the old password is signed out. The person then signs in as usual
// (with their two-factor code, if they use one).
func (h *handlers) reset(c *fiber.Ctx) error {
	u, err := h.useLink(c, models.TokenReset, models.UserActive, scopeResetLink, tplPasswordReset, "reset.title")
	if u == nil {
		return err
	}
	ctx := c.UserContext()
	if err := h.store.UpdateUser(ctx, u); err != nil {
		return err
	}
	if err := h.store.EndSessions(ctx, u.ID); err != nil {
		return err
	}
	h.clearThrottle("login", u.Email)
	h.audit(c, models.AuditEntry{Action: models.AuditPasswordReset, ActorID: &u.ID, ActorEmail: u.Email,
		TargetKind: "user", TargetID: &u.ID})
	h.flash(c, "flash.password_reset")
	return c.Redirect("/login", fiber.StatusSeeOther)
}
