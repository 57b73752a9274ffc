package app

import (
	"net/http"
	"testing"
	"time"

	"proact/app/config"
	"proact/models"
	"proact/models/modelstest"
)

// TestIdentityHitsCountAnswers: a hit of the identity cache is a request
// that a kept identity answered. A session due to be touched is found in
// the cache but may not answer (current): the request path reads it and
// writes it, and that is a miss. Counted as a hit, the metric overstates
// what the cache saves, and a test that asserts "answered from the identity
// cache" by the hit count (TestKeptIdentityAnswersAsTheRequestPath) passes
// for a request the request path answered.
func TestIdentityHitsCountAnswers(t *testing.T) {
	t.Parallel()
	clock := modelstest.NewClock(time.Unix(1_900_000_000, 0))
	ta := newTestApp(t, models.SQLite, func(c *config.Config) { c.Clock = clock.Now; c.Limits.Requests = 1 << 20 })
	u := ta.createUser(t, "identity-hits@example.org", models.RoleMember, "rotterdam-labour-rights-centre", true)
	mc := ta.client()
	mc.login(t, u)
	for range 2 {
		if res, _ := mc.get(t, "/"); res.StatusCode != http.StatusOK {
			t.Fatalf("/ for a signed-in member: %d", res.StatusCode)
		}
	}
	before := ta.identities.hits.Load()
	if res, _ := mc.get(t, "/"); res.StatusCode != http.StatusOK || ta.identities.hits.Load() != before+1 {
		t.Fatalf("not answered from the identity cache: %d", res.StatusCode)
	}
	clock.Advance(touchInterval + time.Second) // the kept identity may not answer now
	hits, misses := ta.identities.hits.Load(), ta.identities.misses.Load()
	if res, _ := mc.get(t, "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("/ after a minute: %d", res.StatusCode)
	}
	if got := ta.identities.hits.Load() - hits; got != 0 {
		t.Errorf("a session due to be touched, answered by the request path, counted as %d hit(s) (misses +%d)", got, ta.identities.misses.Load()-misses)
	}
}
