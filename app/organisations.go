package app

import (
	"errors"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/app/form"
	"proact/app/i18n"
	"proact/app/mail"
	"proact/content"
	"proact/models"
)

// orgCard is what the directory shows of an organisation; templates never
// see entities.
type orgCard struct {
	Slug           string
	Name           string
	Country        string
	City           string
	Type           string
	Services       []string
	ReferralStages []string
	Languages      []string
	Demo           bool
	Status         string
}

func orgCardOf(o *models.Organisation) orgCard {
	return orgCard{
		Slug: o.Slug, Name: o.Name, Country: o.Country, City: o.City, Type: o.Type,
		Services: o.Services, ReferralStages: pathwayOrder(o.ReferralStages), Languages: o.Languages,
		Demo: o.Demo, Status: o.Status,
	}
}

// pathwayOrder sorts referral stages as the pathway runs, from signal to
// inclusion or return, rather than alphabetically.
func pathwayOrder(stages []string) []string {
	out := slices.Clone(stages)
	slices.SortStableFunc(out, func(a, b string) int {
		return models.ReferralStages().Index(a) - models.ReferralStages().Index(b)
	})
	return out
}

type organisationsData struct {
	Query   string
	Selects []filterSelect
	Items   []orgCard
	Total   int64
	Pager   pager
}

// directoryFilter reads the directory's filters from the query string; the
// API takes the same ones.
func directoryFilter(c *fiber.Ctx, o models.ListOptions) models.OrganisationFilter {
	return models.OrganisationFilter{
		Country: c.Query("country"), Type: c.Query("type"), Service: c.Query("service"),
		Stage: c.Query("stage"), Language: c.Query("language"), Query: form.Query(c.Query("q"), 100),
		ListOptions: o,
	}.Normalise()
}

// listOrganisations is the directory of approved organisations.
func (h *handlers) listOrganisations(c *fiber.Ctx) error {
	ctx, loc := c.UserContext(), localizer(c)
	f := directoryFilter(c, listOptions(c, 20))
	items, total, err := h.store.ListOrganisations(ctx, f)
	if err != nil {
		return err
	}
	countries, err := h.store.OrganisationCountries(ctx)
	if err != nil {
		return err
	}
	d := organisationsData{Query: f.Query, Total: total, Pager: newPager(c, f.Page, f.PerPage, total)}
	for i := range items {
		d.Items = append(d.Items, orgCardOf(&items[i]))
	}
	all := loc.T("filter.all")
	country := filterSelect{Name: "country", Label: loc.T("directory.filter.country"), All: all}
	for _, tc := range countries {
		country.Options = append(country.Options, option{Value: tc.Term, Label: loc.Country(tc.Term), Count: tc.Count, Selected: tc.Term == f.Country})
	}
	sortOptions(loc, country.Options)
	d.Selects = []filterSelect{country,
		{Name: "type", Label: loc.T("directory.filter.type"), All: all, Options: vocabOptions(loc, models.OrganisationTypes(), []string{f.Type}, true)},
		{Name: "service", Label: loc.T("directory.filter.service"), All: all, Options: vocabOptions(loc, models.Services(), []string{f.Service}, true)},
		{Name: "stage", Label: loc.T("directory.filter.stage"), All: all, Options: vocabOptions(loc, models.ReferralStages(), []string{f.Stage}, false)},
		{Name: "language", Label: loc.T("directory.filter.language"), All: all, Options: vocabOptions(loc, models.Languages(), []string{f.Language}, true)},
	}
	p := h.page(c, loc.T("directory.title"), d)
	p.Description = loc.T("directory.lead")
	return h.render(c, fiber.StatusOK, tplOrganisations, p)
}

// orgLink is a link to another organisation's profile.
type orgLink struct {
	Slug string
	Name string
}

// orgContact is the members-only contact of an organisation.
type orgContact struct {
	Name  string
	Email string
	Phone string
}

