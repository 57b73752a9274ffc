package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/utils"

	"proact/models"
)

// contentSecurityPolicy allows nothing from other origins: every asset is
// served by the portal. Pico draws some icons as data: SVGs.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; " +
	"script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// requestLog writes one structured line per request. It never logs query
// strings, bodies, cookies or headers: they can hold passwords and tokens.
func (h *handlers) requestLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		// The error handler has not run yet: take the status it will give.
		status = statusOf(err)
	}
	route := routeName(c, status)
	d := time.Since(start)
	h.metrics.observe(methodName(c.Method()), route, status, d)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	path := c.Path()
	if strings.Contains(route, ":token") {
		path = route // invitation and reset links are secrets: keep them out of logs
	}
	h.log.LogAttrs(c.UserContext(), level, "request",
		slog.String("id", requestID(c)),
		slog.String("method", c.Method()),
		slog.String("route", route),
		slog.String("path", path),
		slog.Int("status", status),
		slog.Float64("ms", float64(d.Microseconds())/1000),
		slog.String("ip", c.IP()),
	)
	return err
}

// routeName is the route pattern ("/practices/:slug"), never the raw path, so
// metrics stay bounded whatever URLs clients try, and a label is always
// valid UTF-8 (Prometheus panics on anything else): patterns come from
// routes.go, never from the request.
func routeName(c *fiber.Ctx, status int) string {
	if r, ok := c.Locals(localRoute).(string); ok {
		return r
	}
	if status == fiber.StatusNotFound {
		return "unmatched"
	}
	if r := c.Route(); r != nil && r.Path != "/" && r.Path != "" && utf8.ValidString(r.Path) {
		return r.Path // a prefix of app.Use ("/static"), from the code
	}
	return "other"
}

// knownMethods are the methods that get a metric label of their own; any
// other token a client sends is counted as OTHER.
var knownMethods = map[string]bool{
	fiber.MethodGet: true, fiber.MethodHead: true, fiber.MethodPost: true, fiber.MethodPut: true,
	fiber.MethodPatch: true, fiber.MethodDelete: true, fiber.MethodOptions: true,
	fiber.MethodConnect: true, fiber.MethodTrace: true,
}

func methodName(m string) string {
	if knownMethods[m] {
		return m
	}
	return "OTHER"
}

func requestID(c *fiber.Ctx) string {
	if id, ok := c.Locals("requestid").(string); ok {
		return id
	}
	return ""
}

// markRoute records the matched route pattern for logs and metrics; Fiber's
// own c.Route() is that of the last middleware once the stack unwinds.
func markRoute(c *fiber.Ctx) error {
	c.Locals(localRoute, c.Route().Path)
	return c.Next()
}

// urlLimit refuses URLs longer than maxURLBytes with 414: no page of the
// portal needs one, and they would only fill logs and caches.
func (h *handlers) urlLimit(c *fiber.Ctx) error {
	if len(c.Request().RequestURI()) > maxURLBytes {
		return fiber.ErrRequestURITooLong
	}
	return c.Next()
}

func (h *handlers) recoverer() fiber.Handler {
	return recover.New(recover.Config{
		EnableStackTrace: true,
		StackTraceHandler: func(c *fiber.Ctx, e any) {
			h.log.Error("panic", "id", requestID(c), "panic", fmt.Sprint(e), "stack", string(debug.Stack()))
		},
	})
}

func securityHeaders() fiber.Handler {
	return helmet.New(helmet.Config{
		ContentSecurityPolicy:     contentSecurityPolicy,
		XFrameOptions:             "DENY",
		ReferrerPolicy:            "strict-origin-when-cross-origin",
		CrossOriginEmbedderPolicy: "require-corp",
		CrossOriginOpenerPolicy:   "same-origin",
		CrossOriginResourcePolicy: "same-origin",
		PermissionPolicy:          "camera=(), microphone=(), geolocation=()",
		XSSProtection:             "0",
		ContentTypeNosniff:        "nosniff",
	})
}

// saneInput refuses requests whose query or form carries NUL bytes or text
// that is not UTF-8: no field can hold them (PostgreSQL rejects both), so
// they are answered here with a clear 400 instead of failing deeper down.
func saneInput(c *fiber.Ctx) error {
	bad := false
	check := func(k, v []byte) {
		if !utf8.Valid(v) || bytes.IndexByte(v, 0) >= 0 || !utf8.Valid(k) || bytes.IndexByte(k, 0) >= 0 {
			bad = true
		}
	}
	c.Context().QueryArgs().VisitAll(check)
	if !utf8.ValidString(c.Path()) || strings.IndexByte(c.Path(), 0) >= 0 {
		bad = true
	}
	if ct := string(c.Request().Header.ContentType()); strings.HasPrefix(ct, fiber.MIMEApplicationForm) {
		c.Context().PostArgs().VisitAll(check)
	} else if strings.HasPrefix(ct, fiber.MIMEMultipartForm) {
		if form, err := c.MultipartForm(); err == nil {
			for k, vs := range form.Value {
				for _, v := range vs {
					check([]byte(k), []byte(v))
				}
			}
		}
	}
	if bad {
		return fiber.ErrBadRequest
	}
	return c.Next()
}

// language picks the interface language and the viewer for the request.
func (h *handlers) language(c *fiber.Ctx) error {
	c.Locals(localLocalizer, h.tr.Negotiate(c.Cookies(langCookie), c.Get(fiber.HeaderAcceptLanguage)))
	c.Vary(fiber.HeaderAcceptLanguage, fiber.HeaderCookie)
	return c.Next()
}

