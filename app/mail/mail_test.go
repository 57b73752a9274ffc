package mail

import (
	"context"
	"errors"
	"strings"
	"testing"

	"proact/app/config"
	"proact/app/i18n"
	"proact/models"
	"proact/models/modelstest"
)

func newMailer(t *testing.T) *Mailer {
	t.Helper()
	tr, err := i18n.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.BaseURL = "https://portal.example.org"
	return New(tr, cfg)
}

// TestComposeInTheRecipientsLanguage: subject and body in the recipient's
// language (English for one the interface does not have), with the
// signature and the portal's address.
func TestComposeInTheRecipientsLanguage(t *testing.T) {
	m := newMailer(t)
	a := &models.Application{ID: 7, ContactName: "Ioana", ContactEmail: "ioana@example.ro", Language: "ro"}
	for _, tc := range []struct {
		lang, wantLang, subject string
	}{
		{"ro", "ro", "Am primit cererea"},
		{"de", "de", "Wir haben den Antrag"},
		{"xx", "en", "We have received"},
	} {
		a.Language = tc.lang
		got := m.Compose(m.ApplicationReceived(a, "Casa (demo)"))
		if got.Language != tc.wantLang || got.ToAddr != a.ContactEmail || got.Kind != "application" {
			t.Errorf("%s: %+v", tc.lang, got)
		}
		if !strings.Contains(got.Subject, tc.subject) || !strings.Contains(got.Subject, "Casa (demo)") {
			t.Errorf("%s: subject %q", tc.lang, got.Subject)
		}
		if !strings.Contains(got.Body, "Ioana") || !strings.HasSuffix(got.Body, "\n-- \nPRO-ACT Network\nhttps://portal.example.org\n") {
			t.Errorf("%s: body %q", tc.lang, got.Body)
		}
	}
	staff := &models.User{Email: "mod@example.org", Name: "Mod", Language: "fr"}
	got := m.Compose(m.ApplicationToStaff(staff, a, "Casa (demo)", "RO"))
	if !strings.Contains(got.Body, "Roumanie") || !strings.Contains(got.Body, "https://portal.example.org/admin/applications/7") {
		t.Errorf("to staff: %q", got.Body)
	}
}

// TestInviteWritesTheLinkAndTheMailTogether: the invitation's token and its
// mail are one transaction, and the mailed link is the token's.
func TestInviteWritesTheLinkAndTheMailTogether(t *testing.T) {
	m := newMailer(t)
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := context.Background()
		u := &models.User{Email: "new@example.org", Role: models.RoleMember, Language: "pl", Status: models.UserInvited, SessionEpoch: 1}
		if err := store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := m.Invite(ctx, store, u, "", ByCommandLine); err != nil {
			t.Fatal(err)
		}
		mails, err := store.ListMail(ctx, 10)
		if err != nil || len(mails) != 1 {
			t.Fatalf("%d mails (%v)", len(mails), err)
		}
		body := mails[0].Body
		_, rest, ok := strings.Cut(body, "https://portal.example.org/invitation/")
		if !ok || mails[0].Language != "pl" || !strings.Contains(body, "new@example.org") {
			t.Fatalf("invitation %+v", mails[0])
		}
		secret := strings.Fields(rest)[0]
		if got, err := store.PeekToken(ctx, models.TokenInvitation, secret); err != nil || got.ID != u.ID {
			t.Errorf("the mailed link does not open the invitation: %v", err)
		}

		// A failing write rolls both back: no token, no mail.
		boom := errors.New("boom")
		err = store.WithTx(ctx, func(tx *models.Store) error {
			if err := m.Invite(ctx, tx, u, "Org (demo)", ByPerson("Ana")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if mails, _ := store.ListMail(ctx, 10); len(mails) != 1 {
			t.Errorf("%d mails after a rolled-back invitation, want 1", len(mails))
		}
		if _, err := store.PeekToken(ctx, models.TokenInvitation, secret); err != nil {
			t.Errorf("a rolled-back invitation retired the earlier link: %v", err)
		}
	})
}
