package app

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"proact/app/config"
	"proact/app/i18n"
	"proact/models"
	"proact/models/modelstest"
)

// testClock is the clock the consultation tests move: the deadline is the
// server's, and tests cross it to the second without sleeping.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// consultationApp is the test portal with an injected clock at start and a
// rate limit that concurrent tests do not reach.
func consultationApp(t *testing.T, d models.Dialect, start time.Time) (*testApp, *testClock) {
	t.Helper()
	clk := &testClock{t: start}
	ta := newTestApp(t, d, func(c *config.Config) {
		c.Clock = clk.Now
		c.Limits.Requests = 1 << 20
		// Each request may come from an address of its own (nextIP), so that
		// tests of many requests stay under the per-address rate limit.
		c.TrustedProxies = []string{"0.0.0.0"}
	})
	return ta, clk
}

var consultIPs atomic.Int64

// nextIP is a fresh client address for the rate limiter.
func nextIP() string {
	n := consultIPs.Add(1)
	return fmt.Sprintf("10.%d.%d.%d", 100+n/65536%100, n/256%256, n%256)
}

// busy gives the client a fresh address: for loops of many writes.
func busy(cl *client) *client { cl.ip = nextIP(); return cl }

var (
	versionField = regexp.MustCompile(`name="version" value="(\d+)"`)
	keyField     = regexp.MustCompile(`name="key" value="([^"]+)"`)
)

func field(t testing.TB, re *regexp.Regexp, body, what string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s field in the page", what)
	}
	return m[1]
}

// bt is a time in Brussels for the tests.
func bt(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, i18n.Brussels())
}

// testQuestionnaire is the questionnaire the tests build through the
// builder: two pages, every type of question.
var testQuestionnaire = []url.Values{
	{"type": {"section"}, "title": {"Part one: your work"}, "help": {"What you see."}},
	{"type": {"short_text"}, "title": {"Name of your service"}, "required": {"true"}},
	{"type": {"long_text"}, "title": {"What works best?"}, "required": {"true"}, "max_length": {"200"}},
	{"type": {"single_choice"}, "title": {"Main sector"}, "options": {"Agriculture\nConstruction\nCare"}},
	{"type": {"section"}, "title": {"Part two: proposals"}},
	{"type": {"multiple_choice"}, "title": {"Which indicators?"}, "required": {"true"}, "options": {"Debt bondage\nWithheld wages\nRetained documents"}, "min_choices": {"1"}, "max_choices": {"2"}},
	{"type": {"scale"}, "title": {"How well does referral work?"}, "required": {"true"}, "scale_low": {"Badly"}, "scale_high": {"Very well"}},
	{"type": {"yes_no"}, "title": {"Should the EU act?"}, "required": {"true"}},
}

// buildConsultation creates, fills and publishes a consultation through the
// moderators' forms, open from opens to closes (Brussels time).
func buildConsultation(t *testing.T, ta *testApp, mod *client, title string, opens, closes time.Time) *models.Consultation {
	t.Helper()
	res, body := mod.post(t, "/admin/consultations/new", "/admin/consultations/new", url.Values{
		"title": {title}, "description": {"Tell us **what works**."}, "initiative_url": {"https://ec.europa.eu/info/law/better-regulation/have-your-say_en"},
		"languages": {"en", "fr"}, "opens_at": {i18n.BrusselsInput(opens)}, "closes_at": {i18n.BrusselsInput(closes)},
	})
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "/questions") {
		t.Fatalf("creating the consultation: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	builder := res.Header.Get("Location")
	for _, q := range testQuestionnaire {
		if res, body := mod.post(t, builder, builder, q); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("adding %q: %d\n%s", q.Get("title"), res.StatusCode, body)
		}
	}
	slug := strings.TrimSuffix(strings.TrimPrefix(builder, "/admin/consultations/"), "/questions")
	if res, body := mod.post(t, "/admin/consultations/"+slug, "/admin/consultations/"+slug+"/publish", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("publishing: %d\n%s", res.StatusCode, body)
	}
	c, err := ta.store.ConsultationBySlug(context.Background(), models.Viewer{}, slug)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// answersPage1 and answersPage2 fill the pages of testQuestionnaire.
func answersPage(c *models.Consultation, page int, values ...string) url.Values {
	qs := pagesOf(c)[page-1].Questions
	f := url.Values{"page": {fmt.Sprint(page)}}
	for i, q := range qs {
		if i < len(values) && values[i] != "" {
			for _, v := range strings.Split(values[i], "|") {
				f.Add(answerField(q.ID), v)
			}
		}
	}
	return f
}

func TestConsultationFromCreationToResults(t *testing.T) {
	t.Parallel()
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) { consultationFromCreationToResults(t, d) })
	}
}

