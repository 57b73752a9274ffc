package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/models"
)

// Pages that change only when content changes are revalidated by browsers
// and proxies with an ETag made of the outbox position (every change of
// published content writes an outbox row; see models.ContentVersion), the
// interface language, who is reading and the build: a 304 costs one index
// lookup instead of the page.
//
// A visitor's page is "public, no-cache" (a proxy may keep it, asking every
// time) and varies by Cookie and Accept-Language, so a signed-in member
// (who has a session cookie) never gets it; a member's page is "private"
// (kept by their browser only) and its tag includes their session, their
// CSRF token and their account, so it never matches another person's.

// revalidation says how a route is revalidated and cached.
type revalidation struct {
	// members: signed-in people's pages revalidate too (their tag is theirs
	// alone). Pages that can show a member's unpublished work, whose changes
	// do not all move the outbox, leave it false (and mark such a page
	// personal, so that it is not cached either: pagecache.go).
	members bool
	// granularity, when not 0, also changes the tag at this interval: the
	// page shows something that changes with the time (open consultations).
	granularity time.Duration
	// index: the page is made of this instance's search index too, which
	// follows the outbox at its own pace: no tag (another instance's index
	// may answer differently under the same outbox position), and the
	// cached page is kept under the index's position as well.
	index bool
}

// buildTag names this build of the portal, so that a new release changes
// every tag: the VCS revision when the binary carries one, else the start.
var buildTag = func() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return strconv.FormatInt(time.Now().UnixNano(), 36)
}()

// revalidate is the route middleware of the pages that revalidate and are
// cached: it reads the outbox position once for the request (the cached
// aggregates use the same one), sets the ETag and answers 304 to an
// If-None-Match that still holds, and serves the page from the page cache
// (pagecache.go) or keeps the one rendered.
func (h *handlers) revalidate(r revalidation) fiber.Handler {
	assets := strings.Join(slices.Sorted(maps.Values(h.assets)), "")
	return func(c *fiber.Ctx) error {
		if m := c.Method(); m != fiber.MethodGet && m != fiber.MethodHead {
			return c.Next()
		}
		ctx := c.UserContext()
		// A member's was read with their session (identify).
		v, read := c.Locals(localContentVersion).(models.ContentVersion)
		var err error
		if !read {
			if v, err = h.store.ContentVersion(ctx); err != nil {
				return err
			}
		}
		c.SetUserContext(models.WithContentVersion(ctx, v))
		if !v.Settled {
			return c.Next() // nothing read now may be kept under this version
		}
		u := currentUser(c)
		var key strings.Builder
		key.WriteString(buildTag)
		key.WriteByte(0)
		key.WriteString(assets)
		key.WriteByte(0)
		key.WriteString(strconv.FormatUint(v.ID, 10))
		key.WriteByte(0)
		key.WriteString(localizer(c).Lang)
		key.WriteByte(0)
		key.WriteString(c.OriginalURL())
		key.WriteByte(0)
		if r.granularity > 0 {
			key.WriteString(strconv.FormatInt(h.cfg.Now().Truncate(r.granularity).Unix(), 10))
			key.WriteByte(0)
		}
		tag, cacheControl := h.entityTag(c, r, u, key.String())
		if tag != "" && etagMatches(c.Get(fiber.HeaderIfNoneMatch), tag) {
			c.Set(fiber.HeaderETag, tag)
			c.Set(fiber.HeaderCacheControl, cacheControl)
			return c.SendStatus(fiber.StatusNotModified)
		}
		audience, cacheable := h.cacheAudience(c, u)
		if r.index && h.index != nil {
			key.WriteString("index ")
			key.WriteString(strconv.FormatUint(h.index.Changes(), 10))
			key.WriteByte(0)
		}
		key.WriteString(audience)
		pageKey := key.String()
		if cacheable {
			e := h.pages.get(v.ID, pageKey)
			if e == nil {
				// Another request rendering this page: wait for it rather
				// than render it again (a common search after a write).
				var done func()
				if e, done = h.pages.await(c.UserContext(), v.ID, pageKey); done != nil {
					defer done()
				}
			}
			if e != nil {
				e.write(c, h.slotFill(c, u))
				if tag != "" {
					c.Set(fiber.HeaderETag, tag)
					c.Set(fiber.HeaderCacheControl, cacheControl)
				}
				return nil
			}
			if u != nil {
				c.Locals(localCSRFSlot, true) // the page is rendered with the slot
			}
		}
		err = c.Next()
		c.Locals(localCSRFSlot, false) // an error page shows the real token
		if err != nil {
			return err
		}
		if cacheable {
			fill := h.slotFill(c, u)
			if e, ok := h.keepable(c, u, pageKey); ok {
				if c.Method() == fiber.MethodGet {
					h.pages.put(v.ID, e)
				}
				// Sent as a hit sends it: compressed once, and with this
				// member's token in the slots.
				e.write(c, fill)
			} else if fill != nil && bytes.Contains(c.Response().Body(), []byte(csrfSlot)) {
				// Not kept: this member's page with their token.
				c.Response().SetBody(bytes.ReplaceAll(c.Response().Body(), []byte(csrfSlot), []byte(fill.token)))
			}
		}
		// A response that sets a cookie is never public (a proxy would hand
		// the cookie to others); a member's is private, and their CSRF
		// cookie is set again on every page.
		if tag != "" && c.Response().StatusCode() == fiber.StatusOK && (u != nil || c.GetRespHeader(fiber.HeaderSetCookie) == "") {
			c.Set(fiber.HeaderETag, tag)
			c.Set(fiber.HeaderCacheControl, cacheControl)
		}
		return nil
	}
}

