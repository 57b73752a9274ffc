package models

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"
	"gorm.io/gorm"
)

// The request state kept in memory (PostgreSQL). Every page a request
// serves from the page cache needs the content version, and a member's the
// accounts epoch and their session's stored value too (RequestState). Read
// from the server on every request, that round trip (with its pg_locks
// check) was the cost of a cached page and, with the server's backends
// competing for the cores, its tail latency. So each instance keeps the
// three in memory while it hears of every change through LISTEN/NOTIFY
// (Store.Listen): the outbox trigger notifies proact_outbox, the accounts
// epoch's trigger proact_accounts and the session rows' triggers
// proact_sessions with the row's key (migration 00018).
//
// The consistency this gives, for the content version, the accounts epoch
// and a session's value (and so for the page and identity caches built on
// them):
//   - a write of this instance is seen by this instance's next request:
//     every write statement and transaction through this gorm.DB (GORM's
//     create, update, delete and raw (Exec) callbacks, and Store.WithTx;
//     the one write read back with Raw().Scan, of failure_counts, is of no
//     table of the state) marks the
//     kept state unusable while it runs and invalid once it has ended
//     (committed or not), before the call that wrote returns;
//   - a write of another instance is seen here once its notification has
//     arrived (notifications are sent at commit and delivered in commit
//     order), and in any case within liveMaxAge, after which the state is
//     read again: a connection that died without an error (a silent
//     network) cannot keep a stale state for longer;
//   - while the listener is not connected (start-up, a lost connection,
//     reconnecting) nothing kept is used: every request reads the server,
//     as without this; after each (re)connection, once every channel is
//     listened to, the state is read again (what was sent while down is
//     lost);
//   - a state is kept only when it was read settled (no outbox writer in
//     flight: ContentVersion's pg_locks rule), and only if nothing
//     invalidated it while it was being read;
//   - a session's value is kept with its expiry, which is checked on the
//     store's clock on every use, as the query did (the idle timeout); the
//     absolute timeout and the touch are the identity cache's, from the
//     value's own times. A sign-out, an expiry sweep, a new id or a touch on
//     any instance deletes or writes the row, which notifies.
//
// SQLite (one writer, usually one instance, a local read of microseconds)
// keeps reading per request.
type live struct {
	listening atomic.Bool
	pending   atomic.Int64  // this instance's write statements or transactions running
	gen       atomic.Uint64 // moved by every invalidation of the content and accounts
	sessGen   atomic.Uint64 // moved by every invalidation of any session's value
	reads     atomic.Uint64 // reads of the state from the server (tests)
	maxAge    time.Duration

	mu       sync.Mutex
	have     bool
	at       uint64 // gen of the kept state
	readAt   time.Time
	content  ContentVersion
	accounts int64
	sessions map[string]liveSession
	// events counts the notifications received per channel (tests wait on
	// changed, which is closed and replaced on every one).
	events  map[string]uint64
	payload map[string]string // the last payload per channel
	changed chan struct{}
}

// liveSession is a session's stored value (nil: none) and its expiry.
type liveSession struct {
	value     []byte
	expiresAt int64
	readAt    time.Time
}

// liveMaxAge bounds how long a state is used without a read (see above).
const liveMaxAge = 5 * time.Second

// maxLiveSessions bounds the sessions kept; past it they are dropped.
const maxLiveSessions = 20000

// Channels of the notifications the state follows (migration 00018);
// LiveSyncChannel carries nothing but a payload to wait for (tests:
// notifications arrive in commit order, so when an instance has heard one
// sent after a write, it has heard the write's).
const (
	liveOutboxChannel   = "proact_outbox"
	liveAccountsChannel = "proact_accounts"
	liveSessionsChannel = "proact_sessions"
	LiveSyncChannel     = "proact_sync"
)

var liveChannels = []string{liveOutboxChannel, liveAccountsChannel, liveSessionsChannel, LiveSyncChannel}

// lives holds the state of each gorm.DB (one instance's connection pool):
// every Store on it shares it, and its callbacks see every write through it.
var lives sync.Map // *gorm.Config → *live

