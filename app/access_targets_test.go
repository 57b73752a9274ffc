package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"proact/models"
)

// The companion of the access table: the routes that act on a user, for
// every actor × every kind of TARGET. The access table checks who may call
// a route; this checks whom they may touch with it. Staff accounts are never
// changed through an organisation's pages (whoever asks), moderators manage
// members only, administrators everyone; nobody reaches another
// organisation's member through their own organisation's pages.

// targetKinds are the columns: the account acted upon.
var targetKinds = []string{"member of A", "org admin of A", "moderator", "administrator", "member of C"}

// targetActors are the rows' people.
var targetActors = []string{"member of A", "org admin of A", "moderator", "administrator"}

// done: the change was made (a redirect back); any other value is the
// status of a refusal that must leave the target as it was.
const done = http.StatusSeeOther

type targetRoute struct {
	name string
	// request builds the path and form for one target.
	request func(target *testUser) (string, url.Values)
	// disabled: the target starts disabled (to be enabled).
	disabled bool
	want     map[string][5]int // by actor, in the order of targetKinds
}

var (
	refusedAll  = [5]int{403, 403, 403, 403, 403}
	staffSpared = [5]int{done, done, 403, 403, done}
	everyTarget = [5]int{done, done, done, done, done}
	// Through organisation A's pages: A's members only, never staff (403),
	// and another organisation's member does not exist there (404).
	onlyAsMembers = [5]int{done, done, 403, 403, 404}
	// An invitation to an address that has an account changes nothing.
	addressTaken = [5]int{422, 422, 422, 422, 422}
)

var targetRoutes = []targetRoute{
	{name: "remove from the organisation", request: func(u *testUser) (string, url.Values) {
		return fmt.Sprintf("/organisations/rotterdam-labour-rights-centre/members/%d/remove", u.ID), url.Values{}
	}, want: map[string][5]int{"member of A": refusedAll, "org admin of A": onlyAsMembers, "moderator": onlyAsMembers, "administrator": onlyAsMembers}},
	{name: "invite to the organisation", request: func(u *testUser) (string, url.Values) {
		return "/organisations/rotterdam-labour-rights-centre/members",
			url.Values{"person_name": {"Someone"}, "person_email": {u.Email}, "person_language": {"en"}}
	}, want: map[string][5]int{"member of A": refusedAll, "org admin of A": addressTaken, "moderator": addressTaken, "administrator": addressTaken}},
	{name: "change the role", request: func(u *testUser) (string, url.Values) {
		role := models.RoleModerator
		if u.Role == models.RoleModerator {
			role = models.RoleMember
		}
		return fmt.Sprintf("/admin/users/%d/role", u.ID), url.Values{"role": {role}}
	}, want: map[string][5]int{"member of A": refusedAll, "org admin of A": refusedAll, "moderator": refusedAll, "administrator": everyTarget}},
	{name: "disable", request: func(u *testUser) (string, url.Values) {
		return fmt.Sprintf("/admin/users/%d/disable", u.ID), url.Values{}
	}, want: map[string][5]int{"member of A": refusedAll, "org admin of A": refusedAll, "moderator": staffSpared, "administrator": everyTarget}},
	{name: "enable", disabled: true, request: func(u *testUser) (string, url.Values) {
		return fmt.Sprintf("/admin/users/%d/enable", u.ID), url.Values{}
	}, want: map[string][5]int{"member of A": refusedAll, "org admin of A": refusedAll, "moderator": staffSpared, "administrator": everyTarget}},
	{name: "reset two-factor", request: func(u *testUser) (string, url.Values) {
		return fmt.Sprintf("/admin/users/%d/reset-2fa", u.ID), url.Values{}
	}, want: map[string][5]int{"member of A": refusedAll, "org admin of A": refusedAll, "moderator": staffSpared, "administrator": everyTarget}},
}

// snapshot is what a change to an account would show in.
type snapshot struct {
	Role, Status        string
	Org                 uint
	OrgAdmin, TwoFactor bool
	Epoch               int
}

