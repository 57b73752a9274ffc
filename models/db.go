// Package models holds the portal's entities, vocabularies, migrations and the
// Store through which every query runs. Each entity has one file with its
// type, its constants and every Store method about it (users.go,
// organisations.go, practices.go, applications.go, mail.go, tokens.go ...);
// store.go holds the Store itself, db.go opening and migrating the database.
package models

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/libtnb/sqlite"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

//go:embed migrations
var migrations embed.FS

// Dialect names the database engine behind a Store.
type Dialect string

// The two supported database engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options tune a connection.
type Options struct {
	// QueryTimeout bounds every statement on the server (PostgreSQL's
	// statement_timeout; SQLite's busy timeout: how long a writer waits for
	// another). Zero: no statement timeout on PostgreSQL (migrations may take
	// long), DefaultBusyTimeout on SQLite.
	QueryTimeout time.Duration
}

// ConnectTimeout bounds connecting to PostgreSQL, so that an unreachable or
// frozen server is an error within seconds rather than a hung request.
const ConnectTimeout = 5 * time.Second

// preparedStatements bounds the prepared statements kept on SQLite.
const preparedStatements = 512

// DefaultBusyTimeout is how long an SQLite writer waits for another unless
// Options say otherwise.
const DefaultBusyTimeout = 10 * time.Second

// Open connects to the database named by databaseURL (a postgres:// URL) or,
// when it is empty, to the embedded SQLite file proact.db in dataDir. It pings
// the database so that an unreachable server is reported at once.
func Open(ctx context.Context, databaseURL, dataDir string) (*gorm.DB, Dialect, error) {
	return OpenWith(ctx, databaseURL, dataDir, Options{})
}

// OpenWith is Open with options: the portal's server opens its database
// with a statement timeout, migrations without.
func OpenWith(ctx context.Context, databaseURL, dataDir string, o Options) (*gorm.DB, Dialect, error) {
	cfg := &gorm.Config{Logger: logger.Discard, TranslateError: true}
	if databaseURL == "" {
		// SQLite parses every statement again unless it is prepared: on a
		// cached page that was most of the request (the outbox position,
		// the session, the user). Kept per statement text, at most
		// preparedStatements of them (an IN list of each length is a
		// statement of its own), the least recently used closed first;
		// SQLite prepares them again by itself after a schema change. The
		// age limit is long: GORM closes an expired statement
		// asynchronously, and a query that took it from the cache an
		// instant before would fail ("statement is closed"), so hot
		// statements must not expire. PostgreSQL needs none of it: pgx
		// already keeps each connection's statements prepared (and drops
		// them when a migration changes a table's columns, which GORM's
		// cache would not).
		cfg.PrepareStmt, cfg.PrepareStmtMaxSize, cfg.PrepareStmtTTL = true, preparedStatements, 30*24*time.Hour
	}
	var (
		db      *gorm.DB
		dialect Dialect
		err     error
	)
	if databaseURL == "" {
		if err := os.MkdirAll(dataDir, 0o750); err != nil {
			return nil, "", fmt.Errorf("models: unable to create the data folder %s: %w", dataDir, err)
		}
		busy := DefaultBusyTimeout
		if o.QueryTimeout > 0 {
			busy = o.QueryTimeout
		}
		db, err = gorm.Open(sqlite.Open(SQLiteDSN(filepath.Join(dataDir, "proact.db"), busy)), cfg)
		dialect = SQLite
	} else {
		db, err = gorm.Open(postgres.Open(postgresDSN(databaseURL, o)), cfg)
		dialect = Postgres
	}
	if err != nil {
		return nil, "", fmt.Errorf("models: unable to open the database: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, "", fmt.Errorf("models: unable to open the database: %w", err)
	}
	if dialect == SQLite {
		// One writer at a time is all SQLite allows; a small pool keeps readers
		// concurrent under WAL without piling up busy writers.
		sqlDB.SetMaxOpenConns(8)
		// And kept open: database/sql keeps 2 idle by default, so under
		// load the others were closed and opened again (with their pragmas
		// and prepared statements) on every few requests.
		sqlDB.SetMaxIdleConns(8)
	} else {
		// A bounded pool: requests wait for a connection only until their
		// deadline, and the server's max_connections is shared by instances.
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		sqlDB.SetConnMaxLifetime(time.Hour)
	}
	pingCtx, cancel := context.WithTimeout(ctx, ConnectTimeout)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, "", fmt.Errorf("models: unable to reach the database: %w", err)
	}
	return db, dialect, nil
}

