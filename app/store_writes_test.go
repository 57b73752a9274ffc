package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"gorm.io/gorm"

	"proact/app/config"
	"proact/models"
	"proact/models/modelstest"
)

// Every write commits with its side effects (audit rows, mail, links) or not
// at all; updates write only what they change; the failure throttle counts
// every guess and fails closed.

var errInjected = errors.New("injected failure")

// failInserts makes every insert into table fail while the returned switch
// is on: a disk that fills, a constraint, a crash between two statements.
func failInserts(t *testing.T, store *models.Store, table string) *atomic.Bool {
	t.Helper()
	on := &atomic.Bool{}
	name := "test:fail_" + table
	err := store.DB().Callback().Create().Before("gorm:create").Register(name, func(db *gorm.DB) {
		if on.Load() && db.Statement.Table == table {
			_ = db.AddError(errInjected)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return on
}

// count runs a SELECT count(*) ... and returns the number.
func count(t *testing.T, store *models.Store, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := store.DB().Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// postForm sends a form with the client's CSRF token read from page before
// anything is armed, so that only the request itself runs with it.
func postForm(t *testing.T, cl *client, token, action string, form url.Values) (*http.Response, string) {
	t.Helper()
	form.Set("_csrf", token)
	req := httptest.NewRequest(http.MethodPost, action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return cl.do(t, req)
}

// A join application whose mail cannot be written leaves nothing: no
// application, no audit row (a kill -9 between them used to leave both
// without the mail, and the applicant and moderators never told).
func TestJoinCommitsWithItsMailOrNotAtAll(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		ta.createUser(t, "moderator@network.example.org", models.RoleModerator, "", false)
		fail := failInserts(t, ta.store, "mail_outbox")
		cl := ta.client()
		token := cl.csrf(t, "/join")
		fail.Store(true)
		res, _ := postForm(t, cl, token, "/join", joinValues("Atomic Centre", "atomic@example.ro", "ro"))
		fail.Store(false)
		if res.StatusCode < 500 {
			t.Errorf("join with the mail failing: %d, want a server error", res.StatusCode)
		}
		if n := count(t, ta.store, `SELECT count(*) FROM applications WHERE contact_email = ?`, "atomic@example.ro"); n != 0 {
			t.Errorf("%d applications left without their mail", n)
		}
		if n := count(t, ta.store, `SELECT count(*) FROM audit_log WHERE action = ?`, models.AuditApplication); n != 0 {
			t.Errorf("%d audit rows of an application that does not exist", n)
		}
		// And when nothing fails, all three are there.
		res, _ = cl.post(t, "/join", "/join", joinValues("Atomic Centre", "atomic@example.ro", "ro"))
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("join: %d", res.StatusCode)
		}
		if n := count(t, ta.store, `SELECT count(*) FROM mail_outbox WHERE to_addr IN (?, ?)`, "atomic@example.ro", "moderator@network.example.org"); n != 2 {
			t.Errorf("%d mails after the application, want 2", n)
		}
	})
}

// The writes of staff and organisation admins with an injected failure of
// their audit row or mail: nothing of them remains.
func TestStaffWritesCommitWithTheirAuditAndMail(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		ctx := context.Background()
		failMail := failInserts(t, ta.store, "mail_outbox")
		failAudit := failInserts(t, ta.store, "audit_log")
		admin := ta.createUser(t, "admin@network.example.org", models.RoleAdmin, "", false)
		orgAdmin := ta.createUser(t, "orgadmin@rlrc.example.org", models.RoleMember, "rotterdam-labour-rights-centre", true)
		target := ta.createUser(t, "colleague@rlrc.example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
		staff := ta.client()
		staff.login(t, admin)
		org := ta.client()
		org.login(t, orgAdmin)

		// Approving an application: organisation, account, decision, two
		// audit rows, link and mail. The invitation mail fails.
		visitor := ta.client()
		if res, _ := visitor.post(t, "/join", "/join", joinValues("Approve Centre", "approve@example.ro", "ro")); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("join: %d", res.StatusCode)
		}
		appID := pendingApplication(t, ta.store, "approve@example.ro")
		token := staff.csrf(t, "/admin/applications/"+appID)
		check := func(what string, res *http.Response) {
			t.Helper()
			if res.StatusCode < 500 {
				t.Errorf("%s with an injected failure: %d, want a server error", what, res.StatusCode)
			}
		}
		audits := func() int64 { return count(t, ta.store, `SELECT count(*) FROM audit_log`) }
		links := func() int64 { return count(t, ta.store, `SELECT count(*) FROM tokens`) }
		before, linksBefore := audits(), links()
		failMail.Store(true)
		res, _ := postForm(t, staff, token, "/admin/applications/"+appID+"/approve", url.Values{})
		check("approval", res)
		res, _ = postForm(t, staff, token, "/admin/applications/"+appID+"/reject", url.Values{"reason": {"Outside the scope."}})
		check("rejection", res)
		ot := org.csrf(t, "/organisations/rotterdam-labour-rights-centre/members")
		res, _ = postForm(t, org, ot, "/organisations/rotterdam-labour-rights-centre/members",
			url.Values{"person_name": {"New Colleague"}, "person_email": {"new.colleague@rlrc.example.org"}, "person_language": {"nl"}})
		check("invitation", res)
		failMail.Store(false)
		if n := count(t, ta.store, `SELECT count(*) FROM applications WHERE id = ? AND status = ?`, appID, models.ApplicationPending); n != 1 {
			t.Errorf("the application is no longer pending after a failed decision")
		}
		if n := count(t, ta.store, `SELECT count(*) FROM organisations WHERE name = ?`, "Approve Centre"); n != 0 {
			t.Errorf("a failed approval left %d organisations", n)
		}
		if n := count(t, ta.store, `SELECT count(*) FROM users WHERE email IN (?, ?)`, "approve@example.ro", "new.colleague@rlrc.example.org"); n != 0 {
			t.Errorf("failed invitations left %d accounts", n)
		}
		if n := links() - linksBefore; n != 0 {
			t.Errorf("failed invitations left %d links", n)
		}
		if got := audits(); got != before {
			t.Errorf("failed writes left %d audit rows", got-before)
		}

		// The audit row fails: the change does not happen either.
		failAudit.Store(true)
		res, _ = postForm(t, staff, token, fmt.Sprintf("/admin/users/%d/role", target.ID), url.Values{"role": {"moderator"}})
		check("role change", res)
		res, _ = postForm(t, staff, token, fmt.Sprintf("/admin/users/%d/disable", target.ID), url.Values{})
		check("disabling", res)
		res, _ = postForm(t, org, ot, fmt.Sprintf("/organisations/rotterdam-labour-rights-centre/members/%d/remove", target.ID), url.Values{})
		check("removal", res)
		res, _ = postForm(t, staff, token, "/admin/organisations/rotterdam-labour-rights-centre/suspend", url.Values{"reason": {"Checking."}})
		check("suspension", res)
		failAudit.Store(false)
		after, err := ta.store.UserByID(ctx, target.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.Role != models.RoleMember || after.Status != models.UserActive || after.OrganisationID == nil || after.SessionEpoch != target.SessionEpoch {
			t.Errorf("the colleague changed without an audit row: %+v", after)
		}
		o, err := ta.store.AnyOrganisationBySlug(ctx, "rotterdam-labour-rights-centre")
		if err != nil || o.Status != models.OrgApproved {
			t.Errorf("the organisation was suspended without an audit row: %+v, %v", o, err)
		}
	})
}

// An administrator demotes a moderator while the moderator's own request
// (saving their name) is in flight, its account loaded before the demotion:
// the request must not put the old role and session epoch back. The
// identity cache is off: the demotion is set off by the request's own read
// of the account (with the cache on, the account it holds was read even
// earlier, which is the same case).
func TestAnInFlightRequestKeepsADemotion(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		if ta.store.Dialect() == models.Postgres {
			modelstest.Listen(t, ta.store) // the request state in memory (models/live.go)
		}
		ctx := context.Background()
		mod := ta.createUser(t, "moderator@network.example.org", models.RoleModerator, "", false)
		cl := ta.client()
		cl.login(t, mod)
		token := cl.csrf(t, "/account")
		before, err := ta.store.UserByID(ctx, mod.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The demotion lands right after the request has loaded the account.
		armed := &atomic.Bool{}
		err = ta.store.DB().Callback().Query().After("gorm:query").Register("test:demote", func(db *gorm.DB) {
			if db.Statement.Table == "users" && armed.CompareAndSwap(true, false) {
				if err := ta.store.SetUserRole(context.Background(), mod.ID, models.RoleMember); err != nil {
					t.Errorf("demoting: %v", err)
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		armed.Store(true)
		res, _ := postForm(t, cl, token, "/account", url.Values{"name": {"Renamed Moderator"}, "language": {"de"}})
		if armed.Load() {
			t.Fatal("the demotion never ran")
		}
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("saving the account: %d", res.StatusCode)
		}
		after, err := ta.store.UserByID(ctx, mod.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.Role != models.RoleMember || after.SessionEpoch != before.SessionEpoch+1 {
			t.Errorf("after the in-flight save: role %s epoch %d, want member and %d", after.Role, after.SessionEpoch, before.SessionEpoch+1)
		}
		if after.Name != "Renamed Moderator" || after.Language != "de" {
			t.Errorf("the save itself was lost: %q %q", after.Name, after.Language)
		}
		if res, _ := cl.get(t, "/admin"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("the demoted moderator's session still opens /admin: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	}, func(c *config.Config) { c.IdentitySessions = 0 })
}

// Parallel wrong passwords for one account all count.
func TestParallelWrongPasswordsAllCount(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		ta.createUser(t, "target@example.org", models.RoleMember, "", false)
		const n = 12
		clients := make([]*client, n)
		tokens := make([]string, n)
		for i := range clients {
			clients[i] = ta.client()
			tokens[i] = clients[i].csrf(t, "/login")
		}
		var wg sync.WaitGroup
		codes := make([]int, n)
		for i := range clients {
			wg.Go(func() {
				form := url.Values{"email": {"target@example.org"}, "password": {fmt.Sprintf("wrong guess %d", i)}, "_csrf": {tokens[i]}}
				req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				for _, c := range clients[i].cookies {
					req.AddCookie(c)
				}
				res, err := ta.app.Test(req, -1)
				if err != nil {
					t.Error(err)
					return
				}
				_ = res.Body.Close()
				codes[i] = res.StatusCode
			})
		}
		wg.Wait()
		for i, code := range codes {
			if code != http.StatusUnauthorized && code != http.StatusTooManyRequests {
				t.Errorf("guess %d: %d", i, code)
			}
		}
		f, err := ta.store.Failures(context.Background(), "acct:login:target@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if f.N != n {
			t.Errorf("%d parallel wrong passwords counted as %d", n, f.N)
		}
	}, func(c *config.Config) { c.Limits.AccountFailures, c.Limits.IPFailures = 100, 100 })
}

// A throttle that cannot read or write its counts refuses the attempt (503)
// rather than let it through uncounted.
func TestThrottleFailsClosed(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		u := ta.createUser(t, "target@example.org", models.RoleMember, "", false)
		cl := ta.client()
		token := cl.csrf(t, "/login")
		if err := ta.store.DB().Exec(`DROP TABLE failure_counts`).Error; err != nil {
			t.Fatal(err)
		}
		for _, pw := range []string{"a wrong guess here", u.Password} {
			res, _ := postForm(t, cl, token, "/login", url.Values{"email": {u.Email}, "password": {pw}})
			if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
				t.Errorf("signing in without failure counts: %d, want 503 with Retry-After", res.StatusCode)
			}
			if loc := res.Header.Get("Location"); loc != "" {
				t.Errorf("signed in without a throttle: to %s", loc)
			}
		}
	})
}

// failUpdates makes every update of table fail while the switch is on.
func failUpdates(t *testing.T, store *models.Store, table string) *atomic.Bool {
	t.Helper()
	on := &atomic.Bool{}
	err := store.DB().Callback().Update().Before("gorm:update").Register("test:fail_update_"+table, func(db *gorm.DB) {
		if on.Load() && db.Statement.Table == table {
			_ = db.AddError(errInjected)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return on
}

// The account's multi-step writes through the pages: two-factor on (a
// failure of the recovery codes leaves it off), off (every other session
// ends), a password reset (a failure does not burn the link).
func TestAccountWritesAreOneTransaction(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		ctx := context.Background()
		u := ta.createUser(t, "member@rlrc.example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
		cl := ta.client()
		cl.login(t, u)
		other := ta.client() // the same person on another device
		other.login(t, u)

		failCodes := failInserts(t, ta.store, "recovery_codes")
		res, body := cl.get(t, "/account/2fa")
		m := totpSecretShown.FindStringSubmatch(body)
		if res.StatusCode != http.StatusOK || m == nil {
			t.Fatalf("set-up page: %d", res.StatusCode)
		}
		code, _ := totp.GenerateCode(strings.ReplaceAll(m[1], " ", ""), time.Now())
		failCodes.Store(true)
		res, _ = cl.post(t, "/account/2fa", "/account/2fa", url.Values{"code": {code}})
		failCodes.Store(false)
		if res.StatusCode < 500 {
			t.Errorf("enabling with the recovery codes failing: %d", res.StatusCode)
		}
		if after := userAfter(t, ta, u.ID); after.TOTPEnabled {
			t.Error("two-factor is on without recovery codes")
		}
		setUpTwoFactor(t, cl)

		res, _ = cl.post(t, "/account/2fa", "/account/2fa/disable", url.Values{"current": {u.Password}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("turning off: %d", res.StatusCode)
		}
		if res, _ := other.get(t, "/account"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("another session survived turning two-factor off: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res, _ := cl.get(t, "/account"); res.StatusCode != http.StatusOK {
			t.Errorf("the session that turned it off: %d", res.StatusCode)
		}

		// Changing the password with its audit row failing: the old one stays.
		failAudit := failInserts(t, ta.store, "audit_log")
		token := cl.csrf(t, "/account/password")
		failAudit.Store(true)
		res, _ = postForm(t, cl, token, "/account/password", url.Values{"current": {u.Password},
			"password": {"an unrecorded passphrase 3"}, "confirm": {"an unrecorded passphrase 3"}})
		failAudit.Store(false)
		if res.StatusCode < 500 {
			t.Errorf("a password change with the audit failing: %d", res.StatusCode)
		}
		if after := userAfter(t, ta, u.ID); after.PasswordHash != u.PasswordHash {
			t.Error("the password changed without its audit row")
		}

		if err := ta.store.CreateToken(ctx, u.ID, models.TokenReset, "reset-secret", time.Hour); err != nil {
			t.Fatal(err)
		}
		visitor := ta.client()
		form := url.Values{"password": {"a brand new passphrase 7"}, "confirm": {"a brand new passphrase 7"}}
		failUsers := failUpdates(t, ta.store, "users")
		token = visitor.csrf(t, "/password/reset/reset-secret")
		failUsers.Store(true)
		res, _ = postForm(t, visitor, token, "/password/reset/reset-secret", form)
		failUsers.Store(false)
		if res.StatusCode < 500 {
			t.Errorf("a reset with the account update failing: %d", res.StatusCode)
		}
		if res, _ := visitor.get(t, "/password/reset/reset-secret"); res.StatusCode != http.StatusOK {
			t.Fatalf("the link was burnt by a failed reset: %d", res.StatusCode)
		}
		if res, body := visitor.post(t, "/password/reset/reset-secret", "/password/reset/reset-secret", form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("the reset: %d\n%s", res.StatusCode, body)
		}
		if res, _ := cl.get(t, "/account"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("a session survived the reset: %d", res.StatusCode)
		}
	})
}

// Someone signed in with an unchanged one-time password reaches nothing that
// needs signing in: not a members-only note, an organisation's contact, the
// API (with a token either), the dashboard, a form. Changing the password
// and signing out still work.
func TestOneTimePasswordComesFirst(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		ctx := context.Background()
		all, err := ta.store.AllPractices(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var note *models.Practice
		for i := range all {
			if all[i].Visibility == models.VisibilityMembers && all[i].Status == models.StatusPublished {
				note = &all[i]
				break
			}
		}
		org, err := ta.store.AnyOrganisationBySlug(ctx, "rotterdam-labour-rights-centre")
		if err != nil {
			t.Fatal(err)
		}
		if note == nil || org.ContactEmail == "" {
			t.Fatal("the demo content has no members-only note or no organisation contact")
		}
		oneTime := func(email, role, org string) (*testUser, *client) {
			u := ta.createUser(t, email, role, org, false)
			u.MustChangePassword = true
			if err := ta.store.UpdateUser(ctx, u.User, "must_change_password"); err != nil {
				t.Fatal(err)
			}
			cl := ta.client()
			cl.login(t, u)
			return u, cl
		}
		member, cl := oneTime("first.member@rlrc.example.org", models.RoleMember, org.Slug)
		_, admin := oneTime("first.admin@network.example.org", models.RoleAdmin, "")
		secret := "pat_" + strings.Repeat("x", 26)
		if _, err := ta.store.CreateAPIToken(ctx, member.ID, "script", secret); err != nil {
			t.Fatal(err)
		}
		toChange := func(who string, res *http.Response, body string, secrets ...string) {
			t.Helper()
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/password" {
				t.Errorf("%s: %d %s, want 303 to /account/password", who, res.StatusCode, res.Header.Get("Location"))
			}
			mustNotContain(t, who, body, secrets...)
		}
		res, body := cl.get(t, "/practices/"+note.Slug)
		toChange("members-only note", res, body, note.Title)
		res, body = cl.get(t, "/organisations/"+org.Slug)
		toChange("organisation contact", res, body, org.ContactEmail)
		res, body = cl.get(t, "/account")
		toChange("account page", res, body)
		res, body = admin.get(t, "/admin")
		toChange("dashboard", res, body)
		for _, path := range []string{"/api/v1/practices/" + note.Slug, "/api/v1/organisations/" + org.Slug} {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Authorization", "Bearer "+secret)
			res, body := ta.do(t, req)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("%s with a token: %d, want 403", path, res.StatusCode)
			}
			mustNotContain(t, path, body, note.Title, org.ContactEmail)
		}
		token := cl.csrf(t, "/account/password")
		if res, _ := postForm(t, cl, token, "/account", url.Values{"name": {"Changed"}, "language": {"en"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("a form before the change: %d, want 403", res.StatusCode)
		}
		if res, _ := cl.get(t, "/privacy"); res.StatusCode != http.StatusOK {
			t.Errorf("the privacy page: %d", res.StatusCode)
		}

		// Changing it opens everything.
		res, body = cl.post(t, "/account/password", "/account/password", url.Values{"current": {member.Password},
			"password": {"my very own passphrase 9"}, "confirm": {"my very own passphrase 9"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("changing the password: %d\n%s", res.StatusCode, body)
		}
		if res, body := cl.get(t, "/practices/"+note.Slug); res.StatusCode != http.StatusOK {
			t.Errorf("the note after the change: %d", res.StatusCode)
		} else {
			mustContain(t, "note after the change", body, note.Title)
		}
		if res, _ := admin.post(t, "/account/password", "/logout", nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Errorf("signing out before the change: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	})
}
