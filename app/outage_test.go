package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"proact/app/config"
	"proact/models"
	"proact/models/modelstest"
)

// pgDatabase is the name of the PostgreSQL database behind a store.
func pgDatabase(t testing.TB, store *models.Store) string {
	t.Helper()
	var name string
	if err := store.DB().Raw("SELECT current_database()").Scan(&name).Error; err != nil || name == "" {
		t.Fatalf("current_database: %q %v", name, err)
	}
	return name
}

// pgURL is PROACT_TEST_POSTGRES_URL with another database and host.
func pgURL(t testing.TB, database, host string) string {
	t.Helper()
	u, err := url.Parse(os.Getenv(modelstest.PostgresEnv))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + database
	if host != "" {
		u.Host = host
	}
	return u.String()
}

// pgConnect opens a connection of its own to a database (another client of
// the server: the one that holds locks or pulls the plug).
func pgConnect(t testing.TB, database string) *gorm.DB {
	t.Helper()
	db, err := gorm.Open(postgres.Open(pgURL(t, database, "")), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	return db
}

// holdLock takes an exclusive lock on table in a transaction of another
// connection, released when the returned function is called (or, as a guard
// against the old code hanging the test, after a while).
func holdLock(t testing.TB, database, table string) func() {
	t.Helper()
	tx := pgConnect(t, database).Begin()
	if err := tx.Exec("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE").Error; err != nil {
		t.Fatalf("locking %s: %v", table, err)
	}
	var once sync.Once
	release := func() { once.Do(func() { tx.Rollback() }) }
	timer := time.AfterFunc(20*time.Second, release)
	t.Cleanup(func() { timer.Stop(); release() })
	return release
}

// testTimeout is the database timeout of the tests of timeouts: short, yet
// long enough for a sign-in under -race on a busy machine; a hung request
// must end within slack of it.
const (
	testTimeout = 2500 * time.Millisecond
	slack       = 5 * time.Second
)

func shortTimeout(c *config.Config) { c.Limits.DatabaseTimeout = testTimeout }

// timed sends a request and says how long the answer took.
func timed(t testing.TB, cl *client, target string) (*http.Response, string, time.Duration) {
	t.Helper()
	start := time.Now()
	res, body := cl.get(t, target)
	return res, body, time.Since(start)
}

// TestHungDatabaseGives503Fast: with a table locked by another client (a
// frozen or overloaded PostgreSQL), requests hung for as long as the lock
// was held (92 s in the review). Now each answers 503 with Retry-After
// within the configured database timeout, many at once (more than the pool
// holds) included, and the portal works again once the lock is gone.
func TestHungDatabaseGives503Fast(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.Postgres, shortTimeout)
	release := holdLock(t, pgDatabase(t, ta.store), "practices")
	var wg sync.WaitGroup
	var slow, wrong atomic.Int64
	for range 24 { // the pool holds 20 connections
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, _, took := timed(t, ta.client(), "/practices")
			if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
				wrong.Add(1)
			}
			if took > testTimeout+slack {
				slow.Add(1)
			}
		}()
	}
	wg.Wait()
	if wrong.Load() > 0 || slow.Load() > 0 {
		t.Fatalf("with the notes table locked: %d answers not 503 with Retry-After, %d slower than %s", wrong.Load(), slow.Load(), testTimeout+slack)
	}
	release()
	if res, _ := ta.get(t, "/practices"); res.StatusCode != http.StatusOK {
		t.Errorf("after the lock: %d", res.StatusCode)
	}
}

// freezer is a TCP proxy in front of PostgreSQL that can stop passing
// bytes, as a frozen server (SIGSTOP, a dead network path) does: the
// connections stay open and nothing comes back.
type freezer struct {
	ln     net.Listener
	frozen atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
}

func newFreezer(t testing.TB, target string) *freezer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{ln: ln}
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				_ = in.Close()
				continue
			}
			f.mu.Lock()
			f.conns = append(f.conns, in, out)
			f.mu.Unlock()
			go f.pipe(in, out)
			go f.pipe(out, in)
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, c := range f.conns {
			_ = c.Close()
		}
	})
	return f
}

