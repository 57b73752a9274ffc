package app

import (
	"bufio"
	"bytes"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"proact/app/config"
	"proact/models"
)

// serveApp serves ta on a real socket and returns its address.
func serveApp(t testing.TB, ta *testApp) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = ta.app.Listener(ln) }()
	t.Cleanup(func() { _ = ta.app.Shutdown() })
	return ln.Addr().String()
}

// rawRequest writes raw bytes to addr, as a client that does not care about
// the rules would, and reads one response.
func rawRequest(t testing.TB, addr string, raw []byte) (*http.Response, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("connecting to the portal: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(raw); err != nil {
		t.Fatalf("sending: %v", err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer to %.40q: %v", raw, err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	return res, string(body)
}

// logBuffer collects the portal's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// newLoggedTestApp is newTestApp logging into a buffer.
func newLoggedTestApp(t testing.TB, d models.Dialect, cfg func(*config.Config)) (*testApp, *logBuffer) {
	t.Helper()
	lb := &logBuffer{}
	return newTestAppLog(t, d, cfg, slog.New(slog.NewTextHandler(lb, nil))), lb
}

// TestInvalidUTF8PathOverASocket: a raw 0xFF byte in the path panicked in the
// Prometheus label, outside the recoverer, and the process died. Now it is a
// client error and the server keeps answering.
func TestInvalidUTF8PathOverASocket(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	addr := serveApp(t, ta)
	for _, raw := range []string{
		"GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /practices/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /static/\xff HTTP/1.1\r\nHost: x\r\n\r\n",
		"G\xffT / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /healthz?\xff=\xff HTTP/1.1\r\nHost: x\r\nAccept-Language: \xff\r\nCookie: proact_session=\xff\r\n\r\n",
	} {
		res, _ := rawRequest(t, addr, []byte(raw))
		if res.StatusCode >= 500 {
			t.Errorf("%q: status %d", raw, res.StatusCode)
		}
	}
	res, body := rawRequest(t, addr, []byte("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "ok") {
		t.Fatalf("after the bad requests /healthz answers %d %q", res.StatusCode, body)
	}
	_, metrics := rawRequest(t, addr, []byte("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"))
	if strings.Contains(metrics, "\xff") || strings.Contains(metrics, `route="/\xff"`) {
		t.Error("a raw path reached the metrics")
	}
}

// TestOversizedRequests: a URL or headers beyond the limits gave 500 and an
// ERROR line; they are 414 and 431, logged as client errors.
func TestOversizedRequests(t *testing.T) {
	t.Parallel()
	ta, lb := newLoggedTestApp(t, models.SQLite, nil)
	addr := serveApp(t, ta)
	longURL := "/search?q=" + strings.Repeat("a", maxURLBytes)
	hugeURL := "/search?q=" + strings.Repeat("a", maxHeadBytes)
	bigHeader := "X-Filler: " + strings.Repeat("b", maxHeadBytes) + "\r\n"
	manyHeaders := strings.Repeat("X-Filler: "+strings.Repeat("c", 1000)+"\r\n", maxHeadBytes/1000+1)
	for _, tc := range []struct {
		name, raw string
		want      int
	}{
		{"long URL", "GET " + longURL + " HTTP/1.1\r\nHost: x\r\nAccept-Language: de\r\n\r\n", http.StatusRequestURITooLong},
		{"URL beyond the read buffer", "GET " + hugeURL + " HTTP/1.1\r\nHost: x\r\n\r\n", http.StatusRequestHeaderFieldsTooLarge},
		{"one huge header", "GET / HTTP/1.1\r\nHost: x\r\n" + bigHeader + "\r\n", http.StatusRequestHeaderFieldsTooLarge},
		{"many headers", "GET / HTTP/1.1\r\nHost: x\r\n" + manyHeaders + "\r\n", http.StatusRequestHeaderFieldsTooLarge},
	} {
		res, body := rawRequest(t, addr, []byte(tc.raw))
		if res.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, res.StatusCode, tc.want)
		}
		if tc.want == http.StatusRequestURITooLong {
			mustContain(t, tc.name, body, ta.tr(t, "de", "error.uri_too_long.message"))
		}
	}
	if res, _ := rawRequest(t, addr, []byte("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")); res.StatusCode != http.StatusOK {
		t.Errorf("afterwards /healthz answers %d", res.StatusCode)
	}
	logs := lb.String()
	if strings.Contains(logs, "level=ERROR") {
		t.Errorf("client errors logged as errors:\n%s", logs)
	}
	for _, status := range []string{"status=414", "status=431"} {
		if !strings.Contains(logs, status) {
			t.Errorf("no log line with %s:\n%.2000s", status, logs)
		}
	}
	if strings.Contains(logs, "bbbbbbbbbb") {
		t.Error("the refused request's contents were logged")
	}
}

// FuzzMiddleware sends arbitrary bytes in the method, path, query and headers
// through the whole chain (middleware and handlers): never a panic, never a
// 5xx. Its seeds run in every `go test`; `go test -fuzz FuzzMiddleware ./app`
// explores further.
func FuzzMiddleware(f *testing.F) {
	for _, seed := range []struct{ method, path, query, header, value string }{
		{"GET", "/\xff", "", "", ""},
		{"GET", "/practices/\xff\xfe", "", "Accept-Language", "\xff"},
		{"GET", "/search", "q=\xff&country=\x00", "", ""},
		{"GET", "/language/en", "next=/%09/evil.example/x", "", ""},
		{"GET", "/", "", "Cookie", "proact_session=\xff; proact_lang=\xfe"},
		{"POST", "/login", "", "Content-Type", "application/x-www-form-urlencoded\xff"},
		{"GET", "/api/v1/practices", "per_page=\xff", "Authorization", "Bearer \xff"},
		{"G\xffT", "/", "", "X-Forwarded-For", "\xff"},
		{"GET", "/static/\xff", "", "If-None-Match", "\xff"},
		{"GET", "/organisations/%ff", "", "Accept", "\xff/\xff"},
		{"POST", "/api/v1/practices", "", "Content-Type", "text/markdown"},
		{"GET", "/practices", "sort=\xff&page=-1&per_page=99999999999999999999", "", ""},
	} {
		f.Add(seed.method, seed.path, seed.query, seed.header, seed.value)
	}
	ta := newTestApp(f, models.SQLite, nil) // one portal for every input
	handler := ta.app.Handler()
	f.Fuzz(func(t *testing.T, method, path, query, header, value string) {
		var req fasthttp.Request
		req.Header.SetMethod(method)
		uri := "/" + strings.TrimPrefix(path, "/")
		if query != "" {
			uri += "?" + query
		}
		req.SetRequestURI(uri)
		req.Header.SetHost("portal.test")
		if header != "" {
			req.Header.Set(header, value)
		}
		var ctx fasthttp.RequestCtx
		ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 4000}, nil)
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("%q %q ?%q %q: %q: panic: %v", method, path, query, header, value, p)
				}
			}()
			handler(&ctx)
		}()
		if status := ctx.Response.StatusCode(); status >= 500 {
			t.Fatalf("%q %q ?%q %q: %q: status %d\n%s", method, path, query, header, value, status, ctx.Response.Body())
		}
	})
}

