package models

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"
)

// Roles lists the roles a user may hold, for allow-lists.
func Roles() []string { return []string{RoleAdmin, RoleModerator, RoleMember} }

// UserStatuses lists the statuses an account may have, for allow-lists.
func UserStatuses() []string { return []string{UserActive, UserInvited, UserDisabled} }

// UserSortNames lists the orders of the user list, the default first.
func UserSortNames() []string { return []string{"email", "newest", "login"} }

// SetUserRole changes an account's role and ends its sessions in the same
// transaction, so that the person signs in again with the new privileges.
func (s *Store) SetUserRole(ctx context.Context, userID uint, role string) error {
	if !slices.Contains(Roles(), role) {
		return fmt.Errorf("models: unknown role %q", role)
	}
	return s.updateUserEndingSessions(ctx, userID, map[string]any{"role": role})
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

// OrganisationNames maps the ids to the organisations' names, for lists that
// show whom people belong to.
func (s *Store) OrganisationNames(ctx context.Context, ids []uint) (map[uint]string, error) {
	out := make(map[uint]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Organisation
	if err := s.conn(ctx).Select("id", "name").Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load organisation names: %w", err)
	}
	for _, o := range rows {
		out[o.ID] = o.Name
	}
	return out, nil
}

// CountUnsentMail counts the messages of the outbox not (yet) delivered.
func (s *Store) CountUnsentMail(ctx context.Context) (int64, error) {
	var n int64
	if err := s.conn(ctx).Model(&Mail{}).Where("sent_at IS NULL").Count(&n).Error; err != nil {
		return 0, fmt.Errorf("models: unable to count unsent mail: %w", err)
	}
	return n, nil
}

// ListMailPage returns one page of the outbox, newest first, and the total;
// bodies are left out (MailByID has them).
func (s *Store) ListMailPage(ctx context.Context, page, perPage int) ([]Mail, int64, error) {
	if perPage <= 0 || perPage > 200 {
		perPage = 50
	}
	if page < 1 {
		page = 1
	}
	var total int64
	if err := s.conn(ctx).Model(&Mail{}).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("models: unable to count mail: %w", err)
	}
	var list []Mail
	err := s.conn(ctx).Omit("body").Order("created_at DESC, id DESC").Limit(perPage).Offset((page - 1) * perPage).Find(&list).Error
	if err != nil {
		return nil, 0, fmt.Errorf("models: unable to list mail: %w", err)
	}
	return list, total, nil
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
