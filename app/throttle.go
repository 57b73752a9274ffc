package app

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/app/config"
	"proact/models"
)

// throttle counts failed attempts per key (an IP address, an account) in the
// database, so that every instance counts together. A key is blocked once it
// reaches max failures within the window, until the window ends.
type throttle struct {
	kv     *models.KV
	max    int
	window time.Duration
	now    func() time.Time
}

type attempts struct {
	Count int       `json:"n"`
	Reset time.Time `json:"r"`
}

func (t throttle) read(key string) attempts {
	var a attempts
	if data, err := t.kv.Get(key); err == nil && data != nil {
		_ = json.Unmarshal(data, &a)
	}
	if t.now().After(a.Reset) {
		return attempts{}
	}
	return a
}

// Blocked reports whether key is blocked, and for how long still.
func (t throttle) Blocked(key string) (bool, time.Duration) {
	a := t.read(key)
	if a.Count >= t.max {
		return true, a.Reset.Sub(t.now())
	}
	return false, 0
}

// Fail records a failed attempt.
func (t throttle) Fail(key string) {
	a := t.read(key)
	if a.Count == 0 {
		a.Reset = t.now().Add(t.window)
	}
	a.Count++
	data, _ := json.Marshal(a)
	_ = t.kv.Set(key, data, a.Reset.Sub(t.now())+time.Second)
}

// Clear forgets the failures of key (after a success).
func (t throttle) Clear(key string) { _ = t.kv.Delete(key) }

// throttles are the limits on guessing: per account and per IP address, for
// sign-in (password and two-factor codes), password reset and invitations.
type throttles struct {
	account throttle
	ip      throttle
}

func newThrottles(store *models.Store, cfg config.Config) throttles {
	l := cfg.Limits
	return throttles{
		account: throttle{kv: store.KV("fail:acct:"), max: l.AccountFailures, window: l.FailureWindow, now: cfg.Now},
		ip:      throttle{kv: store.KV("fail:ip:"), max: l.IPFailures, window: l.FailureWindow, now: cfg.Now},
	}
}

// check answers 429 with a translated message saying when to try again when
// either the IP address or the account is blocked.
func (h *handlers) checkThrottle(c *fiber.Ctx, scope, account string) error {
	keys := []struct {
		t   throttle
		key string
	}{{h.throttles.ip, scope + ":" + c.IP()}}
	if account != "" {
		keys = append(keys, struct {
			t   throttle
			key string
		}{h.throttles.account, scope + ":" + strings.ToLower(account)})
	}
	for _, k := range keys {
		if blocked, wait := k.t.Blocked(k.key); blocked {
			minutes := int(math.Ceil(wait.Minutes()))
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			h.log.Warn("throttled", "scope", scope, "ip", c.IP(), "id", requestID(c))
			return &throttledError{Minutes: max(minutes, 1)}
		}
	}
	return nil
}

// failThrottle counts a failure against the IP address and the account.
func (h *handlers) failThrottle(c *fiber.Ctx, scope, account string) {
	h.throttles.ip.Fail(scope + ":" + c.IP())
	if account != "" {
		h.throttles.account.Fail(scope + ":" + strings.ToLower(account))
	}
}

// clearThrottle forgets an account's failures after it succeeded.
func (h *handlers) clearThrottle(scope, account string) {
	if account != "" {
		h.throttles.account.Clear(scope + ":" + strings.ToLower(account))
	}
}

// throttledError is a 429 whose message says when to try again.
type throttledError struct{ Minutes int }

func (e *throttledError) Error() string { return "throttled" }