func consultationFromCreationToResults(t *testing.T, d models.Dialect) {
	start := bt(2026, 3, 2, 9, 0)
	ta, clk := consultationApp(t, d, start)
	ctx := context.Background()
	moderator := ta.createUser(t, "secretariat@proact.example.org", models.RoleModerator, "", false)
	anna := ta.createUser(t, "anna@rlrc.example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
	piotr := ta.createUser(t, "piotr@rlrc.example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
	eva := ta.createUser(t, "eva@rlrc.example.org", models.RoleMember, "rotterdam-labour-rights-centre", true)
	eva.Language = "fr"
	if err := ta.store.UpdateUser(ctx, eva.User, "language"); err != nil {
		t.Fatal(err)
	}
	mod := ta.client()
	mod.login(t, moderator)

	c := buildConsultation(t, ta, mod, "Network input on referral (test)", start.Add(-time.Hour), bt(2026, 3, 31, 12, 0))
	if len(c.Answerable()) != 6 || len(pagesOf(c)) != 2 {
		t.Fatalf("built %d questions on %d pages", len(c.Answerable()), len(pagesOf(c)))
	}
	base := "/consultations/" + c.Slug
	// The preview shows each page as members see it, with nothing to press.
	for page, want := range map[int]string{1: "Name of your service", 2: "Should the EU act?"} {
		_, body := mod.get(t, fmt.Sprintf("/admin/consultations/%s/preview?page=%d", c.Slug, page))
		mustContain(t, "preview", body, want, ta.tr(t, "en", "consult.preview.note"), "disabled")
	}
	_, list := ta.get(t, "/consultations")
	mustContain(t, "list", html.UnescapeString(list), "Network input on referral (test)", ta.tr(t, "en", "consult.group.open"), "31 March 2026, 12:00 Brussels time (UTC+02:00)")
	_, home := ta.get(t, "/")
	mustContain(t, "home page", home, ta.tr(t, "en", "consult.home.title"), "Network input on referral (test)")

	// Anna starts the draft: page one, then on to page two.
	a := ta.client()
	a.login(t, anna)
	res, body := a.get(t, base+"/response")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("response page: %d", res.StatusCode)
	}
	annaVersion := field(t, versionField, body, "version")
	f := answersPage(c, 1, "Mobile team Westland", "Going to the greenhouses with interpreters.", "construction")
	f.Set("version", annaVersion)
	f.Set("go", "next")
	res, body = a.post(t, base+"/response", base+"/response", f)
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "page=2") {
		t.Fatalf("saving page one: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	orgA, _ := ta.store.AnyOrganisationBySlug(ctx, "rotterdam-labour-rights-centre")
	r, err := ta.store.ResponseOf(ctx, c.ID, orgA.ID)
	if err != nil || r.Status != models.ResponseDraft || len(r.Answers) != 3 || r.UpdatedByName != "anna" {
		t.Fatalf("draft after page one: %+v %v", r, err)
	}

	// Piotr, a colleague, sees who changed it, edits page one and fills page two.
	p := ta.client()
	p.login(t, piotr)
	_, body = p.get(t, base+"/response?page=1")
	mustContain(t, "Piotr's page one", body, "Mobile team Westland", "Last changed by anna")
	f = answersPage(c, 1, "Mobile team Westland and Rotterdam port", "Going to the greenhouses with interpreters.", "construction")
	f.Set("version", field(t, versionField, body, "version"))
	f.Set("go", "save")
	if res, body := p.post(t, base+"/response", base+"/response", f); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("Piotr saving page one: %d\n%s", res.StatusCode, body)
	}
	_, body = p.get(t, base+"/response?page=2")
	qs2 := pagesOf(c)[1].Questions
	f = answersPage(c, 2, qs2[0].Options[0].Value+"|"+qs2[0].Options[1].Value, "4", "yes")
	f.Set("version", field(t, versionField, body, "version"))
	f.Set("publication", models.PublishAnonymous)
	f.Set("language", "fr")
	f.Set("go", "review")
	if res, body := p.post(t, base+"/response", base+"/response", f); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != base+"/response/confirm" {
		t.Fatalf("Piotr saving page two: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}

	// Anna saves page one from her old page: her change to the question
	// Piotr changed is a conflict, shown with both texts; nothing is lost.
	f = answersPage(c, 1, "Mobile team (Anna's words)", "Going to the greenhouses with interpreters.", "construction")
	f.Set("version", annaVersion)
	f.Set("go", "save")
	res, body = a.post(t, base+"/response", base+"/response", f)
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("conflicting save: %d", res.StatusCode)
	}
	mustContain(t, "conflict", body, "Mobile team Westland and Rotterdam port", html.EscapeString("Mobile team (Anna's words)"),
		html.EscapeString(ta.tr(t, "en", "consult.conflict.yours")))
	// Through autosave the same is a JSON answer.
	req := formRequest(t, a, base+"/response", f)
	req.Header.Set("X-Autosave", "1")
	res, body = a.do(t, req)
	var reply autosaveReply
	if res.StatusCode != http.StatusConflict || json.Unmarshal([]byte(body), &reply) != nil || !reply.Conflict {
		t.Errorf("autosave conflict: %d %s", res.StatusCode, body)
	}

	// Piotr reviews: every answer is there, and an organisation admin submits.
	_, body = p.get(t, base+"/response/confirm")
	mustContain(t, "confirmation", body, "Mobile team Westland and Rotterdam port", "Construction", "Debt bondage", "Withheld wages", "4 / 5",
		ta.tr(t, "en", "consult.publication.anonymous"), "French", "eva")
	mustNotContain(t, "confirmation for a member", body, `action="`+base+`/response/submit"`)
	if res, _ := p.post(t, base+"/response/confirm", base+"/response/submit", url.Values{"version": {"1"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a member who is no organisation admin submits: %d", res.StatusCode)
	}

	// Eva, the organisation admin, submits; a second click stores nothing more.
	e := ta.client()
	e.login(t, eva)
	_, body = e.get(t, base+"/response/confirm")
	submit := url.Values{"version": {field(t, versionField, body, "version")}, "key": {field(t, keyField, body, "key")}}
	for click := 1; click <= 2; click++ {
		res, body = e.post(t, base+"/response/confirm", base+"/response/submit", submit)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != base+"/response/receipt" {
			t.Fatalf("click %d on submit: %d %s\n%s", click, res.StatusCode, res.Header.Get("Location"), body)
		}
	}
	r, _ = ta.store.ResponseOf(ctx, c.ID, orgA.ID)
	subs, _ := ta.store.Submissions(ctx, r.ID)
	if r.Status != models.ResponseSubmitted || len(subs) != 1 {
		t.Fatalf("after two clicks: status %s, %d submissions", r.Status, len(subs))
	}
	_, receipt := e.get(t, base+"/response/receipt")
	// Eva reads the portal in French, her language.
	mustContain(t, "receipt", receipt, r.Reference, "Mobile team Westland and Rotterdam port", "heure de Bruxelles", "Debt bondage", `lang="fr"`)
	mails, _ := ta.store.ListMail(ctx, 50)
	var receiptMail *models.Mail
	for i := range mails {
		if mails[i].Kind == "receipt" && mails[i].ToAddr == eva.Email {
			receiptMail = &mails[i]
		}
	}
	if receiptMail == nil || !strings.HasPrefix(receiptMail.Subject, "Accusé de réception "+r.Reference) ||
		!strings.Contains(receiptMail.Body, "Mobile team Westland and Rotterdam port") || !strings.Contains(receiptMail.Body, "heure de Bruxelles") {
		t.Fatalf("receipt mail in French with the answers: %+v", receiptMail)
	}

	// The questions are frozen now: a change is refused, and says why.
	builder := "/admin/consultations/" + c.Slug + "/questions"
	res, body = mod.post(t, builder, builder, url.Values{"type": {"yes_no"}, "title": {"A late question"}})
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("adding a question after a submission: %d", res.StatusCode)
	}
	mustContain(t, "frozen refusal", body, "Not changed: the questions have been frozen")
	if fresh, _ := ta.store.ConsultationBySlug(ctx, models.Viewer{}, c.Slug); len(fresh.Questions) != len(c.Questions) {
		t.Errorf("the questions changed: %d, were %d", len(fresh.Questions), len(c.Questions))
	}

	// Eva reopens, Anna changes an answer, Eva submits again: same reference, two in the history.
	if res, _ := e.post(t, base+"/response/receipt", base+"/response/reopen", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reopen: %d", res.StatusCode)
	}
	_, body = a.get(t, base+"/response?page=1")
	f = answersPage(c, 1, "Mobile team Westland and Rotterdam port", "With interpreters, and a lawyer on Fridays.", "construction")
	f.Set("version", field(t, versionField, body, "version"))
	f.Set("go", "save")
	if res, body := a.post(t, base+"/response", base+"/response", f); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving after the reopening: %d\n%s", res.StatusCode, body)
	}
	_, body = e.get(t, base+"/response/confirm")
	res, _ = e.post(t, base+"/response/confirm", base+"/response/submit", url.Values{"version": {field(t, versionField, body, "version")}, "key": {field(t, keyField, body, "key")}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("second submission: %d", res.StatusCode)
	}
	after, _ := ta.store.ResponseOf(ctx, c.ID, orgA.ID)
	subs, _ = ta.store.Submissions(ctx, after.ID)
	if after.Reference != r.Reference || len(subs) != 2 {
		t.Fatalf("second submission: reference %s (was %s), %d in the history", after.Reference, r.Reference, len(subs))
	}
	_, receipt = e.get(t, base+"/response/receipt")
	mustContain(t, "second receipt", receipt, "a lawyer on Fridays", "Envoi 1", "Envoi 2")

	// The consultation closes; moderators publish the results; the anonymous
	// response shows no name.
	clk.Set(c.ClosesAt.Add(time.Minute))
	mod = ta.client()
	mod.login(t, moderator)
	if res, body := mod.post(t, "/admin/consultations/"+c.Slug, "/admin/consultations/"+c.Slug+"/results", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("publishing the results: %d\n%s", res.StatusCode, body)
	}
	res, results := ta.get(t, base+"/results")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("results: %d", res.StatusCode)
	}
	mustContain(t, "results", results, "<svg", `class="chart-bar"`, "<table", "a lawyer on Fridays", ta.tr(t, "en", "consult.results.anonymous"), "Debt bondage")
	mustNotContain(t, "results", results, orgA.Name, html.EscapeString(orgA.Name), r.Reference, "Westland and Rotterdam port</h3>")
}

// formRequest is a POST of form with the client's CSRF token from page.
func formRequest(t *testing.T, cl *client, page string, form url.Values) *http.Request {
	t.Helper()
	form.Set("_csrf", cl.csrf(t, page))
	req := httptest.NewRequest(http.MethodPost, page, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func TestDeadlineIsTheServersToTheSecond(t *testing.T) {
	t.Parallel()
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) { deadlineToTheSecond(t, d) })
	}
}

func deadlineToTheSecond(t *testing.T, d models.Dialect) {
	closes := bt(2026, 6, 30, 12, 0) // CEST
	ta, clk := consultationApp(t, d, closes.Add(-10*time.Minute))
	ctx := context.Background()
	moderator := ta.createUser(t, "moderator@proact.example.org", models.RoleModerator, "", false)
	eva := ta.createUser(t, "eva@rlrc.example.org", models.RoleMember, "rotterdam-labour-rights-centre", true)
	mod := ta.client()
	mod.login(t, moderator)
	c := buildConsultation(t, ta, mod, "Deadline test", closes.Add(-24*time.Hour), closes)
	base := "/consultations/" + c.Slug
	e := ta.client()
	e.login(t, eva)
	fill := func(text string) {
		t.Helper()
		qs2 := pagesOf(c)[1].Questions
		for page, f := range map[int]url.Values{1: answersPage(c, 1, text, "Long text.", ""), 2: answersPage(c, 2, qs2[0].Options[0].Value, "3", "no")} {
			_, body := e.get(t, fmt.Sprintf("%s/response?page=%d", base, page))
			f.Set("version", field(t, versionField, body, "version"))
			f.Set("publication", models.PublishNamed)
			f.Set("language", "en")
			if res, body := e.post(t, base+"/response", base+"/response", f); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("saving page %d: %d\n%s", page, res.StatusCode, body)
			}
		}
	}
	submitAt := func(at time.Time) (*http.Response, string) {
		t.Helper()
		_, body := e.get(t, base+"/response/confirm")
		clk.Set(at)
		return e.post(t, base+"/response/confirm", base+"/response/submit", url.Values{"version": {field(t, versionField, body, "version")}, "key": {field(t, keyField, body, "key")}})
	}
	fill("On time")
	if res, body := submitAt(closes.Add(-time.Second)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("one second before the closing time: %d\n%s", res.StatusCode, body)
	}
	if res, _ := e.post(t, base+"/response/receipt", base+"/response/reopen", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatal("reopen before the deadline")
	}
	fill("Changed in the last second")
	for _, late := range []time.Duration{0, time.Second} {
		res, body := submitAt(closes.Add(late))
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("submission at closing time + %s: %d", late, res.StatusCode)
		}
		mustContain(t, "late submission", html.UnescapeString(body), "Too late", "30 June 2026, 12:00 Brussels time (UTC+02:00)", "Changed in the last second",
			ta.tr(t, "en", "consult.copy.late"))
	}
	// A save that arrives late is kept too, and the page keeps every text to copy.
	f := answersPage(c, 1, "Typed after the deadline", "Long text.", "")
	f.Set("version", "999")
	if res, _ := e.post(t, base+"/response", base+"/response", f); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a save after the deadline: %d", res.StatusCode)
	}
	res, body := e.get(t, base+"/response")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the response page after closing: %d", res.StatusCode)
	}
	mustContain(t, "closed response page", body, "On time", "Typed after the deadline", html.EscapeString(ta.tr(t, "en", "consult.copy.submitted")))
	mustNotContain(t, "closed response page", body, `id="response-form"`)
	orgA, _ := ta.store.AnyOrganisationBySlug(ctx, "rotterdam-labour-rights-centre")
	counted, _ := ta.store.SubmittedResponses(ctx, c.ID)
	q1 := c.Answerable()[0].ID
	if len(counted) != 1 || counted[0].Answers[q1].Text != "On time" || counted[0].Seq != 1 {
		t.Fatalf("what counts after the deadline: %+v", counted)
	}
	r, _ := ta.store.ResponseOf(ctx, c.ID, orgA.ID)
	if r.Answers[q1].Text != "Changed in the last second" || r.Status != models.ResponseReopened {
		t.Errorf("the working copy changed after the deadline: %+v", r)
	}
	// The API says the same, in JSON.
	token := ta.token(t, eva)
	res, body = ta.apiPost(t, token, "/api/v1/consultations/"+c.Slug+"/responses", "late-key", fmt.Sprintf(`{"answers": {"%d": "API text"}, "publication": "named", "language": "en", "submit": true}`, q1))
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, `"code":"closed"`) {
		t.Errorf("the API after the deadline: %d %s", res.StatusCode, body)
	}
}

