package app

import (
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"

	"proact/app/form"
	"proact/app/i18n"
	"proact/app/mail"
	"proact/content"
	"proact/models"
)

// Limits of the profile's short fields (bytes), besides those of content.
const (
	maxCity   = 100
	maxURL    = 500
	maxPerson = 200
	maxReason = 2000
)

// orgForm is an organisation profile as typed in the join and edit forms. It
// is also the JSON of an application's profile, so field names stay stable.
type orgForm struct {
	Name           string   `form:"name" json:"name"`
	Country        string   `form:"country" json:"country"`
	City           string   `form:"city" json:"city"`
	Type           string   `form:"type" json:"type"`
	Services       []string `form:"services" json:"services"`
	ReferralStages []string `form:"referral_stages" json:"referral_stages"`
	Languages      []string `form:"languages" json:"languages"`
	Website        string   `form:"website" json:"website"`
	PublicEmail    string   `form:"public_email" json:"public_email"`
	PublicPhone    string   `form:"public_phone" json:"public_phone"`
	Description    string   `form:"description" json:"description"`
}

// normalise trims what a person cannot mean to type: spaces around one-line
// values, repeated choices, and Windows line ends.
func (f *orgForm) normalise() {
	for _, s := range []*string{&f.Name, &f.Country, &f.City, &f.Type, &f.Website, &f.PublicEmail, &f.PublicPhone} {
		*s = strings.TrimSpace(*s)
	}
	f.Description = strings.ReplaceAll(f.Description, "\r\n", "\n")
	for _, l := range []*[]string{&f.Services, &f.ReferralStages, &f.Languages} {
		*l = form.Dedupe(*l)
	}
}

// validate checks the profile: the vocabulary and URL checks of the import
// (content.OrganisationFile), then what a form adds: required fields, lengths,
// text a database and a mail header can hold, phone numbers.
func (f *orgForm) validate() form.Problems {
	var ps form.Problems
	ps.Text("name", f.Name, content.MaxTitle, true)
	ps.Required("country", f.Country)
	ps.Text("city", f.City, maxCity, false)
	ps.Required("type", f.Type)
	ps.Text("website", f.Website, maxURL, false)
	ps.Text("public_email", f.PublicEmail, form.MaxEmail, false)
	ps.Phone("public_phone", f.PublicPhone)
	ps.Multiline("description", f.Description, content.MaxBody, false)
	file := content.OrganisationFile{
		Slug: "x", Name: f.Name, Country: f.Country, City: f.City, Type: f.Type,
		Services: f.Services, ReferralStages: f.ReferralStages, Languages: f.Languages,
		Website: f.Website, PublicEmail: f.PublicEmail, Description: f.Description,
	}
	for _, p := range file.Validate() {
		ps.AddValue(p.Field, p.Key, p.Value)
	}
	return ps
}

// joinForm is what /join sends: the profile and the contact person.
type joinForm struct {
	orgForm
	PersonName     string `form:"person_name"`
	PersonEmail    string `form:"person_email"`
	PersonLanguage string `form:"person_language"`
	Consent        string `form:"consent"`
}

func (f *joinForm) validate() form.Problems {
	f.normalise()
	f.PersonName, f.PersonEmail = strings.TrimSpace(f.PersonName), strings.TrimSpace(f.PersonEmail)
	ps := f.orgForm.validate()
	ps.Text("person_name", f.PersonName, maxPerson, true)
	ps.Email("person_email", f.PersonEmail, true)
	ps.OneOf("person_language", f.PersonLanguage, i18n.Languages())
	if f.Consent == "" {
		ps.Add("consent", "directory.validation.consent")
	}
	return ps
}

// orgFormData is the data of the profile fields shared by the join and the
// edit form ("directory-org-fields" in join.html).
type orgFormData struct {
	Form      orgForm
	Errors    form.Messages
	Summary   []form.Link
	Countries []option
	Types     []option
	Services  []option
	Stages    []option
	Languages []option
}

// orgFields is the order of the error summary: the order of the form.
var orgFields = []string{"name", "type", "country", "city", "services", "referral_stages", "languages",
	"website", "public_email", "public_phone", "contact_name", "contact_email", "contact_phone",
	"refers_to", "description", "person_name", "person_email", "person_language", "consent"}

