package models

import (
	"fmt"

	"github.com/alexedwards/argon2id"
)

// Hasher hashes and checks passwords with argon2id. Parameters are explicit:
// production uses ProductionHashing, tests something cheaper.
type Hasher struct {
	Params argon2id.Params
}

// ProductionHashing follows OWASP's argon2id guidance (64 MiB, 3 passes).
func ProductionHashing() Hasher {
	return Hasher{Params: argon2id.Params{Memory: 64 * 1024, Iterations: 3, Parallelism: 2, SaltLength: 16, KeyLength: 32}}
}

// Hash returns the encoded hash of a password.
func (h Hasher) Hash(password string) (string, error) {
	p := h.Params
	hash, err := argon2id.CreateHash(password, &p)
	if err != nil {
		return "", fmt.Errorf("models: unable to hash a password: %w", err)
	}
	return hash, nil
}

// Check reports whether password matches hash.
func (h Hasher) Check(password, hash string) bool {
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok
}
