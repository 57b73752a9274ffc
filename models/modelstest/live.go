package modelstest

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"proact/models"
)

// DatabaseURL is the URL of store's PostgreSQL database.
func DatabaseURL(t testing.TB, store *models.Store) string {
	t.Helper()
	var name string
	if err := store.DB().Raw("SELECT current_database()").Scan(&name).Error; err != nil {
		t.Fatal(err)
	}
	return databaseURL(name)
}

// SecondInstance opens another connection pool to store's PostgreSQL
// database, as a second instance of the portal would: its own request state
// (models/live.go), which hears of the first one's writes only through
// notifications. Closed when t ends.
func SecondInstance(t testing.TB, store *models.Store) *models.Store {
	t.Helper()
	db, d, err := models.Open(context.Background(), DatabaseURL(t, store), "")
	if err != nil {
		t.Fatal(err)
	}
	second := models.NewStore(db, d)
	t.Cleanup(func() { _ = second.Close() })
	return second
}

// Listen runs store.Listen until t ends (and waits for it to stop then),
// and returns once it listens to every channel.
func Listen(t testing.TB, store *models.Store) {
	t.Helper()
	url := DatabaseURL(t, store)
	n, _, next := store.LiveEvents("")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = store.Listen(ctx, url, 10*time.Millisecond, nil)
	}()
	t.Cleanup(func() { cancel(); <-done })
	for {
		if m, _, _ := store.LiveEvents(""); m > n && store.LiveListening() {
			return
		}
		Await(t, next, "the listener to connect")
		_, _, next = store.LiveEvents("")
	}
}

// Await waits for ch to close, failing t after a minute (a bound, not a
// pause: ch is closed by the event awaited).
func Await(t testing.TB, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(time.Minute):
		t.Fatalf("waited a minute for %s", what)
	}
}

// Sync sends a notification from from and returns once every store of to
// has received it: notifications arrive in commit order, so each has then
// heard of every write committed before Sync was called.
func Sync(t testing.TB, from *models.Store, to ...*models.Store) {
	t.Helper()
	token := rand.Text()
	if err := from.NotifySync(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	for _, s := range to {
		for {
			_, last, next := s.LiveEvents(models.LiveSyncChannel)
			if last == token {
				break
			}
			Await(t, next, "a notification")
		}
	}
}
