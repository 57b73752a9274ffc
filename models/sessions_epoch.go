package models

import (
	"context"
	"database/sql"
	"sync"
)

// SQLite: the sessions' stored values kept in memory under the sessions
// epoch (migration 00018: triggers move it in the same transaction as every
// write of a session row, from any process). RequestState reads the content
// version, the accounts epoch and the sessions epoch in one statement of
// three lookups; while the sessions epoch is the one a kept value was read
// under, no session row has been written since, and the kept value (with
// its expiry, checked on the store's clock as the query did) is the stored
// one. Otherwise the value is read with the state, in one statement, and
// kept under the epoch read with it. So SQLite stays exact per request, as
// before: only the read of the value itself (an index and a row lookup, a
// copy) is saved in the steady state. Any session write (a touch, a sign-in)
// empties what is kept: each member then reads their value once again.
type sqliteSessions struct {
	mu     sync.Mutex
	epoch  int64
	values map[string]liveSession
}

func newSQLiteSessions() *sqliteSessions {
	return &sqliteSessions{values: map[string]liveSession{}}
}

// get returns the value kept for key at epoch, if any.
func (ss *sqliteSessions) get(epoch int64, key string, now int64) ([]byte, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.epoch != epoch {
		return nil, false
	}
	v, ok := ss.values[key]
	if !ok {
		return nil, false
	}
	if v.expiresAt != 0 && v.expiresAt <= now {
		return nil, true
	}
	return v.value, true
}

func (ss *sqliteSessions) put(epoch int64, key string, value []byte, expiresAt int64) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if epoch < ss.epoch {
		return
	}
	if epoch > ss.epoch || len(ss.values) >= maxLiveSessions {
		ss.epoch = epoch
		clear(ss.values)
	}
	ss.values[key] = liveSession{value: value, expiresAt: expiresAt}
}

// sqliteRequestState is RequestState on SQLite (see sqliteSessions).
func (s *Store) sqliteRequestState(ctx context.Context, key string, now int64) (RequestState, error) {
	pool := s.conn(ctx).Statement.ConnPool
	var (
		st              RequestState
		id64            int64
		accounts, epoch sql.NullInt64
		value           []byte
		expiresAt       int64
		kept            bool
	)
	if s.sessions.has(key) {
		rows, err := pool.QueryContext(ctx, `SELECT (SELECT COALESCE(MAX(id), 0) FROM outbox),
(SELECT n FROM accounts_epoch WHERE id = 1), (SELECT n FROM sessions_epoch WHERE id = 1)`)
		if err = scanOne(rows, err, &id64, &accounts, &epoch); err != nil {
			return RequestState{}, err
		}
		value, kept = s.sessions.get(epoch.Int64, key, now)
	}
	if !kept {
		rows, err := pool.QueryContext(ctx, `SELECT (SELECT COALESCE(MAX(id), 0) FROM outbox),
(SELECT n FROM accounts_epoch WHERE id = 1), (SELECT n FROM sessions_epoch WHERE id = 1),
(SELECT value FROM kv WHERE key = ?), COALESCE((SELECT expires_at FROM kv WHERE key = ?), 0)`, key, key)
		if err = scanOne(rows, err, &id64, &accounts, &epoch, &value, &expiresAt); err != nil {
			return RequestState{}, err
		}
		s.sessions.put(epoch.Int64, key, value, expiresAt)
		if expiresAt != 0 && expiresAt <= now {
			value = nil
		}
	}
	st.Content = ContentVersion{ID: uint64(id64), Settled: true}
	st.Accounts, st.Session = accounts.Int64, value
	return st, nil
}

// has says whether a value is kept for key (of any epoch).
func (ss *sqliteSessions) has(key string) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	_, ok := ss.values[key]
	return ok
}

// scanOne scans the one row of rows (from a query that returned err) into
// dest and closes it.
func scanOne(rows *sql.Rows, err error, dest ...any) error {
	if err != nil {
		return err
	}
	if rows.Next() {
		err = rows.Scan(dest...)
	} else if err = rows.Err(); err == nil {
		err = sql.ErrNoRows
	}
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}