// SQLiteDSN is the connection string for the SQLite file at path: WAL for
// concurrent readers, FULL synchronous so that an acknowledged write survives
// power loss, foreign keys on, immediate transactions to avoid upgrade
// deadlocks, and a writer waiting at most busy for another.
func SQLiteDSN(path string, busy time.Duration) string {
	return "file:" + path + "?_txlock=immediate&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
		"&_pragma=foreign_keys(1)&_pragma=busy_timeout(" + strconv.FormatInt(max(busy.Milliseconds(), 1), 10) + ")"
}

// postgresDSN adds the timeouts to a postgres:// URL, unless it sets them
// itself: connect_timeout, and statement_timeout (a run-time parameter pgx
// sends when connecting) when o asks for one.
func postgresDSN(raw string, o Options) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw // gorm reports it
	}
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", strconv.Itoa(int(ConnectTimeout.Seconds())))
	}
	if o.QueryTimeout > 0 && q.Get("statement_timeout") == "" {
		q.Set("statement_timeout", strconv.FormatInt(max(o.QueryTimeout.Milliseconds(), 1), 10))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// RedactURL hides the password of a database URL so it can be printed.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func provider(db *gorm.DB, dialect Dialect) (*goose.Provider, *sql.DB, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, nil, err
	}
	dir, gooseDialect := "migrations/sqlite", goose.DialectSQLite3
	// Migration numbers are handed out per branch and land in any order: a
	// database at 00009 must still get 00005 when it arrives.
	opts := []goose.ProviderOption{goose.WithAllowOutofOrder(true)}
	if dialect == Postgres {
		dir, gooseDialect = "migrations/postgres", goose.DialectPostgres
		// Several instances may start at once: only one applies migrations.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, nil, err
	}
	p, err := goose.NewProvider(gooseDialect, sqlDB, sub, opts...)
	return p, sqlDB, err
}

// SchemaState says how the database schema compares with the migrations
// embedded in this binary.
type SchemaState struct {
	Current int64 // highest version applied
	Latest  int64 // highest version this binary knows
	// Pending says a migration is still to apply, perhaps below Current.
	Pending bool
}

// Empty reports whether no migration has been applied yet.
func (s SchemaState) Empty() bool { return s.Current == 0 }

// UpToDate reports whether every migration has been applied.
func (s SchemaState) UpToDate() bool { return s.Current >= s.Latest && !s.Pending }

// Schema reports the applied and latest schema versions.
func Schema(ctx context.Context, db *gorm.DB, dialect Dialect) (SchemaState, error) {
	p, _, err := provider(db, dialect)
	if err != nil {
		return SchemaState{}, fmt.Errorf("models: unable to read the migrations: %w", err)
	}
	sources := p.ListSources()
	state := SchemaState{}
	if len(sources) > 0 {
		state.Latest = sources[len(sources)-1].Version
	}
	state.Current, err = p.GetDBVersion(ctx)
	if err != nil && !errors.Is(err, goose.ErrNoMigrations) {
		// A database that has never seen goose has no version table yet.
		if strings.Contains(err.Error(), "does not exist") || strings.Contains(err.Error(), "no such table") {
			return state, nil
		}
		return state, fmt.Errorf("models: unable to read the schema version: %w", err)
	}
	if state.Current > 0 {
		// A migration below the highest applied one may still be missing.
		if state.Pending, err = p.HasPending(ctx); err != nil {
			return state, fmt.Errorf("models: unable to read the pending migrations: %w", err)
		}
	}
	return state, nil
}

// Migrate applies every pending migration and returns the versions applied.
func Migrate(ctx context.Context, db *gorm.DB, dialect Dialect) ([]int64, error) {
	return MigrateTo(ctx, db, dialect, 1<<62)
}

// MigrateTo applies pending migrations up to and including version.
func MigrateTo(ctx context.Context, db *gorm.DB, dialect Dialect, version int64) ([]int64, error) {
	p, _, err := provider(db, dialect)
	if err != nil {
		return nil, fmt.Errorf("models: unable to read the migrations: %w", err)
	}
	results, err := p.UpTo(ctx, version)
	if err != nil {
		return nil, fmt.Errorf("models: unable to migrate: %w", err)
	}
	applied := make([]int64, 0, len(results))
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	if err := FillSearchText(ctx, db); err != nil {
		return applied, err
	}
	return applied, nil
}

// ApplyOnly applies one migration by version, whatever is below it: for tests
// of migrations that land out of order.
func ApplyOnly(ctx context.Context, db *gorm.DB, dialect Dialect, version int64) error {
	p, _, err := provider(db, dialect)
	if err != nil {
		return fmt.Errorf("models: unable to read the migrations: %w", err)
	}
	if _, err := p.ApplyVersion(ctx, version, true); err != nil {
		return fmt.Errorf("models: unable to apply migration %d: %w", version, err)
	}
	return nil
}
