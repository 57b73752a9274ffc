package app

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"proact/app/config"
	"proact/models"
	"proact/models/modelstest"
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

// BenchmarkAudiences serves a cached page through the whole middleware
// stack and handler (no network: fasthttp's handler on a request context),
// as a visitor and as a signed-in member, gzip-compressed, on both
// databases (PostgreSQL with its listener, so its request state is kept in
// memory as in production): what a member's request costs beyond a
// visitor's, the figure behind issue 13's "members within 20%". Compare
// ns/op of the member- and visitor- cases of one page.
func BenchmarkAudiences(b *testing.B) {
	for _, d := range modelstest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			ta := newTestApp(b, d, func(c *config.Config) { c.Limits.Requests = 1 << 30 })
			if d == models.Postgres {
				modelstest.Listen(b, ta.store)
			}
			member := ta.client()
			member.login(b, ta.createUser(b, "audience-member@example.org", models.RoleMember, "rotterdam-labour-rights-centre", false))
			member.get(b, "/")
			var cookie strings.Builder
			for _, c := range member.cookies {
				if cookie.Len() > 0 {
					cookie.WriteString("; ")
				}
				cookie.WriteString(c.Name + "=" + c.Value)
			}
			handler := ta.app.Handler()
			for _, page := range []string{"/", "/practices", "/organisations"} {
				for _, who := range []string{"visitor", "member"} {
					b.Run(who+page, func(b *testing.B) {
						fc := &fasthttp.RequestCtx{}
						fc.Init(&fasthttp.Request{}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}, nil)
						serve := func() {
							fc.ResetUserValues() // as the server does between requests
							fc.Request.Reset()
							fc.Response.Reset()
							fc.Request.SetRequestURI(page)
							fc.Request.Header.SetHost("localhost")
							fc.Request.Header.Set("Accept-Encoding", "gzip")
							if who == "member" {
								fc.Request.Header.Set("Cookie", cookie.String())
							}
							handler(fc)
						}
						for range 3 { // kept: the page, the identity
							serve()
						}
						if fc.Response.StatusCode() != http.StatusOK || string(fc.Response.Header.Peek("Content-Encoding")) != "gzip" {
							b.Fatalf("%s %s: status %d %.300s", who, page, fc.Response.StatusCode(), fc.Response.Body())
						}
						if member := bytes.Contains(fc.Response.Header.Peek("Cache-Control"), []byte("private")); member != (who == "member") {
							b.Fatalf("%s %s: Cache-Control %q", who, page, fc.Response.Header.Peek("Cache-Control"))
						}
						b.ReportAllocs()
						b.ResetTimer()
						for range b.N {
							serve()
						}
					})
				}
			}
		})
	}
}
