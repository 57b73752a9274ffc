package app

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/models"
)

// The privacy notice, and the export of everything the portal holds about
// the signed-in person (the GDPR's right of access and to portability).

// privacy is the privacy notice: what is stored, why, for how long, who sees
// it, cookies, and the person's rights.
func (h *handlers) privacy(c *fiber.Ctx) error {
	p := h.page(c, localizer(c).T("privacy.title"), nil)
	p.Description = localizer(c).T("privacy.lead")
	return h.render(c, fiber.StatusOK, tplPrivacy, p)
}

// about says what the network is, who may join and how, and how to reach
// its secretariat.
func (h *handlers) about(c *fiber.Ctx) error {
	p := h.page(c, localizer(c).T("about.title"), nil)
	p.Description = localizer(c).T("about.lead")
	return h.render(c, fiber.StatusOK, tplAbout, p)
}

// The export's JSON: mapped field by field from the entities, so that no
// password hash, TOTP secret or token hash can slip in.
type exportDoc struct {
	ExportedAt   time.Time           `json:"exported_at"`
	Profile      exportProfile       `json:"profile"`
	Organisation *exportOrganisation `json:"organisation"`
	APITokens    []exportToken       `json:"api_tokens"`
	AuditLog     []exportAudit       `json:"audit_log"`
	Applications []exportApplication `json:"applications"`
}

type exportProfile struct {
	ID                     uint       `json:"id"`
	Email                  string     `json:"email"`
	Name                   string     `json:"name"`
	Role                   string     `json:"role"`
	OrganisationAdmin      bool       `json:"organisation_admin"`
	Language               string     `json:"language"`
	Status                 string     `json:"status"`
	TwoFactorEnabled       bool       `json:"two_factor_enabled"`
	RecoveryCodesRemaining int64      `json:"recovery_codes_remaining"`
	MustChangePassword     bool       `json:"must_change_password"`
	LastLoginAt            *time.Time `json:"last_login_at"`
	CreatedAt              time.Time  `json:"created_at"`
	UpdatedAt              time.Time  `json:"updated_at"`
}

type exportOrganisation struct {
	Slug    string `json:"slug"`
	Name    string `json:"name"`
	Country string `json:"country"`
}

type exportToken struct {
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

type exportAudit struct {
	At         time.Time `json:"at"`
	Action     string    `json:"action"`
	ActorEmail string    `json:"actor_email"`
	TargetKind string    `json:"target_kind,omitempty"`
	TargetID   *uint     `json:"target_id,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	IP         string    `json:"ip,omitempty"`
}

type exportApplication struct {
	CreatedAt    time.Time       `json:"created_at"`
	Status       string          `json:"status"`
	ContactName  string          `json:"contact_name"`
	ContactEmail string          `json:"contact_email"`
	Language     string          `json:"language"`
	Reason       string          `json:"reason,omitempty"`
	Profile      json.RawMessage `json:"profile,omitempty"`
}

// exportAccount sends the person's data as a JSON file.
func (h *handlers) exportAccount(c *fiber.Ctx) error {
	u := currentUser(c)
	// Logged first, so that the export includes its own entry; an export
	// that cannot be recorded is not made.
	if err := h.auditTx(c, h.store, models.AuditEntry{Action: models.AuditDataExported, TargetKind: "user", TargetID: &u.ID}); err != nil {
		return err
	}
	doc, err := h.exportOf(c.UserContext(), u)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="proact-account-`+h.cfg.Now().UTC().Format("2006-01-02")+`.json"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(data)
}

// exportOf gathers everything about u.
func (h *handlers) exportOf(ctx context.Context, u *models.User) (*exportDoc, error) {
	doc := &exportDoc{ExportedAt: h.cfg.Now().UTC(), Profile: exportProfile{
		ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, OrganisationAdmin: u.OrgAdmin,
		Language: u.Language, Status: u.Status, TwoFactorEnabled: u.TOTPEnabled,
		MustChangePassword: u.MustChangePassword, LastLoginAt: u.LastLoginAt,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}, APITokens: []exportToken{}, AuditLog: []exportAudit{}, Applications: []exportApplication{}}
	var err error
	if doc.Profile.RecoveryCodesRemaining, err = h.store.RemainingRecoveryCodes(ctx, u.ID); err != nil {
		return nil, err
	}
	if u.OrganisationID != nil {
		if org, err := h.store.OrganisationByID(ctx, *u.OrganisationID); err == nil {
			doc.Organisation = &exportOrganisation{Slug: org.Slug, Name: org.Name, Country: org.Country}
		}
	}
	tokens, err := h.store.APITokens(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, t := range tokens {
		doc.APITokens = append(doc.APITokens, exportToken{Name: t.Name, Prefix: t.Prefix,
			CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt})
	}
	entries, err := h.store.AuditOf(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		ea := exportAudit{At: e.At, Action: e.Action, ActorEmail: e.ActorEmail,
			TargetKind: e.TargetKind, TargetID: e.TargetID, Detail: e.Detail}
		if e.ActorID != nil && *e.ActorID == u.ID {
			ea.IP = e.IP // their own address; not that of a moderator acting on them
		}
		doc.AuditLog = append(doc.AuditLog, ea)
	}
	apps, err := h.store.ApplicationsByContact(ctx, u.Email)
	if err != nil {
		return nil, err
	}
	for _, a := range apps {
		ea := exportApplication{CreatedAt: a.CreatedAt, Status: a.Status, ContactName: a.ContactName,
			ContactEmail: a.ContactEmail, Language: a.Language, Reason: a.Reason}
		if json.Valid([]byte(a.Profile)) {
			ea.Profile = json.RawMessage(a.Profile)
		}
		doc.Applications = append(doc.Applications, ea)
	}
	return doc, nil
}
