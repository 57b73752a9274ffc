package app

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"proact/models"
)

// Confirmation steps: an action of the staff that is hard to undo
// (suspending, approving, rejecting, disabling, changing a role) is a GET
// page that names its target and says what will happen, with the form that
// POSTs it: no JavaScript needed, and nothing happens on a stray click.

// stepData is the page: a question naming the target, what follows, and
// the form (with an optional reason field) that does it.
type stepData struct {
	Back   string // where "Cancel" and the breadcrumb go
	BackTo string // the label of Back
	Lead   string // what will happen, translated
	Action string // where the form posts
	Hidden map[string]string
	Button string // the button's label, translated
	Danger bool
	Reason *stepReason
}

// stepReason is the form's text field: a reason, or a message.
type stepReason struct {
	Name, Label, Hint, Value, Error string
	Multiline                       bool
}

func (h *handlers) confirmStep(c *fiber.Ctx, status int, p *Page) error {
	return h.render(c, status, tplConfirm, p)
}

// approveConfirm: approving creates the organisation and invites its
// contact person.
func (h *handlers) approveConfirm(c *fiber.Ctx) error {
	a, err := h.application(c)
	if err != nil {
		return err
	}
	if !a.Open() {
		return models.ErrConflict
	}
	loc, name, id := localizer(c), profileOf(a).Name, strconv.FormatUint(uint64(a.ID), 10)
	return h.confirmStep(c, fiber.StatusOK, h.page(c, loc.T("staff.confirm.approve.title", "Name", name), stepData{
		Back: "/admin/applications/" + id, BackTo: loc.T("directory.application.title", "Name", name),
		Lead:   loc.T("staff.confirm.approve.lead", "Name", name, "Email", a.ContactEmail),
		Action: "/admin/applications/" + id + "/approve", Button: loc.T("directory.application.approve"),
	}))
}

func (h *handlers) showRejectConfirm(c *fiber.Ctx) error {
	a, err := h.application(c)
	if err != nil {
		return err
	}
	if !a.Open() {
		return models.ErrConflict
	}
	return h.confirmStep(c, fiber.StatusOK, h.rejectConfirm(c, a, "", ""))
}

// rejectConfirm: the reason is mailed to the contact person.
func (h *handlers) rejectConfirm(c *fiber.Ctx, a *models.Application, typed, errKey string) *Page {
	loc, name, id := localizer(c), profileOf(a).Name, strconv.FormatUint(uint64(a.ID), 10)
	r := &stepReason{Name: "reason", Label: loc.T("directory.applications.reason"), Multiline: true,
		Hint: loc.T("staff.confirm.reject.hint"), Value: typed}
	if errKey != "" {
		r.Error = loc.T(errKey, "Field", r.Label)
	}
	return h.page(c, loc.T("staff.confirm.reject.title", "Name", name), stepData{
		Back: "/admin/applications/" + id, BackTo: loc.T("directory.application.title", "Name", name),
		Lead:   loc.T("staff.confirm.reject.lead", "Name", name, "Email", a.ContactEmail),
		Action: "/admin/applications/" + id + "/reject", Button: loc.T("directory.application.reject"), Danger: true, Reason: r,
	})
}

func (h *handlers) showSuspendConfirm(c *fiber.Ctx) error {
	org, err := h.store.AnyOrganisationBySlug(c.UserContext(), c.Params("slug"))
	if err != nil {
		return err
	}
	if org.Status != models.OrgApproved {
		return models.ErrConflict
	}
	return h.confirmStep(c, fiber.StatusOK, h.suspendConfirm(c, org, "", ""))
}

// suspendConfirm: the members can no longer write; the organisation's
// admins are told why by mail.
func (h *handlers) suspendConfirm(c *fiber.Ctx, org *models.Organisation, typed, errKey string) *Page {
	loc := localizer(c)
	r := &stepReason{Name: "reason", Label: loc.T("directory.admin.reason"), Multiline: true,
		Hint: loc.T("staff.confirm.suspend.hint"), Value: typed}
	if errKey != "" {
		r.Error = loc.T(errKey, "Field", r.Label)
	}
	return h.page(c, loc.T("staff.confirm.suspend.title", "Name", org.Name), stepData{
		Back: "/admin/organisations", BackTo: loc.T("directory.admin.title"),
		Lead:   loc.T("staff.confirm.suspend.lead", "Name", org.Name),
		Action: "/admin/organisations/" + org.Slug + "/suspend", Button: loc.T("directory.admin.suspend"), Danger: true, Reason: r,
	})
}

// disableConfirm: the account can no longer sign in.
func (h *handlers) disableConfirm(c *fiber.Ctx) error {
	target, err := h.managedUser(c)
	if err != nil {
		return err
	}
	if target.ID == currentUser(c).ID || target.Status == models.UserDisabled {
		return models.ErrConflict
	}
	loc := localizer(c)
	who := target.Email
	return h.confirmStep(c, fiber.StatusOK, h.page(c, loc.T("staff.confirm.disable.title", "Email", who), stepData{
		Back: usersBack(c.Query("back")), BackTo: loc.T("admin.users.title"),
		Lead:   loc.T("staff.confirm.disable.lead", "Email", who),
		Action: "/admin/users/" + strconv.FormatUint(uint64(target.ID), 10) + "/disable", Hidden: map[string]string{"back": usersBack(c.Query("back"))},
		Button: loc.T("admin.users.disable"), Danger: true,
	}))
}

// roleConfirm: the person gets the chosen role and signs in again.
func (h *handlers) roleConfirm(c *fiber.Ctx) error {
	target, err := h.managedUser(c)
	if err != nil {
		return err
	}
	role, loc := c.Query("role"), localizer(c)
	if !oneOfRoles(role) || target.ID == currentUser(c).ID {
		return models.ErrConflict
	}
	if role == target.Role {
		return h.backToUsers(c, "admin.users.flash.unchanged")
	}
	from, to := loc.TOr("admin.role."+target.Role, target.Role), loc.TOr("admin.role."+role, role)
	return h.confirmStep(c, fiber.StatusOK, h.page(c, loc.T("staff.confirm.role.title", "Email", target.Email), stepData{
		Back: usersBack(c.Query("back")), BackTo: loc.T("admin.users.title"),
		Lead:   loc.T("staff.confirm.role.lead", "Email", target.Email, "From", from, "To", to),
		Action: "/admin/users/" + strconv.FormatUint(uint64(target.ID), 10) + "/role",
		Hidden: map[string]string{"role": role, "back": usersBack(c.Query("back"))},
		Button: loc.T("staff.confirm.role.button", "To", to), Danger: role != models.RoleMember,
	}))
}

// usersBack is back if it is the user list (with its filters), else the list.
func usersBack(back string) string {
	back = localPath(back)
	if back == "/admin/users" || len(back) > len("/admin/users?") && back[:len("/admin/users?")] == "/admin/users?" {
		return back
	}
	return "/admin/users"
}

func oneOfRoles(role string) bool {
	for _, r := range models.Roles() {
		if r == role {
			return true
		}
	}
	return false
}
