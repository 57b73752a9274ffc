// Package mail composes the portal's messages in each recipient's language,
// queues them in the outbox (the mail_outbox table, in the transaction of
// the write that causes them), and delivers the outbox through SMTP.
//
// Where mail is composed: messages.go has one constructor per kind of
// message (the catalogue keys of its subject and body, and the values of
// their placeholders); Queue turns them into outbox rows. Without
// PROACT_SMTP_URL the outbox is read by administrators at /admin/mail.
package mail

import (
	"context"
	"crypto/rand"
	"time"

	"proact/app/config"
	"proact/app/i18n"
	"proact/models"
)

// Lifetimes of the links sent by mail.
const (
	InvitationTTL = 7 * 24 * time.Hour
	ResetTTL      = time.Hour
)

// NewSecret returns a random token for a link: 26 base32 characters, 130 bits.
func NewSecret() string { return rand.Text() }

// Mailer composes messages and queues them. It is safe for concurrent use.
type Mailer struct {
	tr      *i18n.Translator
	siteURL string
}

// New returns a mailer whose messages link to the portal at cfg.SiteURL().
func New(tr *i18n.Translator, cfg config.Config) *Mailer {
	return &Mailer{tr: tr, siteURL: cfg.SiteURL()}
}

// Message is a mail to compose: to whom, in which interface language, its
// kind (stored with it, shown in the outbox), the catalogue keys of its
// subject and body, and the values of their placeholders as name/value pairs.
type Message struct {
	To       string
	Language string
	Kind     string
	Subject  string
	Body     string
	Args     []any
}

// Compose writes the message in its recipient's language, with the
// signature, as an outbox row not yet stored.
func (m *Mailer) Compose(msg Message) *models.Mail {
	loc := m.tr.For(msg.Language)
	return &models.Mail{
		ToAddr: msg.To, Kind: msg.Kind, Language: loc.Lang,
		Subject: loc.T(msg.Subject, msg.Args...),
		Body:    loc.T(msg.Body, msg.Args...) + "\n\n-- \n" + loc.T("mail.signature") + "\n" + m.siteURL + "\n",
	}
}

// Queue composes the messages and writes them to the outbox through store,
// which may be a transaction (store.WithTx): the mail then commits, or not,
// with the write that causes it.
func (m *Mailer) Queue(ctx context.Context, store *models.Store, msgs ...Message) error {
	return store.WithTx(ctx, func(tx *models.Store) error {
		for _, msg := range msgs {
			if err := tx.QueueMail(ctx, m.Compose(msg)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Invite creates (or renews) the invitation link of an account that has no
// password yet and queues its mail, in one transaction.
func (m *Mailer) Invite(ctx context.Context, store *models.Store, u *models.User, orgName string, by Inviter) error {
	_, err := m.InvitationLink(ctx, store, u, orgName, by, true)
	return err
}

// InvitationLink creates a new invitation link for an account that has no
// password yet (the older links stop working) and returns it, so that the
// person inviting can copy it; with queue it also queues the invitation
// mail, in the same transaction.
func (m *Mailer) InvitationLink(ctx context.Context, store *models.Store, u *models.User, orgName string, by Inviter, queue bool) (string, error) {
	secret := NewSecret()
	err := store.WithTx(ctx, func(tx *models.Store) error {
		if err := tx.CreateToken(ctx, u.ID, models.TokenInvitation, secret, InvitationTTL); err != nil {
			return err
		}
		if !queue {
			return nil
		}
		return m.Queue(ctx, tx, m.Invitation(u, orgName, by, secret))
	})
	if err != nil {
		return "", err
	}
	return m.siteURL + "/invitation/" + secret, nil
}

// SendReset creates a password reset link for u and queues its mail, in one
// transaction.
func (m *Mailer) SendReset(ctx context.Context, store *models.Store, u *models.User) error {
	return store.WithTx(ctx, func(tx *models.Store) error {
		secret := NewSecret()
		if err := tx.CreateToken(ctx, u.ID, models.TokenReset, secret, ResetTTL); err != nil {
			return err
		}
		return m.Queue(ctx, tx, m.PasswordReset(u, secret))
	})
}
