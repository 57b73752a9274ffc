package app

import (
	"bytes"
	"crypto/rand"
	"errors"
	"image/png"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"proact/app/form"
	"proact/models"
)

// Two-factor authentication with TOTP: set up by scanning a QR code that the
// portal draws itself, confirmed with a first code, backed by ten one-time
// recovery codes. Required for moderators and administrators (see roles in
// access.go), optional for members, who alone may turn it off again.

const (
	totpIssuer        = "PRO-ACT Network"
	recoveryCodeCount = 10
)

// accountTwoFactorData is the two-factor page: set-up (Secret) or state (Enabled),
// and recovery codes when they have just been made: shown this once.
type accountTwoFactorData struct {
	Enabled    bool
	CanTurnOff bool
	Staff      bool
	Secret     string // grouped by four characters, for typing
	Codes      []string
	Remaining  int64
	Errors     form.Messages
}

// accountTwoFactor shows the state of two-factor authentication, or starts
// setting it up.
func (h *handlers) accountTwoFactor(c *fiber.Ctx) error {
	return h.renderTwoFactor(c, fiber.StatusOK, accountTwoFactorData{}, nil)
}

func (h *handlers) renderTwoFactor(c *fiber.Ctx, status int, d accountTwoFactorData, ps form.Problems) error {
	u := currentUser(c)
	d.Errors = ps.Messages(localizer(c), "")
	d.Enabled, d.Staff = u.TOTPEnabled, u.Role != models.RoleMember
	d.CanTurnOff = d.Enabled && !d.Staff
	if u.TOTPEnabled {
		n, err := h.store.RemainingRecoveryCodes(c.UserContext(), u.ID)
		if err != nil {
			return err
		}
		d.Remaining = n
	} else {
		key, err := h.pendingTOTP(c, u, true)
		if err != nil {
			return err
		}
		d.Secret = groupSecret(key.Secret())
	}
	// Secrets and recovery codes must not stay in any cache.
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.render(c, status, tplAccountTwoFactor, h.page(c, localizer(c).T("twofactor.title"), d))
}

// pendingTOTP returns the key being set up, kept in the session until it is
// confirmed; with create, a new key when there is none.
func (h *handlers) pendingTOTP(c *fiber.Ctx, u *models.User, create bool) (*otp.Key, error) {
	sess, err := h.sessions.Get(c)
	if err != nil {
		return nil, err
	}
	if s, ok := sess.Get(sessTOTP).(string); ok && s != "" {
		if key, err := otp.NewKeyFromURL(s); err == nil && key.AccountName() == u.Email {
			return key, nil
		}
	}
	if !create {
		return nil, models.ErrNotFound
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Email})
	if err != nil {
		return nil, err
	}
	sess.Set(sessTOTP, key.String())
	return key, sess.Save()
}

