package app

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/app/i18n"
	"proact/models"
)

// Administration: moderators and administrators, all with two-factor
// authentication (the roles middleware sees to it). The pages here are the
// dashboard and shared helpers; users, the audit log and the mail outbox
// have a file each.

// administrators is the role allowed to change roles and read the outbox.
var administrators = []string{models.RoleAdmin}

// adminPerPage is the length of every administration list.
const adminPerPage = 50

// adminFormatTime is how administration pages show a moment: in UTC, to
// the second, the day as the reader's language writes it.
func adminFormatTime(loc *i18n.Localizer, t time.Time) string { return loc.DateTime(t) }

type adminLink struct {
	Href  string
	Label string
	Hint  string
}

type adminDashboardData struct {
	PendingApplications int64
	Users               int64
	UnsentMail          int64
	SMTP                bool
	Links               []adminLink
}

// adminDashboard shows what waits for the staff and where to find the rest.
func (h *handlers) adminDashboard(c *fiber.Ctx) error {
	ctx, loc := c.UserContext(), localizer(c)
	applications, err := h.store.ApplicationCounts(ctx)
	if err != nil {
		return err
	}
	users, err := h.store.CountUsers(ctx)
	if err != nil {
		return err
	}
	unsent, err := h.store.CountUnsentMail(ctx)
	if err != nil {
		return err
	}
	d := adminDashboardData{PendingApplications: applications[models.ApplicationPending], Users: users, UnsentMail: unsent, SMTP: h.cfg.SMTPURL != ""}
	links := []string{"applications", "review", "organisations", "consultations", "users", "audit"}
	if currentUser(c).Role == models.RoleAdmin {
		links = append(links, "mail")
	}
	for _, l := range links {
		d.Links = append(d.Links, adminLink{Href: "/admin/" + l, Label: loc.T("admin.nav." + l), Hint: loc.T("admin.nav." + l + ".hint")})
	}
	return h.render(c, fiber.StatusOK, tplAdmin, h.page(c, loc.T("admin.title"), d))
}

// adminParamID reads a numeric id from the path; anything else is a 404, as an id
// that does not exist would be.
func adminParamID(c *fiber.Ctx, name string) (uint, error) {
	n, err := strconv.ParseUint(c.Params(name), 10, 32)
	if err != nil || n == 0 {
		return 0, fiber.ErrNotFound
	}
	return uint(n), nil
}
