package search

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"
)

// OutboxChannel is the PostgreSQL channel the outbox trigger notifies.
const OutboxChannel = "proact_outbox"

// wakeHandler wakes the indexer on every notification, and on every
// (re)connection too: a notification sent while the connection was down is
// lost, so a new connection always re-reads the outbox.
type wakeHandler struct{ ix *Index }

func (h wakeHandler) HandleNotification(context.Context, *pgconn.Notification, *pgx.Conn) error {
	h.ix.Wake()
	return nil
}

func (h wakeHandler) HandleBacklog(context.Context, string, *pgx.Conn) error {
	h.ix.listenOnce.Do(func() { close(h.ix.listening) })
	h.ix.Wake()
	return nil
}

// Listening is closed once ListenPostgres has connected the first time.
func (ix *Index) Listening() <-chan struct{} { return ix.listening }

// ListenPostgres wakes the indexer as soon as any instance writes to the
// outbox, until ctx ends. NOTIFY is only a nudge: the poll in Run still
// catches anything missed.
func (ix *Index) ListenPostgres(ctx context.Context, databaseURL string) {
	l := &pgxlisten.Listener{
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			return pgx.Connect(ctx, databaseURL)
		},
		LogError: func(ctx context.Context, err error) {
			if ctx.Err() == nil {
				ix.log.Warn("outbox notifications", slog.Any("err", err))
			}
		},
		ReconnectDelay: 5 * time.Second,
	}
	l.Handle(OutboxChannel, wakeHandler{ix})
	if err := l.Listen(ctx); err != nil && ctx.Err() == nil {
		ix.log.Error("outbox notifications stopped", slog.Any("err", err))
	}
}
