package app

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/session"

	"proact/models"
)

// forgeSession writes a session into the portal's own session storage, as
// the portal would have at sign-in, with chosen start and last-seen times,
// and returns its cookie.
func forgeSession(t *testing.T, ta *testApp, u *models.User, epoch int, started time.Time) *http.Cookie {
	t.Helper()
	store := session.New(session.Config{Storage: ta.store.KV("sess:"), KeyLookup: "cookie:" + sessionCookie, Expiration: idleTimeout})
	forge := fiber.New()
	forge.Get("/", func(c *fiber.Ctx) error {
		sess, err := store.Get(c)
		if err != nil {
			return err
		}
		sess.Set(sessUserID, u.ID)
		sess.Set(sessEpoch, epoch)
		sess.Set(sessStarted, started.Unix())
		sess.Set(sessSeen, started.Unix())
		return sess.Save()
	})
	res, err := forge.Test(httptest.NewRequest(http.MethodGet, "/", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	t.Fatal("no session cookie forged")
	return nil
}

func TestSessionsEnd(t *testing.T) {
	ta := newTestApp(t, models.SQLite, nil)
	u := ta.createUser(t, "member@example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
	hidden := membersOnly(t, ta.store)[0]
	signedIn := func(cookie *http.Cookie) bool {
		cl := ta.client()
		cl.cookies[sessionCookie] = cookie
		res, _ := cl.get(t, "/practices/"+hidden.Slug)
		return res.StatusCode == http.StatusOK
	}
	if !signedIn(forgeSession(t, ta, u.User, u.SessionEpoch, time.Now().Add(-11*time.Hour))) {
		t.Fatal("an 11-hour-old, active session should still be valid")
	}
	if signedIn(forgeSession(t, ta, u.User, u.SessionEpoch, time.Now().Add(-12*time.Hour-time.Minute))) {
		t.Error("a session older than 12 hours is still valid (absolute timeout)")
	}
	// Idle: the session storage forgets a session 30 minutes after its last save.
	idle := forgeSession(t, ta, u.User, u.SessionEpoch, time.Now())
	if err := ta.store.DB().Exec("UPDATE kv SET expires_at = ? WHERE key = ?", time.Now().Add(-time.Second).Unix(), "sess:"+idle.Value).Error; err != nil {
		t.Fatal(err)
	}
	if signedIn(idle) {
		t.Error("an idle session is still valid")
	}
	// Ending all sessions (password change, role change, disabling) works
	// through the epoch.
	current := forgeSession(t, ta, u.User, u.SessionEpoch, time.Now())
	if err := ta.store.EndSessions(t.Context(), u.ID); err != nil {
		t.Fatal(err)
	}
	if signedIn(current) {
		t.Error("a session survives EndSessions")
	}
}
