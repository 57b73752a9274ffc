package app

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"proact/models"
)

// joinValues is a complete, valid application.
func joinValues(name, email, lang string) url.Values {
	return url.Values{
		"name": {name}, "country": {"RO"}, "city": {"Cluj-Napoca"}, "type": {"ngo"},
		"services": {"outreach", "helpline"}, "referral_stages": {"signal", "referral"}, "languages": {"ro", "hu"},
		"website": {"https://example.org/ro"}, "public_email": {"info@example.org"}, "public_phone": {"+40 264 000 000"},
		"description": {"We support **seasonal workers** returning from abroad."},
		"person_name": {"Ioana Pop"}, "person_email": {email}, "person_language": {lang}, "consent": {"yes"},
	}
}

// mailTo returns the newest message of the outbox of a kind sent to addr.
func mailTo(t *testing.T, store *models.Store, addr, kind string) *models.Mail {
	t.Helper()
	list, err := store.ListMail(context.Background(), 500)
	if err != nil {
		t.Fatal(err)
	}
	for i := range list {
		if list[i].ToAddr == addr && list[i].Kind == kind {
			return &list[i]
		}
	}
	t.Fatalf("no %q mail to %s in the outbox", kind, addr)
	return nil
}

// pendingApplication returns the id of the pending application sent by email.
func pendingApplication(t *testing.T, store *models.Store, email string) string {
	t.Helper()
	list, err := store.ListApplications(context.Background(), models.ApplicationFilter{Status: models.ApplicationPending})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.ContactEmail == email {
			return strconv.FormatUint(uint64(a.ID), 10)
		}
	}
	t.Fatalf("no pending application from %s", email)
	return ""
}

