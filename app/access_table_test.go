package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"proact/models"
)

// The access-control table: every route of routes.go × every kind of person
// × what they must get. A route missing from the table fails the test, so a
// new route cannot ship without its rule. To add one, add a row to
// accessTable: its method, a path (placeholders in braces are filled by the
// fixture below) and six outcomes, in the order of accessRoles.

// outcome is what one person must get from one request.
type outcome struct {
	status int    // exact status; 0 means "let through" (see passes)
	to     string // with a 303: the start of the Location
}

var (
	ok        = outcome{status: http.StatusOK}
	through   = outcome{} // past access control: the handler answered, whatever the form's validity
	toLogin   = outcome{status: http.StatusSeeOther, to: "/login"}
	to2FA     = outcome{status: http.StatusSeeOther, to: "/account/2fa"}
	toAccount = outcome{status: http.StatusSeeOther, to: "/account"}
	toHome    = outcome{status: http.StatusSeeOther, to: "/"}
	unauth    = outcome{status: http.StatusUnauthorized}
	forbidden = outcome{status: http.StatusForbidden}
	notFound  = outcome{status: http.StatusNotFound}
)

func (o outcome) String() string {
	switch {
	case o.status == 0:
		return "let through"
	case o.to != "":
		return fmt.Sprintf("%d to %s", o.status, o.to)
	}
	return fmt.Sprint(o.status)
}

// passes reports whether a response is the outcome. "Let through" is any
// answer but a refusal (401, 403, 404), a server error, or a detour to the
// sign-in or two-factor pages.
func (o outcome) passes(res *http.Response) bool {
	loc := res.Header.Get("Location")
	if o.status == 0 {
		refused := res.StatusCode == 401 || res.StatusCode == 403 || res.StatusCode == 404 || res.StatusCode >= 500
		detour := strings.HasPrefix(loc, "/login") || strings.HasPrefix(loc, "/account/2fa")
		return !refused && !detour
	}
	if res.StatusCode != o.status {
		return false
	}
	if o.to == "/" || o.to == "/account" {
		return loc == o.to || strings.HasPrefix(loc, o.to+"?")
	}
	return strings.HasPrefix(loc, o.to)
}

// accessRoles are the columns of the table.
var accessRoles = []string{"anonymous", "member of A", "org admin of A", "member of suspended B", "moderator", "administrator"}

// outcomes is one row's answers, in the order of accessRoles.
type outcomes [6]outcome

// Common rows.
var (
	everyone   = outcomes{ok, ok, ok, ok, ok, ok}
	signedIn   = outcomes{toLogin, ok, ok, ok, ok, ok}
	signedInDo = outcomes{unauth, through, through, through, through, through}
	staffPage  = outcomes{toLogin, forbidden, forbidden, forbidden, ok, ok}
	staffDo    = outcomes{unauth, forbidden, forbidden, forbidden, through, through}
	staffSee   = outcomes{toLogin, forbidden, forbidden, forbidden, through, through} // a confirmation page
	adminPage  = outcomes{toLogin, forbidden, forbidden, forbidden, forbidden, ok}
	adminDo    = outcomes{unauth, forbidden, forbidden, forbidden, forbidden, through}
	// Organisation A's own pages for its admins: its plain members are
	// refused, a suspended organisation's members may not write at all.
	orgAPage = outcomes{toLogin, forbidden, ok, forbidden, ok, ok}
	orgADo   = outcomes{unauth, forbidden, through, forbidden, through, through}
)

type accessRow struct {
	method string
	path   string // a route pattern's example; {placeholders} come from the fixture
	form   url.Values
	want   outcomes
	// signsOut: the request ends the session, so each person makes it from
	// a session of its own.
	signsOut bool
}

