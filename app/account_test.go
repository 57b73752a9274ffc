package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"proact/app/config"
	"proact/app/form"
	"proact/app/i18n"
	"proact/models"
	"proact/models/modelstest"
)

const demoOrg = "rotterdam-labour-rights-centre"

// accountFlows share one app per database: each flow uses its own people, so
// they do not meet, and building an app (demo content, search index) is what
// takes the time. Each client comes from its own address (visitor), so that
// per-IP limits count each flow apart.
var accountFlows = []struct {
	name string
	fn   func(*testing.T, *testApp)
}{
	{"account page", flowAccountPage},
	{"export", flowAccountExport},
	{"delete", flowAccountDelete},
	{"API tokens", flowTokens},
	{"privacy notice", flowPrivacyNotice},
	{"translated pages", flowPagesTranslated},
	{"invitation", flowInvitationRedemption},
	{"invitation of staff", flowInvitationOfStaff},
	{"password reset", flowPasswordReset},
	{"password change", flowPasswordChange},
	{"one-time password", flowOneTimePassword},
	{"two-factor sign-in", flowTwoFactorSignIn},
	{"two-factor recovery and off", flowTwoFactorRecoveryAndOff},
	{"two-factor staff", flowTwoFactorStaff},
	{"two-factor required for staff", flowTwoFactorRequiredForStaff},
}

func TestAccountFlows(t *testing.T) {
	t.Parallel()
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ta := newTestApp(t, d, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
			for _, f := range accountFlows {
				t.Run(f.name, func(t *testing.T) { f.fn(t, ta) })
			}
		})
	}
}

var visitorSeq atomic.Int64

// visitor is a client with an address of its own (used when the app trusts
// the test's proxy).
func (ta *testApp) visitor() *client {
	n := visitorSeq.Add(1)
	cl := ta.client()
	cl.ip = fmt.Sprintf("192.0.%d.%d", 2+n/250%50, 1+n%250)
	return cl
}

