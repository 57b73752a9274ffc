package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// Progress of a consultation and the reminders sent before its deadline.

// ProgressRow is one organisation's place in a consultation: who has
// answered, who is writing, who has not started.
type ProgressRow struct {
	OrgID       uint
	OrgSlug     string
	OrgName     string
	Country     string
	OrgType     string
	OrgStatus   string
	ResponseID  uint
	Reference   string
	Status      string // "" (not started), draft, submitted, reopened
	UpdatedAt   *time.Time
	SubmittedAt *time.Time
	UpdatedBy   *uint

	UpdatedByName string `gorm:"-"`
}

// NotStarted is the status of an organisation without a response.
const NotStarted = "not_started"

// ConsultationProgress lists every approved organisation, and any other
// that has a response, with the state of its response, by name.
func (s *Store) ConsultationProgress(ctx context.Context, cid uint) ([]ProgressRow, error) {
	var rows []ProgressRow
	err := s.conn(ctx).Table("organisations o").
		Select("o.id AS org_id, o.slug AS org_slug, o.name AS org_name, o.country, o.type AS org_type, o.status AS org_status, "+
			"COALESCE(r.id, 0) AS response_id, COALESCE(r.reference, '') AS reference, COALESCE(r.status, '') AS status, "+
			"r.updated_at, r.submitted_at, r.updated_by").
		Joins("LEFT JOIN consultation_responses r ON r.organisation_id = o.id AND r.consultation_id = ?", cid).
		Where("o.status = ? OR r.id IS NOT NULL", OrgApproved).
		Order("o.name, o.id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to read the progress of consultation %d: %w", cid, err)
	}
	var ids []uint
	for i := range rows {
		if rows[i].Status == "" {
			rows[i].Status = NotStarted
		}
		if rows[i].UpdatedBy != nil {
			ids = append(ids, *rows[i].UpdatedBy)
		}
	}
	names, err := s.userNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		if rows[i].UpdatedBy != nil {
			rows[i].UpdatedByName = names[*rows[i].UpdatedBy]
		}
	}
	return rows, nil
}

// Reminder kinds: how long before the deadline each goes out.
const (
	Reminder3Days = "3d"
	Reminder1Day  = "1d"
)

// ReminderOffsets are the reminders, the earliest first.
func ReminderOffsets() []struct {
	Kind   string
	Before time.Duration
} {
	return []struct {
		Kind   string
		Before time.Duration
	}{{Reminder3Days, 72 * time.Hour}, {Reminder1Day, 24 * time.Hour}}
}

// ReminderDue is a reminder to send now: the consultation and the kind.
type ReminderDue struct {
	Consultation Consultation
	Kind         string
	// Skip lists the earlier kinds passed over (the portal was not running
	// at their time): they are claimed too, and not sent.
	Skip []string
}

type reminderClaim struct {
	ConsultationID uint
	Kind           string
	ClosesAt       time.Time
	ClaimedAt      time.Time
	Mails          int
}

func (reminderClaim) TableName() string { return "consultation_reminders" }

// DueReminders returns the reminders whose time has come at now and that
// nobody has claimed: for each open consultation, the latest kind due (an
// earlier one whose time has passed unsent is skipped, not sent late). A
// reminder whose time came before the consultation opened is not due.
func (s *Store) DueReminders(ctx context.Context, now time.Time) ([]ReminderDue, error) {
	now = now.UTC()
	var open []Consultation
	err := stateCondition(s.conn(ctx), ConsultationOpen, now).
		Where("closes_at <= ?", now.Add(72*time.Hour)).Order("closes_at, id").Find(&open).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to list consultations for reminders: %w", err)
	}
	var out []ReminderDue
	for _, c := range open {
		var claims []reminderClaim
		if err := s.conn(ctx).Where("consultation_id = ? AND closes_at = ?", c.ID, c.ClosesAt).Find(&claims).Error; err != nil {
			return nil, fmt.Errorf("models: unable to read reminder claims: %w", err)
		}
		claimed := map[string]bool{}
		for _, cl := range claims {
			claimed[cl.Kind] = true
		}
		var kinds []string
		for _, r := range ReminderOffsets() {
			at := c.ClosesAt.Add(-r.Before)
			if now.Before(at) || c.OpensAt.After(at) || claimed[r.Kind] {
				continue
			}
			kinds = append(kinds, r.Kind)
		}
		if n := len(kinds); n > 0 {
			out = append(out, ReminderDue{Consultation: c, Kind: kinds[n-1], Skip: kinds[:n-1]})
		}
	}
	return out, nil
}

// ClaimReminder claims a reminder for one consultation and deadline: true
// for the one caller that claims it, false for every other, on any
// instance. Call it in the transaction that queues the mail, so a claim
// that fails to mail is no claim.
func (s *Store) ClaimReminder(ctx context.Context, c *Consultation, kind string, now time.Time) (bool, error) {
	claim := reminderClaim{ConsultationID: c.ID, Kind: kind, ClosesAt: c.ClosesAt.UTC(), ClaimedAt: now.UTC()}
	res := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&claim)
	if res.Error != nil {
		return false, fmt.Errorf("models: unable to claim reminder %s of consultation %d: %w", kind, c.ID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// SetReminderMails notes how many mails a claimed reminder queued.
func (s *Store) SetReminderMails(ctx context.Context, c *Consultation, kind string, n int) error {
	err := s.conn(ctx).Model(&reminderClaim{}).Where("consultation_id = ? AND kind = ? AND closes_at = ?", c.ID, kind, c.ClosesAt.UTC()).
		Update("mails", n).Error
	if err != nil {
		return fmt.Errorf("models: unable to note the reminder: %w", err)
	}
	return nil
}

// ReminderRecipient is a member to remind, with their organisation and the
// state of its response ("" when not started, draft, or reopened).
type ReminderRecipient struct {
	User
	OrgName        string
	ResponseStatus string
}

// ReminderRecipients returns the active members of the approved
// organisations that have not submitted a response (or have reopened it and
// not submitted it again), by organisation.
func (s *Store) ReminderRecipients(ctx context.Context, cid uint) ([]ReminderRecipient, error) {
	var rows []ReminderRecipient
	err := s.conn(ctx).Table("users u").
		Select("u.*, o.name AS org_name, COALESCE(r.status, '') AS response_status").
		Joins("JOIN organisations o ON o.id = u.organisation_id").
		Joins("LEFT JOIN consultation_responses r ON r.organisation_id = o.id AND r.consultation_id = ?", cid).
		Where("o.status = ? AND u.status = ? AND u.role = ?", OrgApproved, UserActive, RoleMember).
		Where("r.id IS NULL OR r.status <> ?", ResponseSubmitted).
		Order("o.name, u.id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to list reminder recipients: %w", err)
	}
	return rows, nil
}
