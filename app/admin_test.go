package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"proact/app/config"
	"proact/app/i18n"
	"proact/models"
	"proact/models/modelstest"
)

// adminCast is the people of the administration tests.
type adminCast struct {
	admin, moderator, member, colleague *testUser
}

// newAdminCast makes the people of one test; tag keeps the addresses of
// tests sharing an app apart.
func newAdminCast(t *testing.T, ta *testApp, tag string) adminCast {
	t.Helper()
	return adminCast{
		admin:     ta.createUser(t, "root-"+tag+"@secretariat.example.org", models.RoleAdmin, "", false),
		moderator: ta.createUser(t, "mod-"+tag+"@secretariat.example.org", models.RoleModerator, "", false),
		member:    ta.createUser(t, "caseworker-"+tag+"@rlrc.example.org", models.RoleMember, "rotterdam-labour-rights-centre", false),
		colleague: ta.createUser(t, "lawyer-"+tag+"@rlrc.example.org", models.RoleMember, "rotterdam-labour-rights-centre", true),
	}
}

// ipClient gives every request of a client its own address (the app must
// trust 0.0.0.0 as a proxy), so that many POSTs meet no rate limit.
type ipClient struct {
	*client
	n *atomic.Int64
}

func (ta *testApp) ipClient(counter *atomic.Int64) ipClient {
	return ipClient{client: ta.client(), n: counter}
}

func (c ipClient) next() {
	n := c.n.Add(1)
	c.ip = fmt.Sprintf("10.%d.%d.%d", n/65536%256, n/256%256, n%256)
}

func (c ipClient) post(t testing.TB, page, action string, form url.Values) (*http.Response, string) {
	t.Helper()
	c.next()
	return c.client.post(t, page, action, form)
}

func (c ipClient) login(t testing.TB, u *testUser) {
	t.Helper()
	c.next()
	c.client.login(t, u)
}

func trustAll(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} }

func userAfter(t *testing.T, ta *testApp, id uint) *models.User {
	t.Helper()
	u, err := ta.store.UserByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func lastAudit(t *testing.T, ta *testApp, action string) models.AuditEntry {
	t.Helper()
	list, _, err := ta.store.ListAudit(context.Background(), models.AuditFilter{Action: action})
	if err != nil || len(list) == 0 {
		t.Fatalf("no %s entry in the audit log (%v)", action, err)
	}
	return list[0]
}

// TestAdminUsers: the dashboard, the user list and every action on
// accounts, on both databases (one app each, shared by the subtests).
func TestAdminUsers(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		t.Run("dashboard and list", func(t *testing.T) { testAdminDashboardAndUserList(t, ta) })
		t.Run("role changes", func(t *testing.T) { testAdminRoleChanges(t, ta) })
		t.Run("disable, enable, reset 2FA", func(t *testing.T) { testAdminDisableEnableAndReset2FA(t, ta) })
	})
}

// TestAdminAuditAndMail: the audit log, the mail outbox and every page in
// every language, on both databases.
func TestAdminAuditAndMail(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		t.Run("audit log", func(t *testing.T) { testAdminAuditLog(t, ta) })
		t.Run("mail outbox", func(t *testing.T) { testAdminMailOutbox(t, ta) })
		t.Run("every language", func(t *testing.T) { testAdminPagesInEveryLanguage(t, ta) })
	})
}

