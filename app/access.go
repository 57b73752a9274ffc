package app

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"proact/models"
)

// Access control: every route's rule is one of these, attached in routes.go,
// so who may do what is read in one place. Handlers still pass the viewer to
// the store, which decides what each person may see.

// signedIn lets members of any role through; others go to the sign-in page
// (or get a JSON 401 under /api).
func (h *handlers) signedIn(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Next()
	}
	if strings.HasPrefix(c.Path(), "/api/") || c.Method() != fiber.MethodGet {
		return fiber.ErrUnauthorized
	}
	return c.Redirect("/login?next="+queryEscape(c.OriginalURL()), fiber.StatusSeeOther)
}

// roles lets through signed-in people holding one of the roles. Moderators
// and administrators must have two-factor authentication set up first.
func (h *handlers) roles(allowed ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u := currentUser(c)
		if u == nil {
			return h.signedIn(c)
		}
		if !slices.Contains(allowed, u.Role) {
			return fiber.ErrForbidden
		}
		return h.twoFactorFirst(c)
	}
}

// twoFactorFirst sends moderators and administrators who have not set up
// two-factor authentication to do so first (after signedIn): before any
// /admin page, and before they hold a credential such as an API token.
func (h *handlers) twoFactorFirst(c *fiber.Ctx) error {
	if needsTwoFactor(currentUser(c)) {
		h.flash(c, "flash.2fa_required")
		return c.Redirect("/account/2fa", fiber.StatusSeeOther)
	}
	return c.Next()
}

// writer lets through signed-in people whose organisation may write: a
// suspended organisation's members can still read, and nothing more.
func (h *handlers) writer(c *fiber.Ctx) error {
	if currentUser(c) == nil {
		return h.signedIn(c)
	}
	if !viewer(c).CanWrite() {
		return errSuspended
	}
	return c.Next()
}

var errSuspended = fiber.NewError(fiber.StatusForbidden, "suspended")

// staff are the roles that run the network.
var staff = []string{models.RoleModerator, models.RoleAdmin}