func (f *freezer) pipe(from, to net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := from.Read(buf)
		if err != nil {
			return
		}
		if f.frozen.Load() {
			continue // swallowed: the server seems to hang
		}
		if _, err := to.Write(buf[:n]); err != nil {
			return
		}
	}
}

// TestFrozenDatabaseGives503Fast: a PostgreSQL that stops answering
// altogether (the review froze it) gives 503 within the timeout, on
// connections already open and on new ones.
func TestFrozenDatabaseGives503Fast(t *testing.T) {
	t.Parallel()
	direct, dir := demo.Copy(t, models.Postgres)
	pg, err := url.Parse(os.Getenv(modelstest.PostgresEnv))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newFreezer(t, pg.Host)
	db, _, err := models.OpenWith(t.Context(), pgURL(t, pgDatabase(t, direct), proxy.ln.Addr().String()), "",
		models.Options{QueryTimeout: testTimeout})
	if err != nil {
		t.Fatal(err)
	}
	store := models.NewStore(db, models.Postgres)
	t.Cleanup(func() { _ = store.Close() })
	ta := newTestAppOn(t, store, dir, shortTimeout, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if res, _ := ta.get(t, "/practices"); res.StatusCode != http.StatusOK {
		t.Fatalf("before the freeze: %d", res.StatusCode)
	}
	proxy.frozen.Store(true)
	for _, target := range []string{"/practices", "/organisations", "/api/v1/practices"} {
		res, _, took := timed(t, ta.client(), target)
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || took > testTimeout+slack {
			t.Errorf("%s on a frozen database: %d (Retry-After %q) after %s", target, res.StatusCode, res.Header.Get("Retry-After"), took)
		}
	}
}

// TestDatabaseErrorsAreNotSignOutsOrSuspensions: a database error while
// loading the session signed the person out, and one while loading their
// organisation made them a suspended member. Both are now a 503, and the
// person is still signed in, and may still write, once it passes.
func TestDatabaseErrorsAreNotSignOutsOrSuspensions(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.Postgres, shortTimeout)
	member := ta.createUser(t, "steady@example.org", models.RoleMember, "vienna-labour-exploitation-desk", false)
	cl := ta.client()
	cl.login(t, member)
	database := pgDatabase(t, ta.store)
	for _, tc := range []struct{ table, page string }{
		{"organisations", "/practices/new"}, // a writer's page: was 403 "suspended"
		{"kv", "/account"},                  // the session: was a redirect to /login
	} {
		release := holdLock(t, database, tc.table)
		res, body, took := timed(t, cl, tc.page)
		release()
		if res.StatusCode != http.StatusServiceUnavailable || took > testTimeout+slack {
			t.Errorf("%s with %s locked: %d %s after %s", tc.page, tc.table, res.StatusCode, res.Header.Get("Location"), took)
		}
		mustNotContain(t, tc.page, body, ta.tr(t, "en", "flash.suspended"))
		if res, _ := cl.get(t, tc.page); res.StatusCode != http.StatusOK {
			t.Errorf("%s after the lock on %s: %d %s (signed out or suspended?)", tc.page, tc.table, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

// pullThePlug makes the database unavailable under the portal: the pool is
// closed on SQLite; on PostgreSQL the server refuses new connections to the
// database and ends those open.
func pullThePlug(t testing.TB, ta *testApp) {
	t.Helper()
	if ta.store.Dialect() == models.SQLite {
		_ = ta.store.Close()
		return
	}
	database := pgDatabase(t, ta.store)
	admin := pgConnect(t, "postgres")
	for _, q := range []string{
		"ALTER DATABASE " + database + " WITH ALLOW_CONNECTIONS false",
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database + "' AND pid <> pg_backend_pid()",
	} {
		if err := admin.Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestDatabaseOutage: an unavailable database gave 500 "we will look into
// it", and form posts 403 (their CSRF tokens could not be read). Now pages
// are a translated 503 "temporarily unavailable", the API a JSON 503, both
// with Retry-After; a form posted with a good token is a 503 too, and
// /readyz says the database is unavailable.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ta := newTestApp(t, d, nil)
			member := ta.createUser(t, "outage-"+string(d)+"@example.org", models.RoleMember, "vienna-labour-exploitation-desk", false)
			cl := ta.client()
			cl.login(t, member)
			token := cl.csrf(t, "/account")
			visitor := ta.client()
			loginToken := visitor.csrf(t, "/login")
			pullThePlug(t, ta)

			for _, lang := range []string{"fr", "pl"} {
				res, body := ta.get(t, "/practices", "Accept-Language", lang)
				if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
					t.Errorf("%s page: %d, Retry-After %q", lang, res.StatusCode, res.Header.Get("Retry-After"))
				}
				mustContain(t, lang+" page", body, ta.tr(t, lang, "error.unavailable.message"), `lang="`+lang+`"`)
				mustNotContain(t, lang+" page", body, ta.tr(t, lang, "error.internal.message"))
				res, body = ta.get(t, "/api/v1/practices", "Accept-Language", lang)
				var e apiError
				if err := json.Unmarshal([]byte(body), &e); err != nil || res.StatusCode != http.StatusServiceUnavailable ||
					res.Header.Get("Retry-After") == "" || e.Error.Code != "unavailable" || e.Error.Message != ta.tr(t, lang, "error.unavailable.message") {
					t.Errorf("%s API: %d %s (%v)", lang, res.StatusCode, body, err)
				}
			}
			// A signed-in page, and forms with good tokens, signed in and not.
			if res, _ := cl.get(t, "/account"); res.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("signed-in page: %d %s", res.StatusCode, res.Header.Get("Location"))
			}
			for _, post := range []struct {
				cl           *client
				action, lang string // the member chose English (a cookie), the visitor's browser asks for German
				form         url.Values
			}{
				{cl, "/account", "en", url.Values{"_csrf": {token}, "name": {"Still here"}, "language": {"en"}}},
				{visitor, "/login", "de", url.Values{"_csrf": {loginToken}, "email": {member.Email}, "password": {member.Password}}},
			} {
				req := httptest.NewRequest(http.MethodPost, post.action, strings.NewReader(post.form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Accept-Language", "de")
				res, body := post.cl.do(t, req)
				if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
					t.Errorf("POST %s: %d", post.action, res.StatusCode)
				}
				mustContain(t, "POST "+post.action, body, ta.tr(t, post.lang, "error.unavailable.message"))
			}
			res, body := ta.get(t, "/readyz")
			if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"database":"unavailable"`) {
				t.Errorf("/readyz: %d %s", res.StatusCode, body)
			}
		})
	}
}

// TestReadyzFailsWhenWritesFail: /readyz checked only that the database
// answered a ping; a database that reads but cannot write (a full disk, a
// standby after a failover) was "ready". Now a write probe must commit.
func TestReadyzFailsWhenWritesFail(t *testing.T) {
	t.Parallel()
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ta := newTestApp(t, d, nil)
			if res, body := ta.get(t, "/readyz"); res.StatusCode != http.StatusOK {
				t.Fatalf("before: %d %s", res.StatusCode, body)
			}
			sqlDB, err := ta.store.DB().DB()
			if err != nil {
				t.Fatal(err)
			}
			if d == models.SQLite {
				// One connection, made read-only: reads work, writes fail.
				sqlDB.SetMaxOpenConns(1)
				if err := ta.store.DB().Exec("PRAGMA query_only = 1").Error; err != nil {
					t.Fatal(err)
				}
			} else {
				database := pgDatabase(t, ta.store)
				admin := pgConnect(t, "postgres")
				if err := admin.Exec("ALTER DATABASE " + database + " SET default_transaction_read_only = on").Error; err != nil {
					t.Fatal(err)
				}
				sqlDB.SetMaxIdleConns(0) // new connections: read-only
				sqlDB.SetMaxIdleConns(10)
			}
			if res, _ := ta.get(t, "/practices"); res.StatusCode != http.StatusOK {
				t.Fatalf("reading: %d", res.StatusCode)
			}
			res, body := ta.get(t, "/readyz")
			if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"database":"read-only"`) {
				t.Errorf("/readyz on a database that cannot write: %d %s", res.StatusCode, body)
			}
		})
	}
}

