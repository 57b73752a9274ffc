package models

import (
	"context"
	"fmt"
	"time"
)

// Outbox kinds and operations.
const (
	KindPractice     = "practice"
	KindOrganisation = "organisation"
	OpUpsert         = "upsert"
	OpDelete         = "delete"
)

// OutboxEntry records a change to searchable content, written in the same
// transaction as the change; the indexer of every instance follows it.
type OutboxEntry struct {
	ID        uint64
	Kind      string
	EntityID  uint
	Op        string
	CreatedAt time.Time
}

// TableName keeps the table name singular, as in the migrations.
func (OutboxEntry) TableName() string { return "outbox" }

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
