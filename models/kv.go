package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// KV is a key-value table with expiry in the database. It implements
// fiber.Storage, so that sessions, CSRF tokens and rate-limit counters are
// shared by every instance that shares the database.
type KV struct {
	db     *gorm.DB
	prefix string
	now    func() time.Time
}

type kvRow struct {
	Key       string `gorm:"primaryKey"`
	Value     []byte
	ExpiresAt int64
}

func (kvRow) TableName() string { return "kv" }

// KV returns a storage whose keys are namespaced by prefix ("sess:", "csrf:").
func (s *Store) KV(prefix string) *KV {
	return &KV{db: s.db, prefix: prefix, now: s.now}
}

// Get returns the value of key, or nil when absent or expired.
func (k *KV) Get(key string) ([]byte, error) {
	if key == "" {
		return nil, nil
	}
	var row kvRow
	err := k.db.WithContext(context.Background()).
		Where("key = ? AND (expires_at = 0 OR expires_at > ?)", k.prefix+key, k.now().Unix()).
		Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: unable to read kv: %w", err)
	}
	return row.Value, nil
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
	err := k.db.WithContext(context.Background()).Clauses(clause.OnConflict{
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
	if err := k.db.Where("key = ?", k.prefix+key).Delete(&kvRow{}).Error; err != nil {
		return fmt.Errorf("models: unable to delete kv: %w", err)
	}
	return nil
}

// Reset removes every key of this storage's namespace.
func (k *KV) Reset() error {
	// An exact prefix match: LIKE would treat "_" as a wildcard and ignore case on SQLite.
	if err := k.db.Where("substr(key, 1, ?) = ?", len(k.prefix), k.prefix).Delete(&kvRow{}).Error; err != nil {
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
