package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm/clause"
)

// The writes to an account that take more than one statement, each one
// store method in one transaction with its audit row: a failure anywhere
// leaves nothing of it (no burnt link, no half-enabled two-factor, no audit
// row of a change that did not happen). Each writes only the columns it
// changes, so that it never puts back what another request changed
// meanwhile (a role, a status, the session epoch).

// ErrLastAdmin is returned when a change would leave the portal without an
// active administrator.
var ErrLastAdmin = errors.New("models: the last administrator")

// auditFor fills an audit entry's target (and, when it has none, its actor)
// with the account.
func auditFor(e AuditEntry, u *User) AuditEntry {
	if e.ActorID == nil {
		e.ActorID, e.ActorEmail = &u.ID, u.Email
	}
	e.TargetKind, e.TargetID = "user", &u.ID
	return e
}

// UpdateProfile saves what the person edits on their account page: the name
// and the language of mail.
func (s *Store) UpdateProfile(ctx context.Context, userID uint, name, language string) error {
	return s.updateUser(ctx, userID, map[string]any{"name": name, "language": language})
}

func (s *Store) updateUser(ctx context.Context, userID uint, updates map[string]any) error {
	updates["updated_at"] = s.now()
	res := s.conn(ctx).Model(&User{}).Where("id = ?", userID).Updates(updates)
	if res.Error != nil {
		return fmt.Errorf("models: unable to update user %d: %w", userID, conflict(res.Error))
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// ChangePassword sets a new password hash, clears the one-time-password flag
// and ends every session of the account, with its audit row, in one
// transaction. It returns the new session epoch, for the session that
// continues.
func (s *Store) ChangePassword(ctx context.Context, userID uint, hash string, audit AuditEntry) (int, error) {
	var epoch int
	err := s.WithTx(ctx, func(tx *Store) error {
		err := tx.updateUserEndingSessions(ctx, userID, map[string]any{"password_hash": hash, "must_change_password": false})
		if err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		audit.Action = AuditPasswordChanged
		epoch = u.SessionEpoch
		return tx.Audit(ctx, auditFor(audit, u))
	})
	return epoch, err
}

// ResetPassword uses a password reset link, sets the new password hash and
// ends every session of the account, with its audit row, in one transaction.
// An unknown, used or expired link, or an account that is no longer active,
// gives ErrNotFound; a failure at any step leaves the link unused.
func (s *Store) ResetPassword(ctx context.Context, secret, hash string, audit AuditEntry) (*User, error) {
	var u *User
	err := s.WithTx(ctx, func(tx *Store) error {
		var err error
		if u, err = tx.UseToken(ctx, TokenReset, secret); err != nil {
			return err
		}
		if u.Status != UserActive {
			return ErrNotFound
		}
		if err := tx.updateUserEndingSessions(ctx, u.ID, map[string]any{"password_hash": hash, "must_change_password": false}); err != nil {
			return err
		}
		audit.Action = AuditPasswordReset
		return tx.Audit(ctx, auditFor(audit, u))
	})
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, u.ID)
}

// AcceptInvitation uses an invitation link, sets the first password and
// activates the account, in one transaction. An unknown, used or expired
// link, or an account no longer waiting for its invitation, gives
// ErrNotFound and leaves the link unused.
func (s *Store) AcceptInvitation(ctx context.Context, secret, hash string) (*User, error) {
	var u *User
	err := s.WithTx(ctx, func(tx *Store) error {
		var err error
		if u, err = tx.UseToken(ctx, TokenInvitation, secret); err != nil {
			return err
		}
		res := tx.conn(ctx).Model(&User{}).Where("id = ? AND status = ?", u.ID, UserInvited).
			Updates(map[string]any{"password_hash": hash, "must_change_password": false, "status": UserActive, "updated_at": tx.now()})
		if res.Error != nil {
			return fmt.Errorf("models: unable to activate user %d: %w", u.ID, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, u.ID)
}

// EnableTwoFactor turns two-factor authentication on with the confirmed
// secret and stores the recovery codes, with its audit row, in one
// transaction. An account that has it on already gives ErrConflict.
func (s *Store) EnableTwoFactor(ctx context.Context, userID uint, secret string, codes []string, audit AuditEntry) error {
	return s.WithTx(ctx, func(tx *Store) error {
		res := tx.conn(ctx).Model(&User{}).Where("id = ? AND totp_enabled = ?", userID, false).
			Updates(map[string]any{"totp_secret": secret, "totp_enabled": true, "updated_at": tx.now()})
		if res.Error != nil {
			return fmt.Errorf("models: unable to enable two-factor for user %d: %w", userID, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrConflict
		}
		if err := tx.SetRecoveryCodes(ctx, userID, codes); err != nil {
			return err
		}
		return tx.auditUser(ctx, userID, AuditTwoFactorEnabled, audit)
	})
}

// RenewRecoveryCodes replaces the recovery codes of an account that uses
// two-factor authentication, with its audit row.
func (s *Store) RenewRecoveryCodes(ctx context.Context, userID uint, codes []string, audit AuditEntry) error {
	return s.WithTx(ctx, func(tx *Store) error {
		var n int64
		if err := tx.conn(ctx).Model(&User{}).Where("id = ? AND totp_enabled = ?", userID, true).Count(&n).Error; err != nil {
			return fmt.Errorf("models: unable to load user %d: %w", userID, err)
		}
		if n == 0 {
			return ErrConflict
		}
		if err := tx.SetRecoveryCodes(ctx, userID, codes); err != nil {
			return err
		}
		return tx.auditUser(ctx, userID, AuditTwoFactorEnabled, audit)
	})
}

// DisableTwoFactor turns two-factor authentication off at the person's
// request: the secret and the recovery codes go and every session ends (as
// ResetTwoFactor), with its audit row, in one transaction. It returns the new
// session epoch, for the session that continues.
func (s *Store) DisableTwoFactor(ctx context.Context, userID uint, audit AuditEntry) (int, error) {
	var epoch int
	err := s.WithTx(ctx, func(tx *Store) error {
		if err := tx.ResetTwoFactor(ctx, userID); err != nil {
			return err
		}
		if err := tx.auditUser(ctx, userID, AuditTwoFactorReset, audit); err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		epoch = u.SessionEpoch
		return nil
	})
	return epoch, err
}

func (s *Store) auditUser(ctx context.Context, userID uint, action string, audit AuditEntry) error {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	audit.Action = action
	return s.Audit(ctx, auditFor(audit, u))
}

// DeleteAccount erases an account at its owner's request (see EraseUser),
// with its audit row written first (the erasure then anonymises it too), in
// one transaction. The last active administrator cannot leave: ErrLastAdmin.
// The check is inside the transaction, with the administrators' rows locked
// on PostgreSQL (SQLite transactions are immediate: one writer at a time), so
// that two administrators deleting their accounts at once cannot both go.
func (s *Store) DeleteAccount(ctx context.Context, userID uint, audit AuditEntry) error {
	return s.WithTx(ctx, func(tx *Store) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		if u.Role == RoleAdmin {
			if err := tx.keepAnAdmin(ctx, userID); err != nil {
				return err
			}
		}
		audit.Action = AuditUserDeleted
		if err := tx.Audit(ctx, auditFor(audit, u)); err != nil {
			return err
		}
		return tx.EraseUser(ctx, userID)
	})
}

// keepAnAdmin returns ErrLastAdmin unless an active administrator other than
// userID remains; inside a transaction, it locks the administrators' rows
// until the end of it.
func (s *Store) keepAnAdmin(ctx context.Context, userID uint) error {
	q := s.conn(ctx).Model(&User{}).Where("role = ? AND status = ?", RoleAdmin, UserActive)
	if s.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var ids []uint
	if err := q.Order("id").Pluck("id", &ids).Error; err != nil {
		return fmt.Errorf("models: unable to count administrators: %w", err)
	}
	for _, id := range ids {
		if id != userID {
			return nil
		}
	}
	return ErrLastAdmin
}

// ApproveApplication creates the organisation and its contact person's
// invited account from a pending application and records the decision, its
// audit rows (approval, invitation) and, through invite, the invitation link
// and its mail: all in one transaction. A decided application gives
// ErrConflict.
func (s *Store) ApproveApplication(ctx context.Context, appID, moderatorID uint, org *Organisation, contact *User,
	audit AuditEntry, invite func(tx *Store) error) error {
	return s.WithTx(ctx, func(tx *Store) error {
		if err := tx.CreateOrganisation(ctx, org); err != nil {
			return err
		}
		contact.OrganisationID = &org.ID
		if err := tx.CreateUser(ctx, contact); err != nil {
			return err
		}
		if err := tx.DecideApplication(ctx, appID, moderatorID, ApplicationApproved, "", &org.ID); err != nil {
			return err
		}
		approved := audit
		approved.Action, approved.TargetKind, approved.TargetID, approved.Detail = AuditApproved, "application", &appID, org.Slug
		if err := tx.Audit(ctx, approved); err != nil {
			return err
		}
		invited := audit
		invited.Action, invited.TargetKind, invited.TargetID, invited.Detail = AuditUserInvited, "user", &contact.ID, org.Slug
		if err := tx.Audit(ctx, invited); err != nil {
			return err
		}
		return invite(tx)
	})
}
