// Package password hashes passwords (argon2id) and decides whether a new one
// is acceptable. It lives outside models because it is not storage: the web
// layer and the command line hash, the store only keeps the result.
package password

import (
	_ "embed"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
)

// Hasher hashes and checks passwords with argon2id. Parameters are explicit:
// production uses Production, tests something cheaper.
type Hasher struct {
	Params argon2id.Params
}

// Production follows OWASP's argon2id guidance (64 MiB, 3 passes).
func Production() Hasher {
	return Hasher{Params: argon2id.Params{Memory: 64 * 1024, Iterations: 3, Parallelism: 2, SaltLength: 16, KeyLength: 32}}
}

// Hash returns the encoded hash of a password.
func (h Hasher) Hash(password string) (string, error) {
	p := h.Params
	hash, err := argon2id.CreateHash(password, &p)
	if err != nil {
		return "", fmt.Errorf("password: unable to hash a password: %w", err)
	}
	return hash, nil
}

// Check reports whether password matches hash.
func (h Hasher) Check(password, hash string) bool {
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok
}

//go:embed common-passwords.txt
var commonPasswordList string

// Policy decides whether a new password is acceptable. Build it with
// NewPolicy; it is safe for concurrent use.
type Policy struct {
	common map[string]bool
}

// Password rules, in characters.
const (
	MinLength = 12
	MaxLength = 256
)

// NewPolicy loads the list of common passwords shipped with the portal.
func NewPolicy() *Policy {
	p := &Policy{common: map[string]bool{}}
	for _, w := range strings.Split(commonPasswordList, "\n") {
		if w = strings.TrimSpace(w); w != "" {
			p.common[w] = true
		}
	}
	return p
}

// Check returns the translation key of what is wrong with a new password, or
// "" when it is acceptable: at least 12 characters, and not a common password,
// nor one with digits or symbols added around it ("password2024!"), nor one
// repeated ("qwertyqwerty"), nor a single character or the e-mail address.
func (p *Policy) Check(password, email string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinLength:
		return "password.too_short"
	case n > MaxLength:
		return "password.too_long"
	}
	lower := strings.ToLower(password)
	email = strings.ToLower(strings.TrimSpace(email))
	if lower == email || lower == strings.Split(email, "@")[0] {
		return "password.is_email"
	}
	core := strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	distinct := map[rune]bool{}
	for _, r := range lower {
		distinct[r] = true
	}
	if p.common[lower] || p.common[core] || len(distinct) <= 3 || isRepetition(lower, p.common) {
		return "password.common"
	}
	return ""
}

// isRepetition reports whether s is a common password repeated.
func isRepetition(s string, common map[string]bool) bool {
	for size := 1; size <= len(s)/2; size++ {
		if len(s)%size == 0 && strings.Repeat(s[:size], len(s)/size) == s && (common[s[:size]] || size <= 4) {
			return true
		}
	}
	return false
}
