package models

import (
	"context"
	"fmt"
	"strings"
)

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
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	now := s.now()
	u.CreatedAt, u.UpdatedAt = now, now
	if u.Status == "" {
		u.Status = "active"
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
