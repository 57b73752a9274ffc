package models

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Application statuses.
const (
	ApplicationPending  = "pending"
	ApplicationApproved = "approved"
	ApplicationRejected = "rejected"
	// ApplicationInfoRequested: the moderators asked the applicant for more
	// information; the application waits, and may still be decided.
	ApplicationInfoRequested = "info_requested"
)

// VettingChecks are the items of the moderators' checklist of an application.
func VettingChecks() []string {
	return []string{"exists", "work", "contact", "references", "concerns"}
}

// Open says whether the application still waits for a decision.
func (a *Application) Open() bool {
	return a.Status == ApplicationPending || a.Status == ApplicationInfoRequested
}

// Application is an organisation's request to join the network. Profile holds
// the organisation profile as submitted (JSON), so that the form can grow
// without a migration for every field.
type Application struct {
	ID             uint
	Status         string
	Profile        string
	ContactName    string
	ContactEmail   string
	Language       string
	Reason         string
	ReviewedBy     *uint
	ReviewedAt     *time.Time
	OrganisationID *uint
	CreatedAt      time.Time
	// Notes and Checklist are the moderators' own, never shown to the
	// applicant; Checklist holds the ticked VettingChecks, comma-separated.
	Notes           string
	Checklist       string
	InfoRequestedAt *time.Time
}

// CreateApplication stores a new, pending application.
func (s *Store) CreateApplication(ctx context.Context, a *Application) error {
	a.Status, a.CreatedAt = ApplicationPending, s.now()
	a.ContactEmail = NormaliseEmail(a.ContactEmail)
	if err := s.conn(ctx).Create(a).Error; err != nil {
		return fmt.Errorf("models: unable to store the application: %w", err)
	}
	return nil
}

// ApplicationByID loads one application.
func (s *Store) ApplicationByID(ctx context.Context, id uint) (*Application, error) {
	var a Application
	if err := s.conn(ctx).Take(&a, "id = ?", id).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load application %d: %w", id, notFound(err))
	}
	return &a, nil
}

// ApplicationFilter selects applications for moderators.
type ApplicationFilter struct {
	Status string // "" for all
	ListOptions
}

// applicationListing is how applications are listed: first come, first
// served, up to 500 at a time.
var applicationListing = listing{perPage: 500, maxPerPage: 500, sorts: []sortOrder{by("oldest", "created_at ASC, id ASC")}}

// contactListing bounds the applications of a data export: newest first.
var contactListing = listing{perPage: 100, maxPerPage: 100, sorts: []sortOrder{by("newest", "created_at DESC, id DESC")}}

// ListApplications returns the applications of the filter, oldest first.
func (s *Store) ListApplications(ctx context.Context, f ApplicationFilter) ([]Application, error) {
	q := s.conn(ctx)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	var list []Application
	if err := applicationListing.page(q, f.ListOptions).Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: unable to list applications: %w", err)
	}
	return list, nil
}

// ApplicationCounts counts applications per status.
func (s *Store) ApplicationCounts(ctx context.Context) (map[string]int64, error) {
	var rows []TermCount
	err := s.conn(ctx).Model(&Application{}).Select("status AS term, COUNT(*) AS count").Group("status").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to count applications: %w", err)
	}
	out := map[string]int64{ApplicationPending: 0, ApplicationInfoRequested: 0, ApplicationApproved: 0, ApplicationRejected: 0}
	for _, r := range rows {
		out[r.Term] = r.Count
	}
	return out, nil
}

// ApplicationsByContact returns the applications that named the address as
// their contact person, newest first: part of that person's data export.
func (s *Store) ApplicationsByContact(ctx context.Context, email string) ([]Application, error) {
	var list []Application
	q := s.conn(ctx).Where("contact_email = ?", NormaliseEmail(email))
	err := contactListing.page(q, all).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to list applications: %w", err)
	}
	return list, nil
}

// DecideApplication records a moderator's decision on a pending application;
// deciding twice gives ErrConflict.
func (s *Store) DecideApplication(ctx context.Context, id, moderatorID uint, status, reason string, orgID *uint) error {
	now := s.now()
	res := s.conn(ctx).Model(&Application{}).Where("id = ? AND status IN ?", id, []string{ApplicationPending, ApplicationInfoRequested}).
		Updates(map[string]any{"status": status, "reason": reason, "reviewed_by": moderatorID,
			"reviewed_at": now, "organisation_id": orgID})
	if res.Error != nil {
		return fmt.Errorf("models: unable to decide application %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrConflict
	}
	return nil
}

// SaveApplicationNotes stores the moderators' notes and checklist of an
// application, whatever its status.
func (s *Store) SaveApplicationNotes(ctx context.Context, id uint, notes string, checks []string) error {
	res := s.conn(ctx).Model(&Application{}).Where("id = ?", id).
		Updates(map[string]any{"notes": notes, "checklist": strings.Join(checks, ",")})
	if res.Error != nil {
		return fmt.Errorf("models: unable to save the notes of application %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// RequestApplicationInfo puts an open application in status
// info_requested; ErrConflict when it is decided already.
func (s *Store) RequestApplicationInfo(ctx context.Context, id uint) error {
	res := s.conn(ctx).Model(&Application{}).Where("id = ? AND status IN ?", id, []string{ApplicationPending, ApplicationInfoRequested}).
		Updates(map[string]any{"status": ApplicationInfoRequested, "info_requested_at": s.now()})
	if res.Error != nil {
		return fmt.Errorf("models: unable to update application %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrConflict
	}
	return nil
}
