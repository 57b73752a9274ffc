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

	// Public pages.
	app.Get("/", markRoute, h.home)
	app.Get("/language/:code", markRoute, h.setLanguage)
	app.Get("/search", markRoute, h.search)
	app.Get("/practices", markRoute, h.listPractices)
	app.Get("/practices/:slug", markRoute, h.showPractice) // also /practices/{slug}.md

	// JSON API, documented in /api/openapi.json.
	app.Get("/api/openapi.json", markRoute, h.openAPI)
	api := app.Group("/api/v1")
	api.Get("/practices", markRoute, h.apiListPractices)
	api.Get("/practices/:slug", markRoute, h.apiShowPractice)

	// Anything else is a 404 page (or JSON error under /api).
	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}