func testAdminDashboardAndUserList(t *testing.T, ta *testApp) {
	cast := newAdminCast(t, ta, "list")
	if err := ta.store.QueueMail(t.Context(), &models.Mail{ToAddr: "x@example.org", Subject: "s", Body: "b", Kind: "reset", Language: "en"}); err != nil {
		t.Fatal(err)
	}
	cl := ta.client()
	cl.login(t, cast.admin)
	res, body := cl.get(t, "/admin")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/admin: %d", res.StatusCode)
	}
	mustContain(t, "dashboard", body, "Pending applications", "<dd><a href=\"/admin/users\">4</a></dd>", "Messages not sent</dt><dd>1</dd>",
		`href="/admin/audit"`, `href="/admin/mail"`)

	_, body = cl.get(t, "/admin/users?q=RLRC.example")
	mustContain(t, "search", body, cast.member.Email, cast.colleague.Email, "Accounts found: 2", "<caption>", `<th scope="col">`,
		"Rotterdam", `action="/admin/users/`+fmt.Sprint(cast.member.ID)+`/role"`)
	mustNotContain(t, "search", body, cast.admin.Email, cast.moderator.Email)

	_, body = cl.get(t, "/admin/users?role=moderator")
	mustContain(t, "role filter", body, cast.moderator.Email, "Accounts found: 1")
	_, body = cl.get(t, "/admin/users?status=disabled")
	mustContain(t, "status filter", body, "Accounts found: 0", "No account matches")
	_, body = cl.get(t, "/admin/users?sort=newest&role=nonsense&status=%27")
	mustContain(t, "bad filters are ignored", body, "Accounts found: 4", `<option value="newest" selected>`)
	// The admin's own row offers no action on themselves.
	_, body = cl.get(t, "/admin/users?q=root-list@")
	mustNotContain(t, "own row", body, "/admin/users/"+fmt.Sprint(cast.admin.ID)+"/")
	mustContain(t, "own row", body, "(you)")

	// A moderator sees the list, but no role form, and no action on staff.
	mod := ta.client()
	mod.login(t, cast.moderator)
	_, body = mod.get(t, "/admin/users")
	mustContain(t, "moderator's list", body, cast.admin.Email, "/admin/users/"+fmt.Sprint(cast.member.ID)+"/disable")
	mustNotContain(t, "moderator's list", body, "/role\"", "/admin/users/"+fmt.Sprint(cast.admin.ID)+"/disable", `href="/admin/mail"`)
}