// groupSecret writes a base32 secret in groups of four, for typing.
func groupSecret(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// twoFactorQR draws the QR code of the key being set up.
func (h *handlers) twoFactorQR(c *fiber.Ctx) error {
	u := currentUser(c)
	if u.TOTPEnabled {
		return fiber.ErrNotFound
	}
	key, err := h.pendingTOTP(c, u, false)
	if err != nil {
		return err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, "image/png")
	return c.Send(buf.Bytes())
}

// enableTwoFactor checks the first code from the app, turns two-factor
// authentication on and shows the recovery codes once.
func (h *handlers) enableTwoFactor(c *fiber.Ctx) error {
	u := currentUser(c)
	if u.TOTPEnabled {
		return c.Redirect("/account/2fa", fiber.StatusSeeOther)
	}
	key, err := h.pendingTOTP(c, u, false)
	if errors.Is(err, models.ErrNotFound) {
		return h.renderTwoFactor(c, fiber.StatusUnprocessableEntity, accountTwoFactorData{}, form.Problems{{Field: "code", Key: "twofactor.expired"}})
	}
	if err != nil {
		return err
	}
	code := strings.Join(strings.Fields(c.FormValue("code")), "")
	if !h.validTOTP(code, key.Secret()) {
		return h.renderTwoFactor(c, fiber.StatusUnprocessableEntity, accountTwoFactorData{}, form.Problems{{Field: "code", Key: "twofactor.code_wrong"}})
	}
	// The secret, the recovery codes and the audit row: one transaction.
	codes := newRecoveryCodes()
	err = h.store.EnableTwoFactor(c.UserContext(), u.ID, key.Secret(), codes, h.auditEntry(c))
	if errors.Is(err, models.ErrConflict) {
		return c.Redirect("/account/2fa", fiber.StatusSeeOther) // another request turned it on
	}
	if err != nil {
		return err
	}
	u.TOTPSecret, u.TOTPEnabled = key.Secret(), true
	// A change of privilege: a new session id, without the set-up key.
	sess, err := h.sessions.Get(c)
	if err != nil {
		return err
	}
	sess.Delete(sessTOTP)
	if err := sess.Regenerate(); err != nil {
		return err
	}
	if err := sess.Save(); err != nil {
		return err
	}
	return h.renderTwoFactor(c, fiber.StatusOK, accountTwoFactorData{Codes: codes}, nil)
}

// newRecoveryCodes makes ten recovery codes of 50 random bits each
// (XXXXX-XXXXX), to be stored and shown once.
func newRecoveryCodes() []string {
	codes := make([]string, recoveryCodeCount)
	for i := range codes {
		t := rand.Text()
		codes[i] = t[:5] + "-" + t[5:10]
	}
	return codes
}

// renewRecoveryCodes replaces the recovery codes, after the password.
func (h *handlers) renewRecoveryCodes(c *fiber.Ctx) error {
	u, ps := currentUser(c), form.Problems{}
	if !u.TOTPEnabled {
		return c.Redirect("/account/2fa", fiber.StatusSeeOther)
	}
	if err := h.checkCurrentPassword(c, "current", &ps); err != nil {
		return err
	}
	if !ps.OK() {
		return h.renderTwoFactor(c, fiber.StatusUnprocessableEntity, accountTwoFactorData{}, ps)
	}
	codes, e := newRecoveryCodes(), h.auditEntry(c)
	e.Detail = "new recovery codes"
	err := h.store.RenewRecoveryCodes(c.UserContext(), u.ID, codes, e)
	if errors.Is(err, models.ErrConflict) {
		return c.Redirect("/account/2fa", fiber.StatusSeeOther) // turned off meanwhile
	}
	if err != nil {
		return err
	}
	return h.renderTwoFactor(c, fiber.StatusOK, accountTwoFactorData{Codes: codes}, nil)
}

// disableTwoFactor turns two-factor authentication off, after the password;
// moderators and administrators may not.
func (h *handlers) disableTwoFactor(c *fiber.Ctx) error {
	u, ps := currentUser(c), form.Problems{}
	if u.Role != models.RoleMember {
		return fiber.ErrForbidden
	}
	if !u.TOTPEnabled {
		return c.Redirect("/account/2fa", fiber.StatusSeeOther)
	}
	// The form of this page that asked: its password field shows the problem.
	if err := h.checkCurrentPassword(c, "disable", &ps); err != nil {
		return err
	}
	if !ps.OK() {
		return h.renderTwoFactor(c, fiber.StatusUnprocessableEntity, accountTwoFactorData{}, ps)
	}
	// The secret, the recovery codes, every session (as when staff reset it)
	// and the audit row: one transaction; this session continues under a new
	// id and the new epoch.
	e := h.auditEntry(c)
	e.Detail = "turned off by the user"
	if _, err := h.store.DisableTwoFactor(c.UserContext(), u.ID, e); err != nil {
		return err
	}
	if err := h.continueSession(c, u.ID, "flash.2fa_disabled"); err != nil {
		return err
	}
	return c.Redirect("/account/2fa", fiber.StatusSeeOther)
}
