package app

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"proact/app/config"
	"proact/models"
	"proact/models/modelstest"
)

const (
	rotterdam = "rotterdam-labour-rights-centre"
	iasi      = "iasi-migration-work-centre"
	vienna    = "vienna-labour-exploitation-desk"
)

// addOrganisation saves an approved organisation for a test.
func addOrganisation(t *testing.T, store *models.Store, slug, name, city string) *models.Organisation {
	t.Helper()
	o := &models.Organisation{Slug: slug, Name: name, Country: "NL", City: city, Type: "ngo", Status: models.OrgApproved}
	if err := store.SaveOrganisation(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o
}

func orgBySlug(t *testing.T, store *models.Store, slug string) *models.Organisation {
	t.Helper()
	o, err := store.AnyOrganisationBySlug(context.Background(), slug)
	if err != nil {
		t.Fatalf("organisation %s: %v", slug, err)
	}
	return o
}

// setContact gives an organisation a members-only contact.
func setContact(t *testing.T, store *models.Store, slug string) *models.Organisation {
	t.Helper()
	o := orgBySlug(t, store, slug)
	o.ContactName, o.ContactEmail, o.ContactPhone = "Marieke Visser", "m.visser@rlrc.example.org", "+31 10 000 0000"
	if err := store.UpdateOrganisationProfile(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestDirectoryFilters(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		for _, tc := range []struct {
			query     string
			count     int
			want, not []string
		}{
			{"", 25, []string{rotterdam, iasi}, nil},
			{"country=IT", 2, []string{"casa-san-martino-foggia", "riviera-hospitality-workers-union"}, []string{rotterdam}},
			{"type=trade-union", 4, []string{"brussels-mobile-workers-union", "gothenburg-transport-workers-union"}, []string{rotterdam}},
			{"service=shelter", 3, []string{"casa-san-martino-foggia", "veilig-onderdak-rijnmond"}, []string{rotterdam}},
			{"stage=shelter-support", 3, []string{"casa-san-martino-foggia", "adapostul-speranta-bacau"}, []string{iasi}},
			{"language=sv", 1, []string{"gothenburg-transport-workers-union"}, []string{rotterdam}},
			{"type=ngo&language=pl", 3, []string{rotterdam, "faire-arbeit-rhein-ruhr", "fundacja-praca-bez-granic"}, []string{iasi}},
			{"q=RIMINI", 1, []string{"riviera-hospitality-workers-union"}, []string{rotterdam}},
			{"q=labour", 3, []string{rotterdam, vienna, "labour-authority-exploitation-team-south-holland"}, []string{iasi}},
			{"country=ZZ&type=%3Cscript%3E", 25, []string{rotterdam}, nil}, // unknown values are ignored
		} {
			res, body := ta.get(t, "/organisations?"+tc.query)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", tc.query, res.StatusCode)
			}
			mustContain(t, tc.query, body, fmt.Sprintf("Organisations found: %d", tc.count))
			for _, s := range tc.want {
				mustContain(t, tc.query, body, `href="/organisations/`+s+`"`)
			}
			for _, s := range tc.not {
				mustNotContain(t, tc.query, body, `href="/organisations/`+s+`"`)
			}
		}
		// Selects carry translated labels and keep the choice.
		_, body := ta.get(t, "/organisations?type=trade-union&stage=referral", "Accept-Language", "de")
		mustContain(t, "German labels", body, `<option value="trade-union" selected>Gewerkschaft</option>`,
			`<option value="referral" selected>`, "Italien")
	})
}