func testAdminRoleChanges(t *testing.T, ta *testApp) {
	cast := newAdminCast(t, ta, "roles")
	member := ta.client()
	member.login(t, cast.member)
	admin := ta.client()
	admin.login(t, cast.admin)
	epoch := userAfter(t, ta, cast.member.ID).SessionEpoch

	path := "/admin/users/" + fmt.Sprint(cast.member.ID) + "/role"
	// The list's form asks first: a page naming the person and both roles,
	// whose form does the change. Nothing has changed yet.
	_, body := admin.get(t, path+"?role=moderator&back=%2Fadmin%2Fusers%3Fq%3Drlrc")
	mustContain(t, "role confirmation", body, "Change the role of "+cast.member.Email+"?", "from Member to Moderator",
		`action="`+path+`"`, `name="role" value="moderator"`, `name="back" value="/admin/users?q=rlrc"`)
	if u := userAfter(t, ta, cast.member.ID); u.Role != models.RoleMember {
		t.Errorf("the confirmation page changed the role: %s", u.Role)
	}
	disable := "/admin/users/" + fmt.Sprint(cast.member.ID) + "/disable"
	_, body = admin.get(t, disable)
	mustContain(t, "disable confirmation", body, "Disable the account of "+cast.member.Email+"?", `action="`+disable+`"`)
	res, _ := admin.post(t, "/admin/users", path, url.Values{"role": {"moderator"}, "back": {"/admin/users?q=rlrc"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/users?q=rlrc" {
		t.Fatalf("role change: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	u := userAfter(t, ta, cast.member.ID)
	if u.Role != models.RoleModerator || u.SessionEpoch != epoch+1 {
		t.Errorf("after the change: role %s, epoch %d (was %d)", u.Role, u.SessionEpoch, epoch)
	}
	e := lastAudit(t, ta, models.AuditRoleChanged)
	if e.Detail != "member → moderator" || e.TargetID == nil || *e.TargetID != cast.member.ID || e.ActorEmail != cast.admin.Email {
		t.Errorf("audit entry %+v", e)
	}
	_, body = admin.get(t, "/admin/users?q=rlrc")
	mustContain(t, "flash", body, "The role has been changed")
	// The person's session ended: they sign in again with the new role.
	_, body = member.get(t, "/")
	mustNotContain(t, "the promoted member's old session", body, `action="/logout"`)

	for _, tc := range []struct {
		name, path, role, flash string
	}{
		{"unknown role", path, "superuser", "Please choose one of the roles"},
		{"same role", path, "moderator", "Nothing changed"},
		{"own role", "/admin/users/" + fmt.Sprint(cast.admin.ID) + "/role", "member", "You cannot do this to your own account"},
	} {
		res, _ := admin.post(t, "/admin/users", tc.path, url.Values{"role": {tc.role}, "back": {"https://evil.example/"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/users" {
			t.Errorf("%s: %d to %q", tc.name, res.StatusCode, res.Header.Get("Location"))
		}
		_, body := admin.get(t, "/admin/users")
		mustContain(t, tc.name, body, tc.flash)
	}
	if u := userAfter(t, ta, cast.admin.ID); u.Role != models.RoleAdmin {
		t.Errorf("the admin demoted themselves: %s", u.Role)
	}
	if res, _ := admin.post(t, "/admin/users", "/admin/users/999999/role", url.Values{"role": {"member"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown user: %d", res.StatusCode)
	}
	if res, _ := admin.post(t, "/admin/users", "/admin/users/x1/role", url.Values{"role": {"member"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("bad id: %d", res.StatusCode)
	}

	// Neither a moderator nor a member may change roles.
	mod := ta.client()
	mod.login(t, cast.moderator)
	colleague := ta.client()
	colleague.login(t, cast.colleague)
	target := "/admin/users/" + fmt.Sprint(cast.colleague.ID) + "/role"
	if res, _ := mod.post(t, "/admin/users", target, url.Values{"role": {"admin"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a moderator changed a role: %d", res.StatusCode)
	}
	self := "/admin/users/" + fmt.Sprint(cast.colleague.ID) + "/role"
	if res, _ := colleague.post(t, "/", self, url.Values{"role": {"admin"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a member changed their own role: %d", res.StatusCode)
	}
	if u := userAfter(t, ta, cast.colleague.ID); u.Role != models.RoleMember {
		t.Errorf("the member's role is now %s", u.Role)
	}
}

func testAdminDisableEnableAndReset2FA(t *testing.T, ta *testApp) {
	cast := newAdminCast(t, ta, "status")
	mod := ta.client()
	mod.login(t, cast.moderator)
	id := func(u *testUser) string { return fmt.Sprint(u.ID) }

	// A moderator disables a member: the member can no longer sign in.
	victim := ta.client()
	victim.login(t, cast.member)
	res, _ := mod.post(t, "/admin/users", "/admin/users/"+id(cast.member)+"/disable", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.StatusCode)
	}
	if u := userAfter(t, ta, cast.member.ID); u.Status != models.UserDisabled {
		t.Errorf("status %s after disabling", u.Status)
	}
	if e := lastAudit(t, ta, models.AuditUserDisabled); *e.TargetID != cast.member.ID || e.ActorEmail != cast.moderator.Email {
		t.Errorf("audit entry %+v", e)
	}
	_, body := victim.get(t, "/")
	mustNotContain(t, "the disabled member's session", body, `action="/logout"`)
	if res, _ := ta.client().post(t, "/login", "/login", url.Values{"email": {cast.member.Email}, "password": {cast.member.Password}}); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a disabled account signed in: %d", res.StatusCode)
	}
	_, body = mod.get(t, "/admin/users?status=disabled")
	mustContain(t, "disabled list", body, "The account has been disabled", cast.member.Email, "/admin/users/"+id(cast.member)+"/enable")

	res, _ = mod.post(t, "/admin/users", "/admin/users/"+id(cast.member)+"/enable", nil)
	if res.StatusCode != http.StatusSeeOther || userAfter(t, ta, cast.member.ID).Status != models.UserActive {
		t.Errorf("enable: %d, status %s", res.StatusCode, userAfter(t, ta, cast.member.ID).Status)
	}
	lastAudit(t, ta, models.AuditUserEnabled)
	ta.client().login(t, cast.member)

	// Moderators do not touch staff accounts; nobody disables themselves.
	for _, path := range []string{"/admin/users/" + id(cast.admin) + "/disable", "/admin/users/" + id(cast.admin) + "/reset-2fa"} {
		if res, _ := mod.post(t, "/admin/users", path, nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("moderator %s: %d", path, res.StatusCode)
		}
	}
	admin := ta.client()
	admin.login(t, cast.admin)
	res, _ = admin.post(t, "/admin/users", "/admin/users/"+id(cast.admin)+"/disable", nil)
	if res.StatusCode != http.StatusSeeOther || userAfter(t, ta, cast.admin.ID).Status != models.UserActive {
		t.Errorf("self-disable: %d", res.StatusCode)
	}

	// An administrator resets the moderator's two-factor: secret and
	// recovery codes gone, sessions ended, set-up required at sign-in.
	if err := ta.store.SetRecoveryCodes(t.Context(), cast.moderator.ID, []string{"AAAA-BBBB-CCCC"}); err != nil {
		t.Fatal(err)
	}
	res, _ = admin.post(t, "/admin/users", "/admin/users/"+id(cast.moderator)+"/reset-2fa", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset-2fa: %d", res.StatusCode)
	}
	u := userAfter(t, ta, cast.moderator.ID)
	if u.TOTPEnabled || u.TOTPSecret != "" {
		t.Errorf("two-factor still set: %v %q", u.TOTPEnabled, u.TOTPSecret)
	}
	if n, _ := ta.store.RemainingRecoveryCodes(t.Context(), u.ID); n != 0 {
		t.Errorf("%d recovery codes left", n)
	}
	lastAudit(t, ta, models.AuditTwoFactorReset)
	if res, _ := mod.get(t, "/admin"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("the moderator's session survived the reset: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	again := ta.client()
	res, _ = again.post(t, "/login", "/login", url.Values{"email": {cast.moderator.Email}, "password": {cast.moderator.Password}})
	if loc := res.Header.Get("Location"); loc != "/account/2fa" {
		t.Errorf("after the reset, sign-in went to %q, want /account/2fa", loc)
	}
	if res, _ := again.get(t, "/admin/users"); res.Header.Get("Location") != "/account/2fa" {
		t.Errorf("/admin/users without two-factor: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func testAdminAuditLog(t *testing.T, ta *testApp) {
	cast := newAdminCast(t, ta, "audit")
	ctx := t.Context()
	uid := cast.member.ID
	old := models.AuditEntry{Action: models.AuditUserDisabled, ActorEmail: "old@example.org", TargetKind: "user", TargetID: &uid, Detail: "<b>old</b>", IP: "192.0.2.7"}
	if err := ta.store.Audit(ctx, old); err != nil {
		t.Fatal(err)
	}
	admin := ta.client()
	admin.login(t, cast.admin)
	_, body := admin.get(t, "/admin/audit")
	mustContain(t, "audit log", body, "Signed in", cast.admin.Email, "Account disabled", cast.member.Email,
		"&lt;b&gt;old&lt;/b&gt;", "192.0.2.7", "<caption>", `<th scope="col">When (UTC)</th>`, `<input type="date" id="audit-from"`,
		`<option value="login.success"`, ">Two-step verification reset</option>")
	mustNotContain(t, "audit log", body, "<b>old</b>")

	_, body = admin.get(t, "/admin/audit?action=user.disabled")
	mustContain(t, "action filter", body, "Entries found: 1", "old@example.org", `<option value="user.disabled" selected>`)
	_, body = admin.get(t, "/admin/audit?actor=OLD@EXAMPLE")
	mustContain(t, "actor filter", body, "Entries found: 1")
	today := time.Now().UTC().Format(time.DateOnly)
	_, body = admin.get(t, "/admin/audit?action=user.disabled&from="+today+"&to="+today)
	mustContain(t, "date filter", body, "Entries found: 1")
	_, body = admin.get(t, "/admin/audit?to=2001-01-01")
	mustContain(t, "date filter", body, "Entries found: 0", "No entry matches")
	res, body := admin.get(t, "/admin/audit?from=yesterday&to=2026-13-45&action=drop+table")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("bad dates: %d", res.StatusCode)
	}
	mustContain(t, "bad dates", body, "The start date is not a valid date", "The end date is not a valid date", `value="yesterday"`)
	_, body = admin.get(t, "/admin/audit?from=2026-02-02&to=2026-02-01")
	mustContain(t, "reversed dates", body, "The start date is after the end date")

	// Moderators read the log too; members do not.
	mod := ta.client()
	mod.login(t, cast.moderator)
	if res, _ := mod.get(t, "/admin/audit"); res.StatusCode != http.StatusOK {
		t.Errorf("moderator: %d", res.StatusCode)
	}
	member := ta.client()
	member.login(t, cast.member)
	if res, _ := member.get(t, "/admin/audit"); res.StatusCode != http.StatusForbidden {
		t.Errorf("member: %d", res.StatusCode)
	}
}

func testAdminMailOutbox(t *testing.T, ta *testApp) {
	cast := newAdminCast(t, ta, "mail")
	ctx := t.Context()
	m := &models.Mail{ToAddr: "new@example.ro", Subject: "Invitație <script>alert(1)</script>", Kind: "invitation", Language: "ro",
		Body: "Bună ziua,\n<img src=x onerror=alert(1)>\nhttps://portal.example.org/invitation/SECRET"}
	if err := ta.store.QueueMail(ctx, m); err != nil {
		t.Fatal(err)
	}
	failed := &models.Mail{ToAddr: "bounce@example.org", Subject: "Reset", Body: "b", Kind: "reset", Language: "en"}
	if err := ta.store.QueueMail(ctx, failed); err != nil {
		t.Fatal(err)
	}
	_ = ta.store.MarkMail(ctx, failed.ID, fmt.Errorf("mail: RCPT TO: 550 <no such user>"))
	admin := ta.client()
	admin.login(t, cast.admin)
	_, body := admin.get(t, "/admin/mail")
	mustContain(t, "outbox", body, "new@example.ro", "Invitație &lt;script&gt;", "Invitation", "Romanian", "Not sent",
		"attempts: 1", "550 &lt;no such user&gt;", fmt.Sprintf(`href="/admin/mail/%d"`, m.ID), "Messages: 2")
	mustNotContain(t, "outbox", body, "<script>alert(1)")
	if i, j := strings.Index(body, "bounce@example.org"), strings.Index(body, "new@example.ro"); i < 0 || i > j {
		t.Error("the outbox is not newest first")
	}
	res, body := admin.get(t, fmt.Sprintf("/admin/mail/%d", m.ID))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("message: %d", res.StatusCode)
	}
	mustContain(t, "message", body, "<pre tabindex=\"0\" id=\"mail-body\">Bună ziua,\n&lt;img src=x onerror=alert(1)&gt;\nhttps://portal.example.org/invitation/SECRET</pre>",
		`value="https://portal.example.org/invitation/SECRET" readonly`, "No mail server is set up, so this message is not sent")
	// Queued again: a copy, and a message that does not claim it was sent.
	res, body = admin.post(t, fmt.Sprintf("/admin/mail/%d", m.ID), fmt.Sprintf("/admin/mail/%d/resend", m.ID), nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resend: %d %s", res.StatusCode, body)
	}
	_, body = admin.get(t, res.Header.Get("Location"))
	mustContain(t, "the copy", body, "A copy is queued, but no mail server is set up", "Not sent")
	for _, path := range []string{"/admin/mail/999999", "/admin/mail/abc", "/admin/mail/-1"} {
		if res, _ := admin.get(t, path); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", path, res.StatusCode)
		}
	}
	// Messages hold live invitation and reset links: administrators only.
	mod := ta.client()
	mod.login(t, cast.moderator)
	for _, path := range []string{"/admin/mail", fmt.Sprintf("/admin/mail/%d", m.ID)} {
		if res, body := mod.get(t, path); res.StatusCode != http.StatusForbidden || strings.Contains(body, "SECRET") {
			t.Errorf("moderator %s: %d", path, res.StatusCode)
		}
	}
}

func testAdminPagesInEveryLanguage(t *testing.T, ta *testApp) {
	cast := newAdminCast(t, ta, "lang")
	admin := ta.client()
	admin.login(t, cast.admin)
	for _, lang := range i18n.Languages() {
		admin.get(t, "/language/"+lang)
		for _, path := range []string{"/admin", "/admin/users", "/admin/audit", "/admin/mail"} {
			res, body := admin.get(t, path)
			if res.StatusCode != http.StatusOK || !strings.Contains(body, `<html lang="`+lang+`"`) {
				t.Errorf("%s %s: %d", lang, path, res.StatusCode)
			}
			// A key shown as itself means a missing translation.
			for _, prefix := range []string{">admin.", ">audit.action.", "\"admin."} {
				mustNotContain(t, lang+" "+path, body, prefix)
			}
		}
	}
}

// TestAdminFiltersResistAttacks sends every attack payload through the user
// search and the audit filters: never a 500, never echoed unescaped.
func TestAdminFiltersResistAttacks(t *testing.T) {
	t.Parallel()
	payloads := attackPayloads(t)
	ta := newTestApp(t, models.SQLite, trustAll)
	cast := newAdminCast(t, ta, "attack")
	admin := ta.client()
	admin.login(t, cast.admin)
	_, baseline := admin.get(t, "/admin/audit")
	// Both lists search with LIKE and filter by allow-lists: one code path,
	// the two lists take turns (both get every payload with
	// PROACT_FULL_ATTACKS=1).
	lists := []func(q string) string{
		func(q string) string {
			return "/admin/users?q=" + q + "&role=" + q + "&status=" + q + "&sort=" + q + "&page=" + q
		},
		func(q string) string {
			return "/admin/audit?action=" + q + "&actor=" + q + "&from=" + q + "&to=" + q + "&page=" + q
		},
	}
	for i, p := range payloads {
		for _, list := range modelstest.Turns(i, lists) {
			checkAdminPayload(t, ta, admin, p, list(url.QueryEscape(p)), baseline)
		}
	}
	if n, _ := ta.store.CountUsers(t.Context()); n != 4 {
		t.Errorf("%d users after the payloads, want 4", n)
	}
}

func checkAdminPayload(t *testing.T, ta *testApp, admin *client, p, target, baseline string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		return // not a URL a browser could send
	}
	for _, c := range admin.cookies {
		req.AddCookie(c)
	}
	res, err := ta.app.Test(req, -1)
	if err != nil && strings.Contains(err.Error(), "small read buffer") {
		return // the server answers 431: the URL is longer than any it reads
	}
	if err != nil {
		t.Fatalf("payload %.60q at %.40s: %v", p, target, err)
	}
	raw, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	body := string(raw)
	if res.StatusCode == http.StatusRequestURITooLong && len(target) > maxURLBytes {
		return // longer than any URL the portal takes
	}
	if res.StatusCode != http.StatusOK {
		t.Errorf("payload %.60q at %.40s: status %d", p, target, res.StatusCode)
	}
	if strings.ContainsAny(p, "<>\"'") && strings.Contains(body, p) && !strings.Contains(baseline, p) {
		t.Errorf("payload %.60q at %.40s is echoed unescaped", p, target)
	}
}
