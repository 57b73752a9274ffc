package models_test

import (
	"bytes"
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"proact/models"
	"proact/models/modelstest"
)

// TestLiveState: on PostgreSQL an instance keeps the request state (content
// version, accounts epoch, sessions' values) in memory while its listener
// is connected (live.go), and (a) sees its own writes at once, (b) another
// instance's once their notification has arrived, (c) reads on every
// request while the listener is not connected and once after it is again,
// (d) never keeps an unsettled version.
func TestLiveState(t *testing.T) {
	if os.Getenv(modelstest.PostgresEnv) == "" {
		t.Skipf("%s is not set", modelstest.PostgresEnv)
	}
	ctx := t.Context()
	clock := modelstest.NewClock(time.Unix(1_900_000_000, 0))
	a := modelstest.New(t, models.Postgres).WithClock(clock.Now)
	b := modelstest.SecondInstance(t, a).WithClock(clock.Now)
	kvA, kvB := a.KV("sess:"), b.KV("sess:")
	if err := kvA.Set("one", []byte("first"), 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	// state reads b's request state for session one, and says how many
	// times it asked the server.
	state := func(s *models.Store, kv *models.KV) (models.RequestState, uint64) {
		t.Helper()
		before := s.LiveReads()
		st, err := s.RequestState(ctx, kv, "one")
		if err != nil {
			t.Fatal(err)
		}
		v, err := s.ContentVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v != st.Content {
			t.Errorf("ContentVersion %+v, RequestState's %+v", v, st.Content)
		}
		return st, s.LiveReads() - before
	}
	steady := func(what string, s *models.Store, kv *models.KV) models.RequestState {
		t.Helper()
		st, _ := state(s, kv)
		for range 3 {
			again, reads := state(s, kv)
			if reads != 0 || again.Content != st.Content || again.Accounts != st.Accounts || !bytes.Equal(again.Session, st.Session) {
				t.Fatalf("%s: %d reads, %+v after %+v", what, reads, again, st)
			}
		}
		return st
	}
	write := func(s *models.Store, slug string) {
		t.Helper()
		o := &models.Organisation{Slug: slug, Name: "Org " + slug, Country: "NL", Type: "ngo", Status: models.OrgApproved}
		if err := s.SaveOrganisation(ctx, o); err != nil {
			t.Fatal(err)
		}
	}

	// Not listening yet: every request reads.
	for range 2 {
		if _, reads := state(b, kvB); reads != 2 {
			t.Fatalf("without a listener: %d reads for RequestState and ContentVersion, want 2", reads)
		}
	}

	// b listens; a connection is let through gate once per token.
	url := modelstest.DatabaseURL(t, b)
	gate := make(chan struct{}, 1)
	gate <- struct{}{}
	var pid atomic.Uint32
	connect := func(ctx context.Context) (*pgx.Conn, error) {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		c, err := pgx.Connect(ctx, url)
		if err == nil {
			pid.Store(c.PgConn().PID())
		}
		return c, err
	}
	lctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	connected, _, next := b.LiveEvents("")
	go func() {
		defer close(done)
		_ = models.ListenWith(b, lctx, connect, time.Millisecond, nil)
	}()
	t.Cleanup(func() { cancel(); <-done })
	awaitConnected := func() {
		t.Helper()
		for {
			if n, _, _ := b.LiveEvents(""); n > connected && b.LiveListening() {
				connected = n
				return
			}
			modelstest.Await(t, next, "the listener to connect")
			_, _, next = b.LiveEvents("")
		}
	}
	awaitConnected()
	st := steady("listening", b, kvB)
	if string(st.Session) != "first" || !st.Content.Settled {
		t.Fatalf("b's state: %+v", st)
	}

	// (b) A's writes, seen by b once notified.
	write(a, "live-one")
	if err := kvA.Set("one", []byte("second"), time.Minute); err != nil {
		t.Fatal(err)
	}
	modelstest.Sync(t, a, b)
	if got, reads := state(b, kvB); reads != 1 || got.Content.ID <= st.Content.ID || got.Accounts <= st.Accounts || string(got.Session) != "second" {
		t.Fatalf("after a's writes, notified: %d reads, %+v (was %+v)", reads, got, st)
	}
	st = steady("after a's writes", b, kvB)
	// The idle expiry on the clock, from memory.
	clock.Advance(2 * time.Minute)
	if got, reads := state(b, kvB); reads != 0 || got.Session != nil {
		t.Errorf("an expired session: %d reads, %q", reads, got.Session)
	}
	if err := kvA.Delete("one"); err != nil {
		t.Fatal(err)
	}
	if err := kvA.Set("one", []byte("third"), time.Hour); err != nil {
		t.Fatal(err)
	}
	modelstest.Sync(t, a, b)
	if got, _ := state(b, kvB); string(got.Session) != "third" {
		t.Errorf("a new session value on a: b has %q", got.Session)
	}

	// (a) An instance that hears of nothing but itself sees its own writes
	// at once, and nothing is kept while one runs.
	c := modelstest.SecondInstance(t, a).WithClock(clock.Now)
	models.ForceListening(c)
	kvC := c.KV("sess:")
	st = steady("c", c, kvC)
	write(c, "live-two")
	if got, reads := state(c, kvC); reads != 1 || got.Content.ID <= st.Content.ID || got.Accounts <= st.Accounts {
		t.Errorf("c after its own write: %d reads, %+v (was %+v)", reads, got, st)
	}
	if err := kvC.Set("one", []byte("fourth"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, _ := state(c, kvC); string(got.Session) != "fourth" {
		t.Errorf("c after its own session write: %q", got.Session)
	}
	steady("c again", c, kvC)
	if err := c.WithTx(ctx, func(tx *models.Store) error {
		for range 2 {
			if _, reads := state(c, kvC); reads != 2 {
				t.Errorf("during c's own transaction: %d reads, want 2", reads)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	steady("c after its transaction", c, kvC) // read once again, then kept
	write(a, "live-three")                    // c hears nothing of it: it keeps what it has
	if got, reads := state(c, kvC); reads != 0 || got.Content.ID != st.Content.ID+1 {
		t.Errorf("c, deaf, after a's write: %d reads, %+v", reads, got.Content)
	}

	// (c) b's listener is cut off: b reads on every request, and once more
	// after it is back (what was notified meanwhile is lost).
	modelstest.Sync(t, a, b)
	steady("before the cut", b, kvB)
	downs, _, next := b.LiveEvents("down")
	if err := a.DB().Exec("SELECT pg_terminate_backend(?)", pid.Load()).Error; err != nil {
		t.Fatal(err)
	}
	for {
		if n, _, _ := b.LiveEvents("down"); n > downs && !b.LiveListening() {
			break
		}
		modelstest.Await(t, next, "the listener to go down")
		_, _, next = b.LiveEvents("down")
	}
	for range 2 {
		if _, reads := state(b, kvB); reads != 2 {
			t.Errorf("while not listening: %d reads, want 2", reads)
		}
	}
	write(a, "live-four")
	lost, _ := state(b, kvB)
	write(a, "live-five")
	if err := kvA.Set("one", []byte("fifth"), time.Hour); err != nil {
		t.Fatal(err)
	}
	_, _, next = b.LiveEvents("")
	gate <- struct{}{}
	awaitConnected()
	if got, reads := state(b, kvB); reads != 1 || got.Content.ID <= lost.Content.ID || string(got.Session) != "fifth" {
		t.Errorf("after reconnecting: %d reads, %+v (before %+v)", reads, got, lost)
	}
	st = steady("reconnected", b, kvB)

	// (d) An outbox writer in flight elsewhere: nothing read is kept.
	raw, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close(context.Background())
	tx, err := raw.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock_shared($1)", models.OutboxWriterLock); err != nil {
		t.Fatal(err)
	}
	write(a, "live-six")
	modelstest.Sync(t, a, b)
	for range 2 {
		if got, reads := state(b, kvB); reads != 2 || got.Content.Settled || got.Content.ID <= st.Content.ID {
			t.Errorf("with a writer in flight: %d reads, %+v", reads, got.Content)
		}
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if got, reads := state(b, kvB); reads != 1 || !got.Content.Settled {
		t.Errorf("once it ended: %d reads, %+v", reads, got.Content)
	}
	steady("settled again", b, kvB)
}

// TestSQLiteSessionsEpoch: on SQLite a session's value is kept under the
// sessions epoch (sessions_epoch.go): any write of a session row, by any
// path or instance, is seen by the next RequestState; the expiry on the clock.
func TestSQLiteSessionsEpoch(t *testing.T) {
	ctx := t.Context()
	clock := modelstest.NewClock(time.Unix(1_900_000_000, 0))
	a := modelstest.New(t, models.SQLite).WithClock(clock.Now)
	b := models.NewStore(a.DB(), a.Dialect()).WithClock(clock.Now) // another instance's memory
	kvA, kvB := a.KV("sess:"), b.KV("sess:")
	value := func(what, want string) {
		t.Helper()
		for range 2 { // read, then kept
			st, err := b.RequestState(ctx, kvB, "one")
			if err != nil {
				t.Fatal(err)
			}
			if string(st.Session) != want {
				t.Errorf("%s: %q, want %q", what, st.Session, want)
			}
		}
	}
	value("none yet", "")
	if err := kvA.Set("one", []byte("first"), time.Minute); err != nil {
		t.Fatal(err)
	}
	value("set on a", "first")
	if err := a.DB().Exec("UPDATE kv SET value = ? WHERE key = ?", []byte("second"), "sess:one").Error; err != nil {
		t.Fatal(err)
	}
	value("plain SQL", "second")
	clock.Advance(2 * time.Minute)
	value("expired", "")
	if err := kvA.Set("one", []byte("third"), time.Hour); err != nil {
		t.Fatal(err)
	}
	value("set again", "third")
	if err := kvA.Delete("one"); err != nil {
		t.Fatal(err)
	}
	value("deleted", "")
}