// accessTable holds one row at least for every route in routes.go.
var accessTable = []accessRow{
	{method: "GET", path: "/healthz", want: everyone},
	{method: "GET", path: "/readyz", want: everyone},
	{method: "GET", path: "/metrics", want: everyone},
	{method: "GET", path: "/", want: everyone},
	{method: "GET", path: "/language/fr?next=/practices", want: outcomes{toPractices, toPractices, toPractices, toPractices, toPractices, toPractices}},
	{method: "GET", path: "/search?q=wages", want: everyone},
	{method: "GET", path: "/practices", want: everyone},
	{method: "GET", path: "/practices/{publicNote}", want: everyone},
	{method: "GET", path: "/practices/{membersNote}", want: outcomes{notFound, ok, ok, ok, ok, ok}},
	// [practices] Writing, versions, files, review and feeds (access_notes_test.go makes the notes).
	{method: "GET", path: "/practices/new", want: writerPage},
	{method: "POST", path: "/practices/new", form: url.Values{"title": {"Access"}, "action": {"preview"}}, want: writerDo},
	{method: "POST", path: "/practices/preview", form: url.Values{"body": {"Text"}}, want: writerDo},
	{method: "GET", path: "/practices/{draftA}", want: outcomes{notFound, ok, ok, notFound, ok, ok}},
	{method: "GET", path: "/practices/{draftC}", want: outcomes{notFound, notFound, notFound, notFound, ok, ok}},
	{method: "GET", path: "/practices/{draftA}/edit", want: writerPage},
	{method: "GET", path: "/practices/{draftC}/edit", want: outcomes{toLogin, notFound, notFound, forbidden, ok, ok}},
	{method: "POST", path: "/practices/{draftA}/edit", form: url.Values{"title": {"Access"}, "action": {"preview"}}, want: writerDo},
	{method: "POST", path: "/practices/{draftC}/edit", form: url.Values{"title": {"Access"}, "action": {"preview"}}, want: otherOrgDo},
	{method: "POST", path: "/practices/{draftA}/submit", form: url.Values{"version": {"1"}}, want: writerDo},
	{method: "POST", path: "/practices/{draftC}/submit", form: url.Values{"version": {"1"}}, want: otherOrgDo},
	{method: "POST", path: "/practices/{draftA}/comments", form: url.Values{"comment": {"A question."}}, want: writerDo},
	{method: "POST", path: "/practices/{draftC}/comments", form: url.Values{"comment": {"A question."}}, want: otherOrgDo},
	{method: "POST", path: "/practices/{archiveA}/archive", want: writerDo},
	{method: "POST", path: "/practices/{archiveC}/archive", want: otherOrgDo},
	{method: "POST", path: "/practices/{newDraftA}/delete", want: writerDo},
	{method: "POST", path: "/practices/{newDraftC}/delete", want: otherOrgDo},
	{method: "GET", path: "/practices/{publicNote}/history", want: everyone},
	{method: "GET", path: "/practices/{membersNote}/history", want: outcomes{notFound, ok, ok, ok, ok, ok}},
	{method: "GET", path: "/practices/{draftA}/history", want: outcomes{notFound, ok, ok, notFound, ok, ok}},
	{method: "GET", path: "/practices/{publicNote}/history/1", want: everyone},
	{method: "GET", path: "/practices/{draftC}/history/1", want: outcomes{notFound, notFound, notFound, notFound, ok, ok}},
	{method: "GET", path: "/practices/{publicNote}/diff", want: everyone},
	{method: "GET", path: "/practices/{draftA}/diff", want: outcomes{notFound, ok, ok, notFound, ok, ok}},
	{method: "POST", path: "/practices/{draftA}/restore/1", form: url.Values{"version": {"1"}}, want: writerDo},
	{method: "POST", path: "/practices/{draftC}/restore/1", form: url.Values{"version": {"1"}}, want: otherOrgDo},
	{method: "POST", path: "/practices/{draftA}/attachments", want: writerDo},
	{method: "POST", path: "/practices/{draftC}/attachments", want: otherOrgDo},
	{method: "POST", path: "/practices/{draftA}/attachments/999999/delete", want: outcomes{unauth, notFound, notFound, forbidden, notFound, notFound}},
	{method: "GET", path: "/practices/{draftA}/files/{draftFile}", want: outcomes{notFound, ok, ok, notFound, ok, ok}},
	{method: "GET", path: "/account/notes", want: signedIn},
	{method: "GET", path: "/admin/review", want: staffPage},
	{method: "GET", path: "/admin/review/{reviewA}", want: staffPage},
	{method: "POST", path: "/admin/review/{reviewA}/return", form: url.Values{"version": {"1"}, "comment": {"Please shorten it."}}, want: staffDo},
	{method: "POST", path: "/admin/review/{reviewA}/publish", form: url.Values{"version": {"1"}}, want: staffDo},
	{method: "POST", path: "/admin/review/{archiveAID}/unarchive", want: staffDo},
	{method: "GET", path: "/feeds/practices.atom?country=NL", want: everyone},
	{method: "GET", path: "/sitemap.xml", want: everyone},
	{method: "POST", path: "/api/v1/practices", want: outcomes{unauth, unauth, unauth, unauth, unauth, unauth}},
	// [practices-end]

	{method: "GET", path: "/login", want: outcomes{ok, toAccount, toAccount, toAccount, toAccount, toAccount}},
	{method: "POST", path: "/login", form: url.Values{"email": {"{newEmail}"}, "password": {"not the password"}},
		want: outcomes{unauth, unauth, unauth, unauth, unauth, unauth}},
	{method: "GET", path: "/login/2fa", want: outcomes{toLogin, toLogin, toLogin, toLogin, toLogin, toLogin}},
	{method: "POST", path: "/login/2fa", form: url.Values{"code": {"123456"}}, want: outcomes{toLogin, toLogin, toLogin, toLogin, toLogin, toLogin}},
	{method: "POST", path: "/logout", want: outcomes{toHome, toHome, toHome, toHome, toHome, toHome}, signsOut: true},

	// Joining and the directory.
	{method: "GET", path: "/join", want: everyone},
	{method: "POST", path: "/join", want: outcomes{through, through, through, through, through, through}},
	{method: "GET", path: "/join/thanks", want: everyone},
	{method: "GET", path: "/organisations", want: everyone},
	{method: "GET", path: "/organisations/{orgA}", want: everyone},
	// A suspended organisation's profile does not exist for anyone but staff.
	{method: "GET", path: "/organisations/{orgB}", want: everyone}, // suspended: outsiders read that it is, and nothing else; its own members still read it
	{method: "GET", path: "/organisations/{orgA}/edit", want: orgAPage},
	{method: "POST", path: "/organisations/{orgA}/edit", want: orgADo},
	// Another organisation's management pages: 404, not 403.
	{method: "GET", path: "/organisations/{orgC}/edit", want: outcomes{toLogin, notFound, notFound, forbidden, ok, ok}},
	{method: "POST", path: "/organisations/{orgC}/edit", want: outcomes{unauth, notFound, notFound, forbidden, through, through}},
	{method: "GET", path: "/organisations/{orgA}/members", want: orgAPage},
	{method: "GET", path: "/organisations/{orgC}/members", want: outcomes{toLogin, notFound, notFound, forbidden, ok, ok}},
	{method: "POST", path: "/organisations/{orgA}/members", want: orgADo},
	{method: "POST", path: "/organisations/{orgA}/members/{newColleague}/remove", want: orgADo},
	{method: "POST", path: "/organisations/{orgC}/members/{newColleagueC}/remove", want: outcomes{unauth, notFound, notFound, forbidden, through, through}},
	{method: "POST", path: "/organisations/{orgA}/members/{newColleague}/invitation", want: orgADo},
	{method: "POST", path: "/organisations/{orgC}/members/{newColleagueC}/invitation", want: outcomes{unauth, notFound, notFound, forbidden, through, through}},
	{method: "POST", path: "/organisations/{orgA}/members/{newColleague}/withdraw", want: orgADo},
	{method: "POST", path: "/organisations/{orgC}/members/{newColleagueC}/withdraw", want: outcomes{unauth, notFound, notFound, forbidden, through, through}},
	{method: "GET", path: "/admin/applications", want: staffPage},
	{method: "GET", path: "/admin/applications/{application}", want: staffPage},
	{method: "GET", path: "/admin/applications/{newApplication}/approve", want: staffSee},
	{method: "GET", path: "/admin/applications/{newApplication}/reject", want: staffSee},
	{method: "GET", path: "/admin/applications/{newApplication}/info", want: staffSee},
	{method: "POST", path: "/admin/applications/{newApplication}/info", form: url.Values{"questions": {"Which cities do you work in?"}}, want: staffDo},
	{method: "POST", path: "/admin/applications/{newApplication}/notes", form: url.Values{"notes": {"Called them."}, "check": {"exists"}}, want: staffDo},
	{method: "POST", path: "/admin/applications/{newApplication}/invitation", want: staffDo},
	{method: "POST", path: "/admin/applications/{newApplication}/approve", want: staffDo},
	{method: "POST", path: "/admin/applications/{newApplication}/reject", form: url.Values{"reason": {"Outside the network's scope."}}, want: staffDo},
	{method: "GET", path: "/admin/organisations", want: staffPage},
	{method: "GET", path: "/admin/organisations/{orgC}/suspend", want: staffSee},
	{method: "POST", path: "/admin/organisations/{orgC}/suspend", form: url.Values{"reason": {"Checking the profile."}}, want: staffDo},
	{method: "POST", path: "/admin/organisations/{orgC}/reinstate", want: staffDo},

	// [pathways] Referral pathways and booklets for everyone (members see the
	// members-only contact in them); the national notes are for staff.
	{method: "GET", path: "/pathways", want: everyone},
	{method: "GET", path: "/pathways/booklet", want: everyone},
	{method: "GET", path: "/pathways/{country}", want: everyone},
	{method: "GET", path: "/pathways/{country}/booklet", want: everyone},
	{method: "GET", path: "/practices/coverage", want: everyone},
	{method: "GET", path: "/pathways/{country}/note", want: staffPage},
	{method: "POST", path: "/pathways/{country}/note", form: url.Values{"language": {"en"}, "body": {"How it works."}, "version": {"0"}}, want: staffDo},
	{method: "POST", path: "/pathways/{country}/note/delete", form: url.Values{"language": {"sv"}, "version": {"1"}},
		want: outcomes{unauth, forbidden, forbidden, forbidden, notFound, notFound}}, // no such note
	// [pathways-end]

	// Your own account, and the links sent by mail.
	{method: "GET", path: "/privacy", want: everyone},
	{method: "GET", path: "/about", want: everyone},
	{method: "GET", path: "/invitation/NOT-A-TOKEN", want: outcomes{notFound, notFound, notFound, notFound, notFound, notFound}},
	{method: "POST", path: "/invitation/NOT-A-TOKEN", form: url.Values{"password": {"a long enough password 1"}, "confirm": {"a long enough password 1"}},
		want: outcomes{notFound, notFound, notFound, notFound, notFound, notFound}},
	{method: "GET", path: "/password/forgot", want: everyone},
	{method: "POST", path: "/password/forgot", form: url.Values{"email": {"nobody@example.org"}}, want: outcomes{through, through, through, through, through, through}},
	{method: "GET", path: "/password/reset/NOT-A-TOKEN", want: outcomes{notFound, notFound, notFound, notFound, notFound, notFound}},
	{method: "POST", path: "/password/reset/NOT-A-TOKEN", form: url.Values{"password": {"a long enough password 1"}, "confirm": {"a long enough password 1"}},
		want: outcomes{notFound, notFound, notFound, notFound, notFound, notFound}},
	{method: "GET", path: "/account/password", want: signedIn},
	{method: "POST", path: "/account/password", want: signedInDo},
	{method: "GET", path: "/welcome", want: signedIn},
	{method: "GET", path: "/account", want: signedIn},
	{method: "POST", path: "/account", want: signedInDo},
	{method: "GET", path: "/account/2fa", want: signedIn},
	// Staff have two-factor already: back to its page.
	{method: "POST", path: "/account/2fa", form: url.Values{"code": {"000000"}}, want: outcomes{unauth, through, through, through, to2FA, to2FA}},
	{method: "GET", path: "/account/2fa/qr.png", want: outcomes{toLogin, through, through, through, notFound, notFound}},
	// Without two-factor there is nothing to renew or turn off; staff may not turn it off.
	{method: "POST", path: "/account/2fa/recovery", want: outcomes{unauth, to2FA, to2FA, to2FA, through, through}},
	{method: "POST", path: "/account/2fa/disable", want: outcomes{unauth, to2FA, to2FA, to2FA, forbidden, forbidden}},
	{method: "GET", path: "/account/tokens", want: signedIn},
	{method: "POST", path: "/account/tokens", want: signedInDo},
	{method: "POST", path: "/account/tokens/999999/revoke", want: outcomes{unauth, notFound, notFound, notFound, notFound, notFound}},
	{method: "GET", path: "/account/export", want: signedIn},
	// Asking for a review of a suspension: only a suspended organisation's members.
	{method: "GET", path: "/account/review", want: outcomes{toLogin, notFound, notFound, ok, notFound, notFound}},
	{method: "POST", path: "/account/review", form: url.Values{"message": {"We have fixed the profile."}}, want: outcomes{unauth, notFound, notFound, through, notFound, notFound}},
	{method: "GET", path: "/account/delete", want: signedIn},
	// Without the password and the confirmation nothing is deleted (checked below).
	{method: "POST", path: "/account/delete", want: signedInDo},

	// Administration.
	{method: "GET", path: "/admin", want: staffPage},
	{method: "GET", path: "/admin/users", want: staffPage},
	{method: "GET", path: "/admin/users/{newTarget}/role?role=moderator", want: outcomes{toLogin, forbidden, forbidden, forbidden, forbidden, through}},
	{method: "POST", path: "/admin/users/{newTarget}/role", form: url.Values{"role": {"moderator"}}, want: adminDo},
	{method: "GET", path: "/admin/users/{newTarget}/disable", want: staffSee},
	{method: "POST", path: "/admin/users/{newTarget}/disable", want: staffDo},
	{method: "POST", path: "/admin/users/{disabledTarget}/enable", want: staffDo},
	{method: "POST", path: "/admin/users/{newTarget}/reset-2fa", want: staffDo},
	{method: "GET", path: "/admin/audit", want: staffPage},
	{method: "GET", path: "/admin/mail", want: adminPage},
	{method: "GET", path: "/admin/mail/{mail}", want: adminPage},
	{method: "POST", path: "/admin/mail/{mail}/resend", want: adminDo},

	// The API: public content for all; cookies do not make a visitor a member there.
	{method: "GET", path: "/api/openapi.json", want: everyone},
	{method: "GET", path: "/api/v1/practices", want: everyone},
	{method: "GET", path: "/api/v1/practices/{publicNote}", want: everyone},
	{method: "GET", path: "/api/v1/organisations", want: everyone},
	{method: "GET", path: "/api/v1/organisations/{orgA}", want: everyone},
	// [consultations]
	{method: "GET", path: "/api/v1/consultations", want: everyone},
	{method: "GET", path: "/api/v1/consultations/{openConsultation}", want: everyone},
	// A draft exists for staff only, and only with a token: the API never
	// reads the session cookie, so staff's browsers are visitors there (the
	// token's view: TestAPIIsTokenOnly).
	{method: "GET", path: "/api/v1/consultations/{draftConsultation}", want: outcomes{notFound, notFound, notFound, notFound, notFound, notFound}},
	// Writes need a token: a session cookie is refused.
	{method: "POST", path: "/api/v1/consultations/{openConsultation}/responses", want: outcomes{unauth, unauth, unauth, unauth, unauth, unauth}},
	// [consultations-end]
	// [search]
	{method: "GET", path: "/api/v1/search?q=wages", want: everyone},
	{method: "GET", path: "/api/v1/search/suggest?q=wa", want: everyone},
	// [search-end]
}