// countWrites counts the statements that write (inserts, updates, deletes,
// raw statements) through the store's connection.
func countWrites(t testing.TB, store *models.Store) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	count := func(*gorm.DB) { n.Add(1) }
	cb := store.DB().Callback()
	for _, err := range []error{
		cb.Create().Before("gorm:create").Register("test:count_create", count),
		cb.Update().Before("gorm:update").Register("test:count_update", count),
		cb.Delete().Before("gorm:delete").Register("test:count_delete", count),
		cb.Raw().Before("gorm:raw").Register("test:count_raw", count),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return &n
}

// TestSignedInPageViewsDoNotWrite: every signed-in page view wrote its CSRF
// token back to the database. Now reading pages writes nothing (the session's
// activity is recorded at most once a minute).
func TestSignedInPageViewsDoNotWrite(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	member := ta.createUser(t, "reader@example.org", models.RoleMember, "vienna-labour-exploitation-desk", false)
	cl := ta.client()
	cl.login(t, member)
	cl.get(t, "/account") // any flash of the sign-in is shown and gone
	writes := countWrites(t, ta.store)
	for _, page := range []string{"/", "/practices", "/account", "/organisations", "/privacy", "/account/notes", "/pathways"} {
		if res, _ := cl.get(t, page); res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", page, res.StatusCode)
		}
	}
	if n := writes.Load(); n != 0 {
		t.Errorf("7 signed-in page views made %d writes", n)
	}
	// A form still works with the token of the page.
	res, _ := cl.post(t, "/account", "/account", url.Values{"name": {"Reader"}, "language": {"en"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("saving the account: %d", res.StatusCode)
	}
}

// TestCSRFTokensAreTiedToTheSession: a token was a cookie of its own that
// outlived signing in, and any token in storage passed. Now a token belongs
// to one session: signing in gives a new one, the old one (and another
// session's) is refused.
func TestCSRFTokensAreTiedToTheSession(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	member := ta.createUser(t, "tied@example.org", models.RoleMember, "vienna-labour-exploitation-desk", false)
	other := ta.createUser(t, "other@example.org", models.RoleMember, "vienna-labour-exploitation-desk", false)
	cl := ta.client()
	before := cl.csrf(t, "/login")
	cl.login(t, member)
	after := cl.csrf(t, "/account")
	if before == after || after == "" {
		t.Fatalf("the token is not renewed at sign-in: %q, %q", before, after)
	}
	if again := cl.csrf(t, "/privacy"); again != after {
		t.Errorf("the token changed within the session: %q, %q", after, again)
	}
	cl2 := ta.client()
	cl2.login(t, other)
	theirs := cl2.csrf(t, "/account")
	for name, tok := range map[string]string{"the token from before signing in": before, "another session's token": theirs, "no token": "", "a forged token": after[:len(after)-2] + "AA"} {
		form := url.Values{"_csrf": {tok}, "name": {"Forged"}, "language": {"en"}}
		req := httptest.NewRequest(http.MethodPost, "/account", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if res, _ := cl.do(t, req); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, res.StatusCode)
		}
	}
	if u, _ := ta.store.UserByID(t.Context(), member.ID); u.Name == "Forged" {
		t.Error("a refused form changed the account")
	}
}

