package app

import (
	"crypto/rand"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/app/form"
	"proact/models"
)

// Personal API tokens: a program reads the API in its owner's name with
// Authorization: Bearer pat_... . The secret is shown once, when it is made;
// the portal keeps only its hash and a short prefix to tell tokens apart.

// maxActiveTokens bounds the tokens one person can hold at a time.
const maxActiveTokens = 20

// tokenRow is one token in the list; never its hash.
type tokenRow struct {
	ID       uint
	Name     string
	Prefix   string
	Created  time.Time
	LastUsed *time.Time
	Revoked  *time.Time
}

type tokensData struct {
	Tokens []tokenRow
	Name   string // the name typed in the form
	Secret string // the new token, on the page that made it only
	Errors form.Messages
}

// listTokens lists the person's tokens, with the form to make one.
func (h *handlers) listTokens(c *fiber.Ctx) error {
	return h.renderTokens(c, fiber.StatusOK, tokensData{}, nil)
}

func (h *handlers) renderTokens(c *fiber.Ctx, status int, d tokensData, ps form.Problems) error {
	d.Errors = ps.Messages(localizer(c), "")
	list, err := h.store.APITokens(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return err
	}
	for _, t := range list {
		d.Tokens = append(d.Tokens, tokenRow{ID: t.ID, Name: t.Name, Prefix: t.Prefix,
			Created: t.CreatedAt, LastUsed: t.LastUsedAt, Revoked: t.RevokedAt})
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.render(c, status, tplAccountTokens, h.page(c, localizer(c).T("tokens.title"), d))
}

// createToken makes a token and shows its secret on this response only (not
// through a redirect, so it is never stored in a session).
func (h *handlers) createToken(c *fiber.Ctx) error {
	u, ctx := currentUser(c), c.UserContext()
	name := strings.TrimSpace(c.FormValue("name"))
	var ps form.Problems
	if ps.Name("name", name, "tokens.name"); ps.OK() {
		n, err := h.store.CountActiveAPITokens(ctx, u.ID)
		if err != nil {
			return err
		}
		if n >= maxActiveTokens {
			ps.Add("name", "tokens.too_many")
		}
	}
	if !ps.OK() {
		return h.renderTokens(c, fiber.StatusUnprocessableEntity, tokensData{Name: name}, ps)
	}
	secret := "pat_" + rand.Text()
	err := h.write(c, func(tx *models.Store) error {
		t, err := tx.CreateAPIToken(ctx, u.ID, name, secret)
		if err != nil {
			return err
		}
		return h.auditTx(c, tx, models.AuditEntry{Action: models.AuditAPITokenCreated, TargetKind: "apitoken", TargetID: &t.ID, Detail: t.Prefix})
	})
	if err != nil {
		return err
	}
	return h.renderTokens(c, fiber.StatusOK, tokensData{Secret: secret}, nil)
}

// revokeToken revokes one of the person's own tokens; any other id is a 404.
func (h *handlers) revokeToken(c *fiber.Ctx) error {
	id, err := strconv.ParseUint(c.Params("id"), 10, 32)
	if err != nil || id == 0 {
		return fiber.ErrNotFound
	}
	tid := uint(id)
	err = h.write(c, func(tx *models.Store) error {
		if err := tx.RevokeAPIToken(c.UserContext(), currentUser(c).ID, tid); err != nil {
			return err
		}
		return h.auditTx(c, tx, models.AuditEntry{Action: models.AuditAPITokenRevoked, TargetKind: "apitoken", TargetID: &tid})
	})
	if err != nil {
		return err
	}
	h.flash(c, "flash.token_revoked")
	return c.Redirect("/account/tokens", fiber.StatusSeeOther)
}