// liveFor returns the state of db, registering its write callbacks on
// first use.
func liveFor(db *gorm.DB) *live {
	if l, ok := lives.Load(db.Config); ok {
		return l.(*live)
	}
	l := &live{maxAge: liveMaxAge, sessions: map[string]liveSession{}, events: map[string]uint64{},
		payload: map[string]string{}, changed: make(chan struct{})}
	if prev, loaded := lives.LoadOrStore(db.Config, l); loaded {
		return prev.(*live)
	}
	const key = "proact:live"
	before := func(db *gorm.DB) {
		// Inside a transaction of WithTx: its end is counted there.
		if _, inTx := db.Statement.ConnPool.(gorm.TxCommitter); inTx {
			return
		}
		db.InstanceSet(key, true)
		l.pending.Add(1)
	}
	after := func(db *gorm.DB) {
		if _, ok := db.InstanceGet(key); ok {
			l.wrote()
		}
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Create().Before("gorm:begin_transaction").Register("proact:live_before_create", before),
		cb.Create().After("gorm:commit_or_rollback_transaction").Register("proact:live_after_create", after),
		cb.Update().Before("gorm:begin_transaction").Register("proact:live_before_update", before),
		cb.Update().After("gorm:commit_or_rollback_transaction").Register("proact:live_after_update", after),
		cb.Delete().Before("gorm:begin_transaction").Register("proact:live_before_delete", before),
		cb.Delete().After("gorm:commit_or_rollback_transaction").Register("proact:live_after_delete", after),
		cb.Raw().Before("gorm:raw").Register("proact:live_before_raw", before),
		cb.Raw().After("gorm:raw").Register("proact:live_after_raw", after),
	} {
		if err != nil {
			// Without its callbacks the state could miss a local write:
			// never use it (listening stays false).
			panic(fmt.Sprintf("models: registering the request state's callbacks: %v", err))
		}
	}
	return l
}

// wrote ends one write of this instance: everything kept may be older than
// it (invalid first, then no longer pending, so that no request in between
// takes the old state).
func (l *live) wrote() {
	l.invalidate()
	l.pending.Add(-1)
}

// usable says whether kept state may answer at all now.
func (l *live) usable() bool { return l.listening.Load() && l.pending.Load() == 0 }

// token is what a read of the state began under: it is kept only if none
// of it moved meanwhile.
type liveToken struct {
	ok           bool
	gen, sessGen uint64
}

func (l *live) begin() liveToken {
	t := liveToken{ok: l.usable(), gen: l.gen.Load(), sessGen: l.sessGen.Load()}
	return t
}

// state returns the kept content version and accounts epoch, if usable.
func (l *live) state() (ContentVersion, int64, bool) {
	if !l.usable() {
		return ContentVersion{}, 0, false
	}
	g := l.gen.Load()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.have || l.at != g || time.Since(l.readAt) > l.maxAge {
		return ContentVersion{}, 0, false
	}
	return l.content, l.accounts, true
}

