package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// HashToken returns the SHA-256 of a secret token, hex-encoded: only this is
// stored, so a copy of the database holds no usable token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NormaliseEmail is how e-mail addresses are compared and stored.
func NormaliseEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// UserByEmail loads an account by e-mail address (any case).
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	var u User
	if err := s.conn(ctx).Take(&u, "email = ?", NormaliseEmail(email)).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load user: %w", notFound(err))
	}
	return &u, nil
}

// UpdateUser saves the account's fields.
func (s *Store) UpdateUser(ctx context.Context, u *User) error {
	u.UpdatedAt = s.now()
	u.Email = NormaliseEmail(u.Email)
	if err := s.conn(ctx).Save(u).Error; err != nil {
		return fmt.Errorf("models: unable to save user %d: %w", u.ID, conflict(err))
	}
	return nil
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

// RecordLogin notes the time of a successful sign-in.
func (s *Store) RecordLogin(ctx context.Context, userID uint) error {
	now := s.now()
	return s.conn(ctx).Model(&User{}).Where("id = ?", userID).Update("last_login_at", now).Error
}

// userSorts are the orders of the user list an administrator may choose.
var userSorts = map[string]string{"email": "email ASC", "newest": "created_at DESC, id DESC", "login": "last_login_at IS NULL, last_login_at DESC, id DESC"}

// UserFilter selects accounts for administrators.
type UserFilter struct {
	Query   string // part of the e-mail address or name
	Role    string
	Status  string
	OrgID   uint
	Sort    string
	Page    int
	PerPage int
}

// ListUsers returns one page of accounts and the total.
func (s *Store) ListUsers(ctx context.Context, f UserFilter) ([]User, int64, error) {
	if _, ok := userSorts[f.Sort]; !ok {
		f.Sort = "email"
	}
	if f.PerPage <= 0 || f.PerPage > 100 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
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
	if err := q.Order(userSorts[f.Sort]).Limit(f.PerPage).Offset((f.Page - 1) * f.PerPage).Find(&list).Error; err != nil {
		return nil, 0, fmt.Errorf("models: unable to list users: %w", err)
	}
	return list, total, nil
}

// escapeLike makes user text literal inside a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
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

// RecoveryCode is a one-time code that replaces a TOTP code; hash only.
type RecoveryCode struct {
	ID     uint
	UserID uint
	Hash   string
	UsedAt *time.Time
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

// NormaliseRecoveryCode ignores case, spaces and hyphens typed by a person.
func NormaliseRecoveryCode(c string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(c)))
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

// APITokens lists the user's tokens, newest first.
func (s *Store) APITokens(ctx context.Context, userID uint) ([]APIToken, error) {
	var list []APIToken
	if err := s.conn(ctx).Where("user_id = ?", userID).Order("created_at DESC, id DESC").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: unable to list API tokens: %w", err)
	}
	return list, nil
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
	_ = s.conn(ctx).Model(&APIToken{}).Where("id = ?", t.ID).Update("last_used_at", s.now()).Error
	return u, nil
}