// consultationRows are the consultation routes' rules: public pages, an
// organisation's response (its members read it, its writers save it, its
// admins submit and reopen it; staff answer for no organisation and see the
// preview), and the moderators' pages.
var consultationRows = []accessRow{
	{method: "GET", path: "/consultations", want: everyone},
	{method: "GET", path: "/consultations/{openConsultation}", want: everyone},
	{method: "GET", path: "/consultations/{draftConsultation}", want: outcomes{notFound, notFound, notFound, notFound, ok, ok}},
	{method: "GET", path: "/consultations/{closedConsultation}/results", want: everyone},
	{method: "GET", path: "/consultations/{openConsultation}/results", want: outcomes{notFound, notFound, notFound, notFound, ok, ok}},
	{method: "GET", path: "/consultations/{openConsultation}/response", want: outcomes{toLogin, ok, ok, ok, toPreview, toPreview}},
	{method: "GET", path: "/consultations/{draftConsultation}/response", want: outcomes{toLogin, notFound, notFound, notFound, toPreview, toPreview}},
	{method: "POST", path: "/consultations/{openConsultation}/response", form: url.Values{"page": {"1"}, "go": {"save"}},
		want: outcomes{unauth, through, through, forbidden, forbidden, forbidden}},
	{method: "GET", path: "/consultations/{openConsultation}/response/confirm", want: outcomes{toLogin, through, through, through, forbidden, forbidden}},
	{method: "POST", path: "/consultations/{openConsultation}/response/submit", want: outcomes{unauth, forbidden, through, forbidden, forbidden, forbidden}},
	{method: "GET", path: "/consultations/{openConsultation}/response/receipt", want: outcomes{toLogin, through, through, through, forbidden, forbidden}},
	{method: "POST", path: "/consultations/{openConsultation}/response/reopen", want: outcomes{unauth, forbidden, through, forbidden, forbidden, forbidden}},
	{method: "GET", path: "/admin/consultations", want: staffPage},
	{method: "GET", path: "/admin/consultations/new", want: staffPage},
	{method: "POST", path: "/admin/consultations/new", form: url.Values{"title": {"Access test"}}, want: staffDo},
	{method: "GET", path: "/admin/consultations/{draftConsultation}", want: staffPage},
	{method: "GET", path: "/admin/consultations/{draftConsultation}/edit", want: staffPage},
	{method: "POST", path: "/admin/consultations/{draftConsultation}/edit", want: staffDo},
	{method: "POST", path: "/admin/consultations/{newDraftConsultation}/publish", want: staffDo},
	{method: "POST", path: "/admin/consultations/{newDraftConsultation}/unpublish", want: staffDo},
	{method: "POST", path: "/admin/consultations/{closedConsultation}/results", want: staffDo},
	{method: "POST", path: "/admin/consultations/{newDraftConsultation}/withdraw", want: staffDo},
	{method: "POST", path: "/admin/consultations/{newDraftConsultation}/delete", want: staffDo},
	{method: "GET", path: "/admin/consultations/{draftConsultation}/questions", want: staffPage},
	{method: "POST", path: "/admin/consultations/{draftConsultation}/questions", form: url.Values{"type": {"yes_no"}}, want: staffDo},
	{method: "POST", path: "/admin/consultations/{draftConsultation}/questions/{draftQuestion}", form: url.Values{"action": {"down"}}, want: staffDo},
	{method: "GET", path: "/admin/consultations/{draftConsultation}/preview", want: staffPage},
	{method: "GET", path: "/admin/consultations/{closedConsultation}/responses", want: staffPage},
	{method: "GET", path: "/admin/consultations/{closedConsultation}/responses.csv", want: staffPage},
	{method: "GET", path: "/admin/consultations/{closedConsultation}/responses.json", want: staffPage},
	{method: "GET", path: "/admin/consultations/{closedConsultation}/report", want: staffPage},
}