func TestDirectoryTextFilterIsLiteral(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		addOrganisation(t, ta.store, "hundred-percent", "100% Solidarity", "Utrecht")
		addOrganisation(t, ta.store, "under-score", "Under_score Union", "Leiden")
		addOrganisation(t, ta.store, "back-slash", `Back\slash Centre`, "Delft")
		for q, want := range map[string]string{"%": "hundred-percent", "_": "under-score", `\`: "back-slash", "100%": "hundred-percent", "r_s": "under-score"} {
			_, body := ta.get(t, "/organisations?q="+url.QueryEscape(q))
			mustContain(t, "q="+q, body, "Organisations found: 1", `href="/organisations/`+want+`"`)
			_, body = ta.get(t, "/api/v1/organisations?q="+url.QueryEscape(q))
			mustContain(t, "API q="+q, body, `"total":1`, `"slug":"`+want+`"`)
		}
		// Bytes that are not UTF-8 and control characters never reach the
		// database: refused (400) or dropped, never a 500.
		for _, q := range []string{"%FF%FE", "%00", "a%0Ab"} {
			if res, _ := ta.get(t, "/organisations?q="+q); res.StatusCode != http.StatusOK && res.StatusCode != http.StatusBadRequest {
				t.Errorf("q=%s: %d", q, res.StatusCode)
			}
		}
	})
}

func TestDirectoryPagination(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	for i := range 25 {
		addOrganisation(t, ta.store, fmt.Sprintf("zz-extra-%02d", i), fmt.Sprintf("Zz Extra %02d", i), "Zwolle")
	}
	_, body := ta.get(t, "/organisations?country=NL")
	mustContain(t, "page 1", body, "Organisations found: 31", `href="/organisations?country=NL&amp;page=2"`)
	mustNotContain(t, "page 1", body, `href="/organisations/zz-extra-24"`)
	_, body = ta.get(t, "/organisations?country=NL&page=2")
	mustContain(t, "page 2", body, `href="/organisations/zz-extra-24"`, `aria-current="page">2<`)
	if res, _ := ta.get(t, "/organisations?page=99999999999999999999"); res.StatusCode != http.StatusOK {
		t.Errorf("a huge page number: %d", res.StatusCode)
	}
}

func TestOrganisationProfileVisitorAndMember(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		o := setContact(t, ta.store, rotterdam)
		o.RefersTo = []string{iasi}
		o.PublicPhone = "+31 10 123 4567"
		if err := ta.store.UpdateOrganisationProfile(t.Context(), o); err != nil {
			t.Fatal(err)
		}
		contact := []string{"Marieke Visser", "m.visser@rlrc.example.org", "+31 10 000 0000"}

		visitor := ta.client()
		res, body := visitor.get(t, "/organisations/"+rotterdam)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("profile: %d", res.StatusCode)
		}
		mustContain(t, "profile (visitor)", body, "Rotterdam Labour Rights Centre (demo)", "info@rlrc.example.org",
			"https://rlrc.example.org", "123 4567", `href="/organisations/`+iasi+`"`, "<strong>indicators of forced labour</strong>",
			`href="/practices/proactive-outreach-seasonal-farm-workers"`, "Outreach", "Signal")
		mustNotContain(t, "profile (visitor)", body, html.EscapeString(contact[0]), contact[1], "000 0000", "Edit the profile")

		member := ta.createUser(t, "worker@iasi.example.org", models.RoleMember, iasi, false)
		mc := ta.client()
		mc.login(t, member)
		_, body = mc.get(t, "/organisations/"+rotterdam)
		mustContain(t, "profile (member)", body, contact[0], contact[1], "000 0000", "Contact for members")
		mustNotContain(t, "profile (member of another org)", body, "Edit the profile")

		// Members-only notes of an organisation appear for members only.
		var hidden []string
		for _, p := range membersOnly(t, ta.store) {
			if p.OrganisationID != nil && *p.OrganisationID == orgBySlug(t, ta.store, vienna).ID {
				hidden = append(hidden, `href="/practices/`+p.Slug+`"`)
			}
		}
		_, body = visitor.get(t, "/organisations/"+vienna)
		mustNotContain(t, "vienna (visitor)", body, hidden...)
		mustContain(t, "vienna (visitor)", body, "has not published any practice note yet")
		_, body = mc.get(t, "/organisations/"+vienna)
		mustContain(t, "vienna (member)", body, hidden...)

		// Pending and suspended organisations, and unknown slugs, are 404 except for staff.
		if err := ta.store.SetOrganisationStatus(t.Context(), orgBySlug(t, ta.store, vienna).ID, models.OrgSuspended, "Fees unpaid since March"); err != nil {
			t.Fatal(err)
		}
		addOrganisation(t, ta.store, "pending-org", "Pending Org", "Gouda")
		if err := ta.store.SetOrganisationStatus(t.Context(), orgBySlug(t, ta.store, "pending-org").ID, models.OrgPending, ""); err != nil {
			t.Fatal(err)
		}
		mod := ta.createUser(t, "mod@network.example.org", models.RoleModerator, "", false)
		modc := ta.client()
		modc.login(t, mod)
		// A suspended one says so to outsiders, and nothing else: not why,
		// not its profile.
		for who, cl := range map[string]*client{"visitor": visitor, "member": mc} {
			res, body := cl.get(t, "/organisations/"+vienna)
			if res.StatusCode != http.StatusOK {
				t.Errorf("%s opens the suspended %s: %d", who, vienna, res.StatusCode)
			}
			mustContain(t, who+" on a suspended profile", body, "membership suspended", `content="noindex"`)
			mustNotContain(t, who+" on a suspended profile", body, "Fees unpaid", `class="practice-body"`, "org-contact")
		}
		for _, slug := range []string{"pending-org", "no-such-org"} {
			for who, cl := range map[string]*client{"visitor": visitor, "member": mc} {
				if res, body := cl.get(t, "/organisations/"+slug); res.StatusCode != http.StatusNotFound {
					t.Errorf("%s sees %s: %d", who, slug, res.StatusCode)
				} else {
					mustNotContain(t, slug, body, "Pending Org", "Vienna Labour")
				}
			}
			if res, _ := ta.get(t, "/api/v1/organisations/"+slug); res.StatusCode != http.StatusNotFound {
				t.Errorf("API shows %s: %d", slug, res.StatusCode)
			}
		}
		for _, slug := range []string{vienna, "pending-org"} {
			if res, _ := modc.get(t, "/organisations/"+slug); res.StatusCode != http.StatusOK {
				t.Errorf("a moderator cannot see %s: %d", slug, res.StatusCode)
			}
		}
		_, body = visitor.get(t, "/organisations")
		mustNotContain(t, "directory", body, `href="/organisations/`+vienna+`"`, "pending-org")
	})
}

// editValues is the edit form of an organisation with a few changes.
func editValues(o *models.Organisation) url.Values {
	return url.Values{
		"name": {o.Name}, "country": {o.Country}, "city": {"Den Haag"}, "type": {o.Type},
		"services": o.Services, "referral_stages": o.ReferralStages, "languages": o.Languages,
		"website": {o.Website}, "public_email": {o.PublicEmail}, "public_phone": {""},
		"description":  {"**Updated** profile <script>alert(1)</script>"},
		"contact_name": {"Desk officer"}, "contact_email": {"desk@rlrc.example.org"}, "contact_phone": {""},
		"refers_to": {iasi, vienna},
	}
}

func TestOrganisationAdminEditsProfile(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		admin := ta.createUser(t, "admin@rlrc.example.org", models.RoleMember, rotterdam, true)
		cl := ta.client()
		cl.login(t, admin)
		_, body := cl.get(t, "/organisations/"+rotterdam)
		mustContain(t, "profile as its admin", body, `href="/organisations/`+rotterdam+`/edit"`)
		edit := "/organisations/" + rotterdam + "/edit"
		res, body := cl.get(t, edit)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("edit form: %d", res.StatusCode)
		}
		mustContain(t, "edit form", body, `value="Rotterdam"`, `value="outreach" checked`, `name="refers_to" value="`+iasi+`"`, "indicators of forced labour")
		mustNotContain(t, "edit form", body, `name="refers_to" value="`+rotterdam+`"`)

		o := orgBySlug(t, ta.store, rotterdam)
		bad := editValues(o)
		bad.Set("contact_email", "desk at rlrc")
		bad["refers_to"] = []string{"no-such-org"}
		res, body = cl.post(t, edit, edit, bad)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("invalid edit: %d", res.StatusCode)
		}
		mustContain(t, "invalid edit", body, `value="desk at rlrc"`, `id="f-contact_email-error"`, `aria-describedby="f-refers_to-error"`, `value="Den Haag"`)

		res, body = cl.post(t, edit, edit, editValues(o))
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/organisations/"+rotterdam {
			t.Fatalf("edit: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), body)
		}
		_, body = cl.get(t, "/organisations/"+rotterdam)
		mustContain(t, "after the edit", body, "The profile has been saved.", "Den Haag", "<strong>Updated</strong> profile",
			`href="/organisations/`+iasi+`"`, "desk@rlrc.example.org")
		mustNotContain(t, "after the edit", body, "<script>alert(1)</script>")
		saved := orgBySlug(t, ta.store, rotterdam)
		if saved.City != "Den Haag" || saved.Status != models.OrgApproved || !saved.Demo || len(saved.RefersTo) != 2 {
			t.Errorf("saved organisation: %+v", saved)
		}
		if n := auditCount(t, ta.store, models.AuditOrgUpdated); n != 1 {
			t.Errorf("%d profile updates in the audit log", n)
		}

		// A plain member of the organisation may not edit it.
		member := ta.createUser(t, "member@rlrc.example.org", models.RoleMember, rotterdam, false)
		mc := ta.client()
		mc.login(t, member)
		if res, _ := mc.get(t, edit); res.StatusCode != http.StatusForbidden {
			t.Errorf("a plain member opens the edit form: %d", res.StatusCode)
		}
		// A visitor is sent to sign in.
		if res, _ := ta.get(t, edit); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("a visitor opens the edit form: %d", res.StatusCode)
		}
	})
}

func TestOrganisationOfAnotherOrgIs404(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		admin := ta.createUser(t, "admin@iasi.example.org", models.RoleMember, iasi, true)
		colleague := ta.createUser(t, "colleague@rlrc.example.org", models.RoleMember, rotterdam, false)
		cl := ta.client()
		cl.login(t, admin)
		own := "/organisations/" + iasi
		other := "/organisations/" + rotterdam
		for _, path := range []string{other + "/edit", other + "/members"} {
			if res, body := cl.get(t, path); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s by another org's admin: %d", path, res.StatusCode)
			} else {
				mustNotContain(t, path, body, "colleague@rlrc.example.org", "Rotterdam Labour Rights Centre")
			}
		}
		id := fmt.Sprint(colleague.ID)
		for _, tc := range []struct{ action string }{
			{other + "/edit"}, {other + "/members"}, {other + "/members/" + id + "/remove"},
			// Own organisation's page, another organisation's user.
			{own + "/members/" + id + "/remove"},
		} {
			form := editValues(orgBySlug(t, ta.store, rotterdam))
			form.Set("person_name", "Intruder")
			form.Set("person_email", "intruder@example.org")
			form.Set("person_language", "en")
			if res, _ := cl.post(t, own+"/members", tc.action, form); res.StatusCode != http.StatusNotFound {
				t.Errorf("POST %s: %d, want 404", tc.action, res.StatusCode)
			}
		}
		if saved := orgBySlug(t, ta.store, rotterdam); saved.City != "Rotterdam" {
			t.Errorf("another organisation's profile changed: city %q", saved.City)
		}
		if u, _ := ta.store.UserByEmail(t.Context(), colleague.Email); u.Status != models.UserActive || u.OrganisationID == nil {
			t.Errorf("another organisation's member was removed: %+v", u)
		}
		if _, err := ta.store.UserByEmail(t.Context(), "intruder@example.org"); err == nil {
			t.Error("an account was invited into another organisation")
		}
	})
}

func TestOrganisationMembersInviteAndRemove(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		admin := ta.createUser(t, "admin@rlrc.example.org", models.RoleMember, rotterdam, true)
		colleague := ta.createUser(t, "leaving@rlrc.example.org", models.RoleMember, rotterdam, false)
		cl := ta.client()
		cl.login(t, admin)
		cc := ta.client()
		cc.login(t, colleague)

		page := "/organisations/" + rotterdam + "/members"
		_, body := cl.get(t, page)
		mustContain(t, "members", body, "leaving@rlrc.example.org", "admin@rlrc.example.org", "(you)")

		res, body := cl.post(t, page, page, url.Values{"person_name": {"New Colleague"}, "person_email": {"leaving@rlrc.example.org"}, "person_language": {"pl"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("inviting a taken address: %d", res.StatusCode)
		}
		mustContain(t, "taken address", body, "already an account", `value="New Colleague"`)
		res, body = cl.post(t, page, page, url.Values{"person_name": {"New Colleague"}, "person_email": {"new@rlrc.example.org"}, "person_language": {"pl"}})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("invite: %d", res.StatusCode)
		}
		// No mail server: the page says the mail is only queued, never
		// "sent", and shows the link to copy.
		mustContain(t, "invited", body, "is only queued: no mail server is set up", `id="invitation-link" value="http://localhost:8080/invitation/`, "data-copy=\"invitation-link\"")
		mustNotContain(t, "invited", body, "has been sent")
		u, err := ta.store.UserByEmail(t.Context(), "new@rlrc.example.org")
		if err != nil {
			t.Fatal(err)
		}
		if u.Status != models.UserInvited || u.OrganisationID == nil || *u.OrganisationID != *admin.OrganisationID || u.OrgAdmin || u.Language != "pl" {
			t.Errorf("invited account: %+v", u)
		}
		inv := mailTo(t, ta.store, "new@rlrc.example.org", "invitation")
		if inv.Language != "pl" || !strings.Contains(inv.Body, "/invitation/") {
			t.Errorf("invitation mail: %+v", inv)
		}

		// The pending invitation: a new link (the mailed one stops working),
		// sent again, then withdrawn (its mail leaves the outbox).
		_, body = cl.get(t, page)
		mustContain(t, "pending invitations", body, "Invitations not accepted yet", fmt.Sprintf(`action="%s/%d/withdraw"`, page, u.ID))
		first := regexp.MustCompile(`/invitation/([A-Z0-9]+)`).FindStringSubmatch(inv.Body)[1]
		res, body = cl.post(t, page, fmt.Sprintf("%s/%d/invitation", page, u.ID), url.Values{"action": {"link"}})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("a new link: %d", res.StatusCode)
		}
		mustContain(t, "new link", body, "no mail was queued", `id="invitation-link"`)
		mustNotContain(t, "new link", body, first)
		if res, _ := ta.get(t, "/invitation/"+first); res.StatusCode == http.StatusOK {
			t.Error("the first link still works after a new one")
		}
		res, body = cl.post(t, page, fmt.Sprintf("%s/%d/invitation", page, u.ID), url.Values{"action": {"resend"}})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("resend: %d", res.StatusCode)
		}
		mustContain(t, "resent", body, "is only queued")
		// A value no button sends renews nothing: renewing would end the
		// invitee's link.
		if res, _ := cl.post(t, page, fmt.Sprintf("%s/%d/invitation", page, u.ID), url.Values{"action": {"zzz"}}); res.StatusCode != http.StatusBadRequest {
			t.Errorf("an unknown action: %d, want 400", res.StatusCode)
		}
		if n := auditCount(t, ta.store, models.AuditInvitationRenewed); n != 2 {
			t.Errorf("%d renewals in the audit log", n)
		}
		if res, _ := cl.post(t, page, fmt.Sprintf("%s/%d/withdraw", page, u.ID), nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("withdraw: %d", res.StatusCode)
		}
		if _, err := ta.store.UserByEmail(t.Context(), "new@rlrc.example.org"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("the withdrawn invitation's account: %v", err)
		}
		if list, _ := ta.store.ListMail(t.Context(), 500); slices.ContainsFunc(list, func(m models.Mail) bool { return m.ToAddr == "new@rlrc.example.org" }) {
			t.Error("the withdrawn invitation's mail is still in the outbox")
		}
		if n := auditCount(t, ta.store, models.AuditInvitationWithdrawn); n != 1 {
			t.Errorf("%d withdrawals in the audit log", n)
		}
		// Only pending invitations of one's own organisation.
		if res, _ := cl.post(t, page, fmt.Sprintf("%s/%d/withdraw", page, colleague.ID), nil); res.StatusCode != http.StatusConflict {
			t.Errorf("withdrawing an active colleague: %d", res.StatusCode)
		}

		// Removing oneself is refused; removing a colleague ends their session.
		if res, body := cl.post(t, page, fmt.Sprintf("%s/%d/remove", page, admin.ID), nil); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("removing oneself: %d", res.StatusCode)
		} else {
			mustContain(t, "removing oneself", body, "You cannot remove yourself")
		}
		if res, _ := cl.post(t, page, fmt.Sprintf("%s/%d/remove", page, colleague.ID), nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("remove: %d", res.StatusCode)
		}
		gone, _ := ta.store.UserByEmail(t.Context(), colleague.Email)
		if gone.Status != models.UserDisabled || gone.OrganisationID != nil || gone.OrgAdmin {
			t.Errorf("removed account: %+v", gone)
		}
		_, body = cc.get(t, "/")
		mustNotContain(t, "removed colleague's next page", body, `action="/logout"`)
		if n := auditCount(t, ta.store, models.AuditUserRemoved); n != 1 {
			t.Errorf("%d removals in the audit log", n)
		}
		if res, _ := cl.post(t, page, fmt.Sprintf("%s/%d/remove", page, colleague.ID), nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("removing a former colleague again: %d", res.StatusCode)
		}
	})
}

