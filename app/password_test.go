package app

import (
	"context"
	"crypto/rand"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"proact/app/config"
	"proact/app/mail"
	"proact/models"
	"proact/models/modelstest"
)

// A password that passes the policy, for the tests of this file.
const goodPassword = "amber tractor violin 42"

// invitedUser makes an account waiting for its invitation and returns it
// with the secret of a fresh invitation link.
func (ta *testApp) invitedUser(t testing.TB, email, role string, ttl time.Duration) (*models.User, string) {
	t.Helper()
	ctx := context.Background()
	u := &models.User{Email: email, Name: "Invited " + role, Role: role, Language: "en", Status: models.UserInvited, SessionEpoch: 1}
	if err := ta.store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	secret := rand.Text()
	if err := ta.store.CreateToken(ctx, u.ID, models.TokenInvitation, secret, ttl); err != nil {
		t.Fatal(err)
	}
	return u, secret
}

// withoutCSRF drops the per-request CSRF token, to compare two pages.
func withoutCSRF(s string) string { return csrfField.ReplaceAllString(s, "") }

func flowInvitationRedemption(t *testing.T, ta *testApp) {
	u, secret := ta.invitedUser(t, "new.colleague@example.org", models.RoleMember, mail.InvitationTTL)
	link := "/invitation/" + secret
	cl := ta.visitor()
	res, body := cl.get(t, link)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("invitation page: %d", res.StatusCode)
	}
	mustContain(t, "invitation page", body, "new.colleague@example.org", `autocomplete="new-password"`, `name="confirm"`)

	// The policy and the confirmation, with translated messages; nothing echoed.
	for _, tc := range []struct{ password, confirm, lang, want string }{
		{"short one", "short one", "en", "at least 12 characters"},
		{"password1234", "password1234", "en", "too common"},
		{"qwertyqwerty", "qwertyqwerty", "de", ta.tr(t, "de", "password.common")},
		{"new.colleague@example.org", "new.colleague@example.org", "en", "must not be your e-mail address"},
		{goodPassword, goodPassword + "x", "en", "are not the same"},
	} {
		cl.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: tc.lang}
		res, body := cl.post(t, link, link, url.Values{"password": {tc.password}, "confirm": {tc.confirm}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%q: status %d", tc.password, res.StatusCode)
		}
		mustContain(t, tc.password, body, html.EscapeString(tc.want), `role="alert"`, `aria-invalid="true"`)
		if tc.password != u.Email {
			mustNotContain(t, tc.password, body, `value="`+tc.password)
		}
	}
	delete(cl.cookies, langCookie)

	res, _ = cl.post(t, link, link, url.Values{"password": {goodPassword}, "confirm": {goodPassword}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/welcome" {
		t.Fatalf("accepting: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	// The welcome page: the next steps, each leading to its page.
	if res, body := cl.get(t, "/welcome"); res.StatusCode != http.StatusOK {
		t.Fatalf("welcome: %d", res.StatusCode)
	} else {
		mustContain(t, "welcome", body, "Welcome to the PRO-ACT Network", `href="/account"`, "Complete your profile", "Write a first practice note", `href="/practices/new"`)
	}
	if res, body := cl.get(t, "/account"); res.StatusCode != http.StatusOK || !strings.Contains(body, u.Email) {
		t.Fatalf("not signed in after the invitation: %d", res.StatusCode)
	}
	got, _ := ta.store.UserByID(t.Context(), u.ID)
	if got.Status != models.UserActive || !testHasher.Check(goodPassword, got.PasswordHash) {
		t.Errorf("account after the invitation: status %s", got.Status)
	}

	// Used, expired and unknown links get the same 404 page.
	_, expired := ta.invitedUser(t, "late@example.org", models.RoleMember, -time.Minute)
	var pages []string
	for _, target := range []string{link, "/invitation/" + expired, "/invitation/UNKNOWNTOKEN"} {
		res, body := ta.visitor().get(t, target)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", target, res.StatusCode)
		}
		mustContain(t, target, body, "This link does not work")
		// The language switcher links back to the page itself.
		pages = append(pages, strings.ReplaceAll(withoutCSRF(body), url.QueryEscape(target), "X"))
	}
	if pages[0] != pages[1] || pages[1] != pages[2] {
		t.Errorf("used, expired and unknown invitations get different pages:\n%s\n----\n%s\n----\n%s", pages[0], pages[1], pages[2])
	}
	other := ta.visitor()
	for _, target := range []string{link, "/invitation/" + expired} {
		res, _ := other.post(t, "/password/forgot", target, url.Values{"password": {goodPassword}, "confirm": {goodPassword}})
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", target, res.StatusCode)
		}
	}
}

