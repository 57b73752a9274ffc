// Package app is the portal's web application: routes, handlers (one file
// per resource), middleware, page data and errors. What is not HTTP lives in
// its sub-packages, shared with the command line: config, i18n, mail, form
// and password.
package app

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/session"
	"github.com/gofiber/template/html/v2"
	"github.com/valyala/fasthttp"

	"proact/app/config"
	"proact/app/i18n"
	"proact/app/mail"
	"proact/app/password"
	"proact/content"
	"proact/models"
	"proact/search"
	"proact/static"
	"proact/views"
)

// Deps is everything the web application needs, built by main (or a test).
type Deps struct {
	Config   config.Config
	Store    *models.Store
	Index    *search.Index
	Renderer *content.Renderer
	Log      *slog.Logger
	// Hasher hashes passwords; the zero value means password.Production.
	Hasher password.Hasher
	// pages, when set, is the page cache to use (tests look into it).
	pages *pageCache
	// identities, when set, is the identity cache to use (tests).
	identities *identityCache
}

// handlers holds what every handler uses; handlers are its methods, one file
// per resource.
type handlers struct {
	views     *html.Engine // the parsed templates (render)
	cfg       config.Config
	store     *models.Store
	index     *search.Index
	renderer  *content.Renderer
	log       *slog.Logger
	tr        *i18n.Translator
	mail      *mail.Mailer
	sessions  *session.Store
	metrics   *metrics
	assets    map[string]string
	openapi   []byte
	hasher    password.Hasher
	policy    *password.Policy
	throttles throttles
	// probe is where /readyz checks that the database takes writes.
	probe *models.KV
	// csrfKey signs CSRF tokens (csrf.go); the same in every instance.
	csrfKey []byte
	// pages is the rendered-page cache (pagecache.go).
	pages *pageCache
	// sessionKV is the session storage; identities keeps who each session
	// is (identity.go).
	sessionKV  *models.KV
	identities *identityCache
	// dummyHash is checked against when an e-mail address is unknown, so that
	// the answer takes as long as for a wrong password.
	dummyHash string
}

// New builds the Fiber application. Every template is parsed here, so a
// broken template stops the start, not a request.
func New(d Deps) (*fiber.App, error) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Config.Clock != nil {
		// One clock for the handlers and the store (expiry of links,
		// sessions and keys).
		d.Store = d.Store.WithClock(d.Config.Clock)
	}
	tplFS, err := fs.Sub(views.FS, ".")
	if err != nil {
		return nil, err
	}
	engine := html.NewFileSystem(http.FS(tplFS), ".html")
	if err := engine.Load(); err != nil {
		return nil, fmt.Errorf("app: unable to parse templates: %w", err)
	}
	tr, err := i18n.Embedded()
	if err != nil {
		return nil, err
	}
	assets, err := hashAssets(static.FS)
	if err != nil {
		return nil, fmt.Errorf("app: unable to read static files: %w", err)
	}
	spec, err := openAPIJSON()
	if err != nil {
		return nil, err
	}
	h := &handlers{
		views: engine,
		cfg:   d.Config, store: d.Store, index: d.Index, renderer: d.Renderer, log: d.Log,
		tr: tr, mail: mail.New(tr, d.Config), assets: assets, openapi: spec, metrics: newMetrics(d.Store),
		hasher: d.Hasher, policy: password.NewPolicy(), throttles: newThrottles(d.Store, d.Config),
		pages: d.pages,
	}
	if h.pages == nil {
		h.pages = newPageCache(d.Config.PageCacheBytes)
	}
	h.metrics.pageCache(h.pages)
	if h.hasher.Params.Memory == 0 {
		h.hasher = password.Production()
	}
	if h.dummyHash, err = h.hasher.Hash("not a password anyone has"); err != nil {
		return nil, err
	}
	h.probe = d.Store.KV("ready:").WithTimeout(2 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), d.Config.Limits.DatabaseTimeout)
	defer cancel()
	if h.csrfKey, err = d.Store.Secret(ctx, "csrf"); err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	h.sessionKV = d.Store.KV("sess:").WithTimeout(d.Config.Limits.DatabaseTimeout)
	h.identities = d.identities
	if h.identities == nil {
		h.identities = newIdentityCache(d.Config.IdentitySessions)
	}
	h.metrics.identityCache(h.identities)
	h.sessions = session.New(session.Config{
		Storage:        h.sessionKV,
		KeyLookup:      "cookie:" + sessionCookie,
		CookieHTTPOnly: true,
		CookieSameSite: fiber.CookieSameSiteLaxMode,
		CookieSecure:   d.Config.SecureCookies(),
		Expiration:     idleTimeout,
	})
	cfg := fiber.Config{
		AppName:               "proact",
		Views:                 engine,
		ErrorHandler:          h.errorHandler,
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           90 * time.Second,
		// Forms are small; an attachment may be as large as configured.
		BodyLimit: max(4<<20, int(d.Config.AttachmentMaxBytes)+64<<10),
		// The request line and headers must fit in ReadBufferSize (beyond:
		// 431 from fasthttp); a URL longer than maxURLBytes is a 414 (urlLimit).
		ReadBufferSize: maxHeadBytes,
		// Request strings are copied, so a value can outlive its handler
		// (goroutines, the outbox) without being overwritten by fasthttp.
		Immutable: true,
	}
	if len(d.Config.TrustedProxies) > 0 {
		cfg.ProxyHeader = fiber.HeaderXForwardedFor
		cfg.EnableTrustedProxyCheck = true
		cfg.TrustedProxies = d.Config.TrustedProxies
		cfg.EnableIPValidation = true
	}
	app := fiber.New(cfg)
	h.logRefused(app.Server())
	h.routes(app)
	primeRender(app)
	return app, nil
}

// primeRender makes Fiber fill its list of mounted apps now. It does so
// lazily on the first Render, without a lock, while other requests' error
// handlers read it: two first requests at once are a data race (seen under
// the race detector). A Render of no template runs that step and fails,
// which is all it is for.
func primeRender(app *fiber.App) {
	c := app.AcquireCtx(&fasthttp.RequestCtx{})
	defer app.ReleaseCtx(c)
	_ = c.Render("", nil)
}

// Sizes of a request's head: long filter and search URLs fit.
const (
	maxURLBytes  = 16 << 10
	maxHeadBytes = 32 << 10
)

// logRefused logs the requests that fasthttp refuses before any middleware
// runs (a head larger than maxHeadBytes, a malformed request line): Fiber's
// own handler answers them (431, 400, 408) through errorHandler, and this
// adds the request's log line, as a client error. The error's text is not
// logged: it quotes the request, cookies and all.
func (h *handlers) logRefused(srv *fasthttp.Server) {
	answer := srv.ErrorHandler
	srv.ErrorHandler = func(ctx *fasthttp.RequestCtx, err error) {
		answer(ctx, err)
		status := ctx.Response.StatusCode()
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		h.log.LogAttrs(context.Background(), level, "request",
			slog.String("route", "refused"), slog.Int("status", status), slog.String("ip", ctx.RemoteIP().String()))
	}
}

// sessionCookie names the session cookie.
const sessionCookie = "proact_session"
