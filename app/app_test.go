package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"
	"github.com/gofiber/fiber/v2"

	"proact/app/config"
	"proact/app/password"
	"proact/content"
	"proact/models"
	"proact/models/modelstest"
	"proact/search"
)

// testApp is a portal with the demo content on a fresh database.
type testApp struct {
	app   *fiber.App
	store *models.Store
	index *search.Index
}

// testHasher is argon2id with cheap parameters: tests hash many passwords.
var testHasher = password.Hasher{Params: argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}}

// newTestApp builds the portal on a fresh database of the given dialect with
// the demo content loaded and indexed; cfg may adjust the configuration.
func newTestApp(t testing.TB, d models.Dialect, cfg func(*config.Config)) *testApp {
	t.Helper()
	ctx := context.Background()
	store := modelstest.New(t, d)
	r := content.NewRenderer()
	if _, err := content.Import(ctx, store, r, content.Demo(), true); err != nil {
		t.Fatalf("importing the demo content: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ix, err := search.Open(ctx, t.TempDir(), store, log)
	if err != nil {
		t.Fatalf("opening the index: %v", err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	c := config.Default()
	c.DataDir = t.TempDir()
	if cfg != nil {
		cfg(&c)
	}
	a, err := New(Deps{Config: c, Store: store, Index: ix, Renderer: r, Log: log, Hasher: testHasher})
	if err != nil {
		t.Fatalf("building the app: %v", err)
	}
	return &testApp{app: a, store: store, index: ix}
}

// do sends a request and returns the response and its body.
func (ta *testApp) do(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
	res, err := ta.app.Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading %s: %v", req.URL, err)
	}
	_ = res.Body.Close()
	return res, string(body)
}

// get sends a GET with optional header pairs ("Accept-Language", "fr").
func (ta *testApp) get(t testing.TB, target string, headers ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return ta.do(t, req)
}

// mustContain fails unless body contains every string.
func mustContain(t testing.TB, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: missing %q", what, w)
		}
	}
}

// mustNotContain fails if body contains any of the strings.
func mustNotContain(t testing.TB, what, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("%s: must not contain %q", what, w)
		}
	}
}
