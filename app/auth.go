package app

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"proact/app/form"
	"proact/models"
)

// loginForm is what the sign-in form sends.
type loginForm struct {
	Email    string `form:"email"`
	Password string `form:"password"`
	Next     string `form:"next"`
}

type loginData struct {
	Form  loginForm
	Error string // translation key
}

// showLogin is the sign-in form.
func (h *handlers) showLogin(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect("/account", fiber.StatusSeeOther)
	}
	return h.renderLogin(c, fiber.StatusOK, loginData{Form: loginForm{Next: localPath(c.Query("next"))}})
}

func (h *handlers) renderLogin(c *fiber.Ctx, status int, d loginData) error {
	d.Form.Password = "" // never sent back
	return h.render(c, status, tplLogin, h.page(c, localizer(c).T("login.title"), d))
}

// login checks the password. An unknown address and a wrong password get the
// same answer in the same time; failures count per IP and per account.
func (h *handlers) login(c *fiber.Ctx) error {
	var f loginForm
	if err := form.Parse(c, &f); err != nil {
		return err
	}
	f.Email = strings.TrimSpace(f.Email)
	if err := h.checkThrottle(c, "login", f.Email); err != nil {
		return err
	}
	ctx := c.UserContext()
	u, err := h.store.UserByEmail(ctx, f.Email)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	ok := false
	if u != nil && u.PasswordHash != "" {
		ok = h.checkPassword(c, f.Password, u.PasswordHash)
	} else {
		h.checkPassword(c, f.Password, h.dummyHash)
	}
	if !ok || u.Status != models.UserActive {
		if err := h.failThrottle(c, "login", f.Email); err != nil {
			return err
		}
		h.audit(c, models.AuditEntry{Action: models.AuditLoginFailure, ActorEmail: form.Truncate(f.Email, 200), Detail: "password"})
		return h.renderLogin(c, fiber.StatusUnauthorized, loginData{Form: f, Error: "login.failed"})
	}
	h.clearThrottle(c, "login", f.Email)
	if u.TOTPEnabled {
		sess, err := h.sessions.Get(c)
		if err != nil {
			return err
		}
		if err := sess.Regenerate(); err != nil {
			return err
		}
		sess.Set(sessPending, u.ID)
		sess.Set(sessPendingAt, h.cfg.Now().Unix())
		if err := sess.Save(); err != nil {
			return err
		}
		return c.Redirect("/login/2fa?next="+queryEscape(localPath(f.Next)), fiber.StatusSeeOther)
	}
	return h.completeLogin(c, u, f.Next, "password")
}

// completeLogin starts the session and sends the person on: to set up
// two-factor authentication when their role requires it, to change a
// one-time password, or where they were going.
func (h *handlers) completeLogin(c *fiber.Ctx, u *models.User, next, method string) error {
	if err := h.signIn(c, u); err != nil {
		return err
	}
	h.audit(c, models.AuditEntry{Action: models.AuditLoginSuccess, Detail: method})
	switch {
	case u.MustChangePassword:
		return c.Redirect("/account/password", fiber.StatusSeeOther)
	case needsTwoFactor(u):
		return c.Redirect("/account/2fa", fiber.StatusSeeOther)
	}
	return c.Redirect(localPath(next), fiber.StatusSeeOther)
}

