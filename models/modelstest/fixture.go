package modelstest

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"proact/models"
)

// Run runs the tests of a package with its fixtures: built once, on first
// use, copied for each test, and removed when the tests end. Call it from
// TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(modelstest.Run(m)) }
//
// It also lets up to four parallel tests run at once unless -parallel says
// otherwise (on a 2-core machine the default of two leaves the cores idle
// while tests wait for PostgreSQL or Chromium), and collects garbage less
// often unless GOGC says otherwise.
func Run(m *testing.M) int {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if p := flag.Lookup("test.parallel"); p != nil && !explicit {
		_ = p.Value.Set("4")
	}
	if os.Getenv("GOGC") == "" {
		// Test binaries live for a minute and have memory to spare: fewer
		// collections leave more of the two cores to the tests.
		debug.SetGCPercent(400)
	}
	managed.Store(true)
	code := m.Run()
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	// The copies made ahead and those still being dropped go first: a
	// template cannot be dropped while it is being copied.
	for _, f := range fixtures {
		f.dropSpares()
	}
	background.Wait()
	for _, f := range fixtures {
		if err := f.remove(); err != nil {
			fmt.Fprintln(os.Stderr, "modelstest:", err)
		}
	}
	return code
}

var (
	managed    atomic.Bool // Run is in charge: fixtures are removed at the end
	fixturesMu sync.Mutex
	fixtures   []*Fixture
)

// Fixture is a database prepared once per test binary (migrated, then filled
// by its fill function, which may also write files such as a search index
// into a folder) and copied for every test that asks for it, on SQLite (a
// file copy) and on PostgreSQL (CREATE DATABASE ... TEMPLATE). Outside Run
// it is built afresh for each test instead, so a package without TestMain
// still works, only slower.
type Fixture struct {
	fill  func(ctx context.Context, store *models.Store, dir string) error
	mu    sync.Mutex
	built map[models.Dialect]*template
}

// template is one dialect's prepared copy source.
type template struct {
	err    error
	dir    string // the fixture's folder (and, for SQLite, the database file in it)
	pgName string // the template database
	// spare holds a PostgreSQL copy made ahead, while the test before ran:
	// the server makes one copy at a time (a few tenths of a second), so
	// the next test need not wait for it.
	spare  chan string
	ahead  atomic.Bool    // one is being made
	making sync.WaitGroup // for dropSpares to wait for it
}

// NewFixture declares a fixture; fill (which may be nil) adds the content.
func NewFixture(fill func(ctx context.Context, store *models.Store, dir string) error) *Fixture {
	f := &Fixture{fill: fill, built: map[models.Dialect]*template{}}
	fixturesMu.Lock()
	fixtures = append(fixtures, f)
	fixturesMu.Unlock()
	return f
}

// empty is the migrated, empty database that New copies.
var empty = NewFixture(nil)

// Copy returns a store on a fresh copy of the fixture's database of dialect
// d and a fresh copy of its folder; both go away when t ends. Without
// PROACT_TEST_POSTGRES_URL a PostgreSQL copy skips the test, saying why.
func (f *Fixture) Copy(t testing.TB, d models.Dialect) (*models.Store, string) {
	t.Helper()
	if d == models.Postgres && os.Getenv(PostgresEnv) == "" {
		t.Skipf("%s is not set: PostgreSQL tests skipped (CI sets it; see README)", PostgresEnv)
	}
	if !managed.Load() {
		return f.fresh(t, d)
	}
	tpl := f.template(d)
	if tpl.err != nil {
		t.Fatalf("building the %s fixture: %v", d, tpl.err)
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(tpl.dir)); err != nil {
		t.Fatalf("copying the fixture's folder: %v", err)
	}
	var (
		db  *gorm.DB
		err error
	)
	switch d {
	case models.SQLite:
		db, _, err = models.Open(context.Background(), "", dir)
	case models.Postgres:
		db, err = openCopy(t, tpl)
	}
	if err != nil {
		t.Fatalf("opening a copy of the %s fixture: %v", d, err)
	}
	store := models.NewStore(db, d)
	t.Cleanup(func() { _ = store.Close() })
	return store, dir
}

// fresh builds the fixture for one test, as it was before templates.
func (f *Fixture) fresh(t testing.TB, d models.Dialect) (*models.Store, string) {
	t.Helper()
	var (
		db  *gorm.DB
		err error
	)
	dir := t.TempDir()
	switch d {
	case models.SQLite:
		db, _, err = models.Open(context.Background(), "", dir)
	case models.Postgres:
		db, err = openPostgres(t, "")
	}
	if err != nil {
		t.Fatalf("opening a %s test database: %v", d, err)
	}
	store := models.NewStore(db, d)
	t.Cleanup(func() { _ = store.Close() })
	if err := f.prepare(store, dir); err != nil {
		t.Fatalf("preparing the %s test database: %v", d, err)
	}
	return store, dir
}

func (f *Fixture) prepare(store *models.Store, dir string) error {
	ctx := context.Background()
	if _, err := models.Migrate(ctx, store.DB(), store.Dialect()); err != nil {
		return fmt.Errorf("migrating: %w", err)
	}
	if f.fill == nil {
		return nil
	}
	return f.fill(ctx, store, dir)
}