func snapshotOf(u *models.User) snapshot {
	s := snapshot{Role: u.Role, Status: u.Status, OrgAdmin: u.OrgAdmin, TwoFactor: u.TOTPEnabled, Epoch: u.SessionEpoch}
	if u.OrganisationID != nil {
		s.Org = *u.OrganisationID
	}
	return s
}

func TestAccessByTarget(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, trustAll)
	ctx := context.Background()
	const orgA, orgC = "rotterdam-labour-rights-centre", "brussels-mobile-workers-union"
	a, err := ta.store.AnyOrganisationBySlug(ctx, orgA)
	if err != nil {
		t.Fatal(err)
	}
	actors := map[string]*client{}
	for i, u := range []*testUser{
		ta.createUser(t, "actor.member@a.example.org", models.RoleMember, orgA, false),
		ta.createUser(t, "actor.orgadmin@a.example.org", models.RoleMember, orgA, true),
		ta.createUser(t, "actor.moderator@network.example.org", models.RoleModerator, "", false),
		ta.createUser(t, "actor.admin@network.example.org", models.RoleAdmin, "", false),
	} {
		cl := ta.client()
		cl.login(t, u)
		actors[targetActors[i]] = cl
	}
	tokens := map[string]string{}
	for name, cl := range actors {
		tokens[name] = cl.csrf(t, "/privacy")
	}
	serial := 0
	// newTarget makes a fresh account of kind k. Staff targets are attached
	// to organisation A by hand, as accounts were before staff were
	// detached from organisations: the worst case for A's pages.
	newTarget := func(k int, disabled bool) *testUser {
		serial++
		email := fmt.Sprintf("target%d@example.org", serial)
		var u *testUser
		switch k {
		case 0:
			u = ta.createUser(t, email, models.RoleMember, orgA, false)
		case 1:
			u = ta.createUser(t, email, models.RoleMember, orgA, true)
		case 2, 3:
			role := map[int]string{2: models.RoleModerator, 3: models.RoleAdmin}[k]
			u = ta.createUser(t, email, role, "", false)
			if err := ta.store.DB().Exec(`UPDATE users SET organisation_id = ? WHERE id = ?`, a.ID, u.ID).Error; err != nil {
				t.Fatal(err)
			}
		case 4:
			u = ta.createUser(t, email, models.RoleMember, orgC, false)
		}
		if disabled {
			if err := ta.store.SetUserStatus(ctx, u.ID, models.UserDisabled); err != nil {
				t.Fatal(err)
			}
		}
		fresh := userAfter(t, ta, u.ID)
		u.User = fresh
		return u
	}
	for _, route := range targetRoutes {
		for _, actor := range targetActors {
			want := route.want[actor]
			for k, kind := range targetKinds {
				target := newTarget(k, route.disabled)
				before := snapshotOf(target.User)
				path, form := route.request(target)
				cl := actors[actor]
				cl.ip = fmt.Sprintf("10.9.%d.%d", serial/256%256, serial%256) // below the per-IP limit
				res, _ := postForm(t, cl, tokens[actor], path, form)
				after := snapshotOf(userAfter(t, ta, target.ID))
				switch {
				case want[k] == done && (res.StatusCode != done || after == before):
					t.Errorf("%s: %s on %s: %d, changed %v; want the change made", route.name, actor, kind, res.StatusCode, after != before)
				case want[k] != done && (res.StatusCode != want[k] || after != before):
					t.Errorf("%s: %s on %s: %d, %+v → %+v; want %d and no change", route.name, actor, kind, res.StatusCode, before, after, want[k])
				}
				if route.name == "change the role" && want[k] == done && after.Role != models.RoleMember && (after.Org != 0 || after.OrgAdmin) {
					t.Errorf("%s made staff but still in organisation %d (org admin %v)", kind, after.Org, after.OrgAdmin)
				}
			}
		}
	}
}
