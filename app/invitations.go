package app

import (
	"context"
	"crypto/rand"
	"time"

	"proact/models"
)

// Lifetimes of the links sent by mail.
const (
	invitationTTL = 7 * 24 * time.Hour
	resetTTL      = time.Hour
)

// newSecret returns a random token for a link: 26 base32 characters, 130 bits.
func newSecret() string { return rand.Text() }

// invite creates (or renews) the invitation of an account that has no
// password yet and mails the link in the recipient's language.
func (h *handlers) invite(ctx context.Context, u *models.User, orgName, inviter string) error {
	secret := newSecret()
	if err := h.store.CreateToken(ctx, u.ID, models.TokenInvitation, secret, invitationTTL); err != nil {
		return err
	}
	link := h.cfg.SiteURL() + "/invitation/" + secret
	return h.queueMail(ctx, u.Email, u.Language, "invitation", "mail.invitation.subject", "mail.invitation.body",
		"Name", u.Name, "Organisation", orgName, "Inviter", inviter, "Link", link, "Days", int(invitationTTL.Hours()/24))
}

// sendReset mails a password reset link.
func (h *handlers) sendReset(ctx context.Context, u *models.User) error {
	secret := newSecret()
	if err := h.store.CreateToken(ctx, u.ID, models.TokenReset, secret, resetTTL); err != nil {
		return err
	}
	link := h.cfg.SiteURL() + "/password/reset/" + secret
	return h.queueMail(ctx, u.Email, u.Language, "reset", "mail.reset.subject", "mail.reset.body",
		"Name", u.Name, "Link", link, "Minutes", int(resetTTL.Minutes()))
}
