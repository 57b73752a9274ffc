package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Roles a user may hold.
const (
	RoleAdmin     = "admin"
	RoleModerator = "moderator"
	RoleMember    = "member"
)

// Roles lists the roles a user may hold, for allow-lists.
func Roles() []string { return []string{RoleAdmin, RoleModerator, RoleMember} }

// User statuses.
const (
	UserActive   = "active"
	UserInvited  = "invited" // no password yet: waiting for the invitation
	UserDisabled = "disabled"
)

// UserStatuses lists the statuses an account may have, for allow-lists.
func UserStatuses() []string { return []string{UserActive, UserInvited, UserDisabled} }

// User is a person who can sign in.
type User struct {
	ID                 uint
	Email              string
	Name               string
	PasswordHash       string
	Role               string
	OrganisationID     *uint
	Language           string
	Status             string
	MustChangePassword bool
	OrgAdmin           bool
	TOTPSecret         string `gorm:"column:totp_secret"`
	TOTPEnabled        bool   `gorm:"column:totp_enabled"`
	// SessionEpoch is stored in every session; raising it ends them all.
	SessionEpoch int
	LastLoginAt  *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// NormaliseEmail is how e-mail addresses are compared and stored.
func NormaliseEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CountUsers returns how many accounts exist.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	if err := s.conn(ctx).Model(&User{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("models: unable to count users: %w", err)
	}
	return n, nil
}

// CreateUser inserts an account; the e-mail address is stored lower-cased so
// that it is unique however it is typed. A taken address gives ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	u.Email = NormaliseEmail(u.Email)
	now := s.now()
	u.CreatedAt, u.UpdatedAt = now, now
	if u.Status == "" {
		u.Status = UserActive
	}
	if err := s.conn(ctx).Create(u).Error; err != nil {
		return fmt.Errorf("models: unable to create user %q: %w", u.Email, conflict(err))
	}
	return nil
}

// UserByID loads an account.
func (s *Store) UserByID(ctx context.Context, id uint) (*User, error) {
	var u User
	if err := s.conn(ctx).Take(&u, "id = ?", id).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load user %d: %w", id, notFound(err))
	}
	return &u, nil
}

// UserByEmail loads an account by e-mail address (any case).
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	var u User
	if err := s.conn(ctx).Take(&u, "email = ?", NormaliseEmail(email)).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load user: %w", notFound(err))
	}
	return &u, nil
}

