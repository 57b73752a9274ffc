package app

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/app/form"
	"proact/app/i18n"
	"proact/models"
)

// Your own account: see and edit your details, change your password, and
// delete the account. Two-factor authentication is in twofactor.go, API tokens
// in tokens.go, the data export in privacy.go.

// accountView is what the account page shows of the person.
type accountView struct {
	Name         string
	Email        string
	Role         string
	OrgName      string
	OrgSlug      string
	OrgAdmin     bool
	Language     string
	LastLogin    *time.Time
	TwoFactor    bool
	RecoveryLeft int64
}

// accountForm is the editable part of the account.
type accountForm struct {
	Name     string `form:"name"`
	Language string `form:"language"`
}

type accountData struct {
	Account   accountView
	Form      accountForm
	Errors    form.Messages
	Languages []LanguageOption
}

// passwordFirst is the one gate for someone signed in with a one-time
// password (an invitation by the command line, the first administrator's):
// until they choose their own, the session opens nothing that needs signing
// in. Only changing the password, signing out and the pages that hold nothing
// but public text (passwordFirstOpen; static files and the health checks come
// before this middleware) pass. A page is redirected to the change-password
// form, anything else (a form, the API, with a token too) is refused with 403.
func (h *handlers) passwordFirst(c *fiber.Ctx) error {
	u := currentUser(c)
	if u == nil || !u.MustChangePassword || passwordFirstOpen(c.Path()) {
		return c.Next()
	}
	if !strings.HasPrefix(c.Path(), "/api/") && (c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead) {
		return c.Redirect("/account/password", fiber.StatusSeeOther)
	}
	return errPasswordFirst
}

var errPasswordFirst = fiber.NewError(fiber.StatusForbidden, "one-time password not changed")

// passwordFirstOpen lists what someone who must change their password may
// still open.
func passwordFirstOpen(path string) bool {
	switch path {
	case "/account/password", "/logout", "/privacy":
		return true
	}
	return strings.HasPrefix(path, "/language/")
}

// showAccount shows the person's details and the form to edit them.
func (h *handlers) showAccount(c *fiber.Ctx) error {
	u := currentUser(c)
	return h.renderAccount(c, fiber.StatusOK, accountForm{Name: u.Name, Language: u.Language}, nil)
}

func (h *handlers) renderAccount(c *fiber.Ctx, status int, f accountForm, ps form.Problems) error {
	ctx, u := c.UserContext(), currentUser(c)
	v := accountView{Name: u.Name, Email: u.Email, Role: u.Role, OrgAdmin: u.OrgAdmin,
		Language: u.Language, LastLogin: u.LastLoginAt, TwoFactor: u.TOTPEnabled}
	if u.OrganisationID != nil {
		if org, err := h.store.OrganisationByID(ctx, *u.OrganisationID); err == nil {
			v.OrgName, v.OrgSlug = org.Name, org.Slug
		}
	}
	if u.TOTPEnabled {
		n, err := h.store.RemainingRecoveryCodes(ctx, u.ID)
		if err != nil {
			return err
		}
		v.RecoveryLeft = n
	}
	d := accountData{Account: v, Form: f, Errors: ps.Messages(localizer(c), "")}
	for _, l := range i18n.Languages() {
		d.Languages = append(d.Languages, LanguageOption{Code: l, Name: i18n.SelfName(l), Current: l == f.Language})
	}
	return h.render(c, status, tplAccount, h.page(c, localizer(c).T("account.title"), d))
}

// updateAccount saves the name and the language of mail.
func (h *handlers) updateAccount(c *fiber.Ctx) error {
	var f accountForm
	if err := form.Parse(c, &f); err != nil {
		return err
	}
	if ps := f.validate(); !ps.OK() {
		return h.renderAccount(c, fiber.StatusUnprocessableEntity, f, ps)
	}
	if err := h.store.UpdateProfile(c.UserContext(), currentUser(c).ID, f.Name, f.Language); err != nil {
		return err
	}
	h.flash(c, "flash.account_saved")
	return c.Redirect("/account", fiber.StatusSeeOther)
}

func (f *accountForm) validate() form.Problems {
	f.Name = strings.TrimSpace(f.Name)
	var ps form.Problems
	ps.Name("name", f.Name, "account.name")
	if !i18n.Supported(f.Language) {
		ps.Add("language", "account.language.invalid")
	}
	return ps
}

// checkCurrentPassword verifies the password of the signed-in person (sent
// in the field "current") before a sensitive change, and records a problem
// for field when it is wrong. Failures are throttled like sign-ins, so a
// stolen session cannot be used to guess the password.
func (h *handlers) checkCurrentPassword(c *fiber.Ctx, field string, ps *form.Problems) error {
	u := currentUser(c)
	if err := h.checkThrottle(c, "password", u.Email); err != nil {
		return err
	}
	if !h.checkPassword(c, c.FormValue("current"), u.PasswordHash) {
		if err := h.failThrottle(c, "password", u.Email); err != nil {
			return err
		}
		ps.Add(field, "password.current_wrong")
		return nil
	}
	h.clearThrottle(c, "password", u.Email)
	return nil
}

