package models

import (
	"context"
	"fmt"
	"time"
)

// Mail is a message in the outbox. Without SMTP configured it stays there for
// administrators to read; with SMTP the sender delivers it and notes when.
type Mail struct {
	ID        uint
	ToAddr    string
	Subject   string
	Body      string
	Kind      string
	Language  string
	Attempts  int
	LastError string
	SentAt    *time.Time
	CreatedAt time.Time
}

// TableName names the outbox table.
func (Mail) TableName() string { return "mail_outbox" }

// QueueMail puts a message in the outbox.
func (s *Store) QueueMail(ctx context.Context, m *Mail) error {
	m.CreatedAt = s.now()
	if err := s.conn(ctx).Create(m).Error; err != nil {
		return fmt.Errorf("models: unable to queue mail: %w", err)
	}
	return nil
}

// MailByID loads one message.
func (s *Store) MailByID(ctx context.Context, id uint) (*Mail, error) {
	var m Mail
	if err := s.conn(ctx).Take(&m, "id = ?", id).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load mail %d: %w", id, notFound(err))
	}
	return &m, nil
}

// mailListing is how the outbox is listed: newest first.
var mailListing = listing{perPage: 50, maxPerPage: 500, sorts: []sortOrder{by("newest", "created_at DESC, id DESC")}}

// unsentListing is how the sender goes through the waiting messages: in the
// order they were queued, by keyset.
var unsentListing = listing{perPage: 50, maxPerPage: 1000, sorts: []sortOrder{by("queued", "id")}, key: "id"}

// ListMail returns the newest limit messages of the outbox, with their bodies.
func (s *Store) ListMail(ctx context.Context, limit int) ([]Mail, error) {
	var list []Mail
	if err := mailListing.page(s.conn(ctx), ListOptions{PerPage: limit}).Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: unable to list mail: %w", err)
	}
	return list, nil
}

// ListMailPage returns one page of the outbox, newest first, and the total;
// bodies are left out (MailByID has them).
func (s *Store) ListMailPage(ctx context.Context, o ListOptions) ([]Mail, int64, error) {
	var total int64
	if err := s.conn(ctx).Model(&Mail{}).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("models: unable to count mail: %w", err)
	}
	var list []Mail
	err := mailListing.page(s.conn(ctx).Omit("body"), o).Find(&list).Error
	if err != nil {
		return nil, 0, fmt.Errorf("models: unable to list mail: %w", err)
	}
	return list, total, nil
}

// CountUnsentMail counts the messages of the outbox not (yet) delivered.
func (s *Store) CountUnsentMail(ctx context.Context) (int64, error) {
	var n int64
	if err := s.conn(ctx).Model(&Mail{}).Where("sent_at IS NULL").Count(&n).Error; err != nil {
		return 0, fmt.Errorf("models: unable to count unsent mail: %w", err)
	}
	return n, nil
}

// UnsentMail returns messages waiting for delivery that have not failed
// maxAttempts times, in the order they were queued: a page of them, or with
// o.After those queued after that message.
func (s *Store) UnsentMail(ctx context.Context, maxAttempts int, o ListOptions) ([]Mail, error) {
	var list []Mail
	q := s.conn(ctx).Where("sent_at IS NULL AND attempts < ?", maxAttempts)
	err := unsentListing.page(q, o).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to list unsent mail: %w", err)
	}
	return list, nil
}

// MarkMail records a delivery attempt: sent when err is nil.
func (s *Store) MarkMail(ctx context.Context, id uint, sendErr error) error {
	updates := map[string]any{"attempts": gormExprIncrement("attempts")}
	if sendErr == nil {
		updates["sent_at"] = s.now()
		updates["last_error"] = ""
	} else {
		updates["last_error"] = truncate(sendErr.Error(), 500)
	}
	if err := s.conn(ctx).Model(&Mail{}).Where("id = ?", id).Updates(updates).Error; err != nil {
		return fmt.Errorf("models: unable to update mail %d: %w", id, err)
	}
	return nil
}

// RequeueMail queues a copy of message id as a new message (the original
// stays, as the record of what happened to it) and returns the copy.
func (s *Store) RequeueMail(ctx context.Context, id uint) (*Mail, error) {
	var out *Mail
	err := s.WithTx(ctx, func(tx *Store) error {
		m, err := tx.MailByID(ctx, id)
		if err != nil {
			return err
		}
		out = &Mail{ToAddr: m.ToAddr, Subject: m.Subject, Body: m.Body, Kind: m.Kind, Language: m.Language}
		return tx.QueueMail(ctx, out)
	})
	return out, err
}
