package models_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/models"
	"proact/models/modelstest"
)

// The KV backs fiber's session, CSRF and rate-limit middleware.
var _ fiber.Storage = (*models.KV)(nil)

func kvGet(t *testing.T, kv *models.KV, key string) []byte {
	t.Helper()
	v, err := kv.Get(key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return v
}

func kvSet(t *testing.T, kv *models.KV, key, val string, exp time.Duration) {
	t.Helper()
	if err := kv.Set(key, []byte(val), exp); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

// insertKV writes a raw row, so that expiry can be tested without waiting.
func insertKV(t *testing.T, store *models.Store, key string, expiresAt int64) {
	t.Helper()
	err := store.DB().Exec("INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?)", key, []byte("v:"+key), expiresAt).Error
	if err != nil {
		t.Fatalf("inserting kv row %q: %v", key, err)
	}
}

func kvRows(t *testing.T, store *models.Store) int64 {
	t.Helper()
	var n int64
	if err := store.DB().Table("kv").Count(&n).Error; err != nil {
		t.Fatalf("counting kv rows: %v", err)
	}
	return n
}

func TestKVSetGetDelete(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		kv := store.KV("sess:")
		binary := string([]byte{0, 1, 2, 0xff, 0xfe})
		cases := []struct {
			key, val string
			exp      time.Duration
		}{
			{"plain", "hello", 0},
			{"with-expiry", "soon", time.Hour},
			{"binary", binary, 0},
			{"quote'key", "x", 0},
			{"percent%_key", "y", time.Minute},
		}
		for _, tc := range cases {
			kvSet(t, kv, tc.key, tc.val, tc.exp)
		}
		for _, tc := range cases {
			if got := kvGet(t, kv, tc.key); !bytes.Equal(got, []byte(tc.val)) {
				t.Errorf("Get(%q) = %q, want %q", tc.key, got, tc.val)
			}
		}

		// Set overwrites: one row, the last value and expiry.
		kvSet(t, kv, "plain", "first", time.Hour)
		kvSet(t, kv, "plain", "second", 0)
		if got := kvGet(t, kv, "plain"); string(got) != "second" {
			t.Errorf("Get after overwrite = %q, want %q", got, "second")
		}
		if n := kvRows(t, store); n != int64(len(cases)) {
			t.Errorf("kv rows after overwriting = %d, want %d", n, len(cases))
		}
		var expiresAt int64
		if err := store.DB().Table("kv").Select("expires_at").Where("key = ?", "sess:plain").Scan(&expiresAt).Error; err != nil || expiresAt != 0 {
			t.Errorf("expires_at after overwrite with no expiry = %d, %v; want 0", expiresAt, err)
		}

		if err := kv.Delete("plain"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if got := kvGet(t, kv, "plain"); got != nil {
			t.Errorf("Get after Delete = %q, want nil", got)
		}
		if got := kvGet(t, kv, "binary"); !bytes.Equal(got, []byte(binary)) {
			t.Errorf("Delete removed another key: Get(binary) = %q", got)
		}

		// Missing and empty keys.
		for _, key := range []string{"missing", "", "plain"} {
			v, err := kv.Get(key)
			if v != nil || err != nil {
				t.Errorf("Get(%q) = %q, %v; want nil, nil", key, v, err)
			}
		}
		for _, key := range []string{"missing", ""} {
			if err := kv.Delete(key); err != nil {
				t.Errorf("Delete(%q): %v", key, err)
			}
		}
		// Empty keys and values are ignored, as fiber storages do.
		before := kvRows(t, store)
		if err := kv.Set("", []byte("x"), 0); err != nil {
			t.Errorf("Set(\"\"): %v", err)
		}
		if err := kv.Set("empty", nil, 0); err != nil {
			t.Errorf("Set(empty value): %v", err)
		}
		if n := kvRows(t, store); n != before {
			t.Errorf("kv rows after ignored sets = %d, want %d", n, before)
		}
		if err := kv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := store.Ping(t.Context()); err != nil {
			t.Errorf("KV.Close closed the store: %v", err)
		}
	})
}

func TestKVPrefixesIsolateNamespaces(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		a, b := store.KV("a:"), store.KV("b:")
		kvSet(t, a, "k", "from a", 0)
		kvSet(t, b, "k", "from b", time.Hour)
		kvSet(t, a, "only-a", "1", 0)
		kvSet(t, b, "only-b", "2", 0)

		cases := []struct {
			kv   *models.KV
			key  string
			want string // "" for nil
		}{
			{a, "k", "from a"}, {b, "k", "from b"},
			{a, "only-a", "1"}, {b, "only-a", ""},
			{b, "only-b", "2"}, {a, "only-b", ""},
		}
		for _, tc := range cases {
			if got := kvGet(t, tc.kv, tc.key); string(got) != tc.want || (tc.want == "" && got != nil) {
				t.Errorf("Get(%q) = %q, want %q", tc.key, got, tc.want)
			}
		}

		if err := b.Delete("only-a"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if got := kvGet(t, a, "only-a"); string(got) != "1" {
			t.Errorf("b.Delete removed a's key: %q", got)
		}

		if err := a.Reset(); err != nil {
			t.Fatalf("Reset: %v", err)
		}
		for _, key := range []string{"k", "only-a"} {
			if got := kvGet(t, a, key); got != nil {
				t.Errorf("after a.Reset, a.Get(%q) = %q, want nil", key, got)
			}
		}
		for key, want := range map[string]string{"k": "from b", "only-b": "2"} {
			if got := kvGet(t, b, key); string(got) != want {
				t.Errorf("after a.Reset, b.Get(%q) = %q, want %q", key, got, want)
			}
		}
		if n := kvRows(t, store); n != 2 {
			t.Errorf("kv rows after a.Reset = %d, want 2", n)
		}
	})
}

