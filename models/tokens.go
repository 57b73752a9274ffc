package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Token kinds: single-use links sent by mail.
const (
	TokenInvitation = "invitation"
	TokenReset      = "reset"
)

// Token is a single-use secret sent by mail; only its hash is stored.
type Token struct {
	ID        uint
	Kind      string
	Hash      string
	UserID    uint
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

// HashToken returns the SHA-256 of a secret token, hex-encoded: only this is
// stored, so a copy of the database holds no usable token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateToken stores the hash of a new token for the user; earlier unused
// tokens of the same kind stop working, so only the newest link is valid.
func (s *Store) CreateToken(ctx context.Context, userID uint, kind, secret string, ttl time.Duration) error {
	return s.WithTx(ctx, func(tx *Store) error {
		now := tx.now()
		err := tx.conn(ctx).Model(&Token{}).Where("user_id = ? AND kind = ? AND used_at IS NULL", userID, kind).
			Update("used_at", now).Error
		if err != nil {
			return fmt.Errorf("models: unable to retire old tokens: %w", err)
		}
		t := Token{Kind: kind, Hash: HashToken(secret), UserID: userID, ExpiresAt: now.Add(ttl), CreatedAt: now}
		if err := tx.conn(ctx).Create(&t).Error; err != nil {
			return fmt.Errorf("models: unable to create a token: %w", err)
		}
		return nil
	})
}

// PeekToken returns the user a valid, unused token belongs to, without
// using it up (to show the form behind the link).
func (s *Store) PeekToken(ctx context.Context, kind, secret string) (*User, error) {
	var t Token
	err := s.conn(ctx).Where("hash = ? AND kind = ? AND used_at IS NULL AND expires_at > ?", HashToken(secret), kind, s.now()).
		Take(&t).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to find the token: %w", notFound(err))
	}
	return s.UserByID(ctx, t.UserID)
}

// UseToken marks a valid token used and returns its user; a second use, an
// expired or unknown token gives ErrNotFound. The update is conditional, so
// two requests racing with one token cannot both succeed.
func (s *Store) UseToken(ctx context.Context, kind, secret string) (*User, error) {
	var user *User
	err := s.WithTx(ctx, func(tx *Store) error {
		var t Token
		now := tx.now()
		err := tx.conn(ctx).Where("hash = ? AND kind = ? AND used_at IS NULL AND expires_at > ?", HashToken(secret), kind, now).
			Take(&t).Error
		if err != nil {
			return notFound(err)
		}
		res := tx.conn(ctx).Model(&Token{}).Where("id = ? AND used_at IS NULL", t.ID).Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		user, err = tx.UserByID(ctx, t.UserID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("models: unable to use the token: %w", err)
	}
	return user, nil
}
