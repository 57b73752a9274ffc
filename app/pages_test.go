package app

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"proact/models"
	"proact/models/modelstest"
)

// The layout's landmarks, on every page.
var layoutParts = []string{
	`<html lang="en"`, `class="skip-link" href="#main"`, `<header`, `<nav`, `<main id="main"`, `<footer`,
	`/static/vendor/pico@2.1.1/pico.min.css?v=`,
}

func TestPagesOnBothDatabases(t *testing.T) {
	t.Parallel()
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ta := newTestApp(t, d, nil) // skips PostgreSQL, saying why, without a server
			tests := []struct {
				path  string
				wants []string
			}{
				{"/", []string{"Sharing what works", `name="q"`, "Latest practice notes", "Proactive outreach to seasonal farm workers"}},
				{"/practices?versions=all", []string{"Practice notes found: 27", `name="country"`, `name="language"`, `name="topic"`, `name="sector"`, `rel="next"`}},
				{"/practices?country=RO", []string{"Romania", "Practice notes found:"}},
				{"/practices?language=el", []string{"Practice notes found: 1"}},
				{"/practices?versions=all&page=2", []string{"Practice notes found: 27", `rel="prev"`}},
				{"/practices/proactive-outreach-seasonal-farm-workers", []string{
					"<h1>Proactive outreach to seasonal farm workers</h1>", "Rotterdam Labour Rights Centre (demo)",
					"Netherlands", "Romania", "Outreach", "Agriculture", "Other languages", "Română",
					`href="/practices/proactive-outreach-seasonal-farm-workers.md"`,
				}},
				{"/search?q=harvest", []string{"results for", "seasonal"}},
				{"/search", []string{"Type a few words"}},
			}
			for _, tc := range tests {
				res, body := ta.get(t, tc.path)
				if res.StatusCode != http.StatusOK {
					t.Errorf("GET %s: status %d", tc.path, res.StatusCode)
					continue
				}
				mustContain(t, tc.path, body, layoutParts...)
				mustContain(t, tc.path, body, tc.wants...)
			}
		})
	}
}

func TestPracticeMarkdownSource(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	res, body := ta.get(t, "/practices/proactive-outreach-seasonal-farm-workers.md")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/markdown") {
		t.Errorf("Content-Type %q", ct)
	}
	mustContain(t, ".md", body, "---\ntitle: Proactive outreach to seasonal farm workers\n", "countries: [NL, RO]", "organisation: rotterdam-labour-rights-centre", "\n---\n")
}

func TestGreekNoteHasTransliteratedHeadingIDs(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	list, _, err := ta.store.ListPractices(t.Context(), models.Viewer{}, models.PracticeFilter{Language: "el"})
	if err != nil || len(list) == 0 {
		t.Fatalf("no Greek note in the demo content: %v", err)
	}
	_, body := ta.get(t, "/practices/"+list[0].Slug)
	ids := regexp.MustCompile(`<h[2-6] id="([^"]*)"`).FindAllStringSubmatch(body, -1)
	if len(ids) == 0 {
		t.Fatal("the Greek note has no headings with ids")
	}
	for _, m := range ids {
		if !regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`).MatchString(m[1]) {
			t.Errorf("heading id %q is not a readable slug", m[1])
		}
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	res, body := ta.get(t, "/practices/no-such-note", "Accept-Language", "ro-RO,ro;q=0.9")
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d", res.StatusCode)
	}
	mustContain(t, "404 page", body, `<html lang="ro"`, `<main id="main"`)
	res, body = ta.get(t, "/api/v1/practices/no-such-note")
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, `"code":"not_found"`) {
		t.Fatalf("API 404: %d %s", res.StatusCode, body)
	}
	res, _ = ta.get(t, "/no/such/page")
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown route: %d", res.StatusCode)
	}
}

func TestInternalErrorsShowNoDetails(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	_ = ta.store.Close() // every query now fails: unavailable (TestDatabaseOutage)
	res, body := ta.get(t, "/")
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d", res.StatusCode)
	}
	mustContain(t, "503 page", body, "temporarily unavailable", `<main id="main"`)
	mustNotContain(t, "503 page", body, "database is closed", "sql:", "models:")
	res, body = ta.get(t, "/api/v1/practices")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"code":"unavailable"`) {
		t.Fatalf("API 503: %d %s", res.StatusCode, body)
	}
	mustNotContain(t, "API 503", body, "database is closed", "sql:")
	res, _ = ta.get(t, "/readyz")
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz with a closed database: %d", res.StatusCode)
	}
}