func init() { accessTable = append(accessTable, consultationRows...) }

var toPreview = outcome{status: http.StatusSeeOther, to: "/admin/consultations/"}

var toPractices = outcome{status: http.StatusSeeOther, to: "/practices"}

// accessFixture is the world the table runs in.
type accessFixture struct {
	t      *testing.T
	ta     *testApp
	ips    *atomic.Int64
	users  []*testUser // in the order of accessRoles; nil for the visitor
	orgs   map[string]*models.Organisation
	fixed  map[string]string
	serial int
	tokens map[*client]string // each client's CSRF token, read once
}

func newAccessFixture(t *testing.T) *accessFixture {
	t.Helper()
	ta := newTestApp(t, models.SQLite, trustAll)
	ctx := context.Background()
	fx := &accessFixture{t: t, ta: ta, ips: &atomic.Int64{}, orgs: map[string]*models.Organisation{}, fixed: map[string]string{},
		tokens: map[*client]string{}}
	for key, slug := range map[string]string{"orgA": "rotterdam-labour-rights-centre", "orgB": "iasi-migration-work-centre", "orgC": "brussels-mobile-workers-union"} {
		o, err := ta.store.AnyOrganisationBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		fx.orgs[key], fx.fixed[key] = o, slug
	}
	fx.users = []*testUser{
		nil,
		ta.createUser(t, "member@a.example.org", models.RoleMember, fx.fixed["orgA"], false),
		ta.createUser(t, "orgadmin@a.example.org", models.RoleMember, fx.fixed["orgA"], true),
		ta.createUser(t, "member@b.example.org", models.RoleMember, fx.fixed["orgB"], true),
		ta.createUser(t, "moderator@secretariat.example.org", models.RoleModerator, "", false),
		ta.createUser(t, "admin@secretariat.example.org", models.RoleAdmin, "", false),
	}
	if err := ta.store.SetOrganisationStatus(ctx, fx.orgs["orgB"].ID, models.OrgSuspended, "test"); err != nil {
		t.Fatal(err)
	}
	all, err := ta.store.AllPractices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		key := "publicNote"
		if p.Visibility == models.VisibilityMembers {
			key = "membersNote"
		}
		if fx.fixed[key] == "" && p.Status == models.StatusPublished {
			fx.fixed[key] = p.Slug
		}
	}
	m := &models.Mail{ToAddr: "someone@example.org", Subject: "Reset", Body: "link", Kind: "reset", Language: "en"}
	if err := ta.store.QueueMail(ctx, m); err != nil {
		t.Fatal(err)
	}
	fx.fixed["mail"] = fmt.Sprint(m.ID)
	fx.fixed["country"] = "NL" // [pathways]
	fx.fixed["application"] = fx.newApplication()
	fx.consultationFixture() // [consultations]
	fx.practiceNotes()       // [practices]
	return fx
}

