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

// urlNasties go to every URL of every path in every run, besides the
// corpus's payloads that take turns: the inputs that break URL handling
// itself rather than the page (NUL bytes, overlong and otherwise broken
// UTF-8, percent-encoding raw and doubled, CR LF, dot segments, off-site
// redirect shapes) and the longest, one that fits the URL limit once and
// one that passes it as soon as it is repeated.
var urlNasties = []string{
	"\x00", "a\x00b",
	"\xc0\xaf", "\xc0\xbc", "\xed\xa0\x80", "\xff\xfe",
	"%00", "%2e%2e%2f%2e%2e%2f", "%252e%252e%252f", "%3Cscript%3Ealert(1)%3C/script%3E",
	"../../../etc/passwd", "\r\nSet-Cookie: x=1",
	"//evil.example/x", "/\\evil.example", "https://evil.example/",
	`"><img src=x onerror=alert(1)>`, "%' OR '1'='1",
	strings.Repeat("<a>", 1000), strings.Repeat("é", 3000),
}

// TestAttackPayloadsInEveryURLField sends the payloads through every way a
// visitor can type into a URL (query parameters and path segments): never a
// 500, never echoed unescaped, never a redirect off the site, and the
// database is intact afterwards.
//
// The sweep is a covering design rather than the cross product of payloads
// and URLs: every payload (by default one of each class, modelstest.Payloads)
// meets every path, at one of the path's URLs in turn (modelstest.Turns), so
// each URL gets its share of the classes; and every URL also gets urlNasties.
// No payload and no URL is left out. PROACT_FULL_ATTACKS=1 (make test-full)
// sends every payload of the corpus to every URL.
//
// The paths run one after another inside this (parallel) test: as parallel
// subtests they waited behind every other test of the package, holding the
// test's portal meanwhile, and the test was reported as the package's
// longest when it took seconds.
func TestAttackPayloadsInEveryURLField(t *testing.T) {
	t.Parallel()
	payloads := attackPayloads(t)
	ta := newTestApp(t, models.SQLite, func(c *config.Config) { c.Limits.Requests = 1 << 30 })
	_, baseline := ta.get(t, "/search?q=x")
	before, _ := ta.store.AllPractices(t.Context())
	for _, path := range urlPaths {
		t.Run(path.name, func(t *testing.T) {
			for i, p := range payloads {
				for _, target := range modelstest.Turns(i, path.urls) {
					checkURLPayload(t, ta, p, target(url.QueryEscape(p), url.PathEscape(p)), baseline)
				}
			}
			for _, p := range urlNasties {
				for _, target := range path.urls {
					checkURLPayload(t, ta, p, target(url.QueryEscape(p), url.PathEscape(p)), baseline)
				}
			}
		})
	}
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
