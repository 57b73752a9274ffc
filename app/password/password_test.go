package password

import (
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"
)

func TestHasher(t *testing.T) {
	h := Hasher{Params: argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}}
	hash, err := h.Hash("correct horse battery staple")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	other, err := h.Hash("correct horse battery staple")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	if hash == other {
		t.Error("two hashes of the same password are equal: the salt is not random")
	}
	cases := []struct {
		password, hash string
		want           bool
	}{
		{"correct horse battery staple", hash, true},
		{"correct horse battery staple", other, true},
		{"Correct horse battery staple", hash, false},
		{"wrong", hash, false},
		{"", hash, false},
		{"correct horse battery staple", "not a hash", false},
		{"correct horse battery staple", "", false},
	}
	for _, tc := range cases {
		if got := h.Check(tc.password, tc.hash); got != tc.want {
			t.Errorf("Check(%q, %.20q…) = %v, want %v", tc.password, tc.hash, got, tc.want)
		}
	}
}

func TestPolicy(t *testing.T) {
	p := NewPolicy()
	for _, tc := range []struct {
		password, email, want string
	}{
		{"amber tractor violin 42", "ana@example.org", ""},
		{"short one", "ana@example.org", "password.too_short"},
		{strings.Repeat("x", MaxLength) + "yz", "ana@example.org", "password.too_long"},
		{"password1234", "ana@example.org", "password.common"},
		{"password2024!", "ana@example.org", "password.common"},
		{"qwertyqwerty", "ana@example.org", "password.common"},
		{"aaaaaaaaaaaaaa", "ana@example.org", "password.common"},
		{"ana.pop@example.org", " Ana.Pop@Example.org ", "password.is_email"},
		{"ana.popescu.ro", "ana.popescu.ro@example.org", "password.is_email"},
		{"Ţară frumoasă 7", "ana@example.org", ""},
	} {
		if got := p.Check(tc.password, tc.email); got != tc.want {
			t.Errorf("Check(%q, %q) = %q, want %q", tc.password, tc.email, got, tc.want)
		}
	}
}