// resolve fills the placeholders of a path or form value; the {new...} ones
// make a fresh object each time, for requests that change it.
func (fx *accessFixture) resolve(path string) string {
	for {
		i := strings.Index(path, "{")
		if i < 0 {
			return path
		}
		j := strings.Index(path[i:], "}") + i
		key := path[i+1 : j]
		path = path[:i] + fx.value(key) + path[j+1:]
	}
}

func (fx *accessFixture) value(key string) string {
	if v, ok := fx.fixed[key]; ok {
		return v
	}
	fx.serial++
	switch key {
	case "newColleague", "newColleagueC":
		org := map[string]string{"newColleague": "orgA", "newColleagueC": "orgC"}[key]
		u := fx.ta.createUser(fx.t, fmt.Sprintf("colleague%d@%s.example.org", fx.serial, strings.ToLower(org)), models.RoleMember, fx.fixed[org], false)
		return fmt.Sprint(u.ID)
	case "newTarget", "disabledTarget":
		u := fx.ta.createUser(fx.t, fmt.Sprintf("target%d@a.example.org", fx.serial), models.RoleMember, fx.fixed["orgA"], false)
		if key == "disabledTarget" {
			if err := fx.ta.store.SetUserStatus(context.Background(), u.ID, models.UserDisabled); err != nil {
				fx.t.Fatal(err)
			}
		}
		return fmt.Sprint(u.ID)
	case "newApplication":
		return fx.newApplication()
	case "newEmail":
		return fmt.Sprintf("nobody%d@example.org", fx.serial)
	case "newDraftA", "newDraftC":
		return fx.newDraft(map[string]string{"newDraftA": "orgA", "newDraftC": "orgC"}[key])
	}
	if v, ok := fx.consultationValue(key); ok { // [consultations]
		return v
	}
	fx.t.Fatalf("unknown placeholder {%s}", key)
	return ""
}

