package app

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/session"

	"proact/models"
)

// Session lifetimes: 30 minutes without activity (the session store's
// expiration), 12 hours at most whatever the activity.
const (
	idleTimeout     = 30 * time.Minute
	absoluteTimeout = 12 * time.Hour
	// touchInterval limits how often activity extends a session, so that a
	// busy reader does not write to the database on every request.
	touchInterval = time.Minute
)

// Session keys.
const (
	sessUserID    = "uid"
	sessEpoch     = "epoch"
	sessStarted   = "started"
	sessSeen      = "seen"
	sessPending   = "pending_uid" // password checked, two-factor code awaited
	sessPendingAt = "pending_at"
	sessTOTP      = "totp_secret" // a secret being set up, not yet confirmed
	sessFlash     = "flash"
)

// signIn starts a new session for u: a new session id (against session
// fixation), the user's epoch (so that ending all sessions works), the start
// time (for the absolute timeout).
func (h *handlers) signIn(c *fiber.Ctx, u *models.User) error {
	sess, err := h.sessions.Get(c)
	if err != nil {
		return err
	}
	if err := sess.Regenerate(); err != nil {
		return err
	}
	for _, k := range sess.Keys() {
		sess.Delete(k)
	}
	now := h.cfg.Now().Unix()
	sess.Set(sessUserID, u.ID)
	sess.Set(sessEpoch, u.SessionEpoch)
	sess.Set(sessStarted, now)
	sess.Set(sessSeen, now)
	if err := sess.Save(); err != nil {
		return err
	}
	c.Locals(localUser, u)
	c.Locals(localViewer, viewerOf(u, nil))
	h.preferLanguage(c, u.Language)
	return h.store.RecordLogin(c.UserContext(), u.ID)
}

// signOut ends the session on the server, not only in the browser.
func (h *handlers) signOut(c *fiber.Ctx) error {
	sess, err := h.sessions.Get(c)
	if err != nil {
		return err
	}
	return sess.Destroy()
}

// currentUser returns the signed-in user, or nil.
func currentUser(c *fiber.Ctx) *models.User {
	u, _ := c.Locals(localUser).(*models.User)
	return u
}

// viewerOf is what the store needs to know of a user to decide what they
// may see; org is the user's organisation when already loaded.
func viewerOf(u *models.User, org *models.Organisation) models.Viewer {
	v := models.Viewer{UserID: u.ID, Role: u.Role, OrgAdmin: u.OrgAdmin}
	if u.OrganisationID != nil {
		v.OrganisationID = *u.OrganisationID
		v.OrgActive = org != nil && org.ID == v.OrganisationID && org.Status == models.OrgApproved
	}
	return v
}

// sessionUser checks the session of the request and returns its user, or nil
// when there is none or it has ended (idle, absolute timeout, epoch raised,
// account disabled or deleted). A database error is returned as such: it
// does not end the session.
func (h *handlers) sessionUser(c *fiber.Ctx, sess *session.Session) (*models.User, error) {
	uid, ok := sess.Get(sessUserID).(uint)
	if !ok || uid == 0 {
		return nil, nil
	}
	started, _ := sess.Get(sessStarted).(int64)
	if h.cfg.Now().Sub(time.Unix(started, 0)) > absoluteTimeout {
		return nil, h.endSession(c, sess)
	}
	u, err := h.store.UserByID(c.UserContext(), uid)
	if errors.Is(err, models.ErrNotFound) {
		return nil, h.endSession(c, sess)
	}
	if err != nil {
		return nil, err
	}
	if u.Status != models.UserActive || sess.Get(sessEpoch) != u.SessionEpoch {
		return nil, h.endSession(c, sess)
	}
	if seen, _ := sess.Get(sessSeen).(int64); h.cfg.Now().Sub(time.Unix(seen, 0)) > touchInterval {
		sess.Set(sessSeen, h.cfg.Now().Unix())
		if err := sess.Save(); err != nil { // extends the idle timeout
			return nil, err
		}
	}
	return u, nil
}

// endSession destroys an ended session on the server; the request goes on
// as a visitor's.
func (h *handlers) endSession(c *fiber.Ctx, sess *session.Session) error {
	if err := sess.Destroy(); err != nil && models.Unavailable(err) {
		return err
	}
	return nil
}

// flash keeps a one-time message (a translation key) for the next page.
func (h *handlers) flash(c *fiber.Ctx, key string) {
	if sess, err := h.sessions.Get(c); err == nil {
		sess.Set(sessFlash, key)
		_ = sess.Save()
	}
}

// takeFlash returns and forgets the flash message.
func (h *handlers) takeFlash(c *fiber.Ctx) string {
	if c.Cookies(sessionCookie) == "" {
		return ""
	}
	if pending, ok := c.Locals(localFlash).(bool); ok && !pending {
		// identify read the session: most pages have no message, and need
		// not read it again to know it.
		return ""
	}
	sess, err := h.sessions.Get(c)
	if err != nil {
		return ""
	}
	key, _ := sess.Get(sessFlash).(string)
	if key != "" {
		sess.Delete(sessFlash)
		_ = sess.Save()
	}
	return key
}