// browserHost is where a browser on http://portal.test/page goes when told
// Location: loc, read as the WHATWG URL parser does: tabs and newlines
// removed anywhere, C0 controls and spaces trimmed at both ends, and a
// backslash taken as a slash.
func browserHost(loc string) string {
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(loc)
	loc = strings.TrimFunc(loc, func(r rune) bool { return r <= ' ' })
	loc = strings.ReplaceAll(loc, `\`, "/")
	base, _ := url.Parse("http://portal.test/page")
	u, err := url.Parse(loc)
	if err != nil {
		return "(unparsable)"
	}
	return base.ResolveReference(u).Host
}

// redirectBypasses are addresses that try to leave the site through a
// "next" parameter.
var redirectBypasses = []string{
	"//evil.example/x", "///evil.example/x", `/\evil.example/x`, `\/evil.example/x`, `\\evil.example`,
	"/\t/evil.example/x", "/\n/evil.example/x", "/\r/evil.example/x", "/\r\n/evil.example",
	"\t//evil.example", " //evil.example", "/ /evil.example", "\x00//evil.example", "/\x00/evil.example",
	"/\x0b/evil.example", "/\x0c/evil.example", "/\x1f/evil.example", "/\x7f/evil.example",
	"/\u0085/evil.example", "/\u00a0/evil.example", "/\u2028/evil.example", "/\u3000/evil.example",
	"/\u200b/evil.example", "/\u202e/evil.example", "/\ufeff/evil.example", "/\t\\evil.example",
	"https://evil.example", "http:evil.example", "javascript:alert(1)", "evil.example",
	"/\xff/evil.example", "",
}

// TestLocalPathRefusesBypasses: /language/en?next=/%09/evil.example/x
// answered Location: /\t/evil.example/x, which browsers follow to another
// site. Every form in the table now goes home, through every parameter that
// names an address to return to; local addresses still work.
func TestLocalPathRefusesBypasses(t *testing.T) {
	t.Parallel()
	for _, next := range redirectBypasses {
		if got := localPath(next); got != "/" {
			t.Errorf("localPath(%q) = %q", next, got)
		}
		if h := browserHost(localPath(next)); h != "portal.test" {
			t.Errorf("localPath(%q) leads a browser to %q", next, h)
		}
	}
	for _, next := range []string{"/practices?country=RO&topic=debt-bondage", "/search?q=%09x", "/organisations/a%2F%2Fb", "/practices/é"} {
		if got := localPath(next); got != next {
			t.Errorf("localPath(%q) = %q, want it kept", next, got)
		}
	}

	ta := newTestApp(t, models.SQLite, nil)
	member := ta.createUser(t, "redirect@example.org", models.RoleMember, "", false)
	for _, next := range redirectBypasses {
		q := url.QueryEscape(next)
		res, _ := ta.get(t, "/language/en?next="+q)
		if res.StatusCode == http.StatusBadRequest && res.Header.Get("Location") == "" {
			continue // NUL or not UTF-8: refused by saneInput before any handler
		}
		if loc := res.Header.Get("Location"); loc != "/" {
			t.Errorf("/language/en?next=%s: Location %q", q, loc)
		}
		_, body := ta.get(t, "/login?next="+q)
		if m := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(body); m == nil || html.UnescapeString(m[1]) != "/" {
			t.Errorf("/login?next=%s: the form keeps %v", q, m)
		}
	}
	// Signing in with a next field sent by hand, and the back field of the
	// user administration.
	for _, next := range redirectBypasses[:8] {
		cl := ta.client()
		res, _ := cl.post(t, "/login", "/login", url.Values{"email": {member.Email}, "password": {member.Password}, "next": {next}})
		if loc := res.Header.Get("Location"); loc != "/" {
			t.Errorf("signing in with next %q: Location %q", next, loc)
		}
	}
	res, _ := ta.get(t, "/language/en?next="+url.QueryEscape("/practices?country=RO"))
	if loc := res.Header.Get("Location"); loc != "/practices?country=RO" {
		t.Errorf("a local next: Location %q", loc)
	}
}
