package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Unavailable reports whether err means that the database cannot serve at
// the moment (it is down, unreachable, too slow, read-only or out of disk),
// rather than that the request was wrong. The web layer answers such errors
// with 503 and Retry-After; a retry later may well succeed.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connectErr) || errors.As(err, &netErr) || pgconn.Timeout(err) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "53"), // insufficient resources: disk full, too many connections
			strings.HasPrefix(pgErr.Code, "57"), // operator intervention: statement timeout, shutdown
			strings.HasPrefix(pgErr.Code, "58"), // system error: I/O
			pgErr.Code == "25006",               // read-only transaction (a standby, or read-only on purpose)
			pgErr.Code == "55P03",               // lock not available (lock_timeout)
			pgErr.Code == "55000" && strings.Contains(pgErr.Message, "connections"):
			return true
		}
		return false
	}
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		switch coded.Code() & 0xff { // SQLite's primary result code
		case 5, 6, 7, 8, 10, 11, 13, 14, 26: // BUSY, LOCKED, NOMEM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, NOTADB
			return true
		}
		return false
	}
	// database/sql says so only in words.
	msg := err.Error()
	return strings.Contains(msg, "sql: database is closed") || strings.Contains(msg, "conn closed") ||
		strings.Contains(msg, "closed pool")
}