func auditCount(t *testing.T, store *models.Store, action string) int64 {
	t.Helper()
	_, n, err := store.ListAudit(context.Background(), models.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestJoinApproveRejectFlow walks the whole path: an application, the mails
// it causes, approval (organisation, invited admin, invitation mail), a
// second approval refused, a name taken twice, and a rejection whose reason
// is mailed in the applicant's language.
func TestJoinApproveRejectFlow(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		ctx := context.Background()
		mod := ta.createUser(t, "moderator@network.example.org", models.RoleModerator, "", false)
		mod.Language = "de"
		if err := ta.store.UpdateUser(ctx, mod.User, "language"); err != nil {
			t.Fatal(err)
		}

		visitor := ta.client()
		res, body := visitor.post(t, "/join", "/join", joinValues("Asociația Muncă Demnă", "Ioana@Example.ORG", "ro"))
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/join/thanks" {
			t.Fatalf("join: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), body)
		}
		if res, body := visitor.get(t, "/join/thanks"); res.StatusCode != http.StatusOK {
			t.Fatalf("thanks page: %d", res.StatusCode)
		} else {
			mustContain(t, "thanks", body, "Thank you for your application")
		}
		confirm := mailTo(t, ta.store, "ioana@example.org", "application")
		mustContain(t, "confirmation (ro)", confirm.Subject+confirm.Body, "Asociația Muncă Demnă", "Bună ziua")
		staffMail := mailTo(t, ta.store, mod.Email, "application-staff")
		mustContain(t, "moderator mail (de)", staffMail.Subject+staffMail.Body, "Asociația Muncă Demnă", "Rumänien", "/admin/applications/")
		if n := auditCount(t, ta.store, models.AuditApplication); n != 1 {
			t.Errorf("%d application entries in the audit log", n)
		}

		// The moderator reviews and approves.
		mc := ta.client()
		// The moderator reads German mail but chose English with the switcher,
		// which signing in keeps.
		mc.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: "en"}
		mc.login(t, mod)
		id := pendingApplication(t, ta.store, "ioana@example.org")
		_, body = mc.get(t, "/admin/applications")
		mustContain(t, "applications list", body, "Asociația Muncă Demnă", `href="/admin/applications/`+id+`"`)
		_, body = mc.get(t, "/admin/applications/"+id)
		mustContain(t, "application page", body, "Cluj-Napoca", "<strong>seasonal workers</strong>", "264 000 000", "Ioana Pop")
		page := "/admin/applications/" + id
		// Empty answers say so; decisions are links to confirmation steps.
		mustContain(t, "application page", body, `href="`+page+`/approve"`, `href="`+page+`/reject"`, `href="`+page+`/info"`)
		mustNotContain(t, "application page", body, `action="`+page+`/approve"`)
		// The moderators' notes and checklist are kept, and audited.
		if res, _ := mc.post(t, page, page+"/notes", url.Values{"notes": {"Called the office <b>on Monday</b>."}, "check": {"exists", "work", "bogus"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("saving notes: %d", res.StatusCode)
		}
		_, body = mc.get(t, page)
		mustContain(t, "notes", body, "Called the office &lt;b&gt;on Monday&lt;/b&gt;.", `name="check" value="exists" checked`, `name="check" value="work" checked`)
		mustNotContain(t, "notes", body, `value="contact" checked`, "bogus")
		// Asking for more information: a mail, and the application waits.
		if res, _ := mc.post(t, page+"/info", page+"/info", url.Values{"questions": {""}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("asking nothing: %d", res.StatusCode)
		}
		if res, _ := mc.post(t, page+"/info", page+"/info", url.Values{"questions": {"Which cities do you work in?"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("asking for more information: %d", res.StatusCode)
		}
		if m := mailTo(t, ta.store, "ioana@example.org", "application-info"); !strings.Contains(m.Body, "Which cities do you work in?") || m.Language != "ro" {
			t.Errorf("the request for information: %+v", m)
		}
		if a, _ := ta.store.ApplicationByID(ctx, mustID(t, id)); a.Status != models.ApplicationInfoRequested || a.InfoRequestedAt == nil {
			t.Errorf("after asking: %+v", a)
		}
		_, body = mc.get(t, page+"/approve")
		mustContain(t, "approval step", body, "Approve Asociația Muncă Demnă?", `action="`+page+`/approve"`, "ioana@example.org")
		res, body = mc.post(t, page+"/approve", page+"/approve", nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve: %d\n%s", res.StatusCode, body)
		}
		// No mail server: the message says the invitation is only queued,
		// and the page offers a link to copy.
		_, body = mc.get(t, page)
		mustContain(t, "after approval", body, "The invitation is only queued: no mail server is set up", `action="`+page+`/invitation"`)
		mustNotContain(t, "after approval", body, "invitation sent")
		res, body = mc.post(t, page, page+"/invitation", url.Values{"action": {"link"}})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("a link to copy: %d", res.StatusCode)
		}
		mustContain(t, "a link to copy", body, `id="invitation-link" value="http://localhost:8080/invitation/`)
		org, err := ta.store.OrganisationBySlug(ctx, "asociatia-munca-demna")
		if err != nil {
			t.Fatalf("the approved organisation: %v", err)
		}
		if org.City != "Cluj-Napoca" || !strings.Contains(org.DescriptionHTML, "<strong>seasonal workers</strong>") || len(org.Services) != 2 {
			t.Errorf("organisation as created: %+v", org)
		}
		u, err := ta.store.UserByEmail(ctx, "ioana@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if u.Status != models.UserInvited || !u.OrgAdmin || u.Role != models.RoleMember || u.Language != "ro" ||
			u.PasswordHash != "" || u.OrganisationID == nil || *u.OrganisationID != org.ID {
			t.Errorf("contact person's account: %+v", u)
		}
		inv := mailTo(t, ta.store, "ioana@example.org", "invitation")
		mustContain(t, "invitation", inv.Body, "/invitation/", "Asociația Muncă Demnă")
		if strings.Contains(body, inv.Body[strings.Index(inv.Body, "/invitation/"):][:30]) {
			t.Error("the page shows the mailed link, which the new one replaced")
		}
		if inv.Language != "ro" {
			t.Errorf("invitation in %q, want ro", inv.Language)
		}
		if res, _ := mc.post(t, page, page+"/approve", nil); res.StatusCode != http.StatusConflict {
			t.Errorf("approving twice: %d, want 409", res.StatusCode)
		}
		if res, _ := mc.post(t, page, page+"/reject", url.Values{"reason": {"late"}}); res.StatusCode != http.StatusConflict {
			t.Errorf("rejecting an approved application: %d, want 409", res.StatusCode)
		}
		if res, _ := visitor.get(t, "/organisations/asociatia-munca-demna"); res.StatusCode != http.StatusOK {
			t.Errorf("the new organisation is not in the directory: %d", res.StatusCode)
		}

		// The same name again gets the next free slug.
		visitor.post(t, "/join", "/join", joinValues("Asociația Muncă Demnă", "other@example.org", "en"))
		id2 := pendingApplication(t, ta.store, "other@example.org")
		mc.post(t, "/admin/applications/"+id2, "/admin/applications/"+id2+"/approve", nil)
		if _, err := ta.store.OrganisationBySlug(ctx, "asociatia-munca-demna-2"); err != nil {
			t.Errorf("second organisation with the same name: %v", err)
		}

		// A rejection needs a reason, which is mailed in the applicant's language.
		visitor.post(t, "/join", "/join", joinValues("Stichting Eerlijk Werk", "jan@example.nl", "nl"))
		id3 := pendingApplication(t, ta.store, "jan@example.nl")
		page3 := "/admin/applications/" + id3
		res, body = mc.post(t, page3, page3+"/reject", url.Values{"reason": {"  "}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("reject without a reason: %d", res.StatusCode)
		}
		mustContain(t, "reject without a reason", body, `role="alert"`, "required")
		reason := "Your organisation works outside the network's field (employer services)."
		if res, body := mc.post(t, page3, page3+"/reject", url.Values{"reason": {reason}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("reject: %d\n%s", res.StatusCode, body)
		}
		rejected := mailTo(t, ta.store, "jan@example.nl", "rejected")
		mustContain(t, "rejection (nl)", rejected.Subject+rejected.Body, reason, "Stichting Eerlijk Werk", "Geachte")
		if rejected.Language != "nl" {
			t.Errorf("rejection in %q, want nl", rejected.Language)
		}
		if res, _ := mc.post(t, page3, page3+"/approve", nil); res.StatusCode != http.StatusConflict {
			t.Errorf("approving a rejected application: %d, want 409", res.StatusCode)
		}
		if _, err := ta.store.UserByEmail(ctx, "jan@example.nl"); err == nil {
			t.Error("a rejected applicant got an account")
		}
		for action, want := range map[string]int64{models.AuditApproved: 2, models.AuditRejected: 1, models.AuditApplication: 3} {
			if n := auditCount(t, ta.store, action); n != want {
				t.Errorf("%d %s entries in the audit log, want %d", n, action, want)
			}
		}
		// An applicant whose address has an account already is not approved blindly.
		visitor.post(t, "/join", "/join", joinValues("Second Hat Centre", mod.Email, "en"))
		id4 := pendingApplication(t, ta.store, mod.Email)
		page4 := "/admin/applications/" + id4
		res, body = mc.post(t, page4, page4+"/approve", nil)
		if res.StatusCode != http.StatusConflict {
			t.Errorf("approving an applicant with an account: %d", res.StatusCode)
		}
		mustContain(t, "applicant with an account", body, `role="alert"`, "already an account")
		if _, err := ta.store.OrganisationBySlug(ctx, "second-hat-centre"); err == nil {
			t.Error("the organisation was created anyway")
		}
		_, body = mc.get(t, "/admin/applications?status=all")
		mustContain(t, "counts per status", body, "Pending (1)", "Approved (2)", "Rejected (1)", "All (4)")
	})
}

func TestJoinValidationKeepsTypedValues(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	cl := ta.client()
	v := joinValues("", "not-an-email", "ro")
	v.Set("city", `Ümeå <b>"x"</b>`)
	v.Set("website", "javascript:alert(1)")
	v.Set("country", "XX")
	v.Set("public_phone", "call me")
	v["services"] = []string{"outreach", "no-such-service"}
	v.Del("consent")
	res, body := cl.post(t, "/join", "/join", v)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", res.StatusCode)
	}
	mustContain(t, "error page", body,
		`role="alert"`, `href="#f-name"`,
		`id="f-name" name="name" value="" required autocomplete="organization" aria-invalid="true" aria-describedby="f-name-error"`,
		`id="f-name-error"`, "Name of the organisation: this field is required.",
		`value="not-an-email"`, "is not an e-mail address",
		`value="Ümeå &lt;b&gt;&#34;x&#34;&lt;/b&gt;"`,
		`value="javascript:alert(1)"`, "is not a web address",
		`aria-describedby="f-services-error"`, "no-such-service",
		`value="outreach" checked`, `value="call me"`, "is not a telephone number",
		`id="f-consent-error"`, `<a href="/privacy">`,
		`value="ro" lang="ro" selected`,
	)
	mustNotContain(t, "error page", body, `<b>"x"</b>`)
	if list, _ := ta.store.ListApplications(t.Context(), models.ApplicationFilter{}); len(list) != 0 {
		t.Errorf("%d applications stored from an invalid form", len(list))
	}

	// The messages are in the reader's language.
	cl.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: "fr"}
	_, body = cl.post(t, "/join", "/join", v)
	mustContain(t, "French errors", body, "n’est pas une adresse e-mail", `<html lang="fr"`)
}

func mustID(t *testing.T, id string) uint {
	t.Helper()
	n, err := strconv.ParseUint(id, 10, 32)
	if err != nil {
		t.Fatal(err)
	}
	return uint(n)
}
