package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

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
	store *models.Store // on the app's clock
	index *search.Index
	cfg   config.Config
	cache *pageCache // the page cache (pagecache.go)
	// identities is the identity cache (identity.go).
	identities *identityCache
}

// testHasher is argon2id with cheap parameters: tests hash many passwords.
var testHasher = password.Hasher{Params: argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}}

// TestMain builds the demo fixture once per dialect, on first use, and
// removes it at the end (see modelstest.Run); so it does the browser tests'
// Chromium.
func TestMain(m *testing.M) {
	code := modelstest.Run(m)
	stopChromium()
	os.Exit(code)
}

// demo is the demo content, imported and indexed once per test binary and
// dialect; every test app gets a copy of the database and of the index.
var demo = modelstest.NewFixture(func(ctx context.Context, store *models.Store, dir string) error {
	if _, err := content.Import(ctx, store, content.NewRenderer(), content.Demo(), true); err != nil {
		return fmt.Errorf("importing the demo content: %w", err)
	}
	ix, err := search.Open(ctx, dir, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return fmt.Errorf("indexing the demo content: %w", err)
	}
	return ix.Close()
})

// newTestApp builds the portal on a copy of the demo fixture of the given
// dialect; cfg may adjust the configuration.
func newTestApp(t testing.TB, d models.Dialect, cfg func(*config.Config)) *testApp {
	t.Helper()
	return newTestAppLog(t, d, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// newTestAppLog is newTestApp writing its log to log.
func newTestAppLog(t testing.TB, d models.Dialect, cfg func(*config.Config), log *slog.Logger) *testApp {
	t.Helper()
	store, dir := demo.Copy(t, d)
	return newTestAppOn(t, store, dir, cfg, log)
}

// newTestAppOn builds the portal on a store and index folder copied from the
// demo fixture (demo.Copy), perhaps reopened another way.
func newTestAppOn(t testing.TB, store *models.Store, dir string, cfg func(*config.Config), log *slog.Logger) *testApp {
	t.Helper()
	ctx := context.Background()
	ix, err := search.Open(ctx, dir, store, log)
	if err != nil {
		t.Fatalf("opening the index: %v", err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	c := config.Default()
	c.DataDir = t.TempDir()
	// Under -race on a busy machine a heavy page takes seconds: the
	// production deadline would turn it into a 503. The tests of timeouts
	// set their own (outage_test.go).
	c.Limits.DatabaseTimeout = time.Minute
	// A small page cache, so that tests see it evict too; and so the
	// identity cache.
	c.PageCacheBytes = 1 << 20
	c.IdentitySessions = 8
	if cfg != nil {
		cfg(&c)
	}
	if c.Clock != nil {
		store = store.WithClock(c.Clock)
	}
	pc, ic := newPageCache(c.PageCacheBytes), newIdentityCache(c.IdentitySessions)
	a, err := New(Deps{Config: c, Store: store, Index: ix, Renderer: content.NewRenderer(), Log: log, Hasher: testHasher, pages: pc, identities: ic})
	if err != nil {
		t.Fatalf("building the app: %v", err)
	}
	return &testApp{app: a, store: store, index: ix, cfg: c, cache: pc, identities: ic}
}

// twin is a second instance of the portal on the same database (and
// index): a store of its own (its own aggregate cache), its own page and
// identity caches, the same configuration and clock.
//
// On PostgreSQL it has a connection pool of its own, as another process
// would, and both instances listen to notifications and keep their request
// state in memory (models/live.go): the second hears of the first one's
// writes through them only; sync waits for that.
func (ta *testApp) twin(t testing.TB) *testApp {
	t.Helper()
	store := models.NewStore(ta.store.DB(), ta.store.Dialect())
	if ta.store.Dialect() == models.Postgres {
		store = modelstest.SecondInstance(t, ta.store)
		modelstest.Listen(t, ta.store)
		modelstest.Listen(t, store)
	}
	if ta.cfg.Clock != nil {
		store = store.WithClock(ta.cfg.Clock)
	}
	pc, ic := newPageCache(ta.cfg.PageCacheBytes), newIdentityCache(ta.cfg.IdentitySessions)
	a, err := New(Deps{Config: ta.cfg, Store: store, Index: ta.index, Renderer: content.NewRenderer(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Hasher: testHasher, pages: pc, identities: ic})
	if err != nil {
		t.Fatalf("building the second instance: %v", err)
	}
	return &testApp{app: a, store: store, index: ta.index, cfg: ta.cfg, cache: pc, identities: ic}
}

// sync returns once each of others has heard of every write of ta's
// committed so far (on SQLite, where each request reads, at once).
func (ta *testApp) sync(t testing.TB, others ...*testApp) {
	t.Helper()
	if ta.store.Dialect() != models.Postgres {
		return
	}
	for _, o := range others {
		modelstest.Sync(t, ta.store, o.store)
	}
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

// TestFirstRequestsAtOnce: Fiber fills a list on its first Render that every
// error handler reads; requests that are a new portal's first, all at once,
// raced on it (the race detector saw it) until New primed it.
func TestFirstRequestsAtOnce(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := ta.app.Test(httptest.NewRequest(http.MethodGet, fmt.Sprintf("/no-such-page-%d", i), nil), -1)
			if err != nil {
				t.Error(err)
				return
			}
			_ = res.Body.Close()
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("got %d, want 404", res.StatusCode)
			}
		}()
	}
	wg.Wait()
}
