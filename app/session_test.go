package app

import (
	"net/http"
	"testing"
	"time"

	"proact/app/config"
	"proact/models"
	"proact/models/modelstest"
)

// TestSessionsEnd moves the app's clock on instead of waiting: a session
// ends after 30 minutes without a request, after 12 hours whatever the
// activity, and when the account's sessions are ended.
func TestSessionsEnd(t *testing.T) {
	t.Parallel()
	clock := modelstest.NewClock(time.Unix(1_900_000_000, 0))
	ta := newTestApp(t, models.SQLite, func(c *config.Config) { c.Clock = clock.Now })
	u := ta.createUser(t, "member@example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
	hidden := "/practices/" + membersOnly(t, ta.store)[0].Slug
	signedIn := func(cl *client) bool {
		res, _ := cl.get(t, hidden)
		return res.StatusCode == http.StatusOK
	}

	cl := ta.client()
	cl.login(t, u)
	for range 3 { // activity keeps the session: 29 minutes between requests
		clock.Advance(29 * time.Minute)
		if !signedIn(cl) {
			t.Fatal("an active session ended")
		}
	}
	clock.Advance(idleTimeout + time.Minute)
	if signedIn(cl) {
		t.Error("a session idle for 31 minutes is still valid")
	}

	cl = ta.client()
	cl.login(t, u)
	started := clock.Now()
	for clock.Now().Sub(started) < absoluteTimeout-20*time.Minute {
		clock.Advance(20 * time.Minute)
		if !signedIn(cl) {
			t.Fatalf("an active session ended after %v", clock.Now().Sub(started))
		}
	}
	clock.Advance(25 * time.Minute)
	if signedIn(cl) {
		t.Errorf("a session %v old is still valid (absolute timeout)", clock.Now().Sub(started))
	}

	// Ending all sessions (password change, role change, disabling) works
	// through the epoch.
	cl = ta.client()
	cl.login(t, u)
	if err := ta.store.EndSessions(t.Context(), u.ID); err != nil {
		t.Fatal(err)
	}
	if signedIn(cl) {
		t.Error("a session survives EndSessions")
	}
}
