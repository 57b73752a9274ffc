package app

import (
	"github.com/gofiber/fiber/v2"

	"proact/models"
)

const tplWelcome = "pages/welcome"

// welcomeData is the first page a new member sees: what to do first.
type welcomeData struct {
	OrgName, OrgSlug string
	OrgAdmin         bool // may edit the profile and invite colleagues
	CanWrite         bool
}

// welcome is where accepting an invitation leads: the next steps (the
// profile, colleagues, a first note), each a link to its page.
func (h *handlers) welcome(c *fiber.Ctx) error {
	v := viewer(c)
	d := welcomeData{CanWrite: v.CanWrite()}
	if org, ok := c.Locals(localOrg).(*models.Organisation); ok && org != nil {
		d.OrgName, d.OrgSlug, d.OrgAdmin = org.Name, org.Slug, v.AdministersOrg(org.ID)
	}
	return h.render(c, fiber.StatusOK, tplWelcome, h.page(c, localizer(c).T("welcome.title"), d))
}