func newOrgFormData(loc *i18n.Localizer, f orgForm, ps form.Problems) orgFormData {
	errs := ps.Messages(loc, "directory.field.")
	return orgFormData{
		Form: f, Errors: errs, Summary: errs.Summary(orgFields),
		Countries: vocabOptions(loc, models.Countries(), []string{f.Country}, true),
		Types:     vocabOptions(loc, models.OrganisationTypes(), []string{f.Type}, true),
		Services:  vocabOptions(loc, models.Services(), f.Services, true),
		Stages:    vocabOptions(loc, models.ReferralStages(), f.ReferralStages, false),
		Languages: vocabOptions(loc, models.Languages(), f.Languages, true),
	}
}

type joinData struct {
	orgFormData
	Person      joinForm
	UILanguages []option
}

// showJoin is the application form.
func (h *handlers) showJoin(c *fiber.Ctx) error {
	return h.renderJoin(c, fiber.StatusOK, joinForm{PersonLanguage: localizer(c).Lang}, nil)
}

func (h *handlers) renderJoin(c *fiber.Ctx, status int, f joinForm, ps form.Problems) error {
	loc := localizer(c)
	d := joinData{orgFormData: newOrgFormData(loc, f.orgForm, ps), Person: f, UILanguages: uiLanguageOptions(f.PersonLanguage)}
	p := h.page(c, loc.T("directory.join.title"), d)
	p.Description = loc.T("directory.join.lead")
	return h.render(c, status, tplJoin, p)
}

// join stores an application, tells the applicant and the moderators, and
// thanks the applicant (post/redirect/get).
func (h *handlers) join(c *fiber.Ctx) error {
	var f joinForm
	if err := form.Parse(c, &f); err != nil {
		return err
	}
	if ps := f.validate(); !ps.OK() {
		return h.renderJoin(c, fiber.StatusUnprocessableEntity, f, ps)
	}
	profile, err := json.Marshal(f.orgForm)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	a := &models.Application{Profile: string(profile), ContactName: f.PersonName, ContactEmail: f.PersonEmail, Language: f.PersonLanguage}
	// The application, its audit row and the mail to the applicant and the
	// moderators: one transaction, so that nobody is left untold.
	err = h.write(c, func(tx *models.Store) error {
		if err := tx.CreateApplication(ctx, a); err != nil {
			return err
		}
		if err := h.auditTx(c, tx, models.AuditEntry{Action: models.AuditApplication, TargetKind: "application", TargetID: &a.ID,
			ActorEmail: a.ContactEmail, Detail: form.Truncate(f.Name, 200)}); err != nil {
			return err
		}
		return h.mailApplication(c, tx, a, f.orgForm)
	})
	if err != nil {
		return err
	}
	return c.Redirect("/join/thanks", fiber.StatusSeeOther)
}

// mailApplication confirms receipt to the contact person and tells every
// moderator and administrator, each in their own language.
func (h *handlers) mailApplication(c *fiber.Ctx, tx *models.Store, a *models.Application, f orgForm) error {
	ctx := c.UserContext()
	staffList, err := tx.UsersWithRole(ctx, models.RoleModerator, models.RoleAdmin)
	if err != nil {
		return err
	}
	msgs := []mail.Message{h.mail.ApplicationReceived(a, f.Name)}
	for i := range staffList {
		msgs = append(msgs, h.mail.ApplicationToStaff(&staffList[i], a, f.Name, f.Country))
	}
	return h.mail.Queue(ctx, tx, msgs...)
}

// joinThanks is where an applicant lands after applying.
func (h *handlers) joinThanks(c *fiber.Ctx) error {
	loc := localizer(c)
	return h.render(c, fiber.StatusOK, tplJoinThanks, h.page(c, loc.T("directory.thanks.title"), nil))
}

// choicesContext lets the checkbox group partial see its options and the
// page: {{template "directory-choices" (.WithChoices "services" .Data.Services)}}.
type choicesContext struct {
	Page    *Page
	Name    string
	Options []option
}

// WithChoices pairs a group of checkboxes with the page.
func (p *Page) WithChoices(name string, opts []option) choicesContext {
	return choicesContext{Page: p, Name: name, Options: opts}
}
