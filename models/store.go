package models

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// ErrNotFound is returned when an entity does not exist or the viewer may not
// know that it exists.
var ErrNotFound = errors.New("models: not found")

// ErrConflict is returned when a write collides with another (a duplicate
// slug, or a stale version).
var ErrConflict = errors.New("models: conflict")

// Store runs every query of the portal. Its zero value is not usable: build it
// with NewStore.
type Store struct {
	db      *gorm.DB
	dialect Dialect
	now     func() time.Time
	// cache holds the aggregates of the public pages (aggregates.go); nil
	// inside a transaction.
	cache *aggregateCache
	// live is the request state kept in memory on PostgreSQL (live.go),
	// shared by every Store on one connection pool; nil on SQLite and
	// inside a transaction.
	live *live
	// sessions are the sessions' values kept on SQLite under the sessions
	// epoch (sessions_epoch.go); nil on PostgreSQL and inside a transaction.
	sessions *sqliteSessions
}

// NewStore wraps an open database.
func NewStore(db *gorm.DB, dialect Dialect) *Store {
	s := &Store{db: db, dialect: dialect, now: func() time.Time { return time.Now().UTC() }, cache: newAggregateCache()}
	if dialect == Postgres {
		s.live = liveFor(db)
	} else {
		s.sessions = newSQLiteSessions()
	}
	return s
}

// WithClock returns the store reading the time from now instead of the real
// clock (for the expiry of links, sessions and keys, and every timestamp it
// writes): tests move time on instead of sleeping. It shares the connection.
func (s *Store) WithClock(now func() time.Time) *Store {
	return &Store{db: s.db, dialect: s.dialect, now: func() time.Time { return now().UTC() }, cache: s.cache, live: s.live, sessions: s.sessions}
}

// Now is the time by the store's clock.
func (s *Store) Now() time.Time { return s.now() }

// Dialect names the database engine.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB returns the underlying connection, for migrations and health checks.
func (s *Store) DB() *gorm.DB { return s.db }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close closes the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// WithTx runs fn in a transaction, committed when fn returns nil. Inside a
// transaction already, it reuses it, so store methods compose.
func (s *Store) WithTx(ctx context.Context, fn func(tx *Store) error) error {
	if _, inTx := s.db.Statement.ConnPool.(gorm.TxCommitter); inTx {
		return fn(s)
	}
	if s.live != nil {
		// Nothing kept in memory is used while it runs, and all of it is
		// read again once it has ended (live.go).
		s.live.pending.Add(1)
		defer s.live.wrote()
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&Store{db: tx, dialect: s.dialect, now: s.now})
	})
}

func (s *Store) conn(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

func conflict(err error) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return ErrConflict
	}
	return err
}

// escapeLike makes user text literal inside a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func uniq(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	return slices.Compact(out)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func gormExprIncrement(column string) any { return gorm.Expr(column + " + 1") }
