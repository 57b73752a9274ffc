package app

import (
	"bytes"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/csrf"
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
	h.metrics.observe(c.Method(), route, status, d)
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
// metrics stay bounded whatever URLs clients try.
func routeName(c *fiber.Ctx, status int) string {
	if r, ok := c.Locals(localRoute).(string); ok {
		return r
	}
	if status == fiber.StatusNotFound {
		return "unmatched"
	}
	if r := c.Route(); r != nil && r.Path != "/" && r.Path != "" {
		return r.Path
	}
	return c.Path()
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

// identify loads the signed-in user from the session, if any, and their
// organisation (whose suspension stops their writing at once).
func (h *handlers) identify(c *fiber.Ctx) error {
	var u *models.User
	if auth := c.Get(fiber.HeaderAuthorization); strings.HasPrefix(c.Path(), "/api/") && auth != "" {
		// The API: a personal token, never a cookie.
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || token == "" {
			return fiber.ErrUnauthorized
		}
		var err error
		if u, err = h.store.UserByAPIToken(c.UserContext(), strings.TrimSpace(token)); err != nil {
			return fiber.ErrUnauthorized
		}
	} else {
		if c.Cookies(sessionCookie) == "" {
			return c.Next() // no session: an anonymous visitor, no database read
		}
		sess, err := h.sessions.Get(c)
		if err != nil {
			return c.Next()
		}
		flash, _ := sess.Get(sessFlash).(string)
		c.Locals(localFlash, flash != "")
		if u = h.sessionUser(c, sess); u == nil {
			return c.Next()
		}
	}
	var org *models.Organisation
	if u.OrganisationID != nil {
		// Its status only: whether the member may write.
		if status, err := h.store.OrganisationStatus(c.UserContext(), *u.OrganisationID); err == nil {
			org = &models.Organisation{ID: *u.OrganisationID, Status: status}
		}
	}
	c.Locals(localUser, u)
	c.Locals(localViewer, viewerOf(u, org))
	return c.Next()
}

// csrfProtection checks the token of every unsafe request. Tokens live in the
// database so that any instance can check them; forms send them in the
// _csrf field, scripts in the X-CSRF-Token header.
func (h *handlers) csrfProtection() fiber.Handler {
	return csrf.New(csrf.Config{
		Storage:        newLazyStorage(h.store.KV("csrf:"), 15*time.Minute, h.cfg.Now),
		CookieName:     "proact_csrf",
		CookieSameSite: fiber.CookieSameSiteLaxMode,
		CookieSecure:   h.cfg.SecureCookies(),
		CookieHTTPOnly: true,
		Expiration:     2 * time.Hour,
		ContextKey:     localCSRF,
		Extractor: func(c *fiber.Ctx) (string, error) {
			if tok := c.FormValue("_csrf"); tok != "" {
				return tok, nil
			}
			if tok := c.Get("X-CSRF-Token"); tok != "" {
				return tok, nil
			}
			return "", csrf.ErrTokenNotFound
		},
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			return fiber.NewError(fiber.StatusForbidden, "csrf")
		},
		Next: func(c *fiber.Ctx) bool { return !needsCSRF(c) },
	})
}

// formPages are the pages an anonymous visitor can fill in a form on; they
// need a CSRF token even without a session.
var formPages = []string{"/login", "/join", "/password", "/invitation"}

// needsCSRF says whether the CSRF middleware runs: always for unsafe methods
// (except the API, which authenticates with bearer tokens, not cookies), and
// on safe ones only where a form will need a token: for signed-in people and
// on the anonymous form pages. Anonymous reading thus never writes a token to
// the database, so crawlers cannot fill it.
func needsCSRF(c *fiber.Ctx) bool {
	path := c.Path()
	if strings.HasPrefix(path, "/api/") {
		return false
	}
	if m := c.Method(); m != fiber.MethodGet && m != fiber.MethodHead && m != fiber.MethodOptions {
		return true
	}
	if c.Cookies(sessionCookie) != "" {
		return true
	}
	for _, p := range formPages {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
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