type orgView struct {
	orgCard
	Website     string
	PublicEmail string
	PublicPhone string
	Description template.HTML
	RefersTo    []orgLink
	Contact     *orgContact // nil for visitors
	Notes       []practiceCard
	CanEdit     bool
	// CanWriteNote: the viewer is a member of this organisation who may write.
	CanWriteNote bool
	Reason       string // why it is suspended, for staff
}

// visibleOrganisation loads the organisation of :slug when the viewer may see
// it: approved ones for everyone, any for staff; otherwise ErrNotFound, as
// for a slug that does not exist.
func (h *handlers) visibleOrganisation(c *fiber.Ctx) (*models.Organisation, error) {
	org, err := h.store.AnyOrganisationBySlug(c.UserContext(), c.Params("slug"))
	if err != nil {
		return nil, err
	}
	// Its own members still see a suspended organisation (the banner says
	// they can read); everyone else but staff gets nothing.
	if v := viewer(c); org.Status != models.OrgApproved && !v.Moderates() && v.OrganisationID != org.ID {
		return nil, models.ErrNotFound
	}
	return org, nil
}

// suspendedProfile tells outsiders that a suspended organisation is
// suspended, and nothing else about it (not even why); any other hidden
// organisation stays a 404.
func (h *handlers) suspendedProfile(c *fiber.Ctx) error {
	org, err := h.store.AnyOrganisationBySlug(c.UserContext(), c.Params("slug"))
	if err != nil {
		return err
	}
	if org.Status != models.OrgSuspended {
		return models.ErrNotFound
	}
	loc := localizer(c)
	p := h.page(c, loc.T("staff.suspended.profile.title", "Name", org.Name), org.Name)
	p.Head.Robots = "noindex"
	return h.render(c, fiber.StatusOK, tplOrganisationSuspended, p)
}

// showOrganisation is an organisation's profile with its published notes.
// Visitors see the public fields; signed-in members also the contact.
func (h *handlers) showOrganisation(c *fiber.Ctx) error {
	ctx, v := c.UserContext(), viewer(c)
	org, err := h.visibleOrganisation(c)
	if errors.Is(err, models.ErrNotFound) {
		return h.suspendedProfile(c)
	}
	if err != nil {
		return err
	}
	if v.Moderates() || (v.OrganisationID != 0 && v.OrganisationID == org.ID) {
		personalPage(c) // a moderator's view, or its own members'
	}
	refs, err := h.store.ApprovedOrganisationsBySlug(ctx, org.RefersTo)
	if err != nil {
		return err
	}
	notes, _, err := h.store.ListPractices(ctx, v, models.PracticeFilter{OrgID: org.ID, ListOptions: models.ListOptions{PerPage: 50}})
	if err != nil {
		return err
	}
	view := orgView{
		orgCard: orgCardOf(org), Website: org.Website, PublicEmail: org.PublicEmail, PublicPhone: org.PublicPhone,
		// DescriptionHTML was sanitized by content.Renderer when it was saved.
		Description:  template.HTML(content.ScrollTables(org.DescriptionHTML)), //nolint:gosec // sanitized HTML
		Notes:        cards(notes),
		CanEdit:      v.AdministersOrg(org.ID) && v.CanWrite(),
		CanWriteNote: v.OrganisationID == org.ID && v.CanWrite(),
	}
	for _, r := range refs {
		view.RefersTo = append(view.RefersTo, orgLink{Slug: r.Slug, Name: r.Name})
	}
	if v.SignedIn() && (org.ContactName != "" || org.ContactEmail != "" || org.ContactPhone != "") {
		view.Contact = &orgContact{Name: org.ContactName, Email: org.ContactEmail, Phone: org.ContactPhone}
	}
	if v.Moderates() {
		view.Reason = org.SuspendedReason
	}
	p := h.page(c, org.Name, view)
	p.Description = org.Name + " · " + localizer(c).Country(org.Country)
	return h.render(c, fiber.StatusOK, tplOrganisation, p)
}

