package models

import (
	"context"
	"fmt"
	"time"
)

// APIToken is a personal token for the API; only its hash is stored, with a
// short prefix so its owner can tell tokens apart.
type APIToken struct {
	ID         uint
	UserID     uint
	Name       string
	Hash       string
	Prefix     string
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	CreatedAt  time.Time
}

// CreateAPIToken stores a new token for the user.
func (s *Store) CreateAPIToken(ctx context.Context, userID uint, name, secret string) (*APIToken, error) {
	prefix := secret
	if len(prefix) > 8 {
		prefix = prefix[:8]
	}
	t := &APIToken{UserID: userID, Name: name, Hash: HashToken(secret), Prefix: prefix, CreatedAt: s.now()}
	if err := s.conn(ctx).Create(t).Error; err != nil {
		return nil, fmt.Errorf("models: unable to create an API token: %w", err)
	}
	return t, nil
}

// apiTokenListing is how a person's tokens are listed: newest first, the
// 200 newest (at most 20 are active; the rest are revoked ones).
var apiTokenListing = listing{perPage: 200, maxPerPage: 200, sorts: []sortOrder{by("newest", "created_at DESC, id DESC")}}

// APITokens lists the user's tokens, newest first.
func (s *Store) APITokens(ctx context.Context, userID uint) ([]APIToken, error) {
	var list []APIToken
	if err := apiTokenListing.page(s.conn(ctx).Where("user_id = ?", userID), all).Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: unable to list API tokens: %w", err)
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

// RevokeAPIToken revokes one of the user's own tokens; another user's token
// gives ErrNotFound.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, tokenID uint) error {
	res := s.conn(ctx).Model(&APIToken{}).Where("id = ? AND user_id = ? AND revoked_at IS NULL", tokenID, userID).
		Update("revoked_at", s.now())
	if res.Error != nil {
		return fmt.Errorf("models: unable to revoke an API token: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// UserByAPIToken returns the active user owning a valid token, and notes its use.
func (s *Store) UserByAPIToken(ctx context.Context, secret string) (*User, error) {
	var t APIToken
	if err := s.conn(ctx).Where("hash = ? AND revoked_at IS NULL", HashToken(secret)).Take(&t).Error; err != nil {
		return nil, fmt.Errorf("models: unknown API token: %w", notFound(err))
	}
	u, err := s.UserByID(ctx, t.UserID)
	if err != nil {
		return nil, err
	}
	if u.Status != UserActive {
		return nil, ErrNotFound
	}
	if t.LastUsedAt == nil || s.now().Sub(*t.LastUsedAt) > time.Minute {
		// The time of last use is shown to the owner: to the minute is
		// plenty, and a busy client then costs no durable write per call.
		// A failure to note it does not refuse the call.
		_ = s.conn(ctx).Model(&APIToken{}).Where("id = ?", t.ID).Update("last_used_at", s.now()).Error
	}
	return u, nil
}
