// Package modelstest is what the tests of every package share: a fresh,
// migrated database per test (an SQLite file in a temporary folder, or a
// PostgreSQL database on the server named by PROACT_TEST_POSTGRES_URL,
// dropped when the test ends), copied from fixtures built once per test
// binary (Run, Fixture); a clock that tests move on (Clock); the shared
// corpora beside the repository and the attack payloads (CorpusFiles,
// Payloads, Turns); and the benchmark corpus (Corpus).
package modelstest

import (
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"proact/models"
)

// PostgresEnv names the variable that points the tests at a PostgreSQL server.
const PostgresEnv = "PROACT_TEST_POSTGRES_URL"

// Dialects returns the databases to run store tests on: SQLite always,
// PostgreSQL when PROACT_TEST_POSTGRES_URL is set.
func Dialects() []models.Dialect { return []models.Dialect{models.SQLite, models.Postgres} }

// ForEach runs fn as a subtest on every dialect, each with a fresh database.
// Without PROACT_TEST_POSTGRES_URL the PostgreSQL subtest is skipped, saying why.
func ForEach(t *testing.T, fn func(t *testing.T, store *models.Store)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(string(d), func(t *testing.T) {
			fn(t, New(t, d))
		})
	}
}

// New returns a store on a fresh, migrated database of the given dialect:
// a copy of one migrated once per test binary (see Run).
func New(t testing.TB, d models.Dialect) *models.Store {
	t.Helper()
	store, _ := empty.Copy(t, d)
	return store
}

// PostgresURL returns a URL of a fresh PostgreSQL database for tests that
// need a URL (the command line), or skips the test when none is configured.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("%s is not set: PostgreSQL tests skipped (CI sets it; see README)", PostgresEnv)
	}
	name := "proact_test_" + strings.ToLower(rand.Text()[:12])
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("connecting to %s: %v", PostgresEnv, err)
	}
	if err := admin.Exec("CREATE DATABASE " + name).Error; err != nil {
		t.Fatalf("creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		if sqlDB, err := admin.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}
