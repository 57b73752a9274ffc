package models

import (
	"context"
	"fmt"
	"math"
	"time"

	"gorm.io/gorm/clause"
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
	ID uint64
	// TxID is the PostgreSQL transaction that wrote the row (0 on SQLite),
	// set by the database: it orders the outbox by commit (see
	// Store.OutboxSince).
	TxID      uint64 `gorm:"column:txid;->"`
	Kind      string
	EntityID  uint
	Op        string
	CreatedAt time.Time
}

// TableName keeps the table name singular, as in the migrations.
func (OutboxEntry) TableName() string { return "outbox" }

// enqueue writes an outbox row; call it inside the transaction of the change.
// A note's row also recounts what it adds to the kept facet counts
// (facets.go), in the same transaction.
func (s *Store) enqueue(ctx context.Context, kind string, id uint, op string) error {
	if kind == KindPractice {
		err := s.WithTx(ctx, func(tx *Store) error {
			if err := tx.recount(ctx, id); err != nil {
				return err
			}
			return tx.recountFamilies(ctx, id)
		})
		if err != nil {
			return err
		}
	}
	if s.dialect == Postgres {
		// Until this transaction ends, no content version is settled
		// (ContentVersion): its row's id may be below one already visible.
		if err := s.conn(ctx).Exec("SELECT pg_advisory_xact_lock_shared(?)", outboxWriterLock).Error; err != nil {
			return fmt.Errorf("models: unable to write the outbox: %w", err)
		}
	}
	e := OutboxEntry{Kind: kind, EntityID: id, Op: op, CreatedAt: s.now()}
	if err := s.conn(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("models: unable to write the outbox: %w", err)
	}
	return nil
}

// OutboxAfter returns up to limit outbox entries with an id greater than seq,
// in id order. Ids commit out of order on PostgreSQL: a consumer follows
// OutboxSince, never this.
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

// OutboxPosition is a place in the outbox in commit order. Rows are read in
// (TxID, ID) order, and a consumer's position means: every row at or before
// it has been applied, and no new row can ever appear at or before it.
type OutboxPosition struct {
	TxID uint64 `json:"txid"`
	ID   uint64 `json:"id"`
}

// Less reports whether p comes before q.
func (p OutboxPosition) Less(q OutboxPosition) bool {
	if p.TxID != q.TxID {
		return p.TxID < q.TxID
	}
	return p.ID < q.ID
}

// Position returns where the entry sits in the outbox.
func (e OutboxEntry) Position() OutboxPosition { return OutboxPosition{TxID: e.TxID, ID: e.ID} }

// OutboxPage is a run of outbox entries read in one snapshot of the database.
type OutboxPage struct {
	Entries []OutboxEntry
	// Horizon: every transaction with an id below it had ended when the page
	// was read. On SQLite, where one writer at a time commits ids in order,
	// every entry is below it.
	Horizon uint64
}

// Final reports whether no entry not yet committed can come before e: its
// transaction and every older one have ended. An entry that is not final
// has committed (it was read) but an older transaction may still add rows
// before it, so a consumer may apply it but must not move its position past it.
func (p OutboxPage) Final(e OutboxEntry) bool { return e.TxID < p.Horizon }

// OutboxSince returns up to limit entries after the position, in commit
// order, with the horizon of the same snapshot.
func (s *Store) OutboxSince(ctx context.Context, after OutboxPosition, limit int) (OutboxPage, error) {
	page := OutboxPage{Horizon: math.MaxUint64}
	if s.dialect != Postgres {
		err := s.conn(ctx).Where("id > ?", after.ID).Order("id").Limit(limit).Find(&page.Entries).Error
		if err != nil {
			return page, fmt.Errorf("models: unable to read the outbox: %w", err)
		}
		return page, nil
	}
	// One statement, so the horizon and the rows come from one snapshot: a
	// row missing from it belongs to a transaction at or above the horizon.
	var rows []struct {
		OutboxEntry
		Horizon uint64
	}
	err := s.conn(ctx).Raw(`SELECT h.horizon, o.id, o.txid, o.kind, o.entity_id, o.op, o.created_at
FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon) h
JOIN LATERAL (SELECT * FROM outbox WHERE (txid, id) > (?, ?) ORDER BY txid, id LIMIT ?) o ON true
ORDER BY o.txid, o.id`, after.TxID, after.ID, limit).Scan(&rows).Error
	if err != nil {
		return page, fmt.Errorf("models: unable to read the outbox: %w", err)
	}
	for _, r := range rows {
		page.Horizon = r.Horizon
		page.Entries = append(page.Entries, r.OutboxEntry)
	}
	return page, nil
}

