package app

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"proact/app/config"
	"proact/models"
)

// attackPayloads reads the public XSS and SQL injection lists in
// ../shared/corpora/attacks, or skips the test when they are absent.
func attackPayloads(t testing.TB) []string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "corpora", "attacks")
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	if len(files) == 0 {
		t.Skipf("no attack payloads in %s: the shared corpora are not beside this checkout", dir)
	}
	var out []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if line := sc.Text(); strings.TrimSpace(line) != "" {
				out = append(out, line)
			}
		}
		_ = fh.Close()
	}
	return out
}

// TestAttackPayloadsInEveryURLField sends every payload in every query
// parameter and path segment a visitor can type: never a 500, never echoed
// unescaped, and the database is intact afterwards.
func TestAttackPayloadsInEveryURLField(t *testing.T) {
	t.Parallel()
	payloads := attackPayloads(t)
	// Trust app.Test's address as a proxy, so each payload comes from its own
	// client address and the rate limiter does not interfere.
	ta := newTestApp(t, models.SQLite, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
	_, baseline := ta.get(t, "/search?q=x")
	before, _ := ta.store.AllPractices(t.Context())
	for i, p := range payloads {
		q, seg := url.QueryEscape(p), url.PathEscape(p)
		// Paths with and without an extension take turns, to keep the test short.
		note, lang, api := "/practices/"+seg, "/language/"+seg+"?next="+q, "/api/v1/practices/"+seg
		if i%2 == 1 {
			note, lang, api = note+".md", "/language/en?next="+q, "/api/v1/practices?country="+q+"&sort="+q+"&per_page="+q
		}
		for _, target := range []string{
			"/search?q=" + q + "&page=" + q,
			"/practices?country=" + q + "&language=" + q + "&topic=" + q + "&sector=" + q + "&sort=" + q + "&page=" + q,
			note, lang, api,
		} {
			req, err := http.NewRequest(http.MethodGet, target, nil)
			if err != nil {
				continue // not a URL a browser could send
			}
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", i/65536%256, i/256%256, i%256))
			res, err := ta.app.Test(req, -1)
			if err != nil && strings.Contains(err.Error(), "small read buffer") {
				continue // the server answers 431: the URL is longer than any it reads
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
			if loc := res.Header.Get("Location"); loc != "" && !strings.HasPrefix(loc, "/") {
				t.Errorf("payload %.60q at %.80s redirects off-site to %q", p, target, loc)
			}
		}
	}
	after, err := ta.store.AllPractices(t.Context())
	if err != nil || len(after) != len(before) {
		t.Fatalf("the practices table changed: %d notes before, %d after (%v)", len(before), len(after), err)
	}
}
