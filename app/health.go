package app

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/search"
)

// healthz says the process is alive.
func (h *handlers) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz says whether this instance can serve: the database answers and
// takes a write (a full disk, a standby after a failover, revoked rights
// let reads through but no form), and the search index is open. A load balancer stops sending traffic on 503. While
// the index is rebuilt at start, pages are served (/healthz says alive) but
// readiness waits, saying why.
func (h *handlers) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	checks := fiber.Map{"database": "ok", "index": "ok"}
	status := fiber.StatusOK
	if err := h.store.Ping(ctx); err != nil {
		checks["database"], status = "unavailable", fiber.StatusServiceUnavailable
		h.log.Warn("readiness: database", "err", err)
	} else if err := h.probe.Set("probe", []byte(h.cfg.Now().UTC().Format(time.RFC3339)), time.Hour); err != nil {
		// One small committed write per probe: a rolled-back one would
		// never reach the disk that is full.
		checks["database"], status = "read-only", fiber.StatusServiceUnavailable
		h.log.Warn("readiness: database write", "err", err)
	}
	if h.index == nil {
		checks["index"], status = "unavailable", fiber.StatusServiceUnavailable
	} else if err := h.index.Ready(); err != nil {
		checks["index"], status = "unavailable", fiber.StatusServiceUnavailable
		var unavailable *search.UnavailableError
		if errors.As(err, &unavailable) {
			// Rebuilding is expected after a start on a new or damaged index:
			// say so, and how far it is, rather than log a warning.
			checks["index"], checks["reason"] = "rebuilding", unavailable.Status.Reason()
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(unavailable.RetryAfter.Seconds())))
		} else {
			h.log.Warn("readiness: index", "err", err)
		}
	}
	return c.Status(status).JSON(checks)
}