// UpdateUser saves the named columns of the account, and only those (at
// least one): a request that loaded the row earlier must not put back what
// another changed meanwhile (a role, a status, the session epoch).
func (s *Store) UpdateUser(ctx context.Context, u *User, columns ...string) error {
	if len(columns) == 0 {
		return fmt.Errorf("models: UpdateUser of user %d names no column", u.ID)
	}
	u.UpdatedAt = s.now()
	u.Email = NormaliseEmail(u.Email)
	res := s.conn(ctx).Model(u).Select(append(columns, "updated_at")).Updates(u)
	if res.Error != nil {
		return fmt.Errorf("models: unable to save user %d: %w", u.ID, conflict(res.Error))
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// RecordLogin notes the time of a successful sign-in.
func (s *Store) RecordLogin(ctx context.Context, userID uint) error {
	now := s.now()
	return s.conn(ctx).Model(&User{}).Where("id = ?", userID).Update("last_login_at", now).Error
}

// EndSessions raises the user's session epoch: every session signed in
// before is refused from the next request on.
func (s *Store) EndSessions(ctx context.Context, userID uint) error {
	err := s.conn(ctx).Model(&User{}).Where("id = ?", userID).
		Updates(map[string]any{"session_epoch": gorm.Expr("session_epoch + 1"), "updated_at": s.now()}).Error
	if err != nil {
		return fmt.Errorf("models: unable to end sessions of user %d: %w", userID, err)
	}
	return nil
}

// SetUserRole changes an account's role and ends its sessions in the same
// statement, so that the person signs in again with the new privileges.
// Staff (moderators and administrators) belong to no organisation: making
// someone staff detaches them from theirs (they are no longer its member nor
// its organisation admin), so that no organisation's page can act on a staff
// account. A member made staff and back again is a member of no organisation
// until an organisation invites them anew.
func (s *Store) SetUserRole(ctx context.Context, userID uint, role string) error {
	if !slices.Contains(Roles(), role) {
		return fmt.Errorf("models: unknown role %q", role)
	}
	updates := map[string]any{"role": role}
	if role != RoleMember {
		updates["organisation_id"], updates["org_admin"] = nil, false
	}
	return s.updateUserEndingSessions(ctx, userID, updates)
}

// SetUserStatus disables or re-enables an account; its sessions end.
func (s *Store) SetUserStatus(ctx context.Context, userID uint, status string) error {
	if !slices.Contains(UserStatuses(), status) {
		return fmt.Errorf("models: unknown user status %q", status)
	}
	return s.updateUserEndingSessions(ctx, userID, map[string]any{"status": status})
}

// ResetTwoFactor removes an account's TOTP secret and recovery codes and ends
// its sessions: the person sets two-factor up again at the next sign-in.
func (s *Store) ResetTwoFactor(ctx context.Context, userID uint) error {
	return s.WithTx(ctx, func(tx *Store) error {
		if err := tx.updateUserEndingSessions(ctx, userID, map[string]any{"totp_secret": "", "totp_enabled": false}); err != nil {
			return err
		}
		return tx.SetRecoveryCodes(ctx, userID, nil)
	})
}

func (s *Store) updateUserEndingSessions(ctx context.Context, userID uint, updates map[string]any) error {
	updates["session_epoch"] = gorm.Expr("session_epoch + 1")
	updates["updated_at"] = s.now()
	res := s.conn(ctx).Model(&User{}).Where("id = ?", userID).Updates(updates)
	if res.Error != nil {
		return fmt.Errorf("models: unable to update user %d: %w", userID, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// ErrStaffAccount is returned when an organisation's page acts on a
// moderator's or an administrator's account: only administrators manage
// those, at /admin/users.
var ErrStaffAccount = errors.New("models: a staff account")

// RemoveFromOrganisation takes a member out of their organisation: the
// account is disabled, loses its organisation and its sessions end at once.
// A user of another organisation gives ErrNotFound; a staff account (should
// one still be attached to an organisation) gives ErrStaffAccount and is left
// as it is: the role is checked in the same statement that writes.
func (s *Store) RemoveFromOrganisation(ctx context.Context, orgID, userID uint) error {
	return s.WithTx(ctx, func(tx *Store) error {
		res := tx.conn(ctx).Model(&User{}).Where("id = ? AND organisation_id = ? AND role = ?", userID, orgID, RoleMember).
			Updates(map[string]any{"organisation_id": nil, "status": UserDisabled, "org_admin": false, "updated_at": tx.now()})
		if res.Error != nil {
			return fmt.Errorf("models: unable to remove user %d: %w", userID, res.Error)
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.conn(ctx).Model(&User{}).Where("id = ? AND organisation_id = ?", userID, orgID).Count(&n).Error; err != nil {
				return fmt.Errorf("models: unable to remove user %d: %w", userID, err)
			}
			if n > 0 {
				return ErrStaffAccount
			}
			return ErrNotFound
		}
		return tx.EndSessions(ctx, userID)
	})
}

// userListing is how the user list of administrators pages and sorts.
var userListing = listing{perPage: 50, maxPerPage: 100, sorts: []sortOrder{
	by("email", "email ASC"),
	by("newest", "created_at DESC, id DESC"),
	by("login", "last_login_at IS NULL, last_login_at DESC, id DESC"),
}}

// UserSortNames lists the orders of the user list, the default first.
func UserSortNames() []string { return userListing.sortNames() }

// UserFilter selects accounts for administrators.
type UserFilter struct {
	Query  string // part of the e-mail address or name
	Role   string
	Status string
	OrgID  uint
	ListOptions
}

// ListUsers returns one page of accounts and the total.
func (s *Store) ListUsers(ctx context.Context, f UserFilter) ([]User, int64, error) {
	q := s.conn(ctx).Model(&User{})
	if f.Query != "" {
		like := "%" + escapeLike(strings.ToLower(f.Query)) + "%"
		q = q.Where("(LOWER(email) LIKE ? ESCAPE '\\' OR LOWER(name) LIKE ? ESCAPE '\\')", like, like)
	}
	if f.Role != "" {
		q = q.Where("role = ?", f.Role)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.OrgID != 0 {
		q = q.Where("organisation_id = ?", f.OrgID)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("models: unable to count users: %w", err)
	}
	var list []User
	if err := userListing.page(q, f.ListOptions).Find(&list).Error; err != nil {
		return nil, 0, fmt.Errorf("models: unable to list users: %w", err)
	}
	return list, total, nil
}

// UsersWithRole returns the active accounts holding one of the roles: the
// moderators to notify of an application, for example.
func (s *Store) UsersWithRole(ctx context.Context, roles ...string) ([]User, error) {
	var list []User
	if err := s.conn(ctx).Where("role IN ? AND status = ?", roles, UserActive).Order("id").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: unable to list users: %w", err)
	}
	return list, nil
}

// memberListing is how an organisation's accounts are listed: by name.
var memberListing = listing{perPage: 1000, maxPerPage: 1000, sorts: []sortOrder{by("name", "name, email")}}

// Members lists the accounts of an organisation.
func (s *Store) Members(ctx context.Context, orgID uint) ([]User, error) {
	var list []User
	if err := memberListing.page(s.conn(ctx).Where("organisation_id = ?", orgID), all).Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: unable to list members: %w", err)
	}
	return list, nil
}

// UserEmails maps the ids of existing accounts to their e-mail addresses,
// for the audit log's targets; erased accounts are simply absent.
func (s *Store) UserEmails(ctx context.Context, ids []uint) (map[uint]string, error) {
	out := make(map[uint]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []User
	if err := s.conn(ctx).Select("id", "email").Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load e-mail addresses: %w", err)
	}
	for _, u := range rows {
		out[u.ID] = u.Email
	}
	return out, nil
}

// DeleteUser erases an account and everything personal tied to it: tokens,
// recovery codes and API tokens go with it (cascade), and the audit log keeps
// what happened but no longer who it was. What the person wrote belongs to
// their organisation and stays.
func (s *Store) DeleteUser(ctx context.Context, userID uint) error {
	return s.WithTx(ctx, func(tx *Store) error {
		err := tx.conn(ctx).Model(&AuditEntry{}).Where("actor_id = ?", userID).
			Updates(map[string]any{"actor_email": fmt.Sprintf("deleted-user-%d", userID)}).Error
		if err != nil {
			return fmt.Errorf("models: unable to anonymise the audit log: %w", err)
		}
		err = tx.conn(ctx).Model(&AuditEntry{}).Where("target_kind = ? AND target_id = ?", "user", userID).
			Update("detail", "").Error
		if err != nil {
			return fmt.Errorf("models: unable to anonymise the audit log: %w", err)
		}
		for _, model := range []any{&Token{}, &RecoveryCode{}, &APIToken{}} {
			if err := tx.conn(ctx).Where("user_id = ?", userID).Delete(model).Error; err != nil {
				return fmt.Errorf("models: unable to delete user data: %w", err)
			}
		}
		if err := tx.conn(ctx).Model(&Application{}).Where("reviewed_by = ?", userID).Update("reviewed_by", nil).Error; err != nil {
			return fmt.Errorf("models: unable to delete user data: %w", err)
		}
		res := tx.conn(ctx).Delete(&User{}, "id = ?", userID)
		if res.Error != nil {
			return fmt.Errorf("models: unable to delete user %d: %w", userID, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// EraseUser deletes an account (see DeleteUser) and, in the same
// transaction, the messages of the mail outbox addressed to it: they hold the
// person's name and address, and links that no longer lead anywhere.
func (s *Store) EraseUser(ctx context.Context, userID uint) error {
	return s.WithTx(ctx, func(tx *Store) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		if err := tx.DeleteUser(ctx, userID); err != nil {
			return err
		}
		if err := tx.conn(ctx).Where("to_addr = ?", u.Email).Delete(&Mail{}).Error; err != nil {
			return fmt.Errorf("models: unable to delete mail to user %d: %w", userID, err)
		}
		return nil
	})
}