// newApplication applies to join, as a visitor would, and returns its id.
func (fx *accessFixture) newApplication() string {
	email := fmt.Sprintf("applicant%d@example.ro", fx.serial)
	cl := fx.client()
	res, body := cl.post(fx.t, "/join", "/join", joinValues(fmt.Sprintf("Access Test Centre %d", fx.serial), email, "ro"))
	if res.StatusCode != http.StatusSeeOther {
		fx.t.Fatalf("applying to join: %d\n%s", res.StatusCode, body)
	}
	return pendingApplication(fx.t, fx.ta.store, email)
}

func (fx *accessFixture) client() ipClient { return fx.ta.ipClient(fx.ips) }

// signIn returns a client signed in as the person of column i (a visitor for 0).
func (fx *accessFixture) signIn(i int) ipClient {
	cl := fx.client()
	if u := fx.users[i]; u != nil {
		cl.login(fx.t, u)
	}
	return cl
}

// request sends one row's request with a client.
func (fx *accessFixture) request(cl ipClient, method, path string, form url.Values) *http.Response {
	fx.t.Helper()
	cl.next()
	if method == http.MethodGet {
		res, _ := cl.get(fx.t, path)
		return res
	}
	f := url.Values{}
	for k, vs := range form {
		for _, v := range vs {
			f.Add(k, fx.resolve(v))
		}
	}
	f.Set("_csrf", fx.token(cl))
	req := httptest.NewRequest(method, path, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, _ := cl.do(fx.t, req)
	return res
}

// token is the client's CSRF token, from a page with a form for anyone.
func (fx *accessFixture) token(cl ipClient) string {
	if tok, ok := fx.tokens[cl.client]; ok {
		return tok
	}
	page := "/login"
	if cl.cookies[sessionCookie] != nil {
		page = "/privacy"
	}
	tok := cl.csrf(fx.t, page)
	fx.tokens[cl.client] = tok
	return tok
}

// TestAccessTable walks accessTable for every person, checks that it names
// every route, and that staff without two-factor get no further than its
// set-up page.
func TestAccessTable(t *testing.T) {
	t.Parallel()
	fx := newAccessFixture(t)
	t.Run("covers every route", func(t *testing.T) { checkTableCoversRoutes(t, fx.ta) })
	t.Run("routes × roles", func(t *testing.T) { fx.t = t; walkAccessTable(t, fx) })
	t.Run("staff without two-factor", func(t *testing.T) { fx.t = t; adminNeedsTwoFactor(t, fx) })
}

func checkTableCoversRoutes(t *testing.T, ta *testApp) {
	covered := map[string]bool{}
	for _, row := range accessTable {
		covered[row.method+" "+routePattern(row.path)] = true
	}
	for _, r := range ta.app.GetRoutes(true) {
		if r.Method == http.MethodHead {
			continue // Fiber answers HEAD with the GET route
		}
		if !covered[r.Method+" "+r.Path] {
			t.Errorf("%s %s has no row in accessTable (app/access_table_test.go): add one saying who may use it", r.Method, r.Path)
		}
	}
}

// routePattern turns a row's example path back into the route pattern it
// exercises: /admin/users/{newTarget}/role → /admin/users/:id/role.
func routePattern(path string) string {
	path, _, _ = strings.Cut(path, "?")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		placeholder := strings.HasPrefix(s, "{") || isDigits(s) || (s != "" && strings.ToUpper(s) == s && strings.Contains(s, "-"))
		if placeholder || (i > 0 && segs[i-1] == "language") {
			segs[i] = ":" + paramName(segs, i)
		}
	}
	return strings.Join(segs, "/")
}

