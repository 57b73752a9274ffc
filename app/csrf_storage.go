package app

import (
	"bytes"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// lazyStorage keeps the CSRF tokens in the database (any instance checks
// them) but extends a token's expiry at most once per refresh, where
// fiber's middleware writes it again on every page a signed-in person
// reads: a durable write per page cost more than the page. A token written
// by this instance less than refresh ago with the same value is not written
// again; it expires at most refresh sooner than it would have.
type lazyStorage struct {
	fiber.Storage
	refresh time.Duration
	now     func() time.Time

	mu      sync.Mutex
	written map[string]lazyWrite
}

type lazyWrite struct {
	val []byte
	at  time.Time
}

// maxLazyKeys bounds the memory of recent writes; past it, it starts again.
const maxLazyKeys = 100_000

func newLazyStorage(s fiber.Storage, refresh time.Duration, now func() time.Time) *lazyStorage {
	return &lazyStorage{Storage: s, refresh: refresh, now: now, written: map[string]lazyWrite{}}
}

func (l *lazyStorage) Set(key string, val []byte, exp time.Duration) error {
	now := l.now()
	l.mu.Lock()
	w, ok := l.written[key]
	l.mu.Unlock()
	if ok && bytes.Equal(w.val, val) && now.Sub(w.at) < l.refresh && now.Sub(w.at) >= 0 {
		return nil
	}
	if err := l.Storage.Set(key, val, exp); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.written) >= maxLazyKeys {
		l.written = map[string]lazyWrite{}
	}
	l.written[key] = lazyWrite{val: bytes.Clone(val), at: now}
	return nil
}

func (l *lazyStorage) Delete(key string) error {
	l.mu.Lock()
	delete(l.written, key)
	l.mu.Unlock()
	return l.Storage.Delete(key)
}

func (l *lazyStorage) Reset() error {
	l.mu.Lock()
	l.written = map[string]lazyWrite{}
	l.mu.Unlock()
	return l.Storage.Reset()
}
