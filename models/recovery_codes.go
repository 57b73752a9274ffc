package models

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// RecoveryCode is a one-time code that replaces a TOTP code; hash only.
type RecoveryCode struct {
	ID     uint
	UserID uint
	Hash   string
	UsedAt *time.Time
}

// NormaliseRecoveryCode ignores case, spaces and hyphens typed by a person.
func NormaliseRecoveryCode(c string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(c)))
}

// SetRecoveryCodes replaces the user's recovery codes.
func (s *Store) SetRecoveryCodes(ctx context.Context, userID uint, codes []string) error {
	return s.WithTx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Where("user_id = ?", userID).Delete(&RecoveryCode{}).Error; err != nil {
			return fmt.Errorf("models: unable to replace recovery codes: %w", err)
		}
		rows := make([]RecoveryCode, len(codes))
		for i, c := range codes {
			rows[i] = RecoveryCode{UserID: userID, Hash: HashToken(NormaliseRecoveryCode(c))}
		}
		if len(rows) == 0 {
			return nil
		}
		if err := tx.conn(ctx).Create(&rows).Error; err != nil {
			return fmt.Errorf("models: unable to store recovery codes: %w", err)
		}
		return nil
	})
}

// UseRecoveryCode consumes one unused recovery code; it reports false when the
// code is wrong or used.
func (s *Store) UseRecoveryCode(ctx context.Context, userID uint, code string) (bool, error) {
	res := s.conn(ctx).Model(&RecoveryCode{}).
		Where("user_id = ? AND hash = ? AND used_at IS NULL", userID, HashToken(NormaliseRecoveryCode(code))).
		Update("used_at", s.now())
	if res.Error != nil {
		return false, fmt.Errorf("models: unable to check a recovery code: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// RemainingRecoveryCodes counts unused recovery codes.
func (s *Store) RemainingRecoveryCodes(ctx context.Context, userID uint) (int64, error) {
	var n int64
	err := s.conn(ctx).Model(&RecoveryCode{}).Where("user_id = ? AND used_at IS NULL", userID).Count(&n).Error
	return n, err
}