// paramName is the name of the parameter at segment i in routes.go's style.
func paramName(segs []string, i int) string {
	switch segs[i-1] {
	case "practices", "organisations", "consultations":
		return "slug"
	case "pathways":
		return "country"
	case "language":
		return "code"
	case "invitation", "reset":
		return "token"
	}
	return "id"
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func walkAccessTable(t *testing.T, fx *accessFixture) {
	clients := make([]ipClient, len(accessRoles))
	for i := range accessRoles {
		clients[i] = fx.signIn(i)
	}
	for _, row := range accessTable {
		for i, role := range accessRoles {
			cl := clients[i]
			if row.signsOut {
				cl = fx.signIn(i)
			}
			path := fx.resolve(row.path)
			res := fx.request(cl, row.method, path, row.form)
			if want := row.want[i]; !want.passes(res) {
				t.Errorf("%s %s as %s: got %d %s, want %s", row.method, path, role, res.StatusCode, res.Header.Get("Location"), want)
			}
		}
	}
	// Nobody was deleted or lost their role by the requests that were let through.
	for _, u := range fx.users[1:] {
		after, err := fx.ta.store.UserByID(context.Background(), u.ID)
		if err != nil || after.Role != u.Role || after.Status != models.UserActive {
			t.Errorf("%s after the table: %+v, %v", u.Email, after, err)
		}
	}
}

// adminNeedsTwoFactor: staff without two-factor authentication are sent to
// set it up from every /admin route, whatever the method; what is for
// administrators only stays closed to moderators either way.
func adminNeedsTwoFactor(t *testing.T, fx *accessFixture) {
	ctx := context.Background()
	var clients []ipClient
	for _, role := range []string{models.RoleModerator, models.RoleAdmin} {
		u := fx.ta.createUser(t, "no2fa-"+role+"@secretariat.example.org", role, "", false)
		u.TOTPEnabled, u.TOTPSecret = false, ""
		if err := fx.ta.store.UpdateUser(ctx, u.User, "totp_enabled", "totp_secret"); err != nil {
			t.Fatal(err)
		}
		cl := fx.client()
		cl.login(t, u)
		clients = append(clients, cl)
	}
	n := 0
	for _, row := range accessTable {
		if !strings.HasPrefix(row.path, "/admin") {
			continue
		}
		n++
		for k, cl := range clients {
			role := accessRoles[4+k]
			want := to2FA
			if w := row.want[4+k]; w == forbidden || w == notFound {
				want = w
			}
			path := fx.resolve(row.path)
			if res := fx.request(cl, row.method, path, row.form); !want.passes(res) {
				t.Errorf("%s %s as %s without two-factor: got %d %s, want %s", row.method, path, role, res.StatusCode, res.Header.Get("Location"), want)
			}
		}
	}
	if n < 9 {
		t.Errorf("only %d /admin rows in the table", n)
	}
	// Nor do they hold an API token before they use two-factor.
	for k, cl := range clients {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			if res := fx.request(cl, method, "/account/tokens", url.Values{"name": {"script"}}); !to2FA.passes(res) {
				t.Errorf("%s /account/tokens as %s without two-factor: got %d %s, want %s", method, accessRoles[4+k], res.StatusCode, res.Header.Get("Location"), to2FA)
			}
		}
	}
}
