package models

import (
	"context"
	"fmt"
)

// What the account pages need beyond accounts.go: a person's own data for
// their export, and the erasure of an account.

// ApplicationsByContact returns the applications that named the address as
// their contact person, newest first: part of that person's data export.
func (s *Store) ApplicationsByContact(ctx context.Context, email string) ([]Application, error) {
	var list []Application
	err := s.conn(ctx).Where("contact_email = ?", NormaliseEmail(email)).
		Order("created_at DESC, id DESC").Limit(100).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to list applications: %w", err)
	}
	return list, nil
}

// CountActiveAPITokens counts the user's tokens that are not revoked.
func (s *Store) CountActiveAPITokens(ctx context.Context, userID uint) (int64, error) {
	var n int64
	err := s.conn(ctx).Model(&APIToken{}).Where("user_id = ? AND revoked_at IS NULL", userID).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("models: unable to count API tokens: %w", err)
	}
	return n, nil
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
