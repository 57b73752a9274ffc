package models

import (
	"context"
	"fmt"
	"time"
)

// Failure counts: how many times a key (a scope and an IP address or an
// account) failed within a window. They live in the database so that every
// instance counts together, and each failure is one atomic statement, so
// that parallel guesses are all counted: a read, then a write, would let two
// requests read the same count and both write it plus one.

// FailureCount is a key's failures in its current window.
type FailureCount struct {
	N     int
	Reset time.Time // when the window ends and the count starts again
}

// CountFailure adds one failure to key and returns the count after it. A
// key whose window has passed starts again at one with a new window.
func (s *Store) CountFailure(ctx context.Context, key string, window time.Duration) (FailureCount, error) {
	now := s.now()
	fresh := now.Add(window).Unix()
	var row struct {
		N       int
		ResetAt int64
	}
	err := s.conn(ctx).Raw(`INSERT INTO failure_counts (key, n, reset_at) VALUES (?, 1, ?)
ON CONFLICT (key) DO UPDATE SET
    n = CASE WHEN failure_counts.reset_at <= ? THEN 1 ELSE failure_counts.n + 1 END,
    reset_at = CASE WHEN failure_counts.reset_at <= ? THEN excluded.reset_at ELSE failure_counts.reset_at END
RETURNING n, reset_at`, key, fresh, now.Unix(), now.Unix()).Scan(&row).Error
	if err != nil {
		return FailureCount{}, fmt.Errorf("models: unable to count a failure: %w", err)
	}
	return FailureCount{N: row.N, Reset: time.Unix(row.ResetAt, 0).UTC()}, nil
}

// Failures returns key's count in its current window (zero when none).
func (s *Store) Failures(ctx context.Context, key string) (FailureCount, error) {
	var rows []struct {
		N       int
		ResetAt int64
	}
	err := s.conn(ctx).Raw(`SELECT n, reset_at FROM failure_counts WHERE key = ? AND reset_at > ?`, key, s.now().Unix()).
		Scan(&rows).Error
	if err != nil {
		return FailureCount{}, fmt.Errorf("models: unable to read a failure count: %w", err)
	}
	if len(rows) == 0 {
		return FailureCount{}, nil
	}
	return FailureCount{N: rows[0].N, Reset: time.Unix(rows[0].ResetAt, 0).UTC()}, nil
}

// ClearFailures forgets key's failures (after a success).
func (s *Store) ClearFailures(ctx context.Context, key string) error {
	if err := s.conn(ctx).Exec(`DELETE FROM failure_counts WHERE key = ?`, key).Error; err != nil {
		return fmt.Errorf("models: unable to clear a failure count: %w", err)
	}
	return nil
}

// deleteExpiredFailures removes the counts whose window has passed.
func (s *Store) deleteExpiredFailures(ctx context.Context) (int64, error) {
	res := s.conn(ctx).Exec(`DELETE FROM failure_counts WHERE reset_at <= ?`, s.now().Unix())
	if res.Error != nil {
		return 0, fmt.Errorf("models: unable to delete expired failure counts: %w", res.Error)
	}
	return res.RowsAffected, nil
}
