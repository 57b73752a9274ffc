package app

import (
	"net/http"
	"strings"
	"testing"

	"proact/app/config"
	"proact/models"
)

// hammer sends n searches from the given forwarded address and returns the
// status of the last one.
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

func TestRateLimitKeysOnTheRealClient(t *testing.T) {
	t.Run("untrusted forwarded headers are ignored", func(t *testing.T) {
		ta := newTestApp(t, models.SQLite, nil)
		// A client cannot dodge the limit by inventing X-Forwarded-For values:
		// without trusted proxies every request counts against its own address.
		for i := range 120 {
			res, _ := hammer(t, ta, 1, "203.0.113."+strings.Repeat("1", 1+i%3))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("request %d: %d", i+1, res.StatusCode)
			}
		}
		res, body := hammer(t, ta, 1, "198.51.100.7")
		if res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("request 121: %d, want 429", res.StatusCode)
		}
		if res.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		mustContain(t, "429", body, `"code":"too_many_requests"`, ta.tr(t, "it", "error.too_many_requests.message"))
	})
	t.Run("a trusted proxy's forwarded address is the client", func(t *testing.T) {
		// app.Test connects from 0.0.0.0: trust it as the proxy.
		ta := newTestApp(t, models.SQLite, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
		if res, _ := hammer(t, ta, 120, "198.51.100.1"); res.StatusCode != http.StatusOK {
			t.Fatalf("client 1 within its limit: %d", res.StatusCode)
		}
		if res, _ := hammer(t, ta, 1, "198.51.100.1"); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("client 1 over its limit: %d", res.StatusCode)
		}
		if res, _ := hammer(t, ta, 1, "198.51.100.2"); res.StatusCode != http.StatusOK {
			t.Fatalf("client 2 is limited by client 1's requests: %d", res.StatusCode)
		}
	})
	t.Run("reading pages is not limited", func(t *testing.T) {
		ta := newTestApp(t, models.SQLite, nil)
		for i := range 130 {
			if res, _ := ta.get(t, "/practices"); res.StatusCode != http.StatusOK {
				t.Fatalf("page view %d: %d", i+1, res.StatusCode)
			}
		}
	})
}
