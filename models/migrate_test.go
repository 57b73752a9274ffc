package models_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"proact/models"
	"proact/models/modelstest"
)

// openRaw opens an unmigrated database of the given dialect.
func openRaw(t *testing.T, d models.Dialect) *gorm.DB {
	t.Helper()
	url, dir := "", ""
	if d == models.Postgres {
		url = modelstest.PostgresURL(t) // skips without PROACT_TEST_POSTGRES_URL
	} else {
		dir = t.TempDir()
	}
	db, got, err := models.Open(t.Context(), url, dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got != d {
		t.Fatalf("Open returned dialect %q, want %q", got, d)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	return db
}

func schema(t *testing.T, db *gorm.DB, d models.Dialect) models.SchemaState {
	t.Helper()
	st, err := models.Schema(t.Context(), db, d)
	if err != nil {
		t.Fatalf("Schema: %v", err)
	}
	return st
}

func TestSchemaAndMigrate(t *testing.T) {
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			db := openRaw(t, d)
			ctx := t.Context()

			fresh := schema(t, db, d)
			if !fresh.Empty() || fresh.UpToDate() || fresh.Current != 0 || fresh.Latest < 1 {
				t.Errorf("fresh database: %+v (Empty %v, UpToDate %v), want Current 0, Latest ≥ 1, Empty, not up to date",
					fresh, fresh.Empty(), fresh.UpToDate())
			}

			applied, err := models.Migrate(ctx, db, d)
			if err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			if len(applied) == 0 || applied[len(applied)-1] != fresh.Latest {
				t.Errorf("Migrate applied %v, want versions up to %d", applied, fresh.Latest)
			}

			migrated := schema(t, db, d)
			if !migrated.UpToDate() || migrated.Empty() || migrated.Current != migrated.Latest || migrated.Latest != fresh.Latest {
				t.Errorf("after Migrate: %+v (Empty %v, UpToDate %v), want Current == Latest == %d",
					migrated, migrated.Empty(), migrated.UpToDate(), fresh.Latest)
			}

			again, err := models.Migrate(ctx, db, d)
			if err != nil || len(again) != 0 {
				t.Errorf("second Migrate = %v, %v; want nothing applied", again, err)
			}
			if st := schema(t, db, d); st != migrated {
				t.Errorf("schema after the second Migrate = %+v, want %+v", st, migrated)
			}

			// The migrated schema is usable by a Store.
			store := models.NewStore(db, d)
			if err := store.Ping(ctx); err != nil {
				t.Errorf("Ping: %v", err)
			}
			if n, err := store.CountUsers(ctx); err != nil || n != 0 {
				t.Errorf("CountUsers on the migrated database = %d, %v", n, err)
			}
		})
	}
}

func TestOpenSQLiteCreatesTheDataFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	db, d, err := models.Open(t.Context(), "", dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	}()
	if d != models.SQLite {
		t.Errorf("dialect = %q, want %q", d, models.SQLite)
	}
	if _, err := os.Stat(filepath.Join(dir, "proact.db")); err != nil {
		t.Errorf("the SQLite file was not created: %v", err)
	}
	var fk int
	if err := db.Raw("PRAGMA foreign_keys").Scan(&fk).Error; err != nil || fk != 1 {
		t.Errorf("PRAGMA foreign_keys = %d, %v; want 1", fk, err)
	}
}

func TestOpenUnreachablePostgresFailsQuickly(t *testing.T) {
	const url = "postgres://nobody:s3cr3t-pw@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	start := time.Now()
	db, _, err := models.Open(ctx, url, "")
	elapsed := time.Since(start)
	if err == nil {
		if sqlDB, e := db.DB(); e == nil {
			_ = sqlDB.Close()
		}
		t.Fatal("Open of an unreachable server succeeded")
	}
	if elapsed > 10*time.Second {
		t.Errorf("Open took %v to fail, want a few seconds at most", elapsed)
	}
	if strings.Contains(err.Error(), "s3cr3t-pw") {
		t.Errorf("the error reveals the password: %v", err)
	}
}

func TestRedactURL(t *testing.T) {
	cases := []struct {
		in, want, secret string
	}{
		{"postgres://proact:s3cr3t@db.example.org:5432/proact?sslmode=require",
			"postgres://proact:xxxxx@db.example.org:5432/proact?sslmode=require", "s3cr3t"},
		{"postgres://proact:p%40ss%2Fword@db/proact", "postgres://proact:xxxxx@db/proact", "p%40ss"},
		{"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
			"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", ""},
		{"postgres://db/proact", "postgres://db/proact", ""},
		{"postgres://u:pw@[::1:5432/x", "(unparsable URL)", "pw"},
	}
	for _, tc := range cases {
		got := models.RedactURL(tc.in)
		if got != tc.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if tc.secret != "" && strings.Contains(got, tc.secret) {
			t.Errorf("RedactURL(%q) = %q still shows the password", tc.in, got)
		}
	}
}

// TestMigrationThatLandsLate: migration numbers are handed out per branch,
// so a database can have a higher one applied before a lower one exists;
// the lower one is pending, and Migrate applies it.
func TestMigrationThatLandsLate(t *testing.T) {
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			db := openRaw(t, d)
			ctx := t.Context()
			st := schema(t, db, d)
			if _, err := models.MigrateTo(ctx, db, d, 3); err != nil {
				t.Fatal(err)
			}
			if err := models.ApplyOnly(ctx, db, d, st.Latest); err != nil {
				t.Fatal(err)
			}
			late := schema(t, db, d)
			if late.Current != st.Latest || !late.Pending || late.UpToDate() {
				t.Fatalf("with the latest applied but not the ones below: %+v, want pending", late)
			}
			applied, err := models.Migrate(ctx, db, d)
			if err != nil || len(applied) == 0 {
				t.Fatalf("Migrate = %v, %v; want the late ones applied", applied, err)
			}
			if done := schema(t, db, d); !done.UpToDate() {
				t.Errorf("after Migrate: %+v", done)
			}
		})
	}
}