// token makes a personal API token for u.
func (ta *testApp) token(t testing.TB, u *testUser) string {
	t.Helper()
	secret := fmt.Sprintf("pat_test_%d_%s", u.ID, strings.ReplaceAll(u.Email, "@", "_"))
	if _, err := ta.store.CreateAPIToken(context.Background(), u.ID, "test", secret); err != nil {
		t.Fatal(err)
	}
	return secret
}

// apiPost sends JSON to the API with a token and an Idempotency-Key ("" for none).
func (ta *testApp) apiPost(t testing.TB, token, path, key, body string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	req.Header.Set("X-Forwarded-For", nextIP())
	return ta.do(t, req)
}

func TestOrganisationsCannotReachEachOthersResponses(t *testing.T) {
	t.Parallel()
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) { organisationIsolation(t, d) })
	}
}

func organisationIsolation(t *testing.T, d models.Dialect) {
	now := time.Now()
	ta, _ := consultationApp(t, d, now)
	ctx := context.Background()
	ta.loadDemoConsultations(t, now)
	c, _ := ta.store.ConsultationBySlug(ctx, models.Viewer{}, openSlug)
	evaA := ta.createUser(t, "eva@rlrc.example.org", models.RoleMember, "rotterdam-labour-rights-centre", true)
	bob := ta.createUser(t, "bob@bmwu.example.org", models.RoleMember, "brussels-mobile-workers-union", true)
	const secretA = "Only organisation A wrote this sentence"
	tokA, tokB := ta.token(t, evaA), ta.token(t, bob)
	q := c.Answerable()
	body := func(text string, submit bool) string {
		return fmt.Sprintf(`{"answers": {"%d": %q, "%d": [%q], "%d": 3, "%d": "yes", "%d": %q}, "publication": "unpublished", "language": "en", "submit": %v}`,
			q[0].ID, q[0].Options[0].Value, q[1].ID, q[1].Options[0].Value, q[2].ID, q[3].ID, q[4].ID, text, submit)
	}
	res, out := ta.apiPost(t, tokA, "/api/v1/consultations/"+openSlug+"/responses", "a-1", body(secretA, true))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("A submits: %d %s", res.StatusCode, out)
	}
	var resA apiResponseResult
	_ = json.Unmarshal([]byte(out), &resA)
	orgA, _ := ta.store.AnyOrganisationBySlug(ctx, "rotterdam-labour-rights-centre")
	rA, _ := ta.store.ResponseOf(ctx, c.ID, orgA.ID)

	b := ta.client()
	b.login(t, bob)
	// Every page B can open about the consultation: none shows A's text or reference.
	for _, path := range []string{
		"/consultations/" + openSlug, "/consultations/" + openSlug + "/response", "/consultations/" + openSlug + "/response?page=2",
		"/consultations/" + openSlug + "/response/confirm", "/consultations/" + openSlug + "/response/receipt",
		fmt.Sprintf("/consultations/%s/response?id=%d&organisation=%d", openSlug, rA.ID, orgA.ID),
		"/consultations/" + openSlug + "/results", "/api/v1/consultations/" + openSlug,
		"/admin/consultations/" + openSlug, "/admin/consultations/" + openSlug + "/responses",
		"/admin/consultations/" + openSlug + "/responses.csv", "/admin/consultations/" + openSlug + "/responses.json",
		"/admin/consultations/" + openSlug + "/report",
	} {
		res, page := b.get(t, path)
		if res.StatusCode >= 500 {
			t.Errorf("%s: %d", path, res.StatusCode)
		}
		mustNotContain(t, path, page, secretA, resA.Reference)
		if strings.HasPrefix(path, "/admin/") && res.StatusCode != http.StatusForbidden {
			t.Errorf("%s as a member: %d, want 403", path, res.StatusCode)
		}
	}
	// Whatever B sends, with A's ids in it, B changes only B's own response.
	f := answersPage(c, 1, q[0].Options[1].Value)
	f.Set("version", "1")
	f.Set("organisation_id", fmt.Sprint(orgA.ID))
	f.Set("response_id", fmt.Sprint(rA.ID))
	f.Set("go", "save")
	if res, _ := b.post(t, "/consultations/"+openSlug+"/response", "/consultations/"+openSlug+"/response", f); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("B saves: %d", res.StatusCode)
	}
	for _, attempt := range []string{fmt.Sprint(rA.ID), resA.Reference, fmt.Sprint(orgA.ID)} {
		res, _ := ta.apiPost(t, tokB, "/api/v1/consultations/"+openSlug+"/responses?response="+url.QueryEscape(attempt)+"&organisation="+url.QueryEscape(attempt), "", body("B's text "+attempt, false))
		if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
			t.Errorf("B's API save: %d", res.StatusCode)
		}
	}
	after, _ := ta.store.ResponseOf(ctx, c.ID, orgA.ID)
	if after.Version != rA.Version || after.Answers[q[4].ID].Text != secretA || after.Status != models.ResponseSubmitted {
		t.Errorf("A's response changed: %+v", after)
	}
	orgB, _ := ta.store.AnyOrganisationBySlug(ctx, "brussels-mobile-workers-union")
	rB, err := ta.store.ResponseOf(ctx, c.ID, orgB.ID)
	if err != nil || rB.ID == rA.ID || rB.Reference == rA.Reference {
		t.Errorf("B's own response: %+v %v", rB, err)
	}
}