// template builds the copy source of dialect d on first use.
func (f *Fixture) template(d models.Dialect) *template {
	f.mu.Lock()
	defer f.mu.Unlock()
	if tpl, ok := f.built[d]; ok {
		return tpl
	}
	tpl := &template{}
	f.built[d] = tpl
	if tpl.dir, tpl.err = os.MkdirTemp("", "proact-fixture-"); tpl.err != nil {
		return tpl
	}
	var db *gorm.DB
	switch d {
	case models.SQLite:
		db, _, tpl.err = models.Open(context.Background(), "", tpl.dir)
	case models.Postgres:
		tpl.spare = make(chan string, 1)
		tpl.pgName = "proact_test_tpl_" + strings.ToLower(rand.Text()[:12])
		if tpl.err = adminExec("CREATE DATABASE " + tpl.pgName); tpl.err == nil {
			db, _, tpl.err = models.Open(context.Background(), databaseURL(tpl.pgName), "")
		}
	}
	if tpl.err != nil {
		return tpl
	}
	store := models.NewStore(db, d)
	tpl.err = f.prepare(store, tpl.dir)
	if tpl.err == nil && d == models.SQLite {
		// Everything into the database file, so that copying it is enough.
		tpl.err = db.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error
	}
	// A template database may have no session open when it is copied.
	if err := store.Close(); tpl.err == nil {
		tpl.err = err
	}
	return tpl
}

// dropSpares drops the copies made ahead that no test took, once those
// being made are done.
func (f *Fixture) dropSpares() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, tpl := range f.built {
		if tpl.spare == nil {
			continue
		}
		tpl.making.Wait()
		select {
		case name := <-tpl.spare:
			dropLater(name)
		default:
		}
	}
}

func (f *Fixture) remove() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var errs []error
	for _, tpl := range f.built {
		if tpl.pgName != "" {
			errs = append(errs, adminExec("DROP DATABASE IF EXISTS "+tpl.pgName+" WITH (FORCE)"))
		}
		if tpl.dir != "" {
			errs = append(errs, os.RemoveAll(tpl.dir))
		}
	}
	f.built = map[models.Dialect]*template{}
	return errors.Join(errs...)
}

// adminExec runs one statement on the server of PROACT_TEST_POSTGRES_URL.
func adminExec(sql string) error {
	admin, err := gorm.Open(postgres.Open(os.Getenv(PostgresEnv)), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", PostgresEnv, err)
	}
	defer func() {
		if sqlDB, err := admin.DB(); err == nil {
			_ = sqlDB.Close()
		}
	}()
	return admin.Exec(sql).Error
}

// databaseURL is PROACT_TEST_POSTGRES_URL with another database, whose
// sessions do not wait for the server to flush each commit to disk
// (synchronous_commit off, unless the URL sets it): a test database is gone
// after the test, and what other sessions see of a commit is the same.
func databaseURL(name string) string {
	u, err := url.Parse(os.Getenv(PostgresEnv))
	if err != nil {
		return ""
	}
	u.Path = "/" + name
	q := u.Query()
	if q.Get("synchronous_commit") == "" {
		q.Set("synchronous_commit", "off")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// background counts the copies being made ahead and the databases being
// dropped; Run waits for them before it drops the templates.
var background sync.WaitGroup

// openCopy opens a fresh copy of tpl's template database, dropped when t
// ends: the one made ahead if there is one, else one made now; either way
// it starts making the next test's copy.
func openCopy(t testing.TB, tpl *template) (*gorm.DB, error) {
	t.Helper()
	var name string
	select {
	case name = <-tpl.spare:
	default:
		var err error
		if name, err = createCopy(tpl.pgName); err != nil {
			return nil, err
		}
	}
	// Dropped after the test, without making it wait: the drop takes as
	// long as a copy, and the next test needs none of it.
	t.Cleanup(func() { dropLater(name) })
	if len(tpl.spare) == 0 && tpl.ahead.CompareAndSwap(false, true) {
		tpl.making.Add(1)
		background.Add(1)
		go func() {
			defer background.Done()
			defer tpl.making.Done()
			defer tpl.ahead.Store(false)
			next, err := createCopy(tpl.pgName)
			if err != nil {
				return // the test that wants it makes its own, and reports why
			}
			select {
			case tpl.spare <- next:
			default:
				dropLater(next) // cannot happen: only one is made at a time
			}
		}()
	}
	db, _, err := models.Open(context.Background(), databaseURL(name), "")
	return db, err
}

// createCopy creates a database copied from template and returns its name.
func createCopy(template string) (string, error) {
	name := "proact_test_" + strings.ToLower(rand.Text()[:12])
	if err := adminExec("CREATE DATABASE " + name + " TEMPLATE " + template); err != nil {
		return "", fmt.Errorf("creating database %s: %w", name, err)
	}
	return name, nil
}

// dropLater drops the database name in the background (Run waits for it).
func dropLater(name string) {
	background.Add(1)
	go func() {
		defer background.Done()
		_ = adminExec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	}()
}

// openPostgres creates a test database, a copy of template when it is not
// "", dropped when t ends, and opens it.
func openPostgres(t testing.TB, template string) (*gorm.DB, error) {
	t.Helper()
	name := "proact_test_" + strings.ToLower(rand.Text()[:12])
	create := "CREATE DATABASE " + name
	if template != "" {
		create += " TEMPLATE " + template
	}
	if err := adminExec(create); err != nil {
		return nil, fmt.Errorf("creating database %s: %w", name, err)
	}
	t.Cleanup(func() { _ = adminExec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
	db, _, err := models.Open(context.Background(), databaseURL(name), "")
	return db, err
}

// Clock is a clock for tests: it stands still until moved on, so that a test
// of an expiry moves time instead of sleeping. Safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock showing start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