func TestKVExpiredRows(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		now := time.Now().Unix()
		rows := []struct {
			prefix, key string
			expiresAt   int64
			live        bool
		}{
			{"sess:", "old", now - 3600, false},
			{"sess:", "just-expired", now - 1, false},
			{"csrf:", "old", now - 60, false},
			{"sess:", "fresh", now + 3600, true},
			{"csrf:", "fresh", now + 600, true},
			{"sess:", "forever", 0, true},
			{"rl:", "forever", 0, true},
		}
		for _, r := range rows {
			insertKV(t, store, r.prefix+r.key, r.expiresAt)
		}
		kvs := map[string]*models.KV{"sess:": store.KV("sess:"), "csrf:": store.KV("csrf:"), "rl:": store.KV("rl:")}
		check := func(when string) {
			t.Helper()
			for _, r := range rows {
				got := kvGet(t, kvs[r.prefix], r.key)
				if r.live && string(got) != "v:"+r.prefix+r.key {
					t.Errorf("%s: Get(%q) = %q, want the value", when, r.prefix+r.key, got)
				}
				if !r.live && got != nil {
					t.Errorf("%s: Get(%q) = %q, want nil (expired)", when, r.prefix+r.key, got)
				}
			}
		}
		check("before DeleteExpired")

		n, err := store.DeleteExpired(t.Context())
		if err != nil {
			t.Fatalf("DeleteExpired: %v", err)
		}
		if n != 3 {
			t.Errorf("DeleteExpired removed %d rows, want 3", n)
		}
		if left := kvRows(t, store); left != 4 {
			t.Errorf("kv rows after DeleteExpired = %d, want 4", left)
		}
		check("after DeleteExpired")
		if n, err := store.DeleteExpired(t.Context()); err != nil || n != 0 {
			t.Errorf("second DeleteExpired = %d, %v; want 0", n, err)
		}

		// Set revives an expired key.
		insertKV(t, store, "sess:revived", now-10)
		kvSet(t, kvs["sess:"], "revived", "again", time.Hour)
		if got := kvGet(t, kvs["sess:"], "revived"); string(got) != "again" {
			t.Errorf("Get after Set over an expired row = %q, want %q", got, "again")
		}
	})
}

func TestKVSetExpires(t *testing.T) {
	t.Parallel()
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		// The store's clock, moved on instead of sleeping.
		clock := modelstest.NewClock(time.Unix(1_900_000_000, 0)) // on a whole second: keys expire by the second
		store = store.WithClock(clock.Now)
		kv := store.KV("rl:")
		kvSet(t, kv, "short", "1", time.Second)
		kvSet(t, kv, "long", "2", time.Hour)
		kvSet(t, kv, "none", "3", 0)
		clock.Advance(999 * time.Millisecond)
		if got := kvGet(t, kv, "short"); string(got) != "1" {
			t.Errorf("Get of a key set less than 1 s ago for 1 s = %q, want 1", got)
		}
		clock.Advance(1100 * time.Millisecond)
		if got := kvGet(t, kv, "short"); got != nil {
			t.Errorf("Get of a key set 2.1 s ago for 1 s = %q, want nil", got)
		}
		for key, want := range map[string]string{"long": "2", "none": "3"} {
			if got := kvGet(t, kv, key); string(got) != want {
				t.Errorf("Get(%q) = %q, want %q", key, got, want)
			}
		}
		if n, err := store.DeleteExpired(t.Context()); err != nil || n != 1 {
			t.Errorf("DeleteExpired = %d, %v; want 1", n, err)
		}
	})
}