// managedOrg loads the organisation of :slug for someone who manages it: its
// own organisation admins and staff. A plain member of it is refused (403);
// anyone else is told it does not exist (404), so that the editing pages of
// another organisation reveal nothing.
func (h *handlers) managedOrg(c *fiber.Ctx) (*models.Organisation, error) {
	org, err := h.store.AnyOrganisationBySlug(c.UserContext(), c.Params("slug"))
	if err != nil {
		return nil, err
	}
	v := viewer(c)
	switch {
	case v.AdministersOrg(org.ID):
		return org, nil
	case v.OrganisationID == org.ID && org.Status == models.OrgApproved:
		return nil, fiber.ErrForbidden
	default:
		return nil, models.ErrNotFound
	}
}

// orgEditForm is the profile form of an organisation's admins: the profile,
// the members-only contact and the organisations it refers people to.
type orgEditForm struct {
	orgForm
	ContactName  string   `form:"contact_name"`
	ContactEmail string   `form:"contact_email"`
	ContactPhone string   `form:"contact_phone"`
	RefersTo     []string `form:"refers_to"`
}

func (f *orgEditForm) validate(choices []models.OrganisationName) form.Problems {
	f.normalise()
	f.ContactName, f.ContactEmail, f.ContactPhone = strings.TrimSpace(f.ContactName), strings.TrimSpace(f.ContactEmail), strings.TrimSpace(f.ContactPhone)
	f.RefersTo = form.Dedupe(f.RefersTo)
	ps := f.orgForm.validate()
	ps.Text("contact_name", f.ContactName, maxPerson, false)
	ps.Email("contact_email", f.ContactEmail, false)
	ps.Phone("contact_phone", f.ContactPhone)
	for _, slug := range f.RefersTo {
		if !slices.ContainsFunc(choices, func(o models.OrganisationName) bool { return o.Slug == slug }) {
			ps.AddValue("refers_to", "validation.unknown_term", slug)
		}
	}
	return ps
}

type orgEditData struct {
	orgFormData
	Slug     string
	OrgName  string
	Edit     orgEditForm
	RefersTo []option
}

func editFormOf(o *models.Organisation) orgEditForm {
	return orgEditForm{
		orgForm: orgForm{
			Name: o.Name, Country: o.Country, City: o.City, Type: o.Type, Services: o.Services,
			ReferralStages: o.ReferralStages, Languages: o.Languages, Website: o.Website,
			PublicEmail: o.PublicEmail, PublicPhone: o.PublicPhone, Description: o.DescriptionMD,
		},
		ContactName: o.ContactName, ContactEmail: o.ContactEmail, ContactPhone: o.ContactPhone, RefersTo: o.RefersTo,
	}
}

// referralChoices are the organisations one may refer people to: the other
// approved ones.
func (h *handlers) referralChoices(c *fiber.Ctx, org *models.Organisation) ([]models.OrganisationName, error) {
	all, err := h.store.ApprovedOrganisationNames(c.UserContext())
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(o models.OrganisationName) bool { return o.Slug == org.Slug }), nil
}

func (h *handlers) renderOrgEdit(c *fiber.Ctx, status int, org *models.Organisation, f orgEditForm, ps form.Problems) error {
	choices, err := h.referralChoices(c, org)
	if err != nil {
		return err
	}
	loc := localizer(c)
	d := orgEditData{orgFormData: newOrgFormData(loc, f.orgForm, ps), Slug: org.Slug, OrgName: org.Name, Edit: f}
	for _, o := range choices {
		d.RefersTo = append(d.RefersTo, option{Value: o.Slug, Label: o.Name, Selected: slices.Contains(f.RefersTo, o.Slug)})
	}
	return h.render(c, status, tplOrganisationEdit, h.page(c, loc.T("directory.edit.title", "Name", org.Name), d))
}

