package app

import (
	"context"
	"encoding/json"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"proact/content"
	"proact/models"
)

// Limits of the profile's short fields (bytes), besides those of content.
const (
	maxCity   = 100
	maxPhone  = 40
	maxEmail  = 254
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
		*l = dedupe(*l)
	}
}

func dedupe(in []string) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

var phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 ()./-]{2,39}$`)

// validate checks the profile: the vocabulary and URL checks of the import
// (content.OrganisationFile), then what a form adds: required fields, lengths,
// text a database and a mail header can hold, phone numbers.
func (f *orgForm) validate() content.Problems {
	var ps problemSet
	ps.text("name", f.Name, content.MaxTitle, true, false)
	ps.required("country", f.Country)
	ps.text("city", f.City, maxCity, false, false)
	ps.required("type", f.Type)
	ps.text("website", f.Website, maxURL, false, false)
	ps.text("public_email", f.PublicEmail, maxEmail, false, false)
	ps.phone("public_phone", f.PublicPhone)
	ps.text("description", f.Description, content.MaxBody, false, true)
	file := content.OrganisationFile{
		Slug: "x", Name: f.Name, Country: f.Country, City: f.City, Type: f.Type,
		Services: f.Services, ReferralStages: f.ReferralStages, Languages: f.Languages,
		Website: f.Website, PublicEmail: f.PublicEmail, Description: f.Description,
	}
	for _, p := range file.Validate() {
		ps.add(p)
	}
	return ps.list
}

// problemSet collects at most one problem per field: the first one found.
type problemSet struct{ list content.Problems }

func (ps *problemSet) add(p content.Problem) {
	if !ps.has(p.Field) {
		ps.list = append(ps.list, p)
	}
}

func (ps *problemSet) has(field string) bool {
	return slices.ContainsFunc(ps.list, func(p content.Problem) bool { return p.Field == field })
}

func (ps *problemSet) required(field, v string) {
	if strings.TrimSpace(v) == "" {
		ps.add(content.Problem{Field: field, Key: "validation.required"})
	}
}

// text checks length and characters; multiline allows line breaks and tabs,
// one-line text no control character at all (it may end up in a mail header).
func (ps *problemSet) text(field, v string, max int, required, multiline bool) {
	switch {
	case required && strings.TrimSpace(v) == "":
		ps.add(content.Problem{Field: field, Key: "validation.required"})
	case len(v) > max:
		ps.add(content.Problem{Field: field, Key: "validation.too_long"})
	case !cleanText(v, multiline):
		ps.add(content.Problem{Field: field, Key: "validation.bad_text"})
	}
}

func (ps *problemSet) phone(field, v string) {
	ps.text(field, v, maxPhone, false, false)
	if v != "" && !phonePattern.MatchString(v) {
		ps.add(content.Problem{Field: field, Value: v, Key: "directory.validation.phone"})
	}
}

func (ps *problemSet) email(field, v string, required bool) {
	ps.text(field, v, maxEmail, required, false)
	if v != "" {
		if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
			ps.add(content.Problem{Field: field, Value: v, Key: "validation.bad_email"})
		}
	}
}

// cleanText reports whether s is valid UTF-8 without control characters
// (line breaks and tabs allowed when multiline).
func cleanText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// cleanQuery makes a search text safe for the database: valid UTF-8, no
// control characters, at most 100 characters.
func cleanQuery(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	return truncateRunes(strings.TrimSpace(s), 100)
}

// joinForm is what /join sends: the profile and the contact person.
type joinForm struct {
	orgForm
	PersonName     string `form:"person_name"`
	PersonEmail    string `form:"person_email"`
	PersonLanguage string `form:"person_language"`
	Consent        string `form:"consent"`
}

func (f *joinForm) validate() content.Problems {
	f.normalise()
	f.PersonName, f.PersonEmail = strings.TrimSpace(f.PersonName), strings.TrimSpace(f.PersonEmail)
	ps := problemSet{list: f.orgForm.validate()}
	ps.text("person_name", f.PersonName, maxPerson, true, false)
	ps.email("person_email", f.PersonEmail, true)
	if !slices.Contains(uiLanguages, f.PersonLanguage) {
		ps.add(content.Problem{Field: "person_language", Value: f.PersonLanguage, Key: "validation.unknown_term"})
	}
	if f.Consent == "" {
		ps.add(content.Problem{Field: "consent", Key: "directory.validation.consent"})
	}
	return ps.list
}

// formErrors translates problems into one message per field, for the form.
func formErrors(loc *Localizer, ps content.Problems) map[string]string {
	out := make(map[string]string, len(ps))
	for _, p := range ps {
		out[p.Field] = loc.T(p.Key, "Field", loc.T("directory.field."+p.Field), "Value", p.Value)
	}
	return out
}

// errorLink is one entry of the error summary above a form.
type errorLink struct {
	Field   string
	Message string
}

// orgFormData is the data of the profile fields shared by the join and the
// edit form ("directory-org-fields" in join.html).
type orgFormData struct {
	Form      orgForm
	Errors    map[string]string
	Summary   []errorLink
	Countries []option
	Types     []option
	Services  []option
	Stages    []option
	Languages []option
}

// fieldOrder is the order of the error summary: the order of the form.
var fieldOrder = []string{"name", "type", "country", "city", "services", "referral_stages", "languages",
	"website", "public_email", "public_phone", "contact_name", "contact_email", "contact_phone",
	"refers_to", "description", "person_name", "person_email", "person_language", "consent"}

func newOrgFormData(loc *Localizer, f orgForm, ps content.Problems) orgFormData {
	d := orgFormData{
		Form: f, Errors: formErrors(loc, ps),
		Countries: vocabOptions(loc, models.Countries(), []string{f.Country}, true),
		Types:     vocabOptions(loc, models.OrganisationTypes(), []string{f.Type}, true),
		Services:  vocabOptions(loc, models.Services(), f.Services, true),
		Stages:    vocabOptions(loc, models.ReferralStages(), f.ReferralStages, false),
		Languages: vocabOptions(loc, models.Languages(), f.Languages, true),
	}
	for _, field := range fieldOrder {
		if msg, ok := d.Errors[field]; ok {
			d.Summary = append(d.Summary, errorLink{Field: field, Message: msg})
		}
	}
	return d
}

// vocabOptions lists a vocabulary's terms with translated labels, sorted by
// label in the reader's language unless the order means something (the
// stages of a referral pathway).
func vocabOptions(loc *Localizer, v models.Vocabulary, selected []string, sortByLabel bool) []option {
	terms := v.Terms()
	out := make([]option, len(terms))
	for i, t := range terms {
		out[i] = option{Value: t, Label: loc.Label(v.Name(), t), Selected: slices.Contains(selected, t)}
	}
	if sortByLabel {
		sortOptions(loc, out)
	}
	return out
}

// sortOptions sorts options by label as a reader of the language expects.
func sortOptions(loc *Localizer, opts []option) {
	col := collate.New(language.Make(loc.Lang), collate.Loose)
	slices.SortStableFunc(opts, func(a, b option) int { return col.CompareString(a.Label, b.Label) })
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

func (h *handlers) renderJoin(c *fiber.Ctx, status int, f joinForm, ps content.Problems) error {
	loc := localizer(c)
	d := joinData{orgFormData: newOrgFormData(loc, f.orgForm, ps), Person: f}
	for _, l := range uiLanguages {
		d.UILanguages = append(d.UILanguages, option{Value: l, Label: SelfName(l), Selected: l == f.PersonLanguage})
	}
	p := h.page(c, loc.T("directory.join.title"), d)
	p.Description = loc.T("directory.join.lead")
	return h.render(c, status, tplJoin, p)
}

// join stores an application, tells the applicant and the moderators, and
// thanks the applicant (post/redirect/get).
func (h *handlers) join(c *fiber.Ctx) error {
	var f joinForm
	if err := c.BodyParser(&f); err != nil {
		return fiber.ErrBadRequest
	}
	if ps := f.validate(); len(ps) > 0 {
		return h.renderJoin(c, fiber.StatusUnprocessableEntity, f, ps)
	}
	profile, err := json.Marshal(f.orgForm)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	a := &models.Application{Profile: string(profile), ContactName: f.PersonName, ContactEmail: f.PersonEmail, Language: f.PersonLanguage}
	if err := h.store.CreateApplication(ctx, a); err != nil {
		return err
	}
	h.audit(c, models.AuditEntry{Action: models.AuditApplication, TargetKind: "application", TargetID: &a.ID,
		ActorEmail: a.ContactEmail, Detail: truncateRunes(f.Name, 200)})
	// The application is stored: a mail that cannot be queued is logged, and
	// moderators still find the application in their list.
	if err := h.mailApplication(ctx, a, f.orgForm); err != nil {
		h.log.Error("application mail", "err", err, "application", a.ID, "id", requestID(c))
	}
	return c.Redirect("/join/thanks", fiber.StatusSeeOther)
}

// mailApplication confirms receipt to the contact person and tells every
// moderator and administrator, each in their own language.
func (h *handlers) mailApplication(ctx context.Context, a *models.Application, f orgForm) error {
	err := h.queueMail(ctx, a.ContactEmail, a.Language, "application", "mail.application.subject", "mail.application.body",
		"Name", a.ContactName, "Organisation", f.Name)
	if err != nil {
		return err
	}
	staffList, err := h.store.UsersWithRole(ctx, models.RoleModerator, models.RoleAdmin)
	if err != nil {
		return err
	}
	link := h.cfg.SiteURL() + "/admin/applications/" + strconv.FormatUint(uint64(a.ID), 10)
	for _, u := range staffList {
		err := h.queueMail(ctx, u.Email, u.Language, "application-staff", "mail.application.staff.subject",
			"mail.application.staff.body", "Name", u.Name, "Organisation", f.Name,
			"Country", h.tr.For(u.Language).Country(f.Country), "Link", link)
		if err != nil {
			return err
		}
	}
	return nil
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
