package models

import (
	"context"
	"errors"
	"fmt"
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
}

// NewStore wraps an open database.
func NewStore(db *gorm.DB, dialect Dialect) *Store {
	return &Store{db: db, dialect: dialect, now: func() time.Time { return time.Now().UTC() }}
}

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
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&Store{db: tx, dialect: s.dialect, now: s.now})
	})
}

func (s *Store) conn(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// enqueue writes an outbox row; call it inside the transaction of the change.
func (s *Store) enqueue(ctx context.Context, kind string, id uint, op string) error {
	e := OutboxEntry{Kind: kind, EntityID: id, Op: op, CreatedAt: s.now()}
	if err := s.conn(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("models: unable to write the outbox: %w", err)
	}
	return nil
}

// OutboxAfter returns up to limit outbox entries with an id greater than seq.
func (s *Store) OutboxAfter(ctx context.Context, seq uint64, limit int) ([]OutboxEntry, error) {
	var entries []OutboxEntry
	err := s.conn(ctx).Where("id > ?", seq).Order("id").Limit(limit).Find(&entries).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to read the outbox: %w", err)
	}
	return entries, nil
}

// LastOutboxID returns the newest outbox sequence number (0 when empty).
func (s *Store) LastOutboxID(ctx context.Context) (uint64, error) {
	var id *uint64
	if err := s.conn(ctx).Model(&OutboxEntry{}).Select("MAX(id)").Scan(&id).Error; err != nil {
		return 0, fmt.Errorf("models: unable to read the outbox: %w", err)
	}
	if id == nil {
		return 0, nil
	}
	return *id, nil
}

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

func gormExprIncrement(column string) any { return gorm.Expr(column + " + 1") }
