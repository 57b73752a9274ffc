package app

import (
	"encoding/json"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gosimple/slug"

	"proact/app/form"
	"proact/app/mail"
	"proact/content"
	"proact/models"
)

// Moderation of the network's membership: applications and organisations.

// statusTab is one status filter of an admin list, with its count.
type statusTab struct {
	Value   string
	Label   string
	Href    string
	Count   int64
	Current bool
}

type applicationRow struct {
	ID           uint
	Name         string
	Country      string
	ContactName  string
	ContactEmail string
	Status       string
	Created      time.Time
}

type applicationsData struct {
	Status string
	Tabs   []statusTab
	Items  []applicationRow
}

var applicationStatuses = []string{models.ApplicationPending, models.ApplicationInfoRequested, models.ApplicationApproved, models.ApplicationRejected, "all"}

// listApplications lists applications by status, pending ones by default
// (and first in "all"), oldest first: first come, first served.
func (h *handlers) listApplications(c *fiber.Ctx) error {
	ctx, loc := c.UserContext(), localizer(c)
	status := c.Query("status")
	if !slices.Contains(applicationStatuses, status) {
		status = models.ApplicationPending
	}
	counts, err := h.store.ApplicationCounts(ctx)
	if err != nil {
		return err
	}
	only := status
	if only == "all" {
		only = ""
	}
	list, err := h.store.ListApplications(ctx, models.ApplicationFilter{Status: only})
	if err != nil {
		return err
	}
	slices.SortStableFunc(list, func(a, b models.Application) int {
		return boolRank(b.Open()) - boolRank(a.Open())
	})
	d := applicationsData{Status: status}
	for _, s := range applicationStatuses {
		n := counts[models.ApplicationPending] + counts[models.ApplicationInfoRequested] + counts[models.ApplicationApproved] + counts[models.ApplicationRejected]
		if s != "all" {
			n = counts[s]
		}
		d.Tabs = append(d.Tabs, statusTab{Value: s, Label: loc.T("directory.status." + s), Href: "/admin/applications?status=" + s, Count: n, Current: s == status})
	}
	for _, a := range list {
		f := profileOf(&a)
		d.Items = append(d.Items, applicationRow{ID: a.ID, Name: f.Name, Country: f.Country,
			ContactName: a.ContactName, ContactEmail: a.ContactEmail, Status: a.Status, Created: a.CreatedAt})
	}
	return h.render(c, fiber.StatusOK, tplAdminApplications, h.page(c, loc.T("directory.applications.title"), d))
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// profileOf reads the profile stored with an application; one that cannot
// be read shows as empty rather than failing the moderator's page.
func profileOf(a *models.Application) orgForm {
	var f orgForm
	_ = json.Unmarshal([]byte(a.Profile), &f)
	return f
}

type applicationView struct {
	ID           uint
	Status       string
	Pending      bool // open: no decision yet
	Created      time.Time
	ContactName  string
	ContactEmail string
	Language     string
	Profile      orgForm
	Description  template.HTML
	Reason       string
	ReviewedAt   time.Time
	OrgSlug      string
	Error        string // a message about the decision, translated
	// The moderators' review: notes, checklist, the last request for
	// information.
	Notes         string
	Checks        []checkItem
	InfoRequested time.Time
	// Invited: the contact person has not accepted the invitation yet.
	Invited bool
	Link    *invitationNotice
}

// checkItem is one item of the vetting checklist.
type checkItem struct {
	Value, Label string
	Checked      bool
}

// application loads the application of :id.
func (h *handlers) application(c *fiber.Ctx) (*models.Application, error) {
	id, err := strconv.ParseUint(c.Params("id"), 10, 32)
	if err != nil {
		return nil, models.ErrNotFound
	}
	return h.store.ApplicationByID(c.UserContext(), uint(id))
}

func (h *handlers) renderApplication(c *fiber.Ctx, status int, a *models.Application, errKey string, link *invitationNotice) error {
	ctx, loc := c.UserContext(), localizer(c)
	f := profileOf(a)
	html, err := h.renderer.Render(f.Description)
	if err != nil {
		return err
	}
	v := applicationView{
		ID: a.ID, Status: a.Status, Pending: a.Open(), Created: a.CreatedAt,
		ContactName: a.ContactName, ContactEmail: a.ContactEmail, Language: a.Language, Profile: f,
		Description: template.HTML(content.ScrollTables(html)), //nolint:gosec // sanitized by content.Renderer
		Reason:      a.Reason, Notes: a.Notes, Link: link,
	}
	checked := strings.Split(a.Checklist, ",")
	for _, item := range models.VettingChecks() {
		v.Checks = append(v.Checks, checkItem{Value: item, Label: loc.T("staff.check." + item), Checked: slices.Contains(checked, item)})
	}
	if errKey != "" {
		v.Error = loc.T(errKey, "Field", loc.T("directory.applications.reason"))
	}
	if a.ReviewedAt != nil {
		v.ReviewedAt = *a.ReviewedAt
	}
	if a.InfoRequestedAt != nil {
		v.InfoRequested = *a.InfoRequestedAt
	}
	if a.OrganisationID != nil {
		if org, err := h.store.OrganisationByID(ctx, *a.OrganisationID); err == nil {
			v.OrgSlug = org.Slug
		}
		if u, err := h.store.UserByEmail(ctx, a.ContactEmail); err == nil {
			v.Invited = u.Status == models.UserInvited && u.OrganisationID != nil && *u.OrganisationID == *a.OrganisationID
		}
	}
	return h.render(c, status, tplAdminApplication, h.page(c, loc.T("directory.application.title", "Name", f.Name), v))
}

// showApplication shows an application's profile as submitted.
func (h *handlers) showApplication(c *fiber.Ctx) error {
	a, err := h.application(c)
	if err != nil {
		return err
	}
	return h.renderApplication(c, fiber.StatusOK, a, "", nil)
}

// orgSlug makes the slug of a new organisation from its name; the store adds
// -2, -3 ... when it is taken.
func orgSlug(name string) string {
	s := slug.Make(name)
	if len(s) > 80 {
		s = strings.TrimRight(s[:80], "-")
	}
	if !content.ValidSlug(s) {
		return "organisation"
	}
	return s
}

// approveApplication creates the organisation and its contact person's
// account (an organisation admin) in one transaction, then mails the
// invitation. A second decision gives 409.
func (h *handlers) approveApplication(c *fiber.Ctx) error {
	ctx, me := c.UserContext(), currentUser(c)
	a, err := h.application(c)
	if err != nil {
		return err
	}
	if !a.Open() {
		return models.ErrConflict
	}
	if _, err := h.store.UserByEmail(ctx, a.ContactEmail); err == nil {
		return h.renderApplication(c, fiber.StatusConflict, a, "directory.applications.email_taken", nil)
	}
	f := profileOf(a)
	html, err := h.renderer.Render(f.Description)
	if err != nil {
		return err
	}
	org := &models.Organisation{
		Slug: orgSlug(f.Name), Name: f.Name, Country: f.Country, City: f.City, Type: f.Type,
		Services: f.Services, ReferralStages: f.ReferralStages, Languages: f.Languages,
		Website: f.Website, PublicEmail: f.PublicEmail, PublicPhone: f.PublicPhone,
		DescriptionMD: f.Description, DescriptionHTML: html, Status: models.OrgApproved,
	}
	u := &models.User{Email: a.ContactEmail, Name: a.ContactName, Role: models.RoleMember, Language: a.Language,
		Status: models.UserInvited, OrgAdmin: true, SessionEpoch: 1}
	// The organisation, the contact's account, the decision, their audit rows,
	// the invitation link and its mail: one transaction.
	err = h.store.ApproveApplication(ctx, a.ID, me.ID, org, u, h.auditEntry(c), func(tx *models.Store) error {
		return h.mail.Invite(ctx, tx, u, org.Name, mail.ByNetwork)
	})
	if err != nil {
		return err
	}
	h.flash(c, h.mailQueuedKey("staff.flash.approved"))
	return c.Redirect("/admin/applications/"+strconv.FormatUint(uint64(a.ID), 10), fiber.StatusSeeOther)
}

// rejectApplication records the rejection and mails its reason to the
// contact person in their language.
func (h *handlers) rejectApplication(c *fiber.Ctx) error {
	ctx, me := c.UserContext(), currentUser(c)
	a, err := h.application(c)
	if err != nil {
		return err
	}
	if !a.Open() {
		return models.ErrConflict
	}
	reason := strings.TrimSpace(strings.ReplaceAll(c.FormValue("reason"), "\r\n", "\n"))
	var ps form.Problems
	if ps.Multiline("reason", reason, maxReason, true); !ps.OK() {
		return h.confirmStep(c, fiber.StatusUnprocessableEntity, h.rejectConfirm(c, a, reason, ps.Key("reason")))
	}
	err = h.write(c, func(tx *models.Store) error {
		if err := tx.DecideApplication(ctx, a.ID, me.ID, models.ApplicationRejected, reason, nil); err != nil {
			return err
		}
		if err := h.auditTx(c, tx, models.AuditEntry{Action: models.AuditRejected, TargetKind: "application", TargetID: &a.ID, Detail: form.Truncate(reason, 500)}); err != nil {
			return err
		}
		return h.mail.Queue(ctx, tx, h.mail.ApplicationRejected(a, profileOf(a).Name, reason))
	})
	if err != nil {
		return err
	}
	h.flash(c, h.mailQueuedKey("staff.flash.rejected"))
	return c.Redirect("/admin/applications/"+strconv.FormatUint(uint64(a.ID), 10), fiber.StatusSeeOther)
}

type adminOrgRow struct {
	orgCard
	Reason  string
	Updated time.Time
}

type adminOrgsData struct {
	Status string
	Query  string
	Tabs   []statusTab
	Items  []adminOrgRow
	Total  int64
	Pager  pager
}

var orgStatuses = []string{"all", models.OrgApproved, models.OrgSuspended, models.OrgPending}

// listAdminOrganisations lists every organisation, filtered by status and
// name, with the suspend and reinstate buttons.
func (h *handlers) listAdminOrganisations(c *fiber.Ctx) error {
	return h.renderAdminOrgs(c, fiber.StatusOK, adminOrgsData{})
}

func (h *handlers) renderAdminOrgs(c *fiber.Ctx, status int, d adminOrgsData) error {
	loc := localizer(c)
	d.Status = c.Query("status")
	if !slices.Contains(orgStatuses, d.Status) {
		d.Status = "all"
	}
	f := models.OrganisationFilter{Status: d.Status, Query: form.Query(c.Query("q"), 100), ListOptions: listOptions(c, 50)}.Normalise()
	items, total, err := h.store.ListOrganisations(c.UserContext(), f)
	if err != nil {
		return err
	}
	d.Query, d.Total, d.Pager = f.Query, total, newPager(c, f.Page, f.PerPage, total)
	for _, s := range orgStatuses {
		d.Tabs = append(d.Tabs, statusTab{Value: s, Label: loc.T("directory.status." + s), Href: "/admin/organisations?status=" + s, Current: s == d.Status})
	}
	for i := range items {
		d.Items = append(d.Items, adminOrgRow{orgCard: orgCardOf(&items[i]), Reason: items[i].SuspendedReason, Updated: items[i].UpdatedAt})
	}
	return h.render(c, status, tplAdminOrganisations, h.page(c, loc.T("directory.admin.title"), d))
}

// suspendOrganisation stops an organisation's members writing, at once.
func (h *handlers) suspendOrganisation(c *fiber.Ctx) error {
	org, err := h.store.AnyOrganisationBySlug(c.UserContext(), c.Params("slug"))
	if err != nil {
		return err
	}
	if org.Status != models.OrgApproved {
		return models.ErrConflict
	}
	reason := strings.TrimSpace(strings.ReplaceAll(c.FormValue("reason"), "\r\n", "\n"))
	var ps form.Problems
	if ps.Multiline("reason", reason, maxReason, true); !ps.OK() {
		return h.confirmStep(c, fiber.StatusUnprocessableEntity, h.suspendConfirm(c, org, reason, ps.Key("reason")))
	}
	ctx := c.UserContext()
	members, err := h.store.Members(ctx, org.ID)
	if err != nil {
		return err
	}
	// The suspension, its audit line and the mail to the organisation's
	// admins (with the reason) commit together.
	err = h.store.WithTx(ctx, func(tx *models.Store) error {
		if err := tx.SetOrganisationStatus(ctx, org.ID, models.OrgSuspended, reason); err != nil {
			return err
		}
		var msgs []mail.Message
		for i := range members {
			if u := &members[i]; u.OrgAdmin && u.Status == models.UserActive {
				msgs = append(msgs, h.mail.OrganisationSuspended(u, org.Name, reason))
			}
		}
		if err := h.mail.Queue(ctx, tx, msgs...); err != nil {
			return err
		}
		e := h.auditEntry(c)
		e.Action, e.TargetKind, e.TargetID, e.Detail = models.AuditOrgSuspended, "organisation", &org.ID, form.Truncate(org.Slug+": "+reason, 500)
		return tx.Audit(ctx, e)
	})
	if err != nil {
		return err
	}
	h.flash(c, h.mailQueuedKey("staff.flash.suspended"))
	return c.Redirect("/admin/organisations?status="+models.OrgSuspended, fiber.StatusSeeOther)
}

// reinstateOrganisation lets a suspended organisation's members write again.
func (h *handlers) reinstateOrganisation(c *fiber.Ctx) error {
	org, err := h.store.AnyOrganisationBySlug(c.UserContext(), c.Params("slug"))
	if err != nil {
		return err
	}
	if org.Status != models.OrgSuspended {
		return models.ErrConflict
	}
	err = h.write(c, func(tx *models.Store) error {
		if err := tx.SetOrganisationStatus(c.UserContext(), org.ID, models.OrgApproved, ""); err != nil {
			return err
		}
		return h.auditTx(c, tx, models.AuditEntry{Action: models.AuditOrgReinstated, TargetKind: "organisation", TargetID: &org.ID, Detail: org.Slug})
	})
	if err != nil {
		return err
	}
	h.flash(c, "directory.flash.reinstated")
	return c.Redirect("/admin/organisations?status="+models.OrgApproved, fiber.StatusSeeOther)
}