// OutboxHead returns the position from which a consumer that starts reading
// the database now (a rebuild) must apply the outbox: every change before it
// has committed and is seen by any later read.
func (s *Store) OutboxHead(ctx context.Context) (OutboxPosition, error) {
	if s.dialect != Postgres {
		id, err := s.LastOutboxID(ctx)
		return OutboxPosition{ID: id}, err
	}
	var horizon uint64
	err := s.conn(ctx).Raw(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint`).Scan(&horizon).Error
	if err != nil {
		return OutboxPosition{}, fmt.Errorf("models: unable to read the outbox head: %w", err)
	}
	// Rows of transactions still running (txid ≥ horizon) come after it.
	return OutboxPosition{TxID: horizon}, nil
}

// outboxConsumer is one instance's search indexer and how far it has read.
type outboxConsumer struct {
	Name     string `gorm:"primaryKey"`
	TxID     uint64 `gorm:"column:txid"`
	OutboxID uint64
	SeenAt   time.Time
}

func (outboxConsumer) TableName() string { return "outbox_consumers" }

// SaveOutboxConsumer records how far the named consumer (one instance's
// indexer) has applied the outbox; pruning keeps every row it still needs.
func (s *Store) SaveOutboxConsumer(ctx context.Context, name string, pos OutboxPosition) error {
	row := outboxConsumer{Name: name, TxID: pos.TxID, OutboxID: pos.ID, SeenAt: s.now()}
	err := s.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "name"}},
		DoUpdates: clause.AssignmentColumns([]string{"txid", "outbox_id", "seen_at"}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("models: unable to record the outbox consumer %s: %w", name, err)
	}
	return nil
}

// OutboxPruned returns the highest position pruning has ever removed (the
// zero position when nothing was). A consumer whose position is before it
// may have missed rows: it must rebuild from the database.
func (s *Store) OutboxPruned(ctx context.Context) (OutboxPosition, error) {
	var rows []struct {
		TxID     uint64 `gorm:"column:txid"`
		OutboxID uint64
	}
	if err := s.conn(ctx).Raw(`SELECT txid, outbox_id FROM outbox_pruned WHERE id = 1`).Scan(&rows).Error; err != nil {
		return OutboxPosition{}, fmt.Errorf("models: unable to read the outbox pruning mark: %w", err)
	}
	if len(rows) == 0 {
		return OutboxPosition{}, nil
	}
	return OutboxPosition{TxID: rows[0].TxID, ID: rows[0].OutboxID}, nil
}

// OutboxRetention says which outbox rows pruning removes.
type OutboxRetention struct {
	// MinAge: younger rows are always kept.
	MinAge time.Duration
	// StaleAfter: a consumer not seen for this long no longer holds rows back
	// (its instance is gone, or will rebuild when it comes back).
	StaleAfter time.Duration
	// MaxAge: older rows are removed whatever any consumer still needs.
	MaxAge time.Duration
}

// DefaultOutboxRetention keeps an hour of changes for everyone, and a week
// for an instance that is down.
var DefaultOutboxRetention = OutboxRetention{MinAge: time.Hour, StaleAfter: 24 * time.Hour, MaxAge: 7 * 24 * time.Hour}

// PruneOutbox removes the rows every live consumer has applied (and that are
// older than MinAge), and every row older than MaxAge, and raises the
// pruning mark to the highest position removed. It returns how many rows went.
func (s *Store) PruneOutbox(ctx context.Context, now time.Time, r OutboxRetention) (int64, error) {
	now = now.UTC()
	var removed int64
	err := s.WithTx(ctx, func(tx *Store) error {
		var live []outboxConsumer
		if err := tx.conn(ctx).Where("seen_at >= ?", now.Add(-r.StaleAfter)).
			Order("txid, outbox_id").Limit(1).Find(&live).Error; err != nil {
			return fmt.Errorf("models: unable to read the outbox consumers: %w", err)
		}
		cut := OutboxPosition{TxID: math.MaxInt64, ID: math.MaxInt64} // nobody live: nothing held back
		if len(live) > 0 {
			cut = OutboxPosition{TxID: live[0].TxID, ID: live[0].OutboxID}
		}
		const cond = "(created_at < ? AND (txid < ? OR (txid = ? AND id <= ?))) OR created_at < ?"
		args := []any{now.Add(-r.MinAge), cut.TxID, cut.TxID, cut.ID, now.Add(-r.MaxAge)}
		var last []OutboxEntry
		if err := tx.conn(ctx).Where(cond, args...).Order("txid DESC, id DESC").Limit(1).Find(&last).Error; err != nil {
			return fmt.Errorf("models: unable to prune the outbox: %w", err)
		}
		if len(last) == 0 {
			return nil
		}
		res := tx.conn(ctx).Where(cond, args...).Delete(&OutboxEntry{})
		if res.Error != nil {
			return fmt.Errorf("models: unable to prune the outbox: %w", res.Error)
		}
		removed = res.RowsAffected
		// The mark only ever rises, whoever prunes concurrently.
		err := tx.conn(ctx).Exec(`INSERT INTO outbox_pruned (id, txid, outbox_id, pruned_at) VALUES (1, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET txid = excluded.txid, outbox_id = excluded.outbox_id, pruned_at = excluded.pruned_at
WHERE outbox_pruned.txid < excluded.txid OR (outbox_pruned.txid = excluded.txid AND outbox_pruned.outbox_id < excluded.outbox_id)`,
			last[0].TxID, last[0].ID, now).Error
		if err != nil {
			return fmt.Errorf("models: unable to record the outbox pruning mark: %w", err)
		}
		return tx.conn(ctx).Where("seen_at < ?", now.Add(-r.MaxAge)).Delete(&outboxConsumer{}).Error
	})
	return removed, err
}