// TestConsultationNamedAfterARoute: a consultation titled "New" (or after
// another word of the routes) gets a slug of its own, so that its pages are
// reachable and /admin/consultations/new still creates one; a note titled
// "Coverage" does not hide /practices/coverage.
func TestConsultationNamedAfterARoute(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	moderator := ta.createUser(t, "slugs@proact.example.org", models.RoleModerator, "", false)
	mod := ta.client()
	mod.login(t, moderator)
	now := time.Now()
	for _, title := range []string{"New", "Export", "Edit"} {
		c := buildConsultation(t, ta, mod, title, now.Add(-time.Hour), now.AddDate(0, 1, 0))
		if models.ReservedSlug(c.Slug) {
			t.Errorf("%q got the reserved slug %q", title, c.Slug)
		}
		for _, path := range []string{"/admin/consultations/" + c.Slug, "/admin/consultations/" + c.Slug + "/edit", "/consultations/" + c.Slug} {
			res, body := mod.get(t, path)
			if res.StatusCode != 200 || !strings.Contains(body, html.EscapeString(title)) {
				t.Errorf("%s: %d", path, res.StatusCode)
			}
		}
	}
	if res, body := mod.get(t, "/admin/consultations/new"); res.StatusCode != 200 || !strings.Contains(body, `action="/admin/consultations/new"`) {
		t.Errorf("/admin/consultations/new is no longer the form: %d", res.StatusCode)
	}
	member := ta.createUser(t, "slugs@iasi.example.org", models.RoleMember, "iasi-migration-work-centre", false)
	if _, err := ta.store.CreateAPIToken(t.Context(), member.ID, "test", "slugs-member-token-0123456789"); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/api/v1/practices", strings.NewReader("---\ntitle: Coverage\nlanguage: en\ncountries: [NL]\n---\nText.\n"))
	req.Header.Set("Content-Type", "text/markdown")
	req.Header.Set("Authorization", "Bearer slugs-member-token-0123456789")
	res, body := ta.do(t, req)
	if res.StatusCode != http.StatusCreated || strings.Contains(body, `"slug":"coverage"`) {
		t.Errorf("a note titled Coverage: %d %s", res.StatusCode, body)
	}
}
