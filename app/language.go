package app

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"proact/app/i18n"
)

const langCookie = "proact_lang"

// setLanguage remembers the chosen interface language in a cookie and goes
// back to the page the reader was on. It is a link, not a form, so that it
// works without JavaScript and from the keyboard.
func (h *handlers) setLanguage(c *fiber.Ctx) error {
	code := c.Params("code")
	if !i18n.Supported(code) {
		return fiber.ErrNotFound
	}
	h.setLanguageCookie(c, code)
	return c.Redirect(localPath(c.Query("next")), fiber.StatusSeeOther)
}

func (h *handlers) setLanguageCookie(c *fiber.Ctx, code string) {
	c.Cookie(&fiber.Cookie{
		Name: langCookie, Value: code, Path: "/", HTTPOnly: true,
		Secure: h.cfg.SecureCookies(), SameSite: fiber.CookieSameSiteLaxMode,
		Expires: h.cfg.Now().AddDate(1, 0, 0),
	})
}

// preferLanguage shows the interface in a person's preferred language after
// they sign in, unless they already chose one with the switcher.
func (h *handlers) preferLanguage(c *fiber.Ctx, code string) {
	if i18n.Supported(code) && c.Cookies(langCookie) == "" {
		h.setLanguageCookie(c, code)
	}
}

// localPath accepts only a path on this site, so that ?next= (and every
// other address to return to) cannot send a reader elsewhere: an open
// redirect. Browsers drop tabs and newlines anywhere in a URL and control
// characters and spaces around it, and read a backslash as "/", so
// "/\t/evil.example" is followed to //evil.example: any such character
// refuses the address as a whole (a real local address has them
// percent-encoded), and only then are "//" and backslashes checked, on what
// the browser will see.
func localPath(next string) string {
	if !utf8.ValidString(next) || strings.ContainsFunc(next, unsafeInURL) {
		return "/"
	}
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.Contains(next, "\\") || strings.HasPrefix(next, "/language/") {
		return "/"
	}
	return next
}

// loginHref is the sign-in address that returns to the current page (a
// local path only, see localPath); the sign-in pages themselves return home.
func loginHref(c *fiber.Ctx) string {
	next := localPath(c.OriginalURL())
	if next == "/" || strings.HasPrefix(next, "/login") || strings.HasPrefix(next, "/logout") {
		return "/login"
	}
	return "/login?next=" + url.QueryEscape(next)
}

// unsafeInURL says whether a raw (not percent-encoded) character has no
// place in an address the portal redirects to: control characters (C0, DEL,
// C1), spaces of any kind, and invisible formatting characters (zero-width,
// bidirectional overrides).
func unsafeInURL(r rune) bool {
	return unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) ||
		r == utf8.RuneError
}
