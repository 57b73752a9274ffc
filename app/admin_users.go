package app

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"proact/app/form"
	"proact/app/i18n"
	"proact/models"
)

// userRow is what the user list shows of an account, and what the signed-in
// staff member may do with it.
type userRow struct {
	ID            uint
	Name          string
	Email         string
	Organisation  string
	Role          string
	RoleLabel     string
	Status        string
	StatusLabel   string
	TwoFactor     bool
	LastLogin     string
	Self          bool
	CanChangeRole bool
	CanDisable    bool
	CanEnable     bool
	CanReset      bool
}

type adminUsersData struct {
	Query   string
	Selects []filterSelect
	Items   []userRow
	Total   int64
	Pager   pager
	Roles   []option // the choices of the role change form
	Back    string   // this list with its filters, to come back to after an action
}

// adminUsers lists and searches accounts.
func (h *handlers) adminUsers(c *fiber.Ctx) error {
	ctx, loc, me := c.UserContext(), localizer(c), currentUser(c)
	f := models.UserFilter{
		Query:       form.Truncate(strings.TrimSpace(c.Query("q")), 200),
		Role:        oneOf(c.Query("role"), models.Roles()),
		Status:      oneOf(c.Query("status"), models.UserStatuses()),
		ListOptions: listOptions(c, adminPerPage),
	}
	f.Sort = oneOf(f.Sort, models.UserSortNames()) // "" shows the default chosen
	list, total, err := h.store.ListUsers(ctx, f)
	if err != nil {
		return err
	}
	var orgIDs []uint
	for _, u := range list {
		if u.OrganisationID != nil {
			orgIDs = append(orgIDs, *u.OrganisationID)
		}
	}
	orgs, err := h.store.OrganisationNames(ctx, orgIDs)
	if err != nil {
		return err
	}
	d := adminUsersData{Query: f.Query, Total: total, Pager: newPager(c, f.Page, adminPerPage, total), Back: localPath(c.OriginalURL())}
	if len(d.Back) > 500 {
		d.Back = "/admin/users" // not worth repeating in every form of the page
	}
	for i := range list {
		d.Items = append(d.Items, h.userRow(loc, me, &list[i], orgs))
	}
	d.Selects = []filterSelect{
		translatedSelect(loc, "role", "admin.users.role", "admin.role.", models.Roles(), f.Role, true),
		translatedSelect(loc, "status", "admin.users.status", "admin.status.", models.UserStatuses(), f.Status, true),
		translatedSelect(loc, "sort", "admin.users.sort", "admin.users.sort.", models.UserSortNames(), f.Sort, false),
	}
	d.Roles = translatedSelect(loc, "role", "", "admin.role.", models.Roles(), "", false).Options
	return h.render(c, fiber.StatusOK, tplAdminUsers, h.page(c, loc.T("admin.users.title"), d))
}

func (h *handlers) userRow(loc *i18n.Localizer, me, u *models.User, orgs map[uint]string) userRow {
	r := userRow{
		ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, Status: u.Status,
		RoleLabel:   loc.TOr("admin.role."+u.Role, u.Role),
		StatusLabel: loc.TOr("admin.status."+u.Status, u.Status),
		TwoFactor:   u.TOTPEnabled, Self: u.ID == me.ID,
	}
	if u.OrganisationID != nil {
		r.Organisation = orgs[*u.OrganisationID]
	}
	if u.LastLoginAt != nil {
		r.LastLogin = adminFormatTime(loc, *u.LastLoginAt)
	}
	manage := !r.Self && mayManage(me, u)
	r.CanChangeRole = manage && me.Role == models.RoleAdmin
	r.CanDisable = manage && u.Status != models.UserDisabled
	r.CanEnable = manage && u.Status == models.UserDisabled
	r.CanReset = manage && u.TOTPEnabled
	return r
}

// mayManage: administrators manage every account, moderators only members'.
func mayManage(me, target *models.User) bool {
	return me.Role == models.RoleAdmin || target.Role == models.RoleMember
}

