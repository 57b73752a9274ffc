package app

import (
	"github.com/gofiber/fiber/v2"

	"proact/models"
)

// apiOrganisationSummary is an organisation in the API's directory. Contact
// is the members-only contact: present only for a member's token.
type apiOrganisationSummary struct {
	Slug           string      `json:"slug"`
	Name           string      `json:"name"`
	Country        string      `json:"country"`
	City           string      `json:"city"`
	Type           string      `json:"type"`
	Services       []string    `json:"services"`
	ReferralStages []string    `json:"referral_stages"`
	Languages      []string    `json:"languages"`
	Website        string      `json:"website"`
	PublicEmail    string      `json:"public_email"`
	PublicPhone    string      `json:"public_phone"`
	Demo           bool        `json:"demo"`
	URL            string      `json:"url"`
	Contact        *apiContact `json:"contact,omitempty"`
}

type apiContact struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

type apiOrganisation struct {
	apiOrganisationSummary
	DescriptionMarkdown string               `json:"description_markdown"`
	DescriptionHTML     string               `json:"description_html"`
	RefersTo            []apiOrganisationRef `json:"refers_to"`
}

type apiOrganisationList struct {
	Data []apiOrganisationSummary `json:"data"`
	Meta apiPage                  `json:"meta"`
}

func (h *handlers) apiOrgSummary(o *models.Organisation, v models.Viewer) apiOrganisationSummary {
	s := apiOrganisationSummary{
		Slug: o.Slug, Name: o.Name, Country: o.Country, City: o.City, Type: o.Type,
		Services: nonNil(o.Services), ReferralStages: nonNil(pathwayOrder(o.ReferralStages)), Languages: nonNil(o.Languages),
		Website: o.Website, PublicEmail: o.PublicEmail, PublicPhone: o.PublicPhone, Demo: o.Demo,
		URL: h.cfg.SiteURL() + "/organisations/" + o.Slug,
	}
	if v.SignedIn() {
		s.Contact = &apiContact{Name: o.ContactName, Email: o.ContactEmail, Phone: o.ContactPhone}
	}
	return s
}

// apiListOrganisations is GET /api/v1/organisations, with the filters of the
// directory page.
func (h *handlers) apiListOrganisations(c *fiber.Ctx) error {
	f := directoryFilter(c, apiListOptions(c))
	items, total, err := h.store.ListOrganisations(c.UserContext(), f)
	if err != nil {
		return err
	}
	v := viewer(c)
	out := apiOrganisationList{Data: make([]apiOrganisationSummary, 0, len(items)), Meta: apiPage{Page: f.Page, PerPage: f.PerPage, Total: total}}
	for i := range items {
		out.Data = append(out.Data, h.apiOrgSummary(&items[i], v))
	}
	return c.JSON(out)
}

// apiShowOrganisation is GET /api/v1/organisations/{slug}: approved
// organisations only.
func (h *handlers) apiShowOrganisation(c *fiber.Ctx) error {
	ctx := c.UserContext()
	o, err := h.store.OrganisationBySlug(ctx, c.Params("slug"))
	if err != nil {
		return err
	}
	refs, err := h.store.ApprovedOrganisationsBySlug(ctx, o.RefersTo)
	if err != nil {
		return err
	}
	out := apiOrganisation{
		apiOrganisationSummary: h.apiOrgSummary(o, viewer(c)),
		DescriptionMarkdown:    o.DescriptionMD, DescriptionHTML: o.DescriptionHTML,
		RefersTo: make([]apiOrganisationRef, 0, len(refs)),
	}
	for _, r := range refs {
		out.RefersTo = append(out.RefersTo, apiOrganisationRef{Slug: r.Slug, Name: r.Name, Country: r.Country, Demo: r.Demo})
	}
	return c.JSON(out)
}
