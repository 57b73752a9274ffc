package app

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"proact/app/config"
	"proact/models"
	"proact/models/modelstest"
)

func TestSignInAndOut(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		member := ta.createUser(t, "caseworker@rlrc.example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
		cl := ta.client()
		_, before := cl.get(t, "/")
		cl.login(t, member)
		if cl.cookies[sessionCookie] == nil {
			t.Fatal("no session cookie after signing in")
		}
		_, body := cl.get(t, "/")
		mustContain(t, "home as member", body, `action="/logout"`, "My account")
		mustNotContain(t, "home before", before, `action="/logout"`)

		// Members see members-only notes; the session id changed at sign-in.
		hidden := membersOnly(t, ta.store)[0]
		if res, _ := cl.get(t, "/practices/"+hidden.Slug); res.StatusCode != http.StatusOK {
			t.Errorf("a member cannot read a members-only note: %d", res.StatusCode)
		}
		old := cl.cookies[sessionCookie].Value
		res, _ := cl.post(t, "/", "/logout", nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		// The old session is gone on the server: replaying its cookie is anonymous.
		replay := ta.client()
		replay.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: old}
		if res, _ := replay.get(t, "/practices/"+hidden.Slug); res.StatusCode != http.StatusNotFound {
			t.Errorf("a logged-out session still reads members-only notes: %d", res.StatusCode)
		}
	})
}

func TestWrongPasswordAndUnknownEmailLookAlike(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	ta.createUser(t, "known@example.org", models.RoleMember, "", false)
	cl := ta.client()
	res1, body1 := cl.post(t, "/login", "/login", url.Values{"email": {"known@example.org"}, "password": {"wrong password here"}})
	res2, body2 := cl.post(t, "/login", "/login", url.Values{"email": {"nobody@example.org"}, "password": {"wrong password here"}})
	if res1.StatusCode != res2.StatusCode || res1.StatusCode != http.StatusUnauthorized {
		t.Fatalf("statuses %d and %d", res1.StatusCode, res2.StatusCode)
	}
	strip := func(s string) string { return csrfField.ReplaceAllString(strings.ReplaceAll(s, "known@", "X@"), "") }
	if strip(body1) != strings.ReplaceAll(strip(body2), "nobody@", "X@") {
		t.Error("the pages for a wrong password and an unknown address differ")
	}
	mustContain(t, "failure page", body1, "is not right", `value="known@example.org"`)
	mustNotContain(t, "failure page", body1, "wrong password here")
	entries, _, _ := ta.store.ListAudit(t.Context(), models.AuditFilter{Action: models.AuditLoginFailure})
	if len(entries) != 2 {
		t.Errorf("%d failures in the audit log, want 2", len(entries))
	}
}

func TestLoginIsThrottledPerAccount(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
	u := ta.createUser(t, "target@example.org", models.RoleMember, "", false)
	for i := range 5 {
		cl := ta.client()
		cl.ip = "198.51.100." + string(rune('1'+i)) // a different address each time
		if res, _ := cl.post(t, "/login", "/login", url.Values{"email": {u.Email}, "password": {"guess number " + string(rune('a'+i))}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, res.StatusCode)
		}
	}
	cl := ta.client()
	cl.ip = "203.0.113.9"
	res, body := cl.post(t, "/login", "/login", url.Values{"email": {u.Email}, "password": {u.Password}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth attempt with the right password: %d", res.StatusCode)
	}
	mustContain(t, "429 page", body, "Too many failed attempts", "minute")
}

// modelstestForEach runs fn on a test app over each database, the two in
// parallel (PostgreSQL is skipped, saying why, without a server).
func modelstestForEach(t *testing.T, fn func(t *testing.T, ta *testApp), cfg ...func(*config.Config)) {
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			var c func(*config.Config)
			if len(cfg) > 0 {
				c = cfg[0]
			}
			fn(t, newTestApp(t, d, c))
		})
	}
}

func TestNULAndBrokenUTF8AreRefusedCleanly(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		cl := ta.client()
		for _, email := range []string{"a\x00@example.org", "\xff\xfe@example.org"} {
			res, body := cl.post(t, "/login", "/login", url.Values{"email": {email}, "password": {"whatever it is"}})
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("login with %q: %d", email, res.StatusCode)
			}
			mustContain(t, "400 page", body, `<main id="main"`)
		}
		if res, _ := cl.get(t, "/search?q=%00"); res.StatusCode != http.StatusBadRequest {
			t.Errorf("a NUL in the query: %d", res.StatusCode)
		}
	})
}