// editOrganisation is the profile form.
func (h *handlers) editOrganisation(c *fiber.Ctx) error {
	org, err := h.managedOrg(c)
	if err != nil {
		return err
	}
	return h.renderOrgEdit(c, fiber.StatusOK, org, editFormOf(org), nil)
}

// updateOrganisation saves the profile; the description goes through the
// sanitizing Markdown pipeline.
func (h *handlers) updateOrganisation(c *fiber.Ctx) error {
	org, err := h.managedOrg(c)
	if err != nil {
		return err
	}
	var f orgEditForm
	if err := form.Parse(c, &f); err != nil {
		return err
	}
	choices, err := h.referralChoices(c, org)
	if err != nil {
		return err
	}
	if ps := f.validate(choices); !ps.OK() {
		return h.renderOrgEdit(c, fiber.StatusUnprocessableEntity, org, f, ps)
	}
	html, err := h.renderer.Render(f.Description)
	if err != nil {
		return err
	}
	org.Name, org.Country, org.City, org.Type = f.Name, f.Country, f.City, f.Type
	org.Services, org.ReferralStages, org.Languages = f.Services, f.ReferralStages, f.Languages
	org.Website, org.PublicEmail, org.PublicPhone = f.Website, f.PublicEmail, f.PublicPhone
	org.DescriptionMD, org.DescriptionHTML = f.Description, html
	org.ContactName, org.ContactEmail, org.ContactPhone, org.RefersTo = f.ContactName, f.ContactEmail, f.ContactPhone, f.RefersTo
	err = h.write(c, func(tx *models.Store) error {
		if err := tx.UpdateOrganisationProfile(c.UserContext(), org); err != nil {
			return err
		}
		return h.auditTx(c, tx, models.AuditEntry{Action: models.AuditOrgUpdated, TargetKind: "organisation", TargetID: &org.ID, Detail: org.Slug})
	})
	if err != nil {
		return err
	}
	h.flash(c, "directory.flash.saved")
	return c.Redirect("/organisations/"+org.Slug, fiber.StatusSeeOther)
}

// memberRow is one colleague in the members list.
type memberRow struct {
	ID        uint
	Name      string
	Email     string
	Status    string
	OrgAdmin  bool
	Self      bool
	Staff     bool // a moderator or administrator: not removable here
	LastLogin time.Time
}

// inviteForm invites a colleague.
type inviteForm struct {
	Name     string `form:"person_name"`
	Email    string `form:"person_email"`
	Language string `form:"person_language"`
}

func (f *inviteForm) validate() form.Problems {
	f.Name, f.Email = strings.TrimSpace(f.Name), strings.TrimSpace(f.Email)
	var ps form.Problems
	ps.Text("person_name", f.Name, maxPerson, true)
	ps.Email("person_email", f.Email, true)
	ps.OneOf("person_language", f.Language, i18n.Languages())
	return ps
}

type membersData struct {
	Slug      string
	OrgName   string
	Members   []memberRow
	Invited   []memberRow // accounts whose invitation is not accepted yet
	Link      *invitationNotice
	Invite    inviteForm
	Errors    form.Messages
	Languages []option
	Error     string // a translation key about the list
}

func (h *handlers) renderMembers(c *fiber.Ctx, status int, org *models.Organisation, d membersData) error {
	list, err := h.store.Members(c.UserContext(), org.ID)
	if err != nil {
		return err
	}
	me := currentUser(c)
	d.Slug, d.OrgName = org.Slug, org.Name
	for _, u := range list {
		row := memberRow{ID: u.ID, Name: u.Name, Email: u.Email, Status: u.Status, OrgAdmin: u.OrgAdmin, Self: u.ID == me.ID,
			Staff: u.Role != models.RoleMember}
		if u.LastLoginAt != nil {
			row.LastLogin = *u.LastLoginAt
		}
		if u.Status == models.UserInvited {
			d.Invited = append(d.Invited, row)
			continue
		}
		d.Members = append(d.Members, row)
	}
	if d.Invite.Language == "" {
		d.Invite.Language = localizer(c).Lang
	}
	d.Languages = uiLanguageOptions(d.Invite.Language)
	loc := localizer(c)
	return h.render(c, status, tplOrganisationMembers, h.page(c, loc.T("directory.members.title", "Name", org.Name), d))
}