// entityTag is the ETag of the page of key for this reader and its
// Cache-Control, or "" when the page does not revalidate for them.
func (h *handlers) entityTag(c *fiber.Ctx, r revalidation, u *models.User, key string) (tag, cacheControl string) {
	signedIn := u != nil || c.Cookies(sessionCookie) != ""
	if r.index || (signedIn && (!r.members || u == nil || h.pendingFlash(c))) {
		return "", ""
	}
	sum := sha256.New()
	sum.Write([]byte(key))
	cacheControl = "public, no-cache"
	if u != nil {
		cacheControl = "private, no-cache"
		var member [sha256.Size]byte
		if e := keptIdentity(c); e != nil {
			member = e.page.tag
		} else {
			member = memberTag(c.Cookies(sessionCookie), u, viewer(c))
		}
		sum.Write([]byte("member\x00"))
		sum.Write(member[:])
	}
	var b [sha256.Size]byte
	return `W/"` + hex.EncodeToString(sum.Sum(b[:0])[:12]) + `"`, cacheControl
}

// memberTag is the part of a member's entity tags that is theirs: their
// session (so their CSRF token, which is bound to it: the proact_csrf cookie
// plays no part in a signed-in page), their account as the page shows it
// and who they are to the store. A kept identity holds its own.
func memberTag(sessionID string, u *models.User, v models.Viewer) [sha256.Size]byte {
	b := make([]byte, 0, 256)
	b = append(b, sessionID...)
	b = append(b, 0)
	b = strconv.AppendUint(b, uint64(u.ID), 10)
	b = append(b, 0)
	b = append(b, u.Name...)
	b = append(b, 0)
	b = append(b, u.Email...)
	b = append(b, 0)
	b = append(b, u.Language...)
	b = append(b, 0)
	b = strconv.AppendInt(b, u.UpdatedAt.UnixNano(), 10)
	b = append(b, 0)
	b = v.AppendKey(b)
	return sha256.Sum256(b)
}

// etagMatches reads an If-None-Match header: "*" or a list of tags, weak
// comparison (RFC 9110 13.1.2).
func etagMatches(header, tag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	want := strings.TrimPrefix(tag, "W/")
	for t := range strings.SplitSeq(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == want {
			return true
		}
	}
	return false
}

// pendingFlash reports whether a one-time message waits in the session: the
// page will show it, so it must be sent in full.
func (h *handlers) pendingFlash(c *fiber.Ctx) bool {
	pending, ok := c.Locals(localFlash).(bool)
	return pending || !ok // unknown: do not revalidate
}