func flowAccountPage(t *testing.T, ta *testApp) {
	if res, _ := ta.get(t, "/account"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
		t.Fatalf("anonymous /account: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	u := ta.createUser(t, "editor@example.org", models.RoleMember, demoOrg, true)
	cl := ta.visitor()
	cl.login(t, u)
	res, body := cl.get(t, "/account")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("account page: %d", res.StatusCode)
	}
	mustContain(t, "account page", body, u.Email, "Member", `href="/organisations/`+demoOrg+`"`,
		"organisation administrator", `value="editor"`, `<option value="en" lang="en" selected>`, "Two-step verification",
		`href="/account/export"`, `href="/account/delete"`, `href="/account/tokens"`)

	long := strings.Repeat("é", form.MaxName+1)
	for _, tc := range []struct {
		name, lang, want string
	}{
		{"", "en", "Please enter your name"},
		{long, "en", "at most 100 characters"},
		{"Ana \x01Pop", "en", "control characters"},
		{"Ana Pop", "xx", "one of the languages"},
	} {
		res, body := cl.post(t, "/account", "/account", url.Values{"name": {tc.name}, "language": {tc.lang}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%q/%q: %d", tc.name, tc.lang, res.StatusCode)
		}
		mustContain(t, tc.want, body, tc.want, `role="alert"`, `aria-invalid="true"`)
	}
	_, body = cl.post(t, "/account", "/account", url.Values{"name": {long}, "language": {"pl"}})
	mustContain(t, "typed values kept", body, `value="`+long+`"`, `<option value="pl" lang="pl" selected>`)

	res, _ = cl.post(t, "/account", "/account", url.Values{"name": {"  Ana Popescu "}, "language": {"ro"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving: %d", res.StatusCode)
	}
	got, _ := ta.store.UserByID(t.Context(), u.ID)
	if got.Name != "Ana Popescu" || got.Language != "ro" {
		t.Errorf("saved %q, %q", got.Name, got.Language)
	}
	_, body = cl.get(t, "/account")
	mustContain(t, "after saving", body, "Your details have been saved", `value="Ana Popescu"`)
}

func flowAccountExport(t *testing.T, ta *testApp) {
	ctx := t.Context()
	u := ta.createUser(t, "exporter@example.org", models.RoleModerator, demoOrg, false)
	if err := ta.store.SetRecoveryCodes(ctx, u.ID, []string{"AAAAA-BBBBB"}); err != nil {
		t.Fatal(err)
	}
	tok, err := ta.store.CreateAPIToken(ctx, u.ID, "laptop script", "pat_SECRETSECRETSECRET")
	if err != nil {
		t.Fatal(err)
	}
	app := &models.Application{Profile: `{"name":"Example shelter"}`, ContactName: "Exporter", ContactEmail: u.Email, Language: "en"}
	if err := ta.store.CreateApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	cl := ta.visitor()
	cl.login(t, u)
	res, body := cl.get(t, "/account/export")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("export: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	var doc exportDoc
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if doc.Profile.Email != u.Email || doc.Profile.Role != models.RoleModerator || !doc.Profile.TwoFactorEnabled ||
		doc.Profile.RecoveryCodesRemaining != 1 || doc.Organisation == nil || doc.Organisation.Slug != demoOrg {
		t.Errorf("profile: %+v, organisation %+v", doc.Profile, doc.Organisation)
	}
	if len(doc.APITokens) != 1 || doc.APITokens[0].Name != "laptop script" || doc.APITokens[0].Prefix != tok.Prefix {
		t.Errorf("tokens: %+v", doc.APITokens)
	}
	if len(doc.Applications) != 1 || !strings.Contains(string(doc.Applications[0].Profile), "Example shelter") {
		t.Errorf("applications: %+v", doc.Applications)
	}
	actions := map[string]bool{}
	for _, e := range doc.AuditLog {
		actions[e.Action] = true
	}
	if !actions[models.AuditLoginSuccess] || !actions[models.AuditDataExported] {
		t.Errorf("audit entries: %v", actions)
	}
	mustNotContain(t, "export", body, "password_hash", "argon2id", u.PasswordHash, u.Secret, "totp_secret",
		tok.Hash, models.HashToken("AAAAABBBBB"), "SECRETSECRET")
}

func flowAccountDelete(t *testing.T, ta *testApp) {
	ctx := t.Context()
	u := ta.createUser(t, "leaver@example.org", models.RoleMember, demoOrg, true)
	org, _ := ta.store.AnyOrganisationBySlug(ctx, demoOrg)
	notes := func() int {
		all, _ := ta.store.AllPractices(ctx)
		n := 0
		for _, p := range all {
			if p.OrganisationID != nil && *p.OrganisationID == org.ID {
				n++
			}
		}
		return n
	}
	before := notes()
	if before == 0 {
		t.Fatal("the demo organisation has no notes")
	}
	if err := ta.store.QueueMail(ctx, &models.Mail{ToAddr: u.Email, Subject: "Hello", Body: "Dear leaver"}); err != nil {
		t.Fatal(err)
	}
	cl, other := ta.visitor(), ta.visitor()
	cl.login(t, u)
	other.login(t, u)
	_, body := cl.get(t, "/account/delete")
	mustContain(t, "delete page", body, "cannot be undone", "stays a member", `name="confirm"`)

	res, body := cl.post(t, "/account/delete", "/account/delete", url.Values{"current": {"wrong password!"}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	mustContain(t, "wrong password", body, "current password is not right", "checked")
	res, body = cl.post(t, "/account/delete", "/account/delete", url.Values{"current": {u.Password}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("no confirmation: %d", res.StatusCode)
	}
	mustContain(t, "no confirmation", body, "tick the box")

	res, _ = cl.post(t, "/account/delete", "/account/delete", url.Values{"current": {u.Password}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("delete: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = cl.get(t, "/")
	mustContain(t, "home after deleting", body, "Your account has been deleted")
	mustNotContain(t, "home after deleting", body, `action="/logout"`)
	if res, _ := other.get(t, "/account"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("another session of the deleted account: %d", res.StatusCode)
	}
	if _, err := ta.store.UserByID(ctx, u.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("user still there: %v", err)
	}
	if notes() != before {
		t.Errorf("the organisation's notes went from %d to %d", before, notes())
	}
	if _, err := ta.store.OrganisationByID(ctx, org.ID); err != nil {
		t.Errorf("the organisation: %v", err)
	}
	if ta.mailTo(t, u.Email) != nil {
		t.Error("mail to the deleted account is still in the outbox")
	}
	entries, _ := ta.store.AuditOf(ctx, u.ID)
	deleted := false
	for _, e := range entries {
		if strings.Contains(e.ActorEmail, "leaver") {
			t.Errorf("audit entry %s still names the person", e.Action)
		}
		deleted = deleted || e.Action == models.AuditUserDeleted
	}
	if len(entries) == 0 || !deleted {
		t.Errorf("audit entries after deletion: %+v", entries)
	}
}

func TestAccountDeleteNotTheLastAdministrator(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	u := ta.createUser(t, "only.admin@example.org", models.RoleAdmin, "", false)
	cl := ta.visitor()
	cl.login(t, u)
	res, body := cl.post(t, "/account/delete", "/account/delete", url.Values{"current": {u.Password}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("last administrator: %d", res.StatusCode)
	}
	mustContain(t, "last administrator", body, "only administrator")
	ta.createUser(t, "second.admin@example.org", models.RoleAdmin, "", false)
	if res, _ := cl.post(t, "/account/delete", "/account/delete", url.Values{"current": {u.Password}, "confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("with another administrator: %d", res.StatusCode)
	}
}

var tokenSecret = regexp.MustCompile(`pat_[A-Z2-7]{26}`)

// apiTotal is the number of practice notes the API lists for the token.
func apiTotal(t *testing.T, ta *testApp, token string) (int, int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/api/v1/practices?per_page=100", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, body := ta.do(t, req)
	var list apiPracticeList
	_ = json.Unmarshal([]byte(body), &list)
	return res.StatusCode, int(list.Meta.Total), body
}

func flowTokens(t *testing.T, ta *testApp) {
	u := ta.createUser(t, "scripter@example.org", models.RoleMember, demoOrg, false)
	cl := ta.visitor()
	cl.login(t, u)
	res, body := cl.post(t, "/account/tokens", "/account/tokens", url.Values{"name": {"  "}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("empty name: %d", res.StatusCode)
	}
	mustContain(t, "empty name", body, "give the token a name")

	res, body = cl.post(t, "/account/tokens", "/account/tokens", url.Values{"name": {"Nightly export"}})
	secret := tokenSecret.FindString(body)
	if res.StatusCode != http.StatusOK || secret == "" || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("creating: %d, secret %q", res.StatusCode, secret)
	}
	mustContain(t, "created", body, "will not be shown again", "Nightly export", secret[:8])
	_, body = cl.get(t, "/account/tokens")
	mustNotContain(t, "list", body, secret)
	mustContain(t, "list", body, "Nightly export", secret[:8]+"…")

	// The token reads the API as a member: members-only notes appear.
	_, public, _ := apiTotal(t, ta, "")
	status, total, body := apiTotal(t, ta, secret)
	if status != http.StatusOK || total <= public {
		t.Fatalf("with the token: %d, %d notes (public: %d)", status, total, public)
	}
	mustContain(t, "API as member", body, `"visibility":"members"`)

	// Another person cannot revoke it; its owner can, and then it is refused.
	list, _ := ta.store.APITokens(t.Context(), u.ID)
	revoke := "/account/tokens/" + strconv.FormatUint(uint64(list[0].ID), 10) + "/revoke"
	stranger := ta.createUser(t, "stranger@example.org", models.RoleMember, "", false)
	sc := ta.visitor()
	sc.login(t, stranger)
	if res, _ := sc.post(t, "/account/tokens", revoke, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("revoking another person's token: %d", res.StatusCode)
	}
	if res, _ := cl.post(t, "/account/tokens", "/account/tokens/abc/revoke", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("revoking a bad id: %d", res.StatusCode)
	}
	if status, _, _ := apiTotal(t, ta, secret); status != http.StatusOK {
		t.Fatalf("token after the stranger tried: %d", status)
	}
	if res, _ := cl.post(t, "/account/tokens", revoke, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoking: %d", res.StatusCode)
	}
	if status, _, _ := apiTotal(t, ta, secret); status != http.StatusUnauthorized {
		t.Errorf("revoked token: %d, want 401", status)
	}
	_, body = cl.get(t, "/account/tokens")
	mustContain(t, "list after revoking", body, "The token has been revoked", "Revoked on")
	for _, a := range []string{models.AuditAPITokenCreated, models.AuditAPITokenRevoked} {
		if entries, _, _ := ta.store.ListAudit(t.Context(), models.AuditFilter{Action: a, Actor: u.Email}); len(entries) != 1 {
			t.Errorf("%s: %d audit entries", a, len(entries))
		}
	}
}

func flowPrivacyNotice(t *testing.T, ta *testApp) {
	heading := regexp.MustCompile(`<h1 id="privacy-title">([^<]+)</h1>`)
	seen := map[string]string{}
	for _, lang := range i18n.Languages() {
		res, body := ta.get(t, "/privacy", "Accept-Language", lang)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `<html lang="`+lang+`"`) {
			t.Fatalf("%s: %d", lang, res.StatusCode)
		}
		mustContain(t, lang, body, "proact_session", "proact_csrf", "proact_lang", `href="/account/export"`, `href="/account/delete"`)
		m := heading.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no heading", lang)
		}
		if other, ok := seen[m[1]]; ok {
			t.Errorf("%s: the same title as %s, %q: not translated?", lang, other, m[1])
		}
		seen[m[1]] = lang
		if m := rawKey.FindString(body); m != "" {
			t.Errorf("%s: untranslated key %s", lang, m)
		}
	}
}

// rawKey finds a catalogue key shown instead of its text.
var rawKey = regexp.MustCompile(`>\s*(account|password|twofactor|tokens|delete|privacy|forgot|reset|invitation|link|flash)\.[a-z0-9_.]+\s*<`)

func flowPagesTranslated(t *testing.T, ta *testApp) {
	u := ta.createUser(t, "polyglot@example.org", models.RoleMember, demoOrg, false)
	cl := ta.visitor()
	cl.login(t, u)
	for _, lang := range i18n.Languages() {
		cl.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: lang}
		for _, p := range []string{"/account", "/account/password", "/account/2fa", "/account/tokens", "/account/delete", "/password/forgot"} {
			res, body := cl.get(t, p)
			if res.StatusCode != http.StatusOK || !strings.Contains(body, `<html lang="`+lang+`"`) {
				t.Fatalf("%s in %s: %d", p, lang, res.StatusCode)
			}
			if m := rawKey.FindString(body); m != "" {
				t.Errorf("%s in %s: untranslated key %s", p, lang, m)
			}
		}
	}
}

// TestAccountAttackPayloads sends the attack payloads in the text fields of
// the account pages: never a 500; accepted text is stored as typed and shown
// escaped (the rendered field, unescaped, gives back what was typed, and no
// page holds more of the payload than the same page without it). The fields
// take turns, so that each payload is tried once and the test stays short.
func TestAccountAttackPayloads(t *testing.T) {
	t.Parallel()
	// The three fields are three code paths: each gets every payload (one of
	// each shape by default, see modelstest.Payloads).
	shapes := attackPayloads(t)
	turn := func(int) []string { return shapes }
	var seq atomic.Int64
	nextIP := func() string {
		n := seq.Add(1)
		return fmt.Sprintf("10.%d.%d.%d", n/65536%256, n/256%256, n%256)
	}
	newApp := func(t *testing.T) (*testApp, *testUser, *client, string) {
		ta := newTestApp(t, models.SQLite, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
		u := ta.createUser(t, "target@example.org", models.RoleMember, demoOrg, false)
		cl := ta.visitor()
		cl.ip = nextIP()
		cl.login(t, u)
		return ta, u, cl, cl.csrf(t, "/account")
	}
	send := func(t *testing.T, cl *client, token, action string, form url.Values) (*http.Response, string) {
		form.Set("_csrf", token)
		req := httptest.NewRequest(http.MethodPost, action, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		cl.ip = nextIP()
		return cl.do(t, req)
	}
	// shown checks that the field rendered by re gives back want, and that
	// the payload adds no markup to the page.
	shown := func(t *testing.T, what string, re *regexp.Regexp, body, baseline, p, want string) {
		t.Helper()
		if m := re.FindStringSubmatch(body); m == nil || html.UnescapeString(m[1]) != want {
			t.Errorf("%s: payload %.60q not shown as typed", what, p)
		}
		if strings.ContainsAny(p, `<>"'`) && strings.Count(body, p) > strings.Count(baseline, p) {
			t.Errorf("%s: payload %.60q shown unescaped", what, p)
		}
	}
	t.Run("account name", func(t *testing.T) {
		t.Parallel()
		ta, u, cl, token := newApp(t)
		field := regexp.MustCompile(`id="name" name="name" value="([^"]*)"`)
		_, rejected := send(t, cl, token, "/account", url.Values{"name": {""}, "language": {"en"}})
		send(t, cl, token, "/account", url.Values{"name": {"x"}, "language": {"en"}})
		_, accepted := cl.get(t, "/account")
		for i, p := range turn(0) {
			res, body := send(t, cl, token, "/account", url.Values{"name": {p}, "language": {"en"}})
			switch res.StatusCode {
			case http.StatusSeeOther:
				got, _ := ta.store.UserByID(t.Context(), u.ID)
				if got.Name != strings.TrimSpace(p) {
					t.Errorf("payload %.60q stored as %.60q", p, got.Name)
				}
				if i%10 == 0 { // the same template as the form with errors below
					_, body = cl.get(t, "/account")
					shown(t, "account page", field, strings.Replace(body, "Your details have been saved.", "", 1), accepted, p, got.Name)
				}
			case http.StatusUnprocessableEntity:
				shown(t, "account form", field, body, rejected, p, strings.TrimSpace(p))
			default:
				t.Fatalf("payload %.60q: status %d", p, res.StatusCode)
			}
		}
	})
	t.Run("token name", func(t *testing.T) {
		t.Parallel()
		ta, u, cl, token := newApp(t)
		field := regexp.MustCompile(`id="name" name="name" value="([^"]*)"`)
		row := regexp.MustCompile(`<tbody>\s*<tr>\s*<td>([^<]*)</td>`)
		_, rejected := send(t, cl, token, "/account/tokens", url.Values{"name": {""}})
		_, accepted := send(t, cl, token, "/account/tokens", url.Values{"name": {"x"}})
		if err := ta.store.DB().Where("user_id = ?", u.ID).Delete(&models.APIToken{}).Error; err != nil {
			t.Fatal(err)
		}
		for _, p := range turn(1) {
			res, body := send(t, cl, token, "/account/tokens", url.Values{"name": {p}})
			switch res.StatusCode {
			case http.StatusOK:
				list, _ := ta.store.APITokens(t.Context(), u.ID)
				if len(list) != 1 || list[0].Name != strings.TrimSpace(p) {
					t.Fatalf("payload %.60q not stored as typed", p)
				}
				shown(t, "token list", row, body, accepted, p, list[0].Name)
				// Deleted, so that the list stays short.
				if err := ta.store.DB().Delete(&models.APIToken{}, list[0].ID).Error; err != nil {
					t.Fatal(err)
				}
			case http.StatusUnprocessableEntity:
				shown(t, "token form", field, body, rejected, p, strings.TrimSpace(p))
			default:
				t.Fatalf("payload %.60q: status %d", p, res.StatusCode)
			}
		}
	})
	t.Run("forgot password", func(t *testing.T) {
		t.Parallel()
		_, _, cl, token := newApp(t)
		field := regexp.MustCompile(`id="email" name="email" value="([^"]*)"`)
		_, rejected := send(t, cl, token, "/password/forgot", url.Values{"email": {"x"}})
		for _, p := range turn(2) {
			res, body := send(t, cl, token, "/password/forgot", url.Values{"email": {p}})
			switch res.StatusCode {
			case http.StatusOK:
				mustContain(t, "forgot answer", body, "If an account exists")
			case http.StatusUnprocessableEntity:
				shown(t, "forgot form", field, body, rejected, p, strings.TrimSpace(p))
			default:
				t.Fatalf("payload %.60q: status %d", p, res.StatusCode)
			}
		}
	})
}
