package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"proact/models"
	"proact/models/modelstest"
)

// pageTour visits pages in one tab and checks each: it fits a phone's
// width and axe-core finds no WCAG 2.1 A or AA violation.
type pageTour struct {
	t    *testing.T
	ctx  context.Context
	base string
	axe  string
	shot string // $PROACT_SCREENSHOTS: a folder for a screenshot of every page
	// fast skips axe's colour-contrast rule, its slowest: for the second
	// language, whose colours are the first one's.
	fast bool
	// measureOnly leaves axe out of check: a page of pages that the
	// default run's sample measures only.
	measureOnly bool
}

// axeRun runs axe-core's WCAG 2.1 A and AA rules on the whole document and
// returns the violations, one line each. Only violations are collected:
// asking for passes and incomplete results too triples the time.
const axeRun = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
	.then(r => JSON.stringify(r.violations.map(v => v.id + " (" + v.help + ") at " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))))`

// axeRunNoContrast is axeRun without the colour-contrast rule.
var axeRunNoContrast = strings.Replace(axeRun, `resultTypes: ["violations"]`, `resultTypes: ["violations"], rules: {"color-contrast": {enabled: false}}`, 1)

// wider names what sticks out past the viewport when the page is wider
// than it ("" when it fits), ignoring what scrolls inside its own box.
const wider = `(function () {
	var w = document.documentElement.clientWidth, out = [];
	if (document.documentElement.scrollWidth <= window.innerWidth) { return ""; }
	var clipped = function (e) {
		for (e = e.parentElement; e && e !== document.body; e = e.parentElement) {
			if (getComputedStyle(e).overflowX !== "visible") { return true; }
		}
		return false;
	};
	document.querySelectorAll("body *").forEach(function (e) {
		var r = e.getBoundingClientRect();
		if (r.right > w + 1 && r.width > 0 && out.length < 5 && !clipped(e)) { out.push(e.tagName + "." + e.className + " " + Math.round(r.right)); }
	});
	return document.documentElement.scrollWidth + "px: " + out.join(", ");
})()`

func newPageTour(t *testing.T, ctx context.Context, base string) *pageTour {
	js, err := os.ReadFile(filepath.Join("testdata", "axe-core@4.14.1", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	return &pageTour{t: t, ctx: ctx, base: base, axe: string(js), shot: os.Getenv("PROACT_SCREENSHOTS")}
}

func (p *pageTour) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// visit opens path and checks it; label names it in failures and screenshots.
func (p *pageTour) visit(label, path string) {
	p.t.Helper()
	p.do("open "+path, chromedp.Navigate(p.base+path), chromedp.WaitReady(chromedp.CSS("footer")))
	p.check(label + " " + path)
}

// check checks the page the tab shows.
func (p *pageTour) check(where string) {
	p.t.Helper()
	wide, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](wider))
	if err != nil {
		p.t.Fatalf("%s: measuring: %v", where, err)
	}
	if wide != "" {
		p.t.Errorf("%s is wider than the screen: %s", where, wide)
	}
	if p.measureOnly {
		return
	}
	p.do("load axe on "+where, chromedp.Evaluate[chromedp.Void](p.axe))
	run := axeRun
	if p.fast {
		run = axeRunNoContrast
	}
	raw, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("axe on %s: %v", where, err)
	}
	var violations []string
	if err := json.Unmarshal([]byte(raw), &violations); err != nil {
		p.t.Fatal(err)
	}
	for _, v := range violations {
		p.t.Errorf("%s: %s", where, v)
	}
	if p.shot != "" {
		buf, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			p.t.Fatal(err)
		}
		name := strings.NewReplacer("/", "_", "?", "_", "=", "_", " ", "").Replace(where)
		if err := os.WriteFile(filepath.Join(p.shot, name+".png"), buf, 0o644); err != nil {
			p.t.Fatal(err)
		}
	}
}

// pages visits paths, each labelled label. A thorough run
// (modelstest.Thorough) opens every one, measures it and runs axe on it. By
// default, in English every page is opened and measured and axe checks
// every second one (the first, the third, ...); in the second language
// (fast) one page in four is opened, the second, the sixth, ..., one that
// axe skipped in English, and measured and checked by axe.
func (p *pageTour) pages(label string, paths []string) {
	p.t.Helper()
	for i, path := range paths {
		switch {
		case !p.fast:
			p.measureOnly = !modelstest.Sampled(i, 2, 0)
			p.visit(label, path)
			p.measureOnly = false
		case modelstest.Sampled(i, 4, 1):
			p.visit(label, path)
		}
	}
}

func (p *pageTour) width(w int64) {
	p.t.Helper()
	p.do("set the width", chromedp.EmulateViewport(w, 844, chromedp.EmulateScale(1)))
}

// language switches the interface language (a cookie the sign-in keeps).
func (p *pageTour) language(code string) {
	p.t.Helper()
	p.do("switch to "+code, chromedp.Navigate(p.base+"/language/"+code))
}

func (p *pageTour) signIn(u *testUser) {
	p.t.Helper()
	if _, err := chromedp.Call(p.ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		p.t.Fatal(err)
	}
	p.do("open /login", chromedp.Navigate(p.base+"/login"), chromedp.WaitVisible(chromedp.CSS("#email")),
		typeText("#email", u.Email), typeText("#password", u.Password))
	if _, err := chromedp.RunResponse(p.ctx, chromedp.Submit(chromedp.CSS("#password"))); err != nil {
		p.t.Fatal(err)
	}
	if u.Secret != "" {
		code, _ := totp.GenerateCode(u.Secret, time.Now())
		p.do("type the code", chromedp.WaitVisible(chromedp.CSS("#code")), typeText("#code", code))
		if _, err := chromedp.RunResponse(p.ctx, chromedp.Submit(chromedp.CSS("#code"))); err != nil {
			p.t.Fatal(err)
		}
	}
}

// phoneSite is the portal of the phone tour: a member (an organisation
// admin), an administrator, a pending application with empty answers, a
// mail in the outbox and a suspended organisation with a member; and the
// pages each of them opens.
type phoneSite struct {
	base string
	ta   *testApp
	ctx  context.Context // browserApp's tab

	member, admin, suspended            *testUser
	visitor, visitorRo, members, admins []string
	appPath                             string
}

func newPhoneSite(t *testing.T) *phoneSite {
	t.Helper()
	base, ta, ctx := browserApp(t)
	ctxb := context.Background()
	member := ta.createUser(t, "ana@rlrc.example.org", models.RoleMember, demoOrg, true)
	admin := ta.createUser(t, "root@secretariat.example.org", models.RoleAdmin, "", false)
	app := &models.Application{Profile: `{"name":"Centrul Timișoara","country":"RO","type":"ngo"}`,
		ContactName: "Ioana", ContactEmail: "ioana@timisoara.example.org", Language: "ro"}
	if err := ta.store.CreateApplication(ctxb, app); err != nil {
		t.Fatal(err)
	}
	if err := ta.store.QueueMail(ctxb, &models.Mail{ToAddr: "ioana@timisoara.example.org", Subject: "Test", Body: "Hello\nhttps://example.org/invitation/x", Kind: "invite", Language: "ro"}); err != nil {
		t.Fatal(err)
	}
	const note, consultation = "care-workers-permit-clinic", "eu-strategy-trafficking-labour-exploitation"
	visitor := []string{"/", "/about", "/practices", "/practices/" + note, "/practices/" + note + "/history",
		"/search?q=debt", "/organisations", "/organisations/" + demoOrg, "/organisations/iasi-migration-work-centre", "/join",
		"/pathways", "/consultations", "/consultations/" + consultation, "/login",
		"/password/forgot", "/privacy", "/no-such-page"}
	// TestBrowserPathwayPagesPassAxe checks these in English at both widths.
	visitorRo := []string{"/practices/coverage", "/pathways/NL"}
	members := []string{"/account", "/account/notes", "/account/2fa", "/practices/new",
		"/organisations/" + demoOrg + "/edit", "/organisations/" + demoOrg + "/members",
		"/consultations/" + consultation + "/response", "/account/delete"}
	appPath := fmt.Sprintf("/admin/applications/%d", app.ID)
	admins := []string{"/admin", "/admin/users", "/admin/applications?status=all", appPath, appPath + "/approve", appPath + "/info",
		"/admin/organisations", "/admin/organisations/" + demoOrg + "/suspend", fmt.Sprintf("/admin/users/%d/disable", member.ID),
		"/admin/review", "/admin/audit", "/admin/mail", "/admin/mail/1", "/admin/consultations",
		"/admin/consultations/new", "/admin/consultations/" + consultation, "/admin/consultations/" + consultation + "/questions",
		"/admin/consultations/" + consultation + "/responses", "/pathways/NL/note", "/account/tokens"}
	if err := ta.store.SetOrganisationStatus(ctxb, orgBySlug(t, ta.store, "iasi-migration-work-centre").ID, models.OrgSuspended, "Profil neactualizat"); err != nil {
		t.Fatal(err)
	}
	suspended := ta.createUser(t, "radu@iasi.example.org", models.RoleMember, "iasi-migration-work-centre", true)
	return &phoneSite{base: base, ta: ta, ctx: ctx, member: member, admin: admin, suspended: suspended,
		visitor: visitor, visitorRo: visitorRo, members: members, admins: admins, appPath: appPath}
}

// TestBrowserEveryPageOnAPhoneAsAVisitor, …AsAMember and …AsAnAdministrator
// open every page type as a visitor, a member
// (an organisation admin) and an administrator, at 390 px in English and
// Romanian, and fail when a page is wider than the screen or axe-core
// finds a WCAG 2.1 A or AA violation. By default they sample the pages
// (pageTour.pages: every English page measured, axe on half of them, a
// quarter of the Romanian ones); a thorough run checks every page in both. Three tests, one tab each, that run in
// parallel: one would be the suite's longest by far (and as subtests they
// would start last, behind every test waiting for its turn).
func TestBrowserEveryPageOnAPhoneAsAVisitor(t *testing.T) {
	t.Parallel()
	s := newPhoneSite(t)
	ctx, base := s.ctx, s.base
	visitor, visitorRo := s.visitor, s.visitorRo
	p := newPageTour(t, ctx, base)

	// The menu: at a desktop's width every link shows in a row; on a phone
	// it folds behind a button that works without JavaScript.
	p.visit("desktop", "/")
	if shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector(".menu-wide a[href='/login']").offsetParent && !document.querySelector(".menu-toggle").offsetParent`)); err != nil || !shown {
		t.Errorf("at 1280 px the links are not in a row, or the menu button shows (%v)", err)
	}
	p.width(390)
	p.visit("phone", "/")
	if hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.querySelector(".menu-wide a[href='/login']").checkVisibility() && !document.querySelector(".menu-narrow a[href='/login']").checkVisibility() && document.querySelector(".menu-toggle summary").checkVisibility()`)); err != nil || !hidden {
		t.Errorf("at 390 px the menu's links show before the button is pressed (%v)", err)
	}
	p.do("open the menu", chromedp.Click(chromedp.CSS(".menu-toggle summary")),
		chromedp.WaitVisible(chromedp.CSS(`.menu-narrow a[href="/login"]`)))
	p.check("phone menu open")
	p.do("follow a link of the menu", chromedp.Click(chromedp.CSS(`.menu-narrow a[href="/about"]`)), chromedp.WaitVisible(chromedp.CSS("#about-title")))

	for _, lang := range []string{"en", "ro"} {
		p.language(lang)
		p.fast = lang != "en"
		p.pages("visitor "+lang, visitor)
	}
	p.pages("visitor ro", visitorRo)
}

func TestBrowserEveryPageOnAPhoneAsAMember(t *testing.T) {
	t.Parallel()
	s := newPhoneSite(t)
	member, members, suspended := s.member, s.members, s.suspended
	p := newPageTour(t, s.ctx, s.base)
	p.width(390)
	p.signIn(member)
	for _, lang := range []string{"en", "ro"} {
		p.language(lang)
		p.fast = lang != "en"
		p.pages("member "+lang, members)
	}
	// A suspended organisation's member: the banner says why, and leads to
	// the review request.
	p.signIn(suspended)
	p.language("ro")
	p.fast = false // pages seen in no other language: every rule, in every run
	p.visit("suspended ro", "/account")
	if banner := p.text(".suspended-banner"); !strings.Contains(banner, "Profil neactualizat") {
		t.Errorf("the suspension banner says %q", banner)
	}
	p.visit("suspended ro", "/account/review")
}

func TestBrowserEveryPageOnAPhoneAsAnAdministrator(t *testing.T) {
	t.Parallel()
	s := newPhoneSite(t)
	ctx, base := s.ctx, s.base
	admin, admins, appPath := s.admin, s.admins, s.appPath
	p := newPageTour(t, ctx, base)
	p.width(390)
	p.signIn(admin)
	for _, lang := range []string{"en", "ro"} {
		p.language(lang)
		p.fast = lang != "en"
		p.pages("admin "+lang, admins)
	}
	// Empty answers of an application say so.
	p.language("en")
	p.fast = false
	p.visit("admin en", appPath)
	if body := p.text("main"); !strings.Contains(body, "not given") {
		t.Errorf("the application's empty answers do not say so")
	}
	// A new API token has a copy button (copy.js, under the strict CSP).
	p.do("create a token", chromedp.Navigate(base+"/account/tokens"), chromedp.WaitVisible(chromedp.CSS("#name")),
		typeText("#name", "Phone test"))
	if _, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.CSS("#name"))); err != nil {
		t.Fatal(err)
	}
	p.do("copy it", chromedp.WaitVisible(chromedp.CSS(`button[data-copy="new-token"]`)), chromedp.Click(chromedp.CSS(`button[data-copy="new-token"]`)),
		chromedp.WaitVisible(chromedp.CSS(".copy-status")))
	p.check("admin en /account/tokens with a new token")
	// The tokens table's header lines up with its columns (at a desktop's
	// width: on a phone the rows are cards).
	p.width(1280)
	if cols, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function () {
		var t = document.querySelector("main table"); if (!t) { return "no table"; }
		var h = t.tHead.rows[0].cells.length, b = t.tBodies[0].rows[0].cells.length;
		var hr = t.tHead.rows[0].cells[h - 1].getBoundingClientRect(), br = t.tBodies[0].rows[0].cells[b - 1].getBoundingClientRect();
		return h === b && Math.abs(hr.left - br.left) < 2 ? "" : h + " header cells, " + b + " body cells, last at " + hr.left + " and " + br.left;
	})()`)); err != nil || cols != "" {
		t.Errorf("the tokens table: %s (%v)", cols, err)
	}
}

func (p *pageTour) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}