func TestOperations(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	if res, body := ta.get(t, "/healthz"); res.StatusCode != 200 || !strings.Contains(body, "ok") {
		t.Errorf("healthz: %d %s", res.StatusCode, body)
	}
	if res, body := ta.get(t, "/readyz"); res.StatusCode != 200 || body != `{"database":"ok","index":"ok"}` {
		t.Errorf("readyz: %d %s", res.StatusCode, body)
	}
	ta.get(t, "/practices/proactive-outreach-seasonal-farm-workers")
	ta.get(t, "/practices/nope")
	_, body := ta.get(t, "/metrics")
	mustContain(t, "metrics", body,
		`proact_http_requests_total{method="GET",route="/practices/:slug",status="200"} 1`,
		`proact_http_requests_total{method="GET",route="/practices/:slug",status="404"} 1`,
		"proact_http_request_duration_seconds_bucket", "go_sql_open_connections")
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	res, _ := ta.get(t, "/")
	for header, want := range map[string]string{
		"Content-Security-Policy": "default-src 'self'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "strict-origin-when-cross-origin",
		"X-Frame-Options":         "DENY",
		"X-Request-Id":            "-",
	} {
		if got := res.Header.Get(header); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want it to contain %q", header, got, want)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP lacks frame-ancestors: %q", csp)
	}
}

func TestStaticFilesAreCached(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	res, _ := ta.get(t, "/static/css/app.css")
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "max-age=31536000") {
		t.Fatalf("status %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	res, _ = ta.get(t, "/static/css/app.css", "If-None-Match", etag)
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("conditional request: %d, want 304", res.StatusCode)
	}
	if res, _ := ta.get(t, "/static/vendor/pico@2.1.1/LICENSE.md"); res.StatusCode != 200 {
		t.Errorf("the vendored licence is not served: %d", res.StatusCode)
	}
}

// TestCSRFRejectsFormsWithoutToken posts to forms that exist, as a visitor
// and as a member, without a token and with a wrong one: 403, and nothing
// done.
func TestCSRFRejectsFormsWithoutToken(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	u := ta.createUser(t, "csrf@example.org", models.RoleMember, demoOrg, false)
	member := ta.client()
	member.login(t, u)
	for _, tc := range []struct {
		who    *client
		action string
		form   url.Values
	}{
		{ta.client(), "/login", url.Values{"email": {u.Email}, "password": {u.Password}}},
		{ta.client(), "/join", joinValues("CSRF Org", "csrf-join@example.org", "en")},
		{ta.client(), "/password/forgot", url.Values{"email": {u.Email}}},
		{member, "/account", url.Values{"name": {"Changed by a forged form"}, "language": {"en"}}},
		{member, "/logout", url.Values{}},
	} {
		for _, token := range []string{"", "forged-token"} {
			f := url.Values{}
			for k, v := range tc.form {
				f[k] = v
			}
			if token != "" {
				f.Set("_csrf", token)
			}
			req := httptest.NewRequest(http.MethodPost, tc.action, strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, body := tc.who.do(t, req)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with token %q: %d, want 403", tc.action, token, res.StatusCode)
			}
			mustContain(t, "403 page", body, "Not allowed", `<main id="main"`)
		}
	}
	if got, _ := ta.store.UserByID(t.Context(), u.ID); got.Name == "Changed by a forged form" {
		t.Error("a forged form changed the account")
	}
	if res, _ := member.get(t, "/account"); res.StatusCode != http.StatusOK {
		t.Errorf("a forged logout signed the member out: %d", res.StatusCode)
	}
	if list, _ := ta.store.ListApplications(t.Context(), models.ApplicationFilter{}); len(list) != 0 {
		t.Errorf("a forged join stored %d applications", len(list))
	}
}
