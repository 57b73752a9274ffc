package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"proact/models"
)

// CSRF tokens are tied to the session: a token is the HMAC, under a key that
// every instance reads from the database once at start (models.Store.Secret),
// of the session id. Signing in gives a new session id, so a new token, and
// checking one is a computation: no database read or write per request, and
// a form can still be posted (to be answered 503) while the database is down.
// Before there is a session (the sign-in, join and reset forms) the token is
// bound the same way to a random value in the proact_csrf cookie, which only
// this site can set (a signed double-submit cookie).
const (
	csrfCookie    = "proact_csrf"
	csrfFormField = "_csrf"
	csrfHeader    = "X-CSRF-Token"
)

var errCSRF = fiber.NewError(fiber.StatusForbidden, "csrf")

// csrfProtection checks the token of every unsafe request outside the API
// (which takes bearer tokens only), and gives safe requests that will show
// a form a token (c.Locals(localCSRF)) and, without a session, the cookie
// it is bound to.
func (h *handlers) csrfProtection() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !needsCSRF(c) {
			return c.Next()
		}
		switch c.Method() {
		case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
		default:
			if c.Protocol() == "https" && !sameOriginReferer(c) {
				return errCSRF
			}
			sent := c.FormValue(csrfFormField)
			if sent == "" {
				sent = c.Get(csrfHeader)
			}
			if sent == "" || !hmac.Equal([]byte(sent), []byte(h.csrfFor(c.Cookies(sessionCookie), c.Cookies(csrfCookie)))) {
				return errCSRF
			}
		}
		if c.Cookies(sessionCookie) == "" && c.Cookies(csrfCookie) == "" {
			h.setCSRFCookie(c, rand.Text())
		}
		c.Locals(localCSRF, true) // the page computes its token (csrfToken)
		return c.Next()
	}
}

// csrfToken is the token for the forms of the page being rendered: bound to
// the session id the browser will hold after this response (a sign-in or a
// change of privilege gives a new one), else to the proact_csrf cookie.
func (h *handlers) csrfToken(c *fiber.Ctx) string {
	if on, _ := c.Locals(localCSRF).(bool); !on {
		return ""
	}
	if e := keptSession(c); e != nil {
		return e.page.fill.token // the session's, made when it was kept
	}
	return h.csrfFor(responseCookie(c, sessionCookie), responseCookie(c, csrfCookie))
}

// csrfFor is the token for a session id or, without one, a csrf cookie.
func (h *handlers) csrfFor(sessionID, nonce string) string {
	mac := hmac.New(sha256.New, h.csrfKey)
	switch {
	case sessionID != "":
		mac.Write([]byte("session\x00" + sessionID))
	case nonce != "":
		mac.Write([]byte("visitor\x00" + nonce))
	default:
		return "\x00" // matches nothing that can be sent
	}
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// responseCookie is the value of the cookie as the browser will have it
// after this response: the one being set (empty when it is being deleted),
// else the one the request sent.
func responseCookie(c *fiber.Ctx, name string) string {
	set := fasthttp.AcquireCookie()
	defer fasthttp.ReleaseCookie(set)
	set.SetKey(name)
	if c.Response().Header.Cookie(set) {
		expired := !set.Expire().IsZero() && set.Expire().Before(time.Now())
		if expired || set.MaxAge() < 0 {
			return ""
		}
		return string(set.Value())
	}
	return c.Cookies(name)
}

// slotFill is what goes into the slots of a kept page for this reader: nil
// for a visitor (whose pages have none); a kept identity's own, made once,
// while the response keeps its session; else made now.
func (h *handlers) slotFill(c *fiber.Ctx, u *models.User) *slotFill {
	if u == nil {
		return nil
	}
	if on, _ := c.Locals(localCSRF).(bool); on {
		if e := keptSession(c); e != nil {
			return e.page.fill
		}
	}
	return newSlotFill(h.csrfToken(c))
}

// keptSession is the kept identity that answered this request while the
// response keeps its session (sets no new session cookie), so that what was
// made for that session still holds; else nil.
func keptSession(c *fiber.Ctx) *identityEntry {
	if e := keptIdentity(c); e != nil && len(c.Response().Header.PeekCookie(sessionCookie)) == 0 {
		return e
	}
	return nil
}

func (h *handlers) setCSRFCookie(c *fiber.Ctx, value string) {
	c.Cookie(&fiber.Cookie{
		Name: csrfCookie, Value: value, Path: "/", HTTPOnly: true, SessionOnly: true,
		Secure: h.cfg.SecureCookies(), SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// sameOriginReferer: over HTTPS a browser sends the Referer of a form's
// page; it must be this site.
func sameOriginReferer(c *fiber.Ctx) bool {
	ref, err := url.Parse(strings.ToLower(c.Get(fiber.HeaderReferer)))
	return err == nil && ref.Scheme == "https" && ref.Host == c.Hostname()
}

// formPages are the pages an anonymous visitor can fill in a form on; they
// need a CSRF token even without a session.
var formPages = []string{"/login", "/join", "/password", "/invitation"}

// needsCSRF says whether the CSRF check runs: always for unsafe methods
// (except the API, which authenticates with bearer tokens, never cookies),
// and on safe ones only where a form will need a token: for people with a
// session and on the anonymous form pages. Anonymous reading thus sets no
// cookie, and stays cacheable.
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
