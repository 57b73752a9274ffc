package app

import (
	"context"
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
// reaches max failures within the window, until the window ends. Each failure
// is one atomic increment (models.Store.CountFailure), so parallel guesses all
// count; a count that cannot be read or written fails the request (503):
// a throttle that lets guesses through when its database falters is none.
type throttle struct {
	store  *models.Store
	prefix string
	max    int
	window time.Duration
	now    func() time.Time
}

// Blocked reports whether key is blocked, and for how long still.
func (t throttle) Blocked(ctx context.Context, key string) (bool, time.Duration, error) {
	f, err := t.store.Failures(ctx, t.prefix+key)
	if err != nil {
		return false, 0, err
	}
	if f.N >= t.max {
		return true, f.Reset.Sub(t.now()), nil
	}
	return false, 0, nil
}

// Fail records a failed attempt.
func (t throttle) Fail(ctx context.Context, key string) error {
	_, err := t.store.CountFailure(ctx, t.prefix+key, t.window)
	return err
}

// Clear forgets the failures of key (after a success).
func (t throttle) Clear(ctx context.Context, key string) error {
	return t.store.ClearFailures(ctx, t.prefix+key)
}

// throttles are the limits on guessing: per account and per IP address, for
// sign-in (password and two-factor codes), password reset and invitations.
type throttles struct {
	account throttle
	ip      throttle
}

func newThrottles(store *models.Store, cfg config.Config) throttles {
	l := cfg.Limits
	return throttles{
		account: throttle{store: store, prefix: "acct:", max: l.AccountFailures, window: l.FailureWindow, now: cfg.Now},
		ip:      throttle{store: store, prefix: "ip:", max: l.IPFailures, window: l.FailureWindow, now: cfg.Now},
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
		blocked, wait, err := k.t.Blocked(c.UserContext(), k.key)
		if err != nil {
			return h.throttleUnavailable(c, scope, err)
		}
		if blocked {
			minutes := int(math.Ceil(wait.Minutes()))
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			h.log.Warn("throttled", "scope", scope, "ip", c.IP(), "id", requestID(c))
			return &throttledError{Minutes: max(minutes, 1)}
		}
	}
	return nil
}

// failThrottle counts a failure against the IP address and the account;
// an error (the count could not be written) must fail the request.
func (h *handlers) failThrottle(c *fiber.Ctx, scope, account string) error {
	if err := h.throttles.ip.Fail(c.UserContext(), scope+":"+c.IP()); err != nil {
		return h.throttleUnavailable(c, scope, err)
	}
	if account != "" {
		if err := h.throttles.account.Fail(c.UserContext(), scope+":"+strings.ToLower(account)); err != nil {
			return h.throttleUnavailable(c, scope, err)
		}
	}
	return nil
}

// clearThrottle forgets an account's failures after it succeeded. A count
// that cannot be cleared only makes the person wait out the window: logged.
func (h *handlers) clearThrottle(c *fiber.Ctx, scope, account string) {
	if account == "" {
		return
	}
	if err := h.throttles.account.Clear(c.UserContext(), scope+":"+strings.ToLower(account)); err != nil {
		h.log.Error("throttle", "err", err, "scope", scope, "id", requestID(c))
	}
}

// errThrottleUnavailable: the failure counts could not be read or written,
// so the attempt is refused rather than let through uncounted.
var errThrottleUnavailable = fiber.NewError(fiber.StatusServiceUnavailable, "throttle unavailable")

func (h *handlers) throttleUnavailable(c *fiber.Ctx, scope string, err error) error {
	h.log.Error("throttle unavailable: attempt refused", "err", err, "scope", scope, "id", requestID(c))
	c.Set(fiber.HeaderRetryAfter, "30")
	return errThrottleUnavailable
}

// throttledError is a 429 whose message says when to try again.
type throttledError struct{ Minutes int }

func (e *throttledError) Error() string { return "throttled" }
