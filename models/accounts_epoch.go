package models

import (
	"context"
	"database/sql"
	"fmt"
)

// RequestState is what a signed-in member's request learns in its first
// round trip: the content version (see ContentVersion), the accounts epoch
// (moved by triggers in the same transaction as every write to a user or an
// organisation: migration 00016) and the stored value of its session (nil
// when absent or expired, as KV.Get). One statement, one snapshot.
type RequestState struct {
	Content  ContentVersion
	Accounts int64
	Session  []byte
}

// RequestState reads the content version, the accounts epoch and the value
// of the session id in sessions (the session storage): on PostgreSQL from
// memory while a listener keeps it (live.go), on SQLite with the value kept
// under the sessions epoch (sessions_epoch.go), else (in a transaction) in
// one query.
func (s *Store) RequestState(ctx context.Context, sessions *KV, id string) (RequestState, error) {
	if s.live != nil {
		// PostgreSQL: kept in memory while notifications say it holds
		// (live.go); read in one statement when not.
		st, err := s.liveState(ctx, sessions.prefix+id, sessions.now().Unix())
		if err != nil {
			return RequestState{}, fmt.Errorf("models: unable to read the request's state: %w", err)
		}
		return st, nil
	}
	if s.sessions != nil {
		st, err := s.sqliteRequestState(ctx, sessions.prefix+id, sessions.now().Unix())
		if err != nil {
			return RequestState{}, fmt.Errorf("models: unable to read the request's state: %w", err)
		}
		return st, nil
	}
	q := `SELECT COALESCE(MAX(id), 0), 1, (SELECT n FROM accounts_epoch WHERE id = 1),
(SELECT value FROM kv WHERE key = ? AND (expires_at = 0 OR expires_at > ?)) FROM outbox`
	args := []any{sessions.prefix + id, sessions.now().Unix()}
	if s.dialect == Postgres {
		// As ContentVersion; one statement, so one snapshot for all four.
		q = `SELECT COALESCE((SELECT MAX(id) FROM outbox), 0), NOT EXISTS (
SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = $1 AND objsubid = 1
AND database = (SELECT oid FROM pg_database WHERE datname = current_database())),
(SELECT n FROM accounts_epoch WHERE id = 1),
(SELECT value FROM kv WHERE key = $2 AND (expires_at = 0 OR expires_at > $3))`
		args = append([]any{outboxWriterLock}, args...)
	}
	var (
		st       RequestState
		id64     int64
		accounts sql.NullInt64
	)
	// Straight from the pool, as ContentVersion (and not QueryRowContext:
	// see there).
	rows, err := s.conn(ctx).Statement.ConnPool.QueryContext(ctx, q, args...)
	if err == nil {
		if rows.Next() {
			err = rows.Scan(&id64, &st.Content.Settled, &accounts, &st.Session)
		} else if err = rows.Err(); err == nil {
			err = sql.ErrNoRows
		}
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return RequestState{}, fmt.Errorf("models: unable to read the request's state: %w", err)
	}
	st.Content.ID, st.Accounts = uint64(id64), accounts.Int64
	return st, nil
}

// AccountsEpoch reads the accounts epoch (tests).
func (s *Store) AccountsEpoch(ctx context.Context) (int64, error) {
	var n int64
	if err := s.conn(ctx).Raw(`SELECT n FROM accounts_epoch WHERE id = 1`).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("models: unable to read the accounts epoch: %w", err)
	}
	return n, nil
}