func flowInvitationOfStaff(t *testing.T, ta *testApp) {
	_, secret := ta.invitedUser(t, "invited.moderator@example.org", models.RoleModerator, mail.InvitationTTL)
	link := "/invitation/" + secret
	res, _ := ta.visitor().post(t, link, link, url.Values{"password": {goodPassword}, "confirm": {goodPassword}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/account/2fa" {
		t.Fatalf("staff after the invitation: %d to %q", res.StatusCode, loc)
	}
}

func TestInvitationBadLinksAreThrottled(t *testing.T) {
	t.Parallel()
	clock := modelstest.NewClock(time.Unix(1_900_000_000, 0))
	ta := newTestApp(t, models.SQLite, func(c *config.Config) { c.Limits.IPFailures, c.Clock = 3, clock.Now })
	for i := range 3 {
		if res, _ := ta.get(t, "/invitation/GUESS"+strconv.Itoa(i)); res.StatusCode != http.StatusNotFound {
			t.Fatalf("guess %d: %d", i, res.StatusCode)
		}
	}
	res, body := ta.get(t, "/invitation/GUESS4")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "900" {
		t.Fatalf("after 3 bad links: %d (Retry-After %q), want 429 for the rest of the 15 minutes", res.StatusCode, res.Header.Get("Retry-After"))
	}
	mustContain(t, "429 page", body, "wait 15 minutes")
	clock.Advance(ta.cfg.Limits.FailureWindow + time.Second)
	if res, _ := ta.get(t, "/invitation/GUESS5"); res.StatusCode != http.StatusNotFound {
		t.Errorf("after the window: %d, want 404 again", res.StatusCode)
	}
}

var resetLinkPattern = regexp.MustCompile(`/password/reset/[A-Z2-7]+`)

// mailTo returns the newest message of the outbox to the address.
func (ta *testApp) mailTo(t testing.TB, to string) *models.Mail {
	t.Helper()
	list, err := ta.store.ListMail(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	for i := range list {
		if list[i].ToAddr == to {
			return &list[i]
		}
	}
	return nil
}

func flowPasswordReset(t *testing.T, ta *testApp) {
	u := ta.createUser(t, "reset.me@example.org", models.RoleMember, "", false)
	u.Language = "ro"
	if err := ta.store.UpdateUser(t.Context(), u.User, "language"); err != nil {
		t.Fatal(err)
	}
	old := ta.visitor()
	old.login(t, u)

	// Known and unknown addresses get the same answer.
	cl := ta.visitor()
	res1, body1 := cl.post(t, "/password/forgot", "/password/forgot", url.Values{"email": {"Reset.Me@example.org"}})
	res2, body2 := cl.post(t, "/password/forgot", "/password/forgot", url.Values{"email": {"nobody@example.org"}})
	if res1.StatusCode != http.StatusOK || res2.StatusCode != res1.StatusCode {
		t.Fatalf("statuses %d and %d", res1.StatusCode, res2.StatusCode)
	}
	if withoutCSRF(body1) != withoutCSRF(body2) {
		t.Error("the answers for a known and an unknown address differ")
	}
	mustContain(t, "answer", body1, "If an account exists for this address")
	if ta.mailTo(t, "nobody@example.org") != nil {
		t.Error("mail sent to an unknown address")
	}

	// The mail is in the user's language and holds a single-use link.
	m := ta.mailTo(t, u.Email)
	if m == nil {
		t.Fatal("no reset mail in the outbox")
	}
	if m.Language != "ro" || m.Subject != ta.tr(t, "ro", "mail.reset.subject") {
		t.Errorf("mail in %s: %q", m.Language, m.Subject)
	}
	link := resetLinkPattern.FindString(m.Body)
	if link == "" {
		t.Fatalf("no link in the mail:\n%s", m.Body)
	}
	if res, body := cl.get(t, link); res.StatusCode != http.StatusOK || !strings.Contains(body, u.Email) {
		t.Fatalf("reset page: %d", res.StatusCode)
	}
	res, _ := cl.post(t, link, link, url.Values{"password": {"password"}, "confirm": {"password"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a weak new password: %d", res.StatusCode)
	}
	res, _ = cl.post(t, link, link, url.Values{"password": {goodPassword}, "confirm": {goodPassword}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("reset: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, body := cl.get(t, "/login")
	mustContain(t, "sign-in page after the reset", body, "Your password has been changed")

	// The link works once; the old session has ended; the new password works.
	if res, _ := ta.visitor().get(t, link); res.StatusCode != http.StatusNotFound {
		t.Errorf("reset link used twice: %d", res.StatusCode)
	}
	if res, _ := old.get(t, "/account"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a session from before the reset still works: %d", res.StatusCode)
	}
	u.Password = goodPassword
	ta.visitor().login(t, u)
	entries, _, _ := ta.store.ListAudit(t.Context(), models.AuditFilter{Action: models.AuditPasswordReset, Actor: u.Email})
	if len(entries) != 1 || entries[0].ActorEmail != u.Email {
		t.Errorf("audit log: %+v", entries)
	}
}

func TestPasswordForgotIsThrottled(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
	u := ta.createUser(t, "bombed@example.org", models.RoleMember, "", false)
	for i := range 6 {
		cl := ta.visitor()
		cl.ip = "198.51.100." + strconv.Itoa(i+1)
		res, body := cl.post(t, "/password/forgot", "/password/forgot", url.Values{"email": {u.Email}})
		want := http.StatusOK
		if i == 5 {
			want = http.StatusTooManyRequests
		}
		if res.StatusCode != want {
			t.Fatalf("request %d: %d, want %d", i+1, res.StatusCode, want)
		}
		if i == 5 {
			mustContain(t, "429", body, "minute")
		}
	}
	list, _ := ta.store.ListMail(t.Context(), 100)
	if len(list) != 5 {
		t.Errorf("%d reset mails, want 5", len(list))
	}
	cl := ta.visitor()
	cl.ip = "203.0.113.7"
	res, body := cl.post(t, "/password/forgot", "/password/forgot", url.Values{"email": {"not an address"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a malformed address: %d", res.StatusCode)
	}
	mustContain(t, "malformed address", body, `value="not an address"`, "valid e-mail address")
}

func flowPasswordChange(t *testing.T, ta *testApp) {
	u := ta.createUser(t, "changer@example.org", models.RoleMember, "", false)
	here, elsewhere := ta.visitor(), ta.visitor()
	here.login(t, u)
	elsewhere.login(t, u)
	const page = "/account/password"
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"wrong current", url.Values{"current": {"not it at all"}, "password": {goodPassword}, "confirm": {goodPassword}}, "current password is not right"},
		{"weak", url.Values{"current": {u.Password}, "password": {"password"}, "confirm": {"password"}}, "at least 12"},
		{"same", url.Values{"current": {u.Password}, "password": {u.Password}, "confirm": {u.Password}}, "must be different"},
	} {
		res, body := here.post(t, page, page, tc.form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d", tc.name, res.StatusCode)
		}
		mustContain(t, tc.name, body, tc.want)
	}
	oldID := here.cookies[sessionCookie].Value
	res, _ := here.post(t, page, page, url.Values{"current": {u.Password}, "password": {goodPassword}, "confirm": {goodPassword}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
		t.Fatalf("change: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if here.cookies[sessionCookie].Value == oldID {
		t.Error("the session id did not change")
	}
	res, body := here.get(t, "/account")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("this session ended too: %d", res.StatusCode)
	}
	mustContain(t, "account after the change", body, "Your password has been changed")
	if res, _ := elsewhere.get(t, "/account"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the other session still works: %d", res.StatusCode)
	}
	entries, _, _ := ta.store.ListAudit(t.Context(), models.AuditFilter{Action: models.AuditPasswordChanged, Actor: u.Email})
	if len(entries) != 1 {
		t.Errorf("%d password changes in the audit log", len(entries))
	}
}

func flowOneTimePassword(t *testing.T, ta *testApp) {
	u := ta.createUser(t, "first.admin@example.org", models.RoleAdmin, "", false)
	u.MustChangePassword = true
	if err := ta.store.UpdateUser(t.Context(), u.User, "must_change_password"); err != nil {
		t.Fatal(err)
	}
	cl := ta.visitor()
	cl.login(t, u)
	for _, p := range []string{"/account", "/account/tokens", "/account/2fa"} {
		if res, _ := cl.get(t, p); res.Header.Get("Location") != "/account/password" {
			t.Errorf("%s with a one-time password: %d to %q", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	_, body := cl.get(t, "/account/password")
	mustContain(t, "change page", body, "given to you for one use only")
	res, _ := cl.post(t, "/account/password", "/account/password", url.Values{"current": {u.Password}, "password": {goodPassword}, "confirm": {goodPassword}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d", res.StatusCode)
	}
	if res, _ := cl.get(t, "/account"); res.StatusCode != http.StatusOK {
		t.Errorf("account after the change: %d", res.StatusCode)
	}
	got, err := ta.store.UserByID(t.Context(), u.ID)
	if err != nil || got.MustChangePassword {
		t.Errorf("still must change: %v", err)
	}
}
