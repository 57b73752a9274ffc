package models

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// The aggregates of the public pages (headline figures, the counts of the
// unfiltered list's filters, the latest notes, the counts of filtered
// lists) cost in proportion to the corpus when computed. They change only
// when content changes, and every change of published content writes an
// outbox row in its own transaction; so they are kept in memory, in each
// instance, and thrown away whenever the outbox moves: a write on any
// instance is seen by every instance's next request.

// ContentVersion is the position of the outbox as one request sees it: the
// newest row's id. Settled is false on PostgreSQL while a transaction that
// writes the outbox is still running: it may commit a row with a smaller id
// later, so nothing read now may be kept under this version (ids commit out
// of order there). On SQLite one writer at a time commits its ids in
// order and every version is settled.
type ContentVersion struct {
	ID      uint64
	Settled bool
}

type contentVersionKey struct{}

// outboxWriterLock is the PostgreSQL advisory lock (one 32-bit key) that
// every transaction writing the outbox holds, shared, until it ends.
const outboxWriterLock = 0x70726f61 // "proa"

// WithContentVersion returns ctx carrying v, so that every cached read of
// one request uses the version read once at its start (and the ETag made of
// it).
func WithContentVersion(ctx context.Context, v ContentVersion) context.Context {
	return context.WithValue(ctx, contentVersionKey{}, v)
}

// ContentVersion reads the outbox position (or takes it from ctx, see
// WithContentVersion). One index lookup on either database.
func (s *Store) ContentVersion(ctx context.Context) (ContentVersion, error) {
	if v, ok := ctx.Value(contentVersionKey{}).(ContentVersion); ok {
		return v, nil
	}
	if s.live != nil {
		st, err := s.liveState(ctx, "", 0)
		if err != nil {
			return ContentVersion{}, fmt.Errorf("models: unable to read the outbox position: %w", err)
		}
		return st.Content, nil
	}
	q, args := `SELECT COALESCE(MAX(id), 0) AS id, 1 AS settled FROM outbox`, []any{}
	if s.dialect == Postgres {
		// No transaction that writes the outbox is running in this
		// database (each holds outboxWriterLock, shared, to its end; see
		// enqueue): every id handed out so far has committed or rolled
		// back, and any later one will be higher. Locks are released after
		// the commit is visible, and pg_locks is read after the snapshot.
		q = `SELECT COALESCE((SELECT MAX(id) FROM outbox), 0) AS id, NOT EXISTS (
SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = $1 AND objsubid = 1
AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS settled`
		args = append(args, outboxWriterLock)
	}
	// Every cached page reads it: straight from the connection pool (the
	// transaction, inside one), a prepared statement without GORM's
	// callbacks and reflection, which cost more than the query. Not
	// QueryRowContext: GORM's prepared pool answers a failed prepare with
	// an empty row whose Scan panics.
	var (
		id      int64
		settled bool
	)
	rows, err := s.conn(ctx).Statement.ConnPool.QueryContext(ctx, q, args...)
	if err == nil {
		if rows.Next() {
			err = rows.Scan(&id, &settled)
		} else if err = rows.Err(); err == nil {
			err = sql.ErrNoRows
		}
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return ContentVersion{}, fmt.Errorf("models: unable to read the outbox position: %w", err)
	}
	return ContentVersion{ID: uint64(id), Settled: settled}, nil
}

// maxCachedEntries bounds the cache of one version (filtered counts are
// one entry per filter asked for); past it the cache starts again.
const maxCachedEntries = 2000

// aggregateCache holds the values computed at one outbox version.
type aggregateCache struct {
	mu      sync.Mutex
	version uint64
	entries map[string]any
	hits    uint64
	misses  uint64
}

func newAggregateCache() *aggregateCache { return &aggregateCache{entries: map[string]any{}} }

// CacheStats reports how often the aggregate cache answered (for tests and
// /metrics).
func (s *Store) CacheStats() (hits, misses uint64) {
	if s.cache == nil {
		return 0, 0
	}
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return s.cache.hits, s.cache.misses
}

// cached returns the value of key at the current content version: from the
// cache when it was computed at that version, else computed by fn (and kept
// when the version is settled). Inside a transaction, which may see its own
// writes, it always computes. Values are shared between requests: callers
// must not modify them.
func cached[T any](ctx context.Context, s *Store, key string, fn func() (T, error)) (T, error) {
	if s.cache == nil {
		return fn()
	}
	v, err := s.ContentVersion(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	c := s.cache
	if v.Settled {
		c.mu.Lock()
		if c.version == v.ID {
			if e, ok := c.entries[key]; ok {
				c.hits++
				c.mu.Unlock()
				return e.(T), nil
			}
		}
		c.mu.Unlock()
	}
	val, err := fn()
	if err != nil || !v.Settled {
		return val, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.misses++
	if c.version != v.ID || len(c.entries) >= maxCachedEntries {
		c.version, c.entries = v.ID, map[string]any{}
	}
	c.entries[key] = val
	return val, nil
}

// viewerClass names what the aggregates depend on in a viewer: whether
// members-only content is counted.
func viewerClass(v Viewer) string {
	if v.SeesMembersOnly() {
		return "members"
	}
	return "public"
}
