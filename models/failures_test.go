package models_test

import (
	"sync"
	"testing"
	"time"

	"proact/models"
	"proact/models/modelstest"
)

// Parallel failures all count: each is one atomic increment, not a read and
// a write that two requests can interleave.
func TestParallelFailuresAllCount(t *testing.T) {
	t.Parallel()
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		const n = 24
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				if _, err := store.CountFailure(t.Context(), "login:ip:198.51.100.7", 15*time.Minute); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("CountFailure: %v", err)
		}
		f, err := store.Failures(t.Context(), "login:ip:198.51.100.7")
		if err != nil {
			t.Fatal(err)
		}
		if f.N != n {
			t.Errorf("%d parallel failures counted as %d", n, f.N)
		}
		if other, _ := store.Failures(t.Context(), "login:ip:198.51.100.8"); other.N != 0 {
			t.Errorf("another key has %d failures", other.N)
		}
	})
}

// A count lasts for its window, then starts again at one; clearing forgets it.
func TestFailureWindowAndClear(t *testing.T) {
	t.Parallel()
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		clock := modelstest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		store = store.WithClock(clock.Now)
		ctx, key := t.Context(), "2fa:acct:someone@example.org"
		for i := 1; i <= 3; i++ {
			f, err := store.CountFailure(ctx, key, 10*time.Minute)
			if err != nil || f.N != i || !f.Reset.Equal(time.Date(2026, 3, 1, 9, 10, 0, 0, time.UTC)) {
				t.Fatalf("failure %d: %+v, %v", i, f, err)
			}
		}
		clock.Advance(11 * time.Minute)
		if f, err := store.Failures(ctx, key); err != nil || f.N != 0 {
			t.Errorf("after the window: %+v, %v", f, err)
		}
		if f, err := store.CountFailure(ctx, key, 10*time.Minute); err != nil || f.N != 1 || !f.Reset.Equal(time.Date(2026, 3, 1, 9, 21, 0, 0, time.UTC)) {
			t.Errorf("first failure of a new window: %+v, %v", f, err)
		}
		if err := store.ClearFailures(ctx, key); err != nil {
			t.Fatal(err)
		}
		if f, _ := store.Failures(ctx, key); f.N != 0 {
			t.Errorf("after clearing: %+v", f)
		}
		if _, err := store.CountFailure(ctx, key, 10*time.Minute); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		if n, err := store.DeleteExpired(ctx); err != nil || n != 1 {
			t.Errorf("DeleteExpired removed %d rows, %v; want the expired count", n, err)
		}
	})
}