func TestSuspendStopsWritingAtOnce(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		admin := ta.createUser(t, "admin@rlrc.example.org", models.RoleMember, rotterdam, true)
		mod := ta.createUser(t, "mod@network.example.org", models.RoleModerator, "", false)
		ac, mc := ta.client(), ta.client()
		ac.login(t, admin)
		mc.login(t, mod)
		edit := "/organisations/" + rotterdam + "/edit"
		token := ac.csrf(t, edit) // the form is open when the suspension happens

		list := "/admin/organisations"
		_, body := mc.get(t, list)
		// The list links to a confirmation step; no reason box on every row.
		mustContain(t, "admin list", body, `href="/admin/organisations/`+rotterdam+`/suspend"`)
		mustNotContain(t, "admin list", body, `action="/admin/organisations/`+rotterdam+`/suspend"`, `name="reason"`)
		confirm := list + "/" + rotterdam + "/suspend"
		_, body = mc.get(t, confirm)
		mustContain(t, "confirmation", body, "Suspend Rotterdam Labour Rights Centre (demo)?", `action="`+confirm+`"`, `name="reason"`)
		if res, body := mc.post(t, confirm, confirm, url.Values{"reason": {" "}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("suspension without a reason: %d", res.StatusCode)
		} else {
			mustContain(t, "suspension without a reason", body, `aria-invalid="true"`, "Suspend Rotterdam Labour Rights Centre (demo)?")
		}
		if res, _ := mc.post(t, confirm, confirm, url.Values{"reason": {"Membership fees unpaid"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("suspend: %d", res.StatusCode)
		}
		// The organisation's admins are told why by mail; its members see
		// the reason on every page, with a way to ask for a review.
		if m := mailTo(t, ta.store, admin.Email, "suspended"); !strings.Contains(m.Body, "Membership fees unpaid") || !strings.Contains(m.Body, "/account/review") {
			t.Errorf("suspension mail: %s", m.Body)
		}
		_, body = ac.get(t, "/account")
		mustContain(t, "banner", body, "Membership fees unpaid", `href="/account/review"`)
		review := "/account/review"
		if res, _ := ac.post(t, review, review, url.Values{"message": {""}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("an empty review request: %d", res.StatusCode)
		}
		if res, _ := ac.post(t, review, review, url.Values{"message": {"The fees are paid <b>now</b>."}}); res.StatusCode != http.StatusSeeOther {
			t.Errorf("a review request: %d", res.StatusCode)
		}
		if m := mailTo(t, ta.store, mod.Email, "review-request"); !strings.Contains(m.Body, "The fees are paid <b>now</b>.") {
			t.Errorf("review request mail: %s", m.Body)
		}
		// Each request mails every moderator and administrator: one an hour.
		res, body := ac.post(t, review, review, url.Values{"message": {"Again, <i>please</i>."}})
		if res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("a second review request within the hour: %d", res.StatusCode)
		}
		mustContain(t, "second review request", body, "less than an hour ago", "Again, &lt;i&gt;please&lt;/i&gt;.")
		if n := auditCount(t, ta.store, models.AuditReviewRequested); n != 1 {
			t.Errorf("%d review requests in the audit log", n)
		}
		form := editValues(orgBySlug(t, ta.store, rotterdam))
		form.Set("_csrf", token)
		req, _ := http.NewRequest(http.MethodPost, edit, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, body = ac.do(t, req)
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("a suspended organisation's admin saves the profile: %d", res.StatusCode)
		}
		mustContain(t, "suspended", body, "membership is suspended")
		if o := orgBySlug(t, ta.store, rotterdam); o.City != "Rotterdam" || o.Status != models.OrgSuspended || o.SuspendedReason != "Membership fees unpaid" {
			t.Errorf("after the suspension: %+v", o)
		}
		if res, _ := ac.get(t, "/organisations/"+rotterdam+"/members"); res.StatusCode != http.StatusForbidden {
			t.Errorf("members page of a suspended organisation: %d", res.StatusCode)
		}
		_, body = mc.get(t, list+"?status=suspended")
		mustContain(t, "suspended list", body, "Membership fees unpaid", `action="/admin/organisations/`+rotterdam+`/reinstate"`)
		if res, _ := mc.post(t, list, confirm, url.Values{"reason": {"again"}}); res.StatusCode != http.StatusConflict {
			t.Errorf("suspending twice: %d", res.StatusCode)
		}

		if res, _ := mc.post(t, list, list+"/"+rotterdam+"/reinstate", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("reinstate: %d", res.StatusCode)
		}
		if res, _ := ac.post(t, edit, edit, editValues(orgBySlug(t, ta.store, rotterdam))); res.StatusCode != http.StatusSeeOther {
			t.Errorf("editing after reinstatement: %d", res.StatusCode)
		}
		for action, want := range map[string]int64{models.AuditOrgSuspended: 1, models.AuditOrgReinstated: 1} {
			if n := auditCount(t, ta.store, action); n != want {
				t.Errorf("%d %s entries, want %d", n, action, want)
			}
		}
		// Members may not moderate.
		if res, _ := ac.post(t, edit, list+"/"+rotterdam+"/suspend", url.Values{"reason": {"x"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("a member suspends an organisation: %d", res.StatusCode)
		}
	})
}

// sendForm posts a form with a CSRF token fetched once, from a client address
// of its own, so that thousands of posts neither refetch forms nor meet the
// rate limiter.
func sendForm(t *testing.T, cl *client, token, ip, action string, form url.Values) (*http.Response, string) {
	t.Helper()
	form.Set("_csrf", token)
	req := httptest.NewRequest(http.MethodPost, action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	cl.ip = ip
	return cl.do(t, req)
}

// TestAttackPayloadsInOrganisationForms sends every attack payload to the
// join form and to the profile form with every text field set to it: never a
// 500, nothing echoed unescaped by the form shown again, and whatever is
// accepted is stored as typed. The address fields refuse nearly every
// payload, so one payload in acceptedEvery also goes into the free-text
// fields alone, with valid addresses, to check the stored values, the profile
// page and the directory. Two workers, each with its own organisation.
func TestAttackPayloadsInOrganisationForms(t *testing.T) {
	t.Parallel()
	payloads := attackPayloads(t)
	ta := newTestApp(t, models.SQLite, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
	_, baseJoin := ta.get(t, "/join")
	orgs := []string{rotterdam, iasi}
	for w, slug := range orgs {
		admin := ta.createUser(t, fmt.Sprintf("admin%d@example.org", w), models.RoleMember, slug, true)
		t.Run(slug, func(t *testing.T) {
			t.Parallel()
			attackOrganisationForms(t, ta, admin, w, len(orgs), payloads, baseJoin)
		})
	}
}

// acceptedEvery: one payload in so many also takes the accepted path (every
// one with PROACT_FULL_ATTACKS=1). Every request costs tens of milliseconds
// under -race; all of them would take minutes.
func acceptedEvery() int {
	if modelstest.FullAttacks() {
		return 1
	}
	return 16
}

// payloadWorker sends the requests of one worker of the payload test.
type payloadWorker struct {
	t                     *testing.T
	ta                    *testApp
	w, requests           int
	visitor, admin        *client
	joinToken, editToken  string
	org                   *models.Organisation
	baseJoin, baseProfile string
}

func (pw *payloadWorker) post(cl *client, token, action string, form url.Values) (*http.Response, string) {
	pw.requests++
	return sendForm(pw.t, cl, token, fmt.Sprintf("10.%d.%d.%d", pw.w, pw.requests/256%256, pw.requests%256), action, form)
}

func (pw *payloadWorker) get(path string) (*http.Response, string) {
	pw.requests++
	pw.admin.ip = fmt.Sprintf("10.%d.%d.%d", pw.w, pw.requests/256%256, pw.requests%256)
	return pw.admin.get(pw.t, path)
}

// check fails on a 5xx and on the payload echoed unescaped (when the page
// without it does not hold the same text anyway).
func (pw *payloadWorker) check(what, p string, res *http.Response, body, baseline string) {
	pw.t.Helper()
	if res.StatusCode >= 500 {
		pw.t.Errorf("%s, payload %.60q: status %d", what, p, res.StatusCode)
	}
	if strings.ContainsAny(p, `<>"'`) && strings.Contains(body, p) && !strings.Contains(baseline, p) {
		pw.t.Errorf("%s, payload %.60q is echoed unescaped", what, p)
	}
}

// attackOrganisationForms is one worker: payloads w, w+n, w+2n ..., through
// the join form and the profile form of admin's organisation.
func attackOrganisationForms(t *testing.T, ta *testApp, admin *testUser, w, n int, payloads []string, baseJoin string) {
	org, err := ta.store.OrganisationByID(t.Context(), *admin.OrganisationID)
	if err != nil {
		t.Fatal(err)
	}
	pw := &payloadWorker{t: t, ta: ta, w: w, visitor: ta.client(), admin: ta.client(), org: org, baseJoin: baseJoin}
	pw.visitor.ip, pw.admin.ip = fmt.Sprintf("10.%d.255.1", w), fmt.Sprintf("10.%d.255.2", w)
	pw.joinToken = pw.visitor.csrf(t, "/join")
	pw.admin.login(t, admin)
	pw.editToken = pw.admin.csrf(t, "/organisations/"+org.Slug+"/edit")
	_, pw.baseProfile = pw.admin.get(t, "/organisations/"+org.Slug)
	joinFields := []string{"name", "city", "description", "person_name", "website", "public_email", "public_phone", "person_email"}
	editFields := []string{"name", "city", "description", "contact_name", "website", "public_email", "public_phone", "contact_email", "contact_phone"}
	for i := w; i < len(payloads); i += n {
		pw.join(i, payloads[i], joinFields)
		pw.edit(payloads[i], editFields)
		if (i/n)%acceptedEvery() == 0 {
			pw.join(i, payloads[i], joinFields[:4])
			pw.edit(payloads[i], editFields[:4])
		}
	}
}

// join applies with p in fields; an accepted application is checked as stored.
func (pw *payloadWorker) join(i int, p string, fields []string) {
	t := pw.t
	email := fmt.Sprintf("applicant-%d@example.org", i)
	form := joinValues("x", email, "en")
	for _, k := range fields {
		form.Set(k, p)
	}
	res, body := pw.post(pw.visitor, pw.joinToken, "/join", form)
	pw.check("join", p, res, body, pw.baseJoin)
	if res.StatusCode != http.StatusSeeOther {
		return
	}
	entries, _, err := pw.ta.store.ListAudit(t.Context(), models.AuditFilter{Action: models.AuditApplication, Actor: email})
	if err != nil || len(entries) != 1 || entries[0].TargetID == nil {
		t.Fatalf("join, payload %.60q: no audit entry of the application (%v)", p, err)
	}
	a, err := pw.ta.store.ApplicationByID(t.Context(), *entries[0].TargetID)
	if err != nil {
		t.Fatal(err)
	}
	trimmed := strings.TrimSpace(p)
	if f := profileOf(a); f.Name != trimmed || f.City != trimmed || a.ContactName != trimmed || f.Description != p {
		t.Errorf("join, payload %.60q stored as %.60q / %.60q / %.60q", p, f.Name, a.ContactName, f.Description)
	}
}

// edit saves the profile with p in fields; an accepted profile is checked as
// stored and as shown on the profile page and in the directory.
func (pw *payloadWorker) edit(p string, fields []string) {
	t := pw.t
	form := editValues(pw.org)
	for _, k := range fields {
		form.Set(k, p)
	}
	res, body := pw.post(pw.admin, pw.editToken, "/organisations/"+pw.org.Slug+"/edit", form)
	pw.check("profile form", p, res, body, pw.baseProfile)
	if res.StatusCode != http.StatusSeeOther {
		return
	}
	saved, err := pw.ta.store.OrganisationByID(t.Context(), pw.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	trimmed := strings.TrimSpace(p)
	if saved.Name != trimmed || saved.City != trimmed || saved.ContactName != trimmed || saved.DescriptionMD != p {
		t.Errorf("profile form, payload %.60q stored as %.60q / %.60q", p, saved.Name, saved.DescriptionMD)
	}
	res, body = pw.get("/organisations/" + pw.org.Slug)
	pw.check("profile", p, res, body, pw.baseProfile)
	res, body = pw.get("/organisations?q=" + url.QueryEscape(p))
	pw.check("directory", p, res, body, pw.baseProfile)
}
