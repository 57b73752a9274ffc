package app

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"proact/app/config"
	"proact/models"
)

// BenchmarkRequests sends whole HTTP requests through the middleware stack
// (request id, logging, metrics, security headers, language, session,
// rate limit, CSRF) and a handler to a rendered page or JSON, with the demo
// content on SQLite, as an anonymous visitor without Accept-Encoding (so no
// compression). "req/s" is b.N over the elapsed time: one client, one
// request at a time.
func BenchmarkRequests(b *testing.B) {
	// Trust app.Test's address as a proxy and give each block of 100 requests
	// its own client address, so the rate limit on /search and /api (120 a
	// minute per client) is counted, as in production, but never reached.
	ta := newTestApp(b, models.SQLite, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
	sent := 0 // requests so far, across every run of every sub-benchmark
	// The member-* cases send a signed-in member's cookies (session, CSRF).
	member := ta.client()
	member.login(b, ta.createUser(b, "bench-member@example.org", models.RoleMember, "rotterdam-labour-rights-centre", false))
	member.get(b, "/")
	cases := []struct{ name, target string }{
		{"home", "/"},
		{"practices", "/practices"},
		{"practices-filtered", "/practices?country=NL&topic=outreach"},
		{"practice", "/practices/proactive-outreach-seasonal-farm-workers"},
		{"search", "/search?q=seasonal+workers"},
		{"api-practices", "/api/v1/practices"},
	}
	for _, bc := range cases[:4] {
		cases = append(cases, struct{ name, target string }{"member-" + bc.name, bc.target})
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			get := func() (int, error) {
				client := sent / 100
				sent++
				req := httptest.NewRequest(http.MethodGet, bc.target, nil)
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", client/65536%256, client/256%256, client%256))
				if strings.HasPrefix(bc.name, "member-") {
					for _, c := range member.cookies {
						req.AddCookie(c)
					}
				}
				res, err := ta.app.Test(req, -1)
				if err != nil {
					return 0, err
				}
				n, err := io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
				if err != nil {
					return 0, err
				}
				if res.StatusCode != http.StatusOK {
					return 0, fmt.Errorf("GET %s: status %d", bc.target, res.StatusCode)
				}
				return int(n), nil
			}
			size, err := get()
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := get(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
