package models

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// KV is a key-value table with expiry in the database. It implements
// fiber.Storage, so that sessions, CSRF tokens and rate-limit counters are
// shared by every instance that shares the database.
type KV struct {
	db      *gorm.DB
	dialect Dialect
	prefix  string
	now     func() time.Time
	timeout time.Duration
}

// defaultKVTimeout bounds each operation of a KV: fiber.Storage passes no
// context, and a session read must not hang a request on a frozen database.
const defaultKVTimeout = 5 * time.Second

type kvRow struct {
	Key       string `gorm:"primaryKey"`
	Value     []byte
	ExpiresAt int64
}

func (kvRow) TableName() string { return "kv" }

// KV returns a storage whose keys are namespaced by prefix ("sess:", "csrf:").
func (s *Store) KV(prefix string) *KV {
	return &KV{db: s.db, dialect: s.dialect, prefix: prefix, now: s.now, timeout: defaultKVTimeout}
}

// WithTimeout returns the storage with each operation bounded by d.
func (k *KV) WithTimeout(d time.Duration) *KV {
	c := *k
	if d > 0 {
		c.timeout = d
	}
	return &c
}

// conn is the connection for one operation, with its deadline.
func (k *KV) conn() (*gorm.DB, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), k.timeout)
	return k.db.WithContext(ctx), cancel
}

// Get returns the value of key, or nil when absent or expired.
func (k *KV) Get(key string) ([]byte, error) {
	if key == "" {
		return nil, nil
	}
	// A signed-in member's every request reads their session: straight
	// from the pool, a prepared statement without GORM's callbacks.
	q := `SELECT value FROM kv WHERE key = ? AND (expires_at = 0 OR expires_at > ?)`
	if k.dialect == Postgres {
		q = `SELECT value FROM kv WHERE key = $1 AND (expires_at = 0 OR expires_at > $2)`
	}
	db, cancel := k.conn()
	defer cancel()
	rows, err := db.Statement.ConnPool.QueryContext(db.Statement.Context, q, k.prefix+key, k.now().Unix())
	if err != nil {
		return nil, fmt.Errorf("models: unable to read kv: %w", err)
	}
	defer rows.Close()
	var value []byte
	if rows.Next() {
		if err := rows.Scan(&value); err != nil {
			return nil, fmt.Errorf("models: unable to read kv: %w", err)
		}
		return value, nil
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: unable to read kv: %w", err)
	}
	return nil, nil
}

// Set stores val under key for exp (0: no expiry).
func (k *KV) Set(key string, val []byte, exp time.Duration) error {
	if key == "" || len(val) == 0 {
		return nil
	}
	var expiresAt int64
	if exp > 0 {
		expiresAt = k.now().Add(exp).Unix()
	}
	row := kvRow{Key: k.prefix + key, Value: val, ExpiresAt: expiresAt}
	db, cancel := k.conn()
	defer cancel()
	err := db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "key"}},
		DoUpdates: clause.AssignmentColumns([]string{"value", "expires_at"}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("models: unable to write kv: %w", err)
	}
	return nil
}

// Delete removes key.
func (k *KV) Delete(key string) error {
	if key == "" {
		return nil
	}
	db, cancel := k.conn()
	defer cancel()
	if err := db.Where("key = ?", k.prefix+key).Delete(&kvRow{}).Error; err != nil {
		return fmt.Errorf("models: unable to delete kv: %w", err)
	}
	return nil
}

// Reset removes every key of this storage's namespace.
func (k *KV) Reset() error {
	// An exact prefix match: LIKE would treat "_" as a wildcard and ignore case on SQLite.
	db, cancel := k.conn()
	defer cancel()
	if err := db.Where("substr(key, 1, ?) = ?", len(k.prefix), k.prefix).Delete(&kvRow{}).Error; err != nil {
		return fmt.Errorf("models: unable to reset kv: %w", err)
	}
	return nil
}

// Close does nothing: the connection pool belongs to the Store.
func (k *KV) Close() error { return nil }

// DeleteExpired removes expired keys of every namespace and the failure
// counts whose window has passed; run it periodically.
func (s *Store) DeleteExpired(ctx context.Context) (int64, error) {
	res := s.conn(ctx).Where("expires_at > 0 AND expires_at <= ?", s.now().Unix()).Delete(&kvRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("models: unable to delete expired kv: %w", res.Error)
	}
	n, err := s.deleteExpiredFailures(ctx)
	return res.RowsAffected + n, err
}

// Secret returns the random key called name that every instance sharing the
// database uses (for signing CSRF tokens), creating it on first use: the
// first instance's INSERT wins, and every instance reads that one.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	row := kvRow{Key: "secret:" + name, Value: key}
	if err := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return nil, fmt.Errorf("models: unable to create the secret %s: %w", name, err)
	}
	var got kvRow
	if err := s.conn(ctx).Where("key = ?", row.Key).Take(&got).Error; err != nil {
		return nil, fmt.Errorf("models: unable to read the secret %s: %w", name, err)
	}
	return got.Value, nil
}
