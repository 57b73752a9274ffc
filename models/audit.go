package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Audit actions: what administrators can find in the audit log.
const (
	AuditLoginSuccess     = "login.success"
	AuditLoginFailure     = "login.failure"
	AuditLogout           = "logout"
	AuditPasswordReset    = "password.reset"
	AuditPasswordChanged  = "password.changed"
	AuditTwoFactorEnabled = "2fa.enabled"
	AuditTwoFactorReset   = "2fa.reset"
	AuditRoleChanged      = "user.role"
	AuditUserInvited      = "user.invited"
	AuditUserDisabled     = "user.disabled"
	AuditUserEnabled      = "user.enabled"
	AuditUserDeleted      = "user.deleted"
	AuditUserRemoved      = "user.removed"
	AuditApplication      = "application.received"
	AuditApproved         = "application.approved"
	AuditRejected         = "application.rejected"
	AuditOrgSuspended     = "organisation.suspended"
	AuditOrgReinstated    = "organisation.reinstated"
	AuditOrgUpdated       = "organisation.updated"
	AuditAPITokenCreated  = "apitoken.created"
	AuditAPITokenRevoked  = "apitoken.revoked"
	AuditDataExported     = "account.exported"
)

// AuditActions lists every action, for the filter of the audit log.
func AuditActions() []string {
	actions := append([]string{AuditLoginSuccess, AuditLoginFailure, AuditLogout, AuditPasswordReset,
		AuditPasswordChanged, AuditTwoFactorEnabled, AuditTwoFactorReset, AuditRoleChanged,
		AuditUserInvited, AuditUserDisabled, AuditUserEnabled, AuditUserDeleted, AuditUserRemoved,
		AuditApplication, AuditApproved, AuditRejected, AuditOrgSuspended, AuditOrgReinstated,
		AuditOrgUpdated, AuditAPITokenCreated, AuditAPITokenRevoked, AuditDataExported,
		AuditNationalNoteSaved, AuditNationalNoteDeleted},
		consultationAuditActions()...)
	actions = append(actions, moderationAuditActions()...)
	return append(actions, practiceAuditActions()...)
}

// AuditEntry is one line of the audit log: who did what, to what, when and
// from where.
type AuditEntry struct {
	ID         uint
	At         time.Time
	ActorID    *uint
	ActorEmail string
	Action     string
	TargetKind string
	TargetID   *uint
	Detail     string
	IP         string `gorm:"column:ip"`
}

// TableName names the audit table.
func (AuditEntry) TableName() string { return "audit_log" }

// Audit writes an entry; At is set here.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	e.At = s.now()
	if err := s.conn(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("models: unable to write the audit log: %w", err)
	}
	return nil
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	Action string
	Actor  string // e-mail address, exact or partial
	From   time.Time
	To     time.Time
	ListOptions
}

// auditListing is how the audit log pages: newest first.
var auditListing = listing{perPage: 50, maxPerPage: 200, sorts: []sortOrder{by("newest", "at DESC, id DESC")}}

// auditOfListing bounds the entries of a data export.
var auditOfListing = listing{perPage: 1000, maxPerPage: 1000, sorts: []sortOrder{by("newest", "at DESC, id DESC")}}

// ListAudit returns one page of audit entries, newest first, and the total.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, int64, error) {
	q := s.conn(ctx).Model(&AuditEntry{})
	for _, a := range AuditActions() {
		if a == f.Action {
			q = q.Where("action = ?", a)
		}
	}
	if f.Actor != "" {
		q = q.Where("LOWER(actor_email) LIKE ? ESCAPE '\\'", "%"+escapeLike(NormaliseEmail(f.Actor))+"%")
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From)
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("models: unable to count the audit log: %w", err)
	}
	var list []AuditEntry
	if err := auditListing.page(q, f.ListOptions).Find(&list).Error; err != nil {
		return nil, 0, fmt.Errorf("models: unable to read the audit log: %w", err)
	}
	return list, total, nil
}

// AuditOf returns the entries about or by a user, for their data export.
func (s *Store) AuditOf(ctx context.Context, userID uint) ([]AuditEntry, error) {
	var list []AuditEntry
	q := s.conn(ctx).Where("actor_id = ? OR (target_kind = 'user' AND target_id = ?)", userID, userID)
	err := auditOfListing.page(q, all).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to read the audit log: %w", err)
	}
	return list, nil
}

// AuditNames are the names of what audit entries are about, by id: what
// the log shows instead of "Organisation #17".
type AuditNames struct {
	Users         map[uint]User         // id, name, e-mail
	Organisations map[uint]Organisation // id, name, slug
	Applications  map[uint]Organisation // the organisation an application is for
}

// NamesOf loads, in one query per kind, the people, organisations and
// applications the entries name; ones deleted since are absent.
func (s *Store) NamesOf(ctx context.Context, entries []AuditEntry) (AuditNames, error) {
	n := AuditNames{Users: map[uint]User{}, Organisations: map[uint]Organisation{}, Applications: map[uint]Organisation{}}
	ids := map[string][]uint{}
	for _, e := range entries {
		if e.TargetID != nil {
			ids[e.TargetKind] = append(ids[e.TargetKind], *e.TargetID)
		}
	}
	if len(ids["user"]) > 0 {
		var users []User
		if err := s.conn(ctx).Select("id", "name", "email").Where("id IN ?", ids["user"]).Find(&users).Error; err != nil {
			return n, fmt.Errorf("models: unable to name the audit log's people: %w", err)
		}
		for _, u := range users {
			n.Users[u.ID] = u
		}
	}
	if len(ids["organisation"]) > 0 {
		var orgs []Organisation
		if err := s.conn(ctx).Select("id", "name", "slug").Where("id IN ?", ids["organisation"]).Find(&orgs).Error; err != nil {
			return n, fmt.Errorf("models: unable to name the audit log's organisations: %w", err)
		}
		for _, o := range orgs {
			n.Organisations[o.ID] = o
		}
	}
	if len(ids["application"]) > 0 {
		var rows []struct {
			ID      uint
			Profile string
		}
		if err := s.conn(ctx).Model(&Application{}).Select("id", "profile").Where("id IN ?", ids["application"]).Scan(&rows).Error; err != nil {
			return n, fmt.Errorf("models: unable to name the audit log's applications: %w", err)
		}
		for _, r := range rows {
			var profile struct {
				Name string `json:"name"`
			}
			if err := json.Unmarshal([]byte(r.Profile), &profile); err == nil && profile.Name != "" {
				n.Applications[r.ID] = Organisation{Name: profile.Name}
			}
		}
	}
	return n, nil
}
