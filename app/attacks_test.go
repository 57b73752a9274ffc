package app

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"proact/app/config"
	"proact/models"
	"proact/models/modelstest"
)

// attackPayloads are the payloads of the HTTP-level attack tests: one of
// each class by default, all with PROACT_FULL_ATTACKS=1 (see
// modelstest.Payloads).
func attackPayloads(t testing.TB) []string { return modelstest.Payloads(t) }

// urlPath is one code path that text typed into a URL takes through the
// portal; its URLs share that path (the same check or lookup, rendered as
// HTML or JSON) and take turns by default, and all get every payload with
// PROACT_FULL_ATTACKS=1.
type urlPath struct {
	name string
	urls []func(q, seg string) string // q is query-escaped, seg path-escaped
}

var urlPaths = []urlPath{
	{"free text: searched, matched with LIKE, shown again", []func(q, seg string) string{
		func(q, _ string) string { return "/search?q=" + q + "&page=" + q },
		func(q, _ string) string {
			return "/organisations?q=" + q + "&country=" + q + "&type=" + q + "&service=" + q + "&stage=" + q + "&language=" + q + "&page=" + q
		},
		func(q, _ string) string { return "/api/v1/organisations?q=" + q + "&type=" + q + "&per_page=" + q },
	}},
	{"allow-listed values and numbers", []func(q, seg string) string{
		func(q, _ string) string {
			return "/practices?country=" + q + "&language=" + q + "&topic=" + q + "&sector=" + q + "&sort=" + q + "&page=" + q
		},
		func(q, _ string) string {
			return "/api/v1/practices?country=" + q + "&language=" + q + "&sort=" + q + "&page=" + q + "&per_page=" + q
		},
	}},
	{"lookups by slug", []func(q, seg string) string{
		func(_, seg string) string { return "/practices/" + seg },
		func(_, seg string) string { return "/practices/" + seg + ".md" },
		func(_, seg string) string { return "/api/v1/practices/" + seg },
		func(_, seg string) string { return "/organisations/" + seg },
		func(_, seg string) string { return "/api/v1/organisations/" + seg },
	}},
	{"language code", []func(q, seg string) string{
		func(q, seg string) string { return "/language/" + seg + "?next=" + q },
	}},
	{"redirect after the language switch", []func(q, seg string) string{
		func(q, _ string) string { return "/language/en?next=" + q },
	}},
}

// TestAttackPayloadsInEveryURLField sends the payloads through every way a
// visitor can type into a URL (query parameters and path segments): never a
// 500, never echoed unescaped, never a redirect off the site, and the
// database is intact afterwards. The paths run in parallel.
func TestAttackPayloadsInEveryURLField(t *testing.T) {
	t.Parallel()
	payloads := attackPayloads(t)
	ta := newTestApp(t, models.SQLite, func(c *config.Config) { c.Limits.Requests = 1 << 30 })
	_, baseline := ta.get(t, "/search?q=x")
	before, _ := ta.store.AllPractices(t.Context())
	t.Run("paths", func(t *testing.T) {
		for _, path := range urlPaths {
			t.Run(path.name, func(t *testing.T) {
				t.Parallel()
				for i, p := range payloads {
					for _, target := range modelstest.Turns(i, path.urls) {
						checkURLPayload(t, ta, p, target(url.QueryEscape(p), url.PathEscape(p)), baseline)
					}
				}
			})
		}
	})
	after, err := ta.store.AllPractices(t.Context())
	if err != nil || len(after) != len(before) {
		t.Fatalf("the practices table changed: %d notes before, %d after (%v)", len(before), len(after), err)
	}
}

func checkURLPayload(t *testing.T, ta *testApp, p, target, baseline string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		return // not a URL a browser could send
	}
	res, err := ta.app.Test(req, -1)
	if err != nil && strings.Contains(err.Error(), "small read buffer") {
		return // the server answers 431: the URL is longer than any it reads
	}
	if err != nil {
		t.Fatalf("payload %.60q at %.80s: %v", p, target, err)
	}
	raw, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	body := string(raw)
	if res.StatusCode >= 500 {
		t.Errorf("payload %.60q at %.80s: status %d", p, target, res.StatusCode)
	}
	if strings.ContainsAny(p, "<>\"'") && strings.Contains(body, p) && !strings.Contains(baseline, p) {
		t.Errorf("payload %.60q at %.80s is echoed unescaped", p, target)
	}
	if loc := res.Header.Get("Location"); loc != "" && (!strings.HasPrefix(loc, "/") || browserHost(loc) != "portal.test") {
		t.Errorf("payload %.60q at %.80s redirects off-site to %q", p, target, loc)
	}
}