// TestAPIIsTokenOnly: /api/v1 served members' content to a session cookie
// although documented as token-only. Now a cookie is nothing there: a member
// with one sees what a visitor sees and cannot write; with a token they see
// members' notes and staff see drafts.
func TestAPIIsTokenOnly(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	member := ta.createUser(t, "api-member@example.org", models.RoleMember, "vienna-labour-exploitation-desk", false)
	cl := ta.client()
	cl.login(t, member)
	secret := "pat_" + strings.Repeat("k", 26)
	if _, err := ta.store.CreateAPIToken(t.Context(), member.ID, "test", secret); err != nil {
		t.Fatal(err)
	}
	total := func(res *http.Response, body string) int64 {
		var list struct {
			Meta struct{ Total int64 } `json:"meta"`
		}
		if err := json.Unmarshal([]byte(body), &list); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("list: %d %s", res.StatusCode, body)
		}
		return list.Meta.Total
	}
	visitor := total(ta.get(t, "/api/v1/practices?per_page=1"))
	withCookie := total(cl.get(t, "/api/v1/practices?per_page=1"))
	withToken := total(ta.get(t, "/api/v1/practices?per_page=1", "Authorization", "Bearer "+secret))
	if withCookie != visitor || withToken <= visitor {
		t.Errorf("notes listed: visitor %d, session cookie %d, token %d", visitor, withCookie, withToken)
	}
	req := httptest.NewRequest(http.MethodPost, "/api/v1/practices", strings.NewReader("---\ntitle: x\n---\nbody"))
	req.Header.Set("Content-Type", "text/markdown")
	req.Header.Set("X-CSRF-Token", cl.csrf(t, "/account"))
	if res, _ := cl.do(t, req); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a write with a session cookie: %d, want 401", res.StatusCode)
	}
	if res, _ := ta.get(t, "/api/v1/practices", "Authorization", "Bearer pat_unknown"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("an unknown token: %d, want 401", res.StatusCode)
	}
}

