package app

import (
	"net/http"
	"strconv"
	"testing"

	"proact/app/config"
	"proact/models"
)

// hammer sends n API requests from the given forwarded address and returns
// the last answer.
func hammer(t *testing.T, ta *testApp, n int, forwardedFor string) (*http.Response, string) {
	t.Helper()
	var (
		res  *http.Response
		body string
	)
	for range n {
		req, _ := http.NewRequest(http.MethodGet, "/api/v1/practices?per_page=1", nil)
		if forwardedFor != "" {
			req.Header.Set("X-Forwarded-For", forwardedFor)
		}
		req.Header.Set("Accept-Language", "it")
		res, body = ta.do(t, req)
	}
	return res, body
}

// limit is a rate limit small enough to reach in a few requests.
const limit = 3

func smallLimit(c *config.Config) { c.Limits.Requests = limit }

func TestRateLimitKeysOnTheRealClient(t *testing.T) {
	t.Parallel()
	t.Run("untrusted forwarded headers are ignored", func(t *testing.T) {
		t.Parallel()
		ta := newTestApp(t, models.SQLite, smallLimit)
		// A client cannot dodge the limit by inventing X-Forwarded-For values:
		// without trusted proxies every request counts against its own address.
		for i := range limit {
			if res, _ := hammer(t, ta, 1, "203.0.113."+strconv.Itoa(i+1)); res.StatusCode != http.StatusOK {
				t.Fatalf("request %d: %d", i+1, res.StatusCode)
			}
		}
		res, body := hammer(t, ta, 1, "198.51.100.7")
		if res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("request %d: %d, want 429", limit+1, res.StatusCode)
		}
		if res.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		mustContain(t, "429", body, `"code":"too_many_requests"`, ta.tr(t, "it", "error.too_many_requests.message"))
	})
	t.Run("a trusted proxy's forwarded address is the client", func(t *testing.T) {
		t.Parallel()
		// app.Test connects from 0.0.0.0: trust it as the proxy.
		ta := newTestApp(t, models.SQLite, func(c *config.Config) { smallLimit(c); c.TrustedProxies = []string{"0.0.0.0"} })
		if res, _ := hammer(t, ta, limit, "198.51.100.1"); res.StatusCode != http.StatusOK {
			t.Fatalf("client 1 within its limit: %d", res.StatusCode)
		}
		if res, _ := hammer(t, ta, 1, "198.51.100.1"); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("client 1 over its limit: %d", res.StatusCode)
		}
		if res, _ := hammer(t, ta, 1, "198.51.100.2"); res.StatusCode != http.StatusOK {
			t.Fatalf("client 2 is limited by client 1's requests: %d", res.StatusCode)
		}
	})
	t.Run("every limited path counts against the configured limit", func(t *testing.T) {
		t.Parallel()
		// Searches, suggestions, the API's writes and the site's forms: each
		// reaches 429 after PROACT_RATE_LIMIT requests, none at a limit of
		// its own.
		ta := newTestApp(t, models.SQLite, func(c *config.Config) { smallLimit(c); c.TrustedProxies = []string{"0.0.0.0"} })
		for i, p := range []struct{ method, path string }{
			{http.MethodGet, "/search?q=outreach"},
			{http.MethodGet, "/api/v1/search/suggest?q=out"},
			{http.MethodPost, "/api/v1/consultations/no-such/responses"},
			{http.MethodPost, "/login"},
		} {
			ip := "198.51.100." + strconv.Itoa(50+i)
			for n := 1; n <= limit+1; n++ {
				req, _ := http.NewRequest(p.method, p.path, nil)
				req.Header.Set("X-Forwarded-For", ip)
				res, _ := ta.do(t, req)
				if over := res.StatusCode == http.StatusTooManyRequests; over != (n > limit) {
					t.Errorf("%s %s, request %d of a limit of %d: %d", p.method, p.path, n, limit, res.StatusCode)
				}
			}
		}
	})
	t.Run("reading pages is not limited", func(t *testing.T) {
		t.Parallel()
		ta := newTestApp(t, models.SQLite, smallLimit)
		for i := range limit + 2 {
			if res, _ := ta.get(t, "/practices"); res.StatusCode != http.StatusOK {
				t.Fatalf("page view %d: %d", i+1, res.StatusCode)
			}
		}
	})
	t.Run("the counters are in memory, not in the database", func(t *testing.T) {
		t.Parallel()
		ta := newTestApp(t, models.SQLite, smallLimit)
		hammer(t, ta, limit+1, "")
		var n int64
		if err := ta.store.DB().Table("kv").Where("key LIKE ?", "rl:%").Count(&n).Error; err != nil || n != 0 {
			t.Errorf("%d rate-limit rows in the database (%v), want none", n, err)
		}
	})
}