// validTOTP checks a six-digit code of an authenticator app against secret,
// by the configured clock, allowing one period of clock drift either way.
func (h *handlers) validTOTP(code, secret string) bool {
	if len(code) != 6 {
		return false
	}
	ok, err := totp.ValidateCustom(code, secret, h.cfg.Now().UTC(),
		totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	return err == nil && ok
}

// needsTwoFactor: moderators and administrators must use two-factor
// authentication before any /admin page opens.
func needsTwoFactor(u *models.User) bool {
	return (u.Role == models.RoleAdmin || u.Role == models.RoleModerator) && !u.TOTPEnabled
}

// pendingTimeout is how long the two-factor step waits after the password.
const pendingTimeout = 5 * time.Minute

type twoFactorData struct {
	Next  string
	Error string
}

// pendingUser is the person who passed the password step within 5 minutes.
func (h *handlers) pendingUser(c *fiber.Ctx) (*models.User, error) {
	if c.Cookies(sessionCookie) == "" {
		return nil, models.ErrNotFound
	}
	sess, err := h.sessions.Get(c)
	if err != nil {
		return nil, err
	}
	uid, _ := sess.Get(sessPending).(uint)
	at, _ := sess.Get(sessPendingAt).(int64)
	if uid == 0 || h.cfg.Now().Sub(time.Unix(at, 0)) > pendingTimeout {
		return nil, models.ErrNotFound
	}
	return h.store.UserByID(c.UserContext(), uid)
}

// showTwoFactor asks for the code of the authenticator app.
func (h *handlers) showTwoFactor(c *fiber.Ctx) error {
	if _, err := h.pendingUser(c); err != nil {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	d := twoFactorData{Next: localPath(c.Query("next"))}
	return h.render(c, fiber.StatusOK, tplLoginTwoFactor, h.page(c, localizer(c).T("login.2fa.title"), d))
}

// twoFactor checks a TOTP code or a recovery code.
func (h *handlers) twoFactor(c *fiber.Ctx) error {
	u, err := h.pendingUser(c)
	if err != nil {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	if err := h.checkThrottle(c, "2fa", u.Email); err != nil {
		return err
	}
	code := strings.TrimSpace(c.FormValue("code"))
	next := localPath(c.FormValue("next"))
	ok := h.validTOTP(code, u.TOTPSecret)
	method := "totp"
	if !ok && len(code) > 6 {
		ok, err = h.store.UseRecoveryCode(c.UserContext(), u.ID, code)
		if err != nil {
			return err
		}
		method = "recovery code"
	}
	if !ok {
		if err := h.failThrottle(c, "2fa", u.Email); err != nil {
			return err
		}
		h.audit(c, models.AuditEntry{Action: models.AuditLoginFailure, ActorID: &u.ID, ActorEmail: u.Email, Detail: "2fa"})
		d := twoFactorData{Next: next, Error: "login.2fa.failed"}
		return h.render(c, fiber.StatusUnauthorized, tplLoginTwoFactor, h.page(c, localizer(c).T("login.2fa.title"), d))
	}
	h.clearThrottle(c, "2fa", u.Email)
	return h.completeLogin(c, u, next, method)
}

// logout ends the session on the server.
func (h *handlers) logout(c *fiber.Ctx) error {
	if u := currentUser(c); u != nil {
		h.audit(c, models.AuditEntry{Action: models.AuditLogout})
	}
	if err := h.signOut(c); err != nil {
		return err
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

// audit writes an audit entry of an event that is no write of its own (a
// sign-in, a sign-out, a failure); the actor is the signed-in user unless the
// entry names one, and the address is the real client address. A write's
// audit row goes in the write's transaction instead: see write and auditTx.
func (h *handlers) audit(c *fiber.Ctx, e models.AuditEntry) {
	if err := h.store.Audit(c.UserContext(), h.withActor(c, e)); err != nil {
		h.log.Error("audit log", "err", err, "action", e.Action, "id", requestID(c))
	}
}

// withActor completes an audit entry with the signed-in person (unless it
// names its actor) and the real client address.
func (h *handlers) withActor(c *fiber.Ctx, e models.AuditEntry) models.AuditEntry {
	if e.ActorID == nil {
		if u := currentUser(c); u != nil {
			e.ActorID, e.ActorEmail = &u.ID, u.Email
		}
	}
	e.IP = c.IP()
	return e
}

// write runs fn in one transaction: a write, its audit rows (auditTx) and
// its mail (mail.Queue with tx) commit together, or none of them does.
func (h *handlers) write(c *fiber.Ctx, fn func(tx *models.Store) error) error {
	return h.store.WithTx(c.UserContext(), fn)
}

// auditTx writes an audit entry in the transaction tx (see withActor).
func (h *handlers) auditTx(c *fiber.Ctx, tx *models.Store, e models.AuditEntry) error {
	return tx.Audit(c.UserContext(), h.withActor(c, e))
}