// TestAPICallsDoNotWriteEachTime: every API call with a token wrote the
// token's time of last use; now at most once a minute.
func TestAPICallsDoNotWriteEachTime(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	member := ta.createUser(t, "api-reader@example.org", models.RoleMember, "vienna-labour-exploitation-desk", false)
	secret := "pat_" + strings.Repeat("r", 26)
	if _, err := ta.store.CreateAPIToken(t.Context(), member.ID, "test", secret); err != nil {
		t.Fatal(err)
	}
	ta.get(t, "/api/v1/practices?per_page=1", "Authorization", "Bearer "+secret) // notes the first use
	writes := countWrites(t, ta.store)
	for range 5 {
		if res, _ := ta.get(t, "/api/v1/practices?per_page=1", "Authorization", "Bearer "+secret); res.StatusCode != http.StatusOK {
			t.Fatalf("API call: %d", res.StatusCode)
		}
	}
	if n := writes.Load(); n != 0 {
		t.Errorf("5 API calls made %d writes", n)
	}
}

// TestPasswordHashingRenewsTheDeadline: the request's database deadline
// is for the database, not for password hashing (argon2, CPU work that a
// busy machine makes slow): after a hash, later calls get the whole timeout
// again from then, with the context's values kept, and every renewal is
// released when the request ends. (A password change hashes three times; on
// a loaded machine it ran past the 5 s deadline and answered 503.)
func TestPasswordHashingRenewsTheDeadline(t *testing.T) {
	t.Parallel()
	type key struct{}
	cfg := config.Default()
	cfg.Limits.DatabaseTimeout = time.Hour
	h := &handlers{cfg: cfg, hasher: testHasher}
	app := fiber.New()
	var renewed context.Context
	var problems []string
	app.Get("/", h.requestDeadline, func(c *fiber.Ctx) error {
		// As if the request had used all but a millisecond of its time.
		ctx, cancel := context.WithTimeout(context.WithValue(c.UserContext(), key{}, "kept"), time.Millisecond)
		defer cancel()
		c.SetUserContext(ctx)
		hash, err := h.hashPassword(c, "a long pass phrase")
		if err != nil {
			return err
		}
		if !h.checkPassword(c, "a long pass phrase", hash) {
			problems = append(problems, "the hash does not check")
		}
		renewed = c.UserContext()
		deadline, ok := renewed.Deadline()
		if !ok || time.Until(deadline) < 59*time.Minute {
			problems = append(problems, fmt.Sprintf("deadline after the hash: %v (set %v)", time.Until(deadline), ok))
		}
		if renewed.Value(key{}) != "kept" {
			problems = append(problems, "the context lost its values")
		}
		if renewed.Err() != nil {
			problems = append(problems, "the renewed context is done: "+renewed.Err().Error())
		}
		return c.SendStatus(fiber.StatusNoContent)
	})
	res, err := app.Test(httptest.NewRequest(http.MethodGet, "/", nil), -1)
	if err != nil || res.StatusCode != fiber.StatusNoContent {
		t.Fatalf("status %v, %v", res, err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if renewed == nil || renewed.Err() != context.Canceled {
		t.Errorf("a renewed deadline outlives its request: %v", renewed)
	}
}