// managedUser loads the account named in the path, if the signed-in staff
// member may manage it: a moderator touching an administrator or another
// moderator is refused.
func (h *handlers) managedUser(c *fiber.Ctx) (*models.User, error) {
	id, err := adminParamID(c, "id")
	if err != nil {
		return nil, err
	}
	target, err := h.store.UserByID(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	if !mayManage(currentUser(c), target) {
		return nil, fiber.ErrForbidden
	}
	return target, nil
}

// backToUsers returns to the user list the form was sent from, with a message.
func (h *handlers) backToUsers(c *fiber.Ctx, flashKey string) error {
	h.flash(c, flashKey)
	back := localPath(c.FormValue("back"))
	if back != "/admin/users" && !strings.HasPrefix(back, "/admin/users?") {
		back = "/admin/users"
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}

// adminChangeRole gives an account another role (administrators only). The
// person's sessions end, so they sign in again with the new privileges.
func (h *handlers) adminChangeRole(c *fiber.Ctx) error {
	target, err := h.managedUser(c)
	if err != nil {
		return err
	}
	role := c.FormValue("role")
	switch {
	case target.ID == currentUser(c).ID:
		return h.backToUsers(c, "admin.users.flash.self")
	case !slices.Contains(models.Roles(), role):
		return h.backToUsers(c, "admin.users.flash.bad_role")
	case role == target.Role:
		return h.backToUsers(c, "admin.users.flash.unchanged")
	}
	// The role, the end of the sessions, the detachment from the
	// organisation of someone made staff, and the audit row: one transaction.
	err = h.write(c, func(tx *models.Store) error {
		if err := tx.SetUserRole(c.UserContext(), target.ID, role); err != nil {
			return err
		}
		return h.auditTx(c, tx, models.AuditEntry{Action: models.AuditRoleChanged, TargetKind: "user", TargetID: &target.ID,
			Detail: target.Role + " → " + role})
	})
	if err != nil {
		return err
	}
	if role != models.RoleMember && target.OrganisationID != nil {
		return h.backToUsers(c, "admin.users.flash.role_changed_detached")
	}
	return h.backToUsers(c, "admin.users.flash.role_changed")
}

// adminDisableUser stops an account from signing in and ends its sessions.
func (h *handlers) adminDisableUser(c *fiber.Ctx) error {
	return h.adminSetStatus(c, models.UserDisabled, models.AuditUserDisabled, "admin.users.flash.disabled")
}

// adminEnableUser lets a disabled account sign in again.
func (h *handlers) adminEnableUser(c *fiber.Ctx) error {
	return h.adminSetStatus(c, models.UserActive, models.AuditUserEnabled, "admin.users.flash.enabled")
}

func (h *handlers) adminSetStatus(c *fiber.Ctx, status, action, done string) error {
	target, err := h.managedUser(c)
	if err != nil {
		return err
	}
	if status == models.UserActive && target.PasswordHash == "" {
		status = models.UserInvited // never chose a password: back to waiting for the invitation
	}
	switch {
	case target.ID == currentUser(c).ID:
		return h.backToUsers(c, "admin.users.flash.self")
	case target.Status == status || (action == models.AuditUserEnabled && target.Status != models.UserDisabled):
		return h.backToUsers(c, "admin.users.flash.unchanged")
	}
	err = h.write(c, func(tx *models.Store) error {
		if err := tx.SetUserStatus(c.UserContext(), target.ID, status); err != nil {
			return err
		}
		return h.auditTx(c, tx, models.AuditEntry{Action: action, TargetKind: "user", TargetID: &target.ID, Detail: target.Status + " → " + status})
	})
	if err != nil {
		return err
	}
	return h.backToUsers(c, done)
}

// adminResetTwoFactor removes an account's authenticator and recovery codes,
// for someone who lost both; staff must set it up again at the next sign-in.
func (h *handlers) adminResetTwoFactor(c *fiber.Ctx) error {
	target, err := h.managedUser(c)
	if err != nil {
		return err
	}
	if target.ID == currentUser(c).ID {
		return h.backToUsers(c, "admin.users.flash.self")
	}
	err = h.write(c, func(tx *models.Store) error {
		if err := tx.ResetTwoFactor(c.UserContext(), target.ID); err != nil {
			return err
		}
		return h.auditTx(c, tx, models.AuditEntry{Action: models.AuditTwoFactorReset, TargetKind: "user", TargetID: &target.ID})
	})
	if err != nil {
		return err
	}
	return h.backToUsers(c, "admin.users.flash.2fa_reset")
}