// showMembers lists an organisation's accounts for its admins.
func (h *handlers) showMembers(c *fiber.Ctx) error {
	org, err := h.managedOrg(c)
	if err != nil {
		return err
	}
	return h.renderMembers(c, fiber.StatusOK, org, membersData{})
}

// inviteMember creates an account without a password in the organisation and
// mails the invitation in the colleague's language.
func (h *handlers) inviteMember(c *fiber.Ctx) error {
	org, err := h.managedOrg(c)
	if err != nil {
		return err
	}
	var f inviteForm
	if err := form.Parse(c, &f); err != nil {
		return err
	}
	ps := f.validate()
	ctx := c.UserContext()
	if ps.OK() {
		if _, err := h.store.UserByEmail(ctx, f.Email); err == nil {
			ps.Add("person_email", "directory.members.email_taken")
		} else if !errors.Is(err, models.ErrNotFound) {
			return err
		}
	}
	if !ps.OK() {
		return h.renderMembers(c, fiber.StatusUnprocessableEntity, org, membersData{Invite: f, Errors: ps.Messages(localizer(c), "directory.field.")})
	}
	u := &models.User{Email: f.Email, Name: f.Name, Role: models.RoleMember, OrganisationID: &org.ID,
		Language: f.Language, Status: models.UserInvited, SessionEpoch: 1}
	var link string
	err = h.store.WithTx(ctx, func(tx *models.Store) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if link, err = h.mail.InvitationLink(ctx, tx, u, org.Name, mail.ByPerson(inviterName(currentUser(c))), true); err != nil {
			return err
		}
		e := h.auditEntry(c)
		e.Action, e.TargetKind, e.TargetID, e.Detail = models.AuditUserInvited, "user", &u.ID, org.Slug
		return tx.Audit(ctx, e)
	})
	if err != nil {
		return err
	}
	// The link is shown once, here, for the admin to copy: with no mail
	// server it is the only way the colleague gets it.
	return h.renderMembers(c, fiber.StatusOK, org, membersData{Link: h.invitationNotice(u, link, true)})
}

func inviterName(u *models.User) string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// removeMember takes a colleague out of the organisation: the account is
// disabled and its sessions end. Only members' accounts of this
// organisation, and never one's own: a moderator's or administrator's
// account is never changed through an organisation's pages (whoever asks,
// staff included); administrators manage those at /admin/users.
func (h *handlers) removeMember(c *fiber.Ctx) error {
	org, err := h.managedOrg(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseUint(c.Params("id"), 10, 32)
	if err != nil {
		return models.ErrNotFound
	}
	if uint(id) == currentUser(c).ID {
		return h.renderMembers(c, fiber.StatusUnprocessableEntity, org, membersData{Error: "directory.members.not_yourself"})
	}
	uid := uint(id)
	err = h.write(c, func(tx *models.Store) error {
		if err := tx.RemoveFromOrganisation(c.UserContext(), org.ID, uid); err != nil {
			return err
		}
		return h.auditTx(c, tx, models.AuditEntry{Action: models.AuditUserRemoved, TargetKind: "user", TargetID: &uid, Detail: org.Slug})
	})
	if errors.Is(err, models.ErrStaffAccount) {
		return h.renderMembers(c, fiber.StatusForbidden, org, membersData{Error: "directory.members.staff_account"})
	}
	if err != nil {
		return err
	}
	h.flash(c, "directory.members.removed")
	return c.Redirect("/organisations/"+org.Slug+"/members", fiber.StatusSeeOther)
}
