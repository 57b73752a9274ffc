package app

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/etag"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"proact/static"
)

// routes lists every route of the portal: the whole site on one screen.
func (h *handlers) routes(app *fiber.App) {
	// Around everything: request id, one log line and metrics, panics to
	// errors, security headers, compression.
	app.Use(requestid.New(), h.requestLog, h.recoverer(), securityHeaders(), compress.New())

	// Operations: no session, no language.
	app.Get("/healthz", markRoute, h.healthz)
	app.Get("/readyz", markRoute, h.readyz)
	app.Get("/metrics", markRoute, h.metrics.handler())

	// Static files, cached for a year (URLs carry a content hash) with ETags.
	app.Use("/static", etag.New(), filesystem.New(filesystem.Config{
		Root:   static.HTTP(),
		MaxAge: int((365 * 24 * time.Hour).Seconds()),
	}))

	// Everything else knows the reader's language and who they are.
	app.Use(h.language, h.identify, h.rateLimit(120, time.Minute), h.csrfProtection())

	// Public pages. What members may see beyond visitors is decided by the
	// store from the viewer, not by the route.
	app.Get("/", markRoute, h.home)
	app.Get("/language/:code", markRoute, h.setLanguage)
	app.Get("/search", markRoute, h.search)
	app.Get("/practices", markRoute, h.listPractices)
	app.Get("/practices/:slug", markRoute, h.showPractice) // also /practices/{slug}.md

	// Signing in and out; failures are throttled per account and per IP.
	app.Get("/login", markRoute, h.showLogin)
	app.Post("/login", markRoute, h.login)
	app.Get("/login/2fa", markRoute, h.showTwoFactor)
	app.Post("/login/2fa", markRoute, h.twoFactor)
	app.Post("/logout", markRoute, h.logout)

	// [directory] Joining the network and the directory of organisations.
	// [directory-end]

	// [account] Your own account (signed in, any role).
	// [account-end]

	// [admin] Administration: moderators and administrators, with two-factor.
	// [admin-end]

	// JSON API, documented in /api/openapi.json. Public content without a
	// token; members' content with a personal token (Authorization: Bearer).
	app.Get("/api/openapi.json", markRoute, h.openAPI)
	api := app.Group("/api/v1")
	api.Get("/practices", markRoute, h.apiListPractices)
	api.Get("/practices/:slug", markRoute, h.apiShowPractice)
	// [api]
	// [api-end]

	// Anything else is a 404 page (or JSON error under /api).
	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}