// passwordData is the change-password form: passwords are never sent back.
type passwordData struct {
	MustChange bool
	Errors     form.Messages
}

// showChangePassword is the change-password form.
func (h *handlers) showChangePassword(c *fiber.Ctx) error {
	d := passwordData{MustChange: currentUser(c).MustChangePassword}
	return h.render(c, fiber.StatusOK, tplAccountPassword, h.page(c, localizer(c).T("account.password.title"), d))
}

// changePassword sets a new password and ends every other session; this one
// continues under a new id.
func (h *handlers) changePassword(c *fiber.Ctx) error {
	var f newPasswordForm
	if err := form.Parse(c, &f); err != nil {
		return err
	}
	u, ps := currentUser(c), form.Problems{}
	if err := h.checkCurrentPassword(c, "current", &ps); err != nil {
		return err
	}
	if h.checkNewPassword(f, u.Email, &ps); !ps.Has("password") && h.checkPassword(c, f.Password, u.PasswordHash) {
		ps.Add("password", "password.same")
	}
	if !ps.OK() {
		d := passwordData{MustChange: u.MustChangePassword, Errors: ps.Messages(localizer(c), "")}
		return h.render(c, fiber.StatusUnprocessableEntity, tplAccountPassword, h.page(c, localizer(c).T("account.password.title"), d))
	}
	hash, err := h.hashPassword(c, f.Password)
	if err != nil {
		return err
	}
	// The password, the end of every session and the audit row: one transaction.
	if _, err := h.store.ChangePassword(c.UserContext(), u.ID, hash, h.auditEntry(c)); err != nil {
		return err
	}
	u.PasswordHash, u.MustChangePassword = hash, false
	if err := h.continueSession(c, u.ID, "flash.password_changed"); err != nil {
		return err
	}
	if needsTwoFactor(u) {
		return c.Redirect("/account/2fa", fiber.StatusSeeOther)
	}
	return c.Redirect("/account", fiber.StatusSeeOther)
}

// continueSession keeps this session signed in after all of the user's
// sessions were ended (EndSessions): it takes the new epoch, gets a new id,
// and carries a flash message. Unlike signIn it keeps the session's start, so
// the absolute timeout still counts from the real sign-in.
func (h *handlers) continueSession(c *fiber.Ctx, userID uint, flash string) error {
	fresh, err := h.store.UserByID(c.UserContext(), userID)
	if err != nil {
		return err
	}
	sess, err := h.sessions.Get(c)
	if err != nil {
		return err
	}
	sess.Set(sessEpoch, fresh.SessionEpoch)
	sess.Set(sessFlash, flash)
	if err := sess.Regenerate(); err != nil {
		return err
	}
	return sess.Save()
}

// deleteData is the page that explains what deleting the account does.
type deleteData struct {
	OrgName string
	Confirm bool
	Errors  form.Messages
}

// showDeleteAccount explains what happens and asks for confirmation.
func (h *handlers) showDeleteAccount(c *fiber.Ctx) error {
	return h.renderDeleteAccount(c, fiber.StatusOK, deleteData{})
}

func (h *handlers) renderDeleteAccount(c *fiber.Ctx, status int, d deleteData) error {
	if u := currentUser(c); u.OrganisationID != nil {
		if org, err := h.store.OrganisationByID(c.UserContext(), *u.OrganisationID); err == nil {
			d.OrgName = org.Name
		}
	}
	return h.render(c, status, tplAccountDelete, h.page(c, localizer(c).T("delete.title"), d))
}

// deleteAccount erases the account after the password and a confirmation.
// What the person wrote stays with their organisation; the audit log keeps
// what happened, anonymised. The last administrator cannot leave the portal
// without one.
func (h *handlers) deleteAccount(c *fiber.Ctx) error {
	u, ctx, ps := currentUser(c), c.UserContext(), form.Problems{}
	d := deleteData{Confirm: c.FormValue("confirm") == "yes"}
	if err := h.checkCurrentPassword(c, "current", &ps); err != nil {
		return err
	}
	if !d.Confirm {
		ps.Add("confirm", "delete.confirm_required")
	}
	if ps.OK() {
		// The audit row (written first, with the actor: the erasure then
		// anonymises it too), the last-administrator check and the erasure
		// are one transaction.
		e := h.auditEntry(c)
		e.Detail = "by the user"
		err := h.store.DeleteAccount(ctx, u.ID, e)
		if errors.Is(err, models.ErrLastAdmin) {
			ps.Add("confirm", "delete.last_admin")
		} else if err != nil {
			return err
		}
	}
	if !ps.OK() {
		d.Errors = ps.Messages(localizer(c), "")
		return h.renderDeleteAccount(c, fiber.StatusUnprocessableEntity, d)
	}
	if err := h.signOut(c); err != nil {
		return err
	}
	h.flash(c, "flash.account_deleted")
	return c.Redirect("/", fiber.StatusSeeOther)
}