// requestDeadline gives the request's context a deadline, which every store
// call passes on to the database: on a hung or frozen database a request
// fails within Limits.DatabaseTimeout with 503, instead of holding its
// connection and its client for minutes.
func (h *handlers) requestDeadline(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), h.cfg.Limits.DatabaseTimeout)
	renewed := &[]context.CancelFunc{cancel}
	defer func() {
		for _, cancel := range *renewed {
			cancel()
		}
	}()
	c.Locals(localDeadlines, renewed)
	c.SetUserContext(ctx)
	return c.Next()
}

// localDeadlines holds the request's deadlines to release at its end
// (*[]context.CancelFunc): the first, and each renewal.
const localDeadlines = "proact.deadlines"

// renewDeadline gives the request's later database calls the whole
// database timeout again, from now. Password hashing (argon2) is CPU work
// that a busy machine makes slow, not a database call: it must not use up
// the time the database is given, or a password change (three hashes) on a
// loaded machine ran past the deadline and answered 503, having changed
// nothing. The context keeps its values.
func (h *handlers) renewDeadline(c *fiber.Ctx) {
	renewed, ok := c.Locals(localDeadlines).(*[]context.CancelFunc)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), h.cfg.Limits.DatabaseTimeout)
	*renewed = append(*renewed, cancel)
	c.SetUserContext(ctx)
}

// hashPassword and checkPassword are the hasher's, with the request's
// database deadline renewed after the hash (renewDeadline).
func (h *handlers) hashPassword(c *fiber.Ctx, password string) (string, error) {
	defer h.renewDeadline(c)
	return h.hasher.Hash(password)
}

func (h *handlers) checkPassword(c *fiber.Ctx, password, hash string) bool {
	defer h.renewDeadline(c)
	return h.hasher.Check(password, hash)
}

// identify loads the signed-in user and their organisation (whose suspension
// stops their writing at once): from a personal API token under /api/ (a
// cookie is never read there: no CSRF token protects the API), from the
// session cookie elsewhere. A database error is returned, never taken for
// "signed out" or "suspended": the request fails with 503.
func (h *handlers) identify(c *fiber.Ctx) error {
	var (
		u   *models.User
		err error
	)
	if strings.HasPrefix(c.Path(), "/api/") {
		auth := c.Get(fiber.HeaderAuthorization)
		if auth == "" {
			return c.Next() // a visitor, whatever cookies the browser sends
		}
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			return fiber.ErrUnauthorized
		}
		if u, err = h.store.UserByAPIToken(c.UserContext(), strings.TrimSpace(token)); err != nil {
			if errors.Is(err, models.ErrNotFound) {
				return fiber.ErrUnauthorized
			}
			return err
		}
	} else {
		id := c.Cookies(sessionCookie)
		if id == "" {
			return c.Next() // no session: an anonymous visitor, no database read
		}
		// One round trip: the content version (for the page cache), the
		// accounts epoch and the session's stored value; with them a kept
		// identity may answer (identity.go).
		st, err := h.store.RequestState(c.UserContext(), h.sessionKV, id)
		switch {
		case err == nil:
			c.Locals(localContentVersion, st.Content)
			if h.cachedIdentity(c, st, id) {
				return c.Next()
			}
		case models.Unavailable(err):
			return err
		default:
			h.log.Warn("request state", "id", requestID(c), "err", err)
			st = models.RequestState{} // not kept
		}
		sess, err := h.sessions.Get(c)
		if err != nil {
			if models.Unavailable(err) {
				return err
			}
			// Data of another version that no longer decodes: no session.
			h.log.Warn("unreadable session", "id", requestID(c), "err", err)
			return c.Next()
		}
		flash, _ := sess.Get(sessFlash).(string)
		c.Locals(localFlash, flash != "")
		if u, err = h.sessionUser(c, sess); err != nil {
			return err
		}
		if u == nil {
			return c.Next()
		}
		org, err := h.userOrganisation(c, u)
		if err != nil {
			return err
		}
		h.rememberIdentity(st, id, u, org)
		c.Locals(localUser, u)
		c.Locals(localOrg, org)
		c.Locals(localViewer, viewerOf(u, org))
		return c.Next()
	}
	org, err := h.userOrganisation(c, u)
	if err != nil {
		return err
	}
	c.Locals(localUser, u)
	c.Locals(localOrg, org)
	c.Locals(localViewer, viewerOf(u, org))
	return c.Next()
}

// userOrganisation is u's organisation row, nil when none.
func (h *handlers) userOrganisation(c *fiber.Ctx, u *models.User) (*models.Organisation, error) {
	if u.OrganisationID == nil {
		return nil, nil
	}
	org, err := h.store.OrganisationRow(c.UserContext(), *u.OrganisationID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return org, err
}

// rateLimit limits each client IP (the real one: forwarded headers are read
// only from PROACT_TRUSTED_PROXIES) on writes, the API and search, to
// Limits.Requests per Limits.RequestWindow. The counters are in this
// instance's memory: a durable write per request cost more than the page,
// and a counter that could not be written let everything through. Behind N
// instances a client may so send N times as much; the throttles of sign-in,
// two-factor codes, resets and links count in the database and hold across
// instances (throttle.go).
func (h *handlers) rateLimit() fiber.Handler {
	return limiter.New(limiter.Config{
		Max:          h.cfg.Limits.Requests,
		Expiration:   h.cfg.Limits.RequestWindow,
		KeyGenerator: func(c *fiber.Ctx) string { return utils.CopyString(c.IP()) },
		Next: func(c *fiber.Ctx) bool {
			p := c.Path()
			safe := c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead
			return safe && !strings.HasPrefix(p, "/api/") && p != "/search"
		},
		LimitReached: func(c *fiber.Ctx) error { return errTooManyRequests },
	})
}