// session returns the kept value of the session key at now (Unix seconds),
// if usable. The value is shared: callers must not change it.
func (l *live) session(key string, now int64) ([]byte, bool) {
	if !l.usable() {
		return nil, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.sessions[key]
	if !ok || time.Since(s.readAt) > l.maxAge {
		return nil, false
	}
	if s.expiresAt != 0 && s.expiresAt <= now {
		return nil, true // expired: as the query, none
	}
	return s.value, true
}

// keepState keeps what a read begun under t found.
func (l *live) keepState(t liveToken, v ContentVersion, accounts int64, readAt time.Time) {
	if !t.ok || !v.Settled {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gen.Load() != t.gen || !l.usable() {
		return
	}
	l.have, l.at, l.readAt, l.content, l.accounts = true, t.gen, readAt, v, accounts
}

// keepSession keeps a session's value read under t.
func (l *live) keepSession(t liveToken, key string, value []byte, expiresAt int64, readAt time.Time) {
	if !t.ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sessGen.Load() != t.sessGen || !l.usable() {
		return
	}
	if len(l.sessions) >= maxLiveSessions {
		clear(l.sessions)
	}
	l.sessions[key] = liveSession{value: value, expiresAt: expiresAt, readAt: readAt}
}

// down: the listener is not connected; nothing kept is used until it is
// again, and read again then.
func (l *live) down() {
	l.listening.Store(false)
	l.invalidate()
	l.event("down", "")
}

func (l *live) invalidate() {
	l.gen.Add(1)
	l.sessGen.Add(1)
	l.mu.Lock()
	l.have = false
	clear(l.sessions)
	l.mu.Unlock()
}

// event records a notification (or a (re)connection, channel "") for the
// tests that wait for one.
func (l *live) event(channel, payload string) {
	l.mu.Lock()
	l.events[channel]++
	l.payload[channel] = payload
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// liveHandler applies the notifications of one listener connection.
type liveHandler struct {
	l *live
	// backlog counts the channels listened to on this connection: the
	// state is used only once all of them are.
	backlog *atomic.Int32
}

func (h liveHandler) HandleNotification(_ context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
	l := h.l
	switch n.Channel {
	case liveOutboxChannel, liveAccountsChannel:
		l.gen.Add(1)
		l.mu.Lock()
		l.have = false
		l.mu.Unlock()
	case liveSessionsChannel:
		l.sessGen.Add(1)
		l.mu.Lock()
		if n.Payload == "" {
			clear(l.sessions)
		} else {
			delete(l.sessions, n.Payload)
		}
		l.mu.Unlock()
	}
	l.event(n.Channel, n.Payload)
	return nil
}

func (h liveHandler) HandleBacklog(context.Context, string, *pgx.Conn) error {
	if int(h.backlog.Add(1)) == len(liveChannels) {
		// Listening to every channel: what was missed is read again.
		h.l.invalidate()
		h.l.listening.Store(true)
		h.l.event("", "")
	}
	return nil
}

// Listen keeps this instance's request state in memory while a connection
// listens to its notifications, until ctx ends (see live above). Without
// it, or on SQLite, every request reads the state from the database.
// onError is told of each lost or failed connection (it reconnects after
// reconnect).
func (s *Store) Listen(ctx context.Context, databaseURL string, reconnect time.Duration, onError func(error)) error {
	return s.listen(ctx, func(ctx context.Context) (*pgx.Conn, error) { return pgx.Connect(ctx, databaseURL) }, reconnect, onError)
}

// listen is Listen connecting with connect (tests hold it back).
func (s *Store) listen(ctx context.Context, connect func(context.Context) (*pgx.Conn, error), reconnect time.Duration, onError func(error)) error {
	if s.live == nil {
		return nil
	}
	l := s.live
	backlog := &atomic.Int32{}
	ln := &pgxlisten.Listener{
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			l.down()
			backlog.Store(0)
			return connect(ctx)
		},
		LogError: func(ctx context.Context, err error) {
			l.down()
			if ctx.Err() == nil && onError != nil {
				onError(err)
			}
		},
		ReconnectDelay: reconnect,
	}
	for _, ch := range liveChannels {
		ln.Handle(ch, liveHandler{l: l, backlog: backlog})
	}
	err := ln.Listen(ctx)
	l.down()
	return err
}

// LiveEvents reports how many notifications of channel this instance has
// received ("" counts the connections that listen to every channel), the
// last one's payload ("down" counts the times it stopped listening), and a channel closed at the next one (tests).
func (s *Store) LiveEvents(channel string) (n uint64, payload string, next <-chan struct{}) {
	if s.live == nil {
		return 0, "", nil
	}
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	return s.live.events[channel], s.live.payload[channel], s.live.changed
}

// LiveReads reports how often this instance read its request state from the
// server (tests: in the steady state, with the listener connected, none).
func (s *Store) LiveReads() uint64 {
	if s.live == nil {
		return 0
	}
	return s.live.reads.Load()
}

// LiveListening says whether the kept request state may answer.
func (s *Store) LiveListening() bool { return s.live != nil && s.live.listening.Load() }

// NotifySync sends payload on LiveSyncChannel (tests: once an instance has
// received it, it has received every notification of a write committed
// before).
func (s *Store) NotifySync(ctx context.Context, payload string) error {
	return s.conn(ctx).Exec("SELECT pg_notify(?, ?)", LiveSyncChannel, payload).Error
}

// readState reads the content version, the accounts epoch and, when key is
// not empty, the session row's value and expiry in one statement
// (PostgreSQL; as ContentVersion for the pg_locks rule).
func (s *Store) readState(ctx context.Context, key string) (st RequestState, value []byte, expiresAt int64, err error) {
	q := `SELECT COALESCE((SELECT MAX(id) FROM outbox), 0), NOT EXISTS (
SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = $1 AND objsubid = 1
AND database = (SELECT oid FROM pg_database WHERE datname = current_database())),
(SELECT n FROM accounts_epoch WHERE id = 1), kv.value, COALESCE(kv.expires_at, 0)
FROM (SELECT 1) AS one LEFT JOIN kv ON kv.key = $2`
	var (
		id64     int64
		accounts sql.NullInt64
	)
	rows, err := s.conn(ctx).Statement.ConnPool.QueryContext(ctx, q, outboxWriterLock, key)
	if err == nil {
		if rows.Next() {
			err = rows.Scan(&id64, &st.Content.Settled, &accounts, &value, &expiresAt)
		} else if err = rows.Err(); err == nil {
			err = sql.ErrNoRows
		}
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return RequestState{}, nil, 0, err
	}
	st.Content.ID, st.Accounts = uint64(id64), accounts.Int64
	return st, value, expiresAt, nil
}

// liveState answers RequestState and ContentVersion on PostgreSQL: from
// memory when it may, else from one read, kept for the next requests when
// it may (see live). key is the session row's key, "" for none.
func (s *Store) liveState(ctx context.Context, key string, now int64) (RequestState, error) {
	l := s.live
	v, accounts, ok := l.state()
	var (
		session     []byte
		haveSession = key == ""
	)
	if ok && key != "" {
		session, haveSession = l.session(key, now)
	}
	if ok && haveSession {
		return RequestState{Content: v, Accounts: accounts, Session: session}, nil
	}
	t := l.begin()
	readAt := time.Now()
	l.reads.Add(1)
	st, value, expiresAt, err := s.readState(ctx, key)
	if err != nil {
		return RequestState{}, err
	}
	l.keepState(t, st.Content, st.Accounts, readAt)
	if key != "" {
		if isSessionKey(key) {
			l.keepSession(t, key, value, expiresAt, readAt)
		}
		if value != nil && (expiresAt == 0 || expiresAt > now) {
			st.Session = value
		}
	}
	return st, nil
}

// isSessionKey says whether key is a session row's (the triggers of 00018
// notify for those only).
func isSessionKey(key string) bool { return strings.HasPrefix(key, "sess:") }
