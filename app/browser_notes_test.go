package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"proact/models"
	"proact/models/modelstest"
)

// noteBrowser drives Chromium through the practice-note pages: it fails the
// test on any JavaScript dialog, script error or CSP violation, and keeps
// screenshots at 1280 and 390 px in $PROACT_SCREENSHOTS when it is set.
type noteBrowser struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu       sync.Mutex
	dialogs  []string
	problems []string

	axeOnce sync.Once
	axeJS   []byte
	shots   int // counts the shots, for the default run's sample of axe runs
}

func newNoteBrowser(t *testing.T, ctx context.Context, base string) *noteBrowser {
	b := &noteBrowser{t: t, ctx: ctx, base: base}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, ev.Type.String()+": "+ev.Message)
			b.mu.Unlock()
			// Dismiss it, or the page waits for ever.
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	console := chromedp.Console(ctx)
	go func() {
		for msg, err := range console {
			if err != nil {
				return
			}
			if msg.Type == chromedp.ConsoleException || strings.Contains(msg.Text, "Content Security Policy") ||
				(msg.Type == chromedp.ConsoleError && !strings.Contains(msg.Text, "status of 4")) {
				b.mu.Lock()
				b.problems = append(b.problems, string(msg.Type)+": "+msg.Text)
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// check fails the test if a dialog opened or the page reported an error.
func (b *noteBrowser) check(where string) {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, d := range b.dialogs {
		b.t.Errorf("%s: a JavaScript dialog opened: %s", where, d)
	}
	for _, p := range b.problems {
		b.t.Errorf("%s: %s", where, p)
	}
	b.dialogs, b.problems = nil, nil
}

func (b *noteBrowser) step(name string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", name, err)
	}
}

// submit clicks a button that sends a form and waits for the next page.
func (b *noteBrowser) submit(name, sel string) {
	b.t.Helper()
	if _, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.t.Fatalf("%s: %v", name, err)
	}
}

func (b *noteBrowser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

func (b *noteBrowser) eval(js string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", js, err)
	}
	return s
}

func (b *noteBrowser) signIn(u *testUser) {
	b.t.Helper()
	b.signOut()
	b.step("open /login", chromedp.Navigate(b.base+"/login"), chromedp.WaitVisible(chromedp.CSS("#email")),
		typeText("#email", u.Email), typeText("#password", u.Password))
	b.submit("sign in", `form[action="/login"] button[type="submit"]`)
	if u.Secret != "" {
		code, _ := totp.GenerateCode(u.Secret, time.Now())
		b.step("type the code", chromedp.WaitVisible(chromedp.CSS("#code")), typeText("#code", code))
		b.submit("verify", `form[action="/login/2fa"] button[type="submit"]`)
	}
}

func (b *noteBrowser) signOut() {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		b.t.Fatalf("clearing cookies: %v", err)
	}
}

// shot checks that the page fits a phone (390 px wide: nothing wider than
// the screen) and that axe-core finds no WCAG 2.1 A or AA violation at
// 1280 px, and keeps a screenshot of it at 1280 and at 390 px when
// $PROACT_SCREENSHOTS names a folder. By default axe checks every second
// shot (the second, the fourth, ...: the editor's preview among them), a
// thorough run (modelstest.Thorough) every one; every shot is measured.
func (b *noteBrowser) shot(name string) {
	b.t.Helper()
	dir := os.Getenv("PROACT_SCREENSHOTS")
	save := func(width int) {
		if dir == "" {
			return
		}
		buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			b.t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, width)), buf, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	save(1280)
	if modelstest.Sampled(b.shots, 2, 1) {
		b.axe(name)
	}
	b.shots++
	b.step("a phone's width", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1)))
	wide := b.eval(`(function () {
		var w = document.documentElement.clientWidth, out = [];
		if (document.documentElement.scrollWidth <= w) { return ""; }
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
	})()`)
	if wide != "" {
		b.t.Errorf("%s is wider than a phone at 390 px: %s", name, wide)
	}
	save(390)
	b.step("back to a desktop's width", chromedp.EmulateViewport(1280, 900))
}

// axe runs axe-core's WCAG 2.1 A and AA rules on the page.
func (b *noteBrowser) axe(name string) {
	b.t.Helper()
	b.axeOnce.Do(func() {
		var err error
		if b.axeJS, err = os.ReadFile(filepath.Join("testdata", "axe-core@4.14.1", "axe.min.js")); err != nil {
			b.t.Fatal(err)
		}
	})
	b.step("load axe", chromedp.Evaluate[chromedp.Void](string(b.axeJS)))
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
		.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("axe on %s: %v", name, err)
	}
	var violations []struct {
		ID, Help string
		Nodes    []string
	}
	if err := json.Unmarshal([]byte(raw), &violations); err != nil {
		b.t.Fatal(err)
	}
	for _, v := range violations {
		b.t.Errorf("%s: %s (%s) at %v", name, v.ID, v.Help, v.Nodes)
	}
}

// TestBrowserPracticeNoteFlow: a member writes a note in the editor,
// previews it, submits it; a moderator returns it with comments; the member
// fixes it; the moderator confirms the remaining flag and publishes; a
// visitor reads it; a member of another organisation translates it.
func TestBrowserPracticeNoteFlow(t *testing.T) {
	t.Parallel()
	base, ta, ctx := browserApp(t)
	b := newNoteBrowser(t, ctx, base)
	requests := recordRequests(t, ctx)
	member := ta.createUser(t, "maria@rlrc.example.org", models.RoleMember, demoOrg, false)
	moderator := ta.createUser(t, "review@secretariat.example.org", models.RoleModerator, "", false)
	translator := ta.createUser(t, "dieter@bmwu.example.org", models.RoleMember, "brussels-mobile-workers-union", false)

	// 1. The member writes.
	b.signIn(member)
	b.step("open my notes", chromedp.Navigate(base+"/account/notes"), chromedp.WaitVisible(chromedp.CSS(`a[href="/practices/new"]`)))
	b.shot("01-my-notes-empty")
	b.submit("write a note", `main a[href="/practices/new"]`)
	b.step("the editor starts", chromedp.WaitVisible(chromedp.CSS(".EasyMDEContainer .CodeMirror")))
	// The toolbar has text labels, all visible, and nothing came from a CDN.
	labels := b.eval(`Array.from(document.querySelectorAll(".editor-toolbar button")).map(b => (b.offsetWidth > 0 && b.offsetHeight > 0 ? "" : "HIDDEN:") + b.innerText.trim() + "|" + (b.getAttribute("aria-label") || "")).join(",")`)
	for _, want := range []string{"B|Bold", "I|Italic", "Link|Insert a link", "Preview|Show the preview"} {
		if !strings.Contains(labels, want) {
			t.Errorf("toolbar %q lacks %q", labels, want)
		}
	}
	if strings.Contains(labels, "HIDDEN:") || strings.Contains(labels, "|,") {
		t.Errorf("a toolbar button is invisible or unlabelled: %s", labels)
	}
	if hidden := b.eval(`String(document.getElementById("preview-button").hidden)`); hidden != "true" {
		t.Errorf("the form's Preview button is still shown beside the editor's")
	}
	b.step("fill the note",
		typeText("#f-title", "Night outreach at the Venlo distribution centres"),
		typeText("#f-summary", "A team of two meets agency workers at shift change."),
		chromedp.Click(chromedp.CSS(`input[name="countries"][value="NL"]`)),
		chromedp.Click(chromedp.CSS(`input[name="countries"][value="RO"]`)),
		chromedp.Click(chromedp.CSS(`input[name="topics"][value="outreach"]`)),
		chromedp.SetValue(chromedp.CSS("#f-stage"), "pilot"),
		chromedp.Click(chromedp.CSS(".CodeMirror")),
		chromedp.SendKeys(chromedp.CSS(".CodeMirror [contenteditable]"), "## What we do\n\nWe stand at the gate at 22:00. Our client Ion told us about the deductions. Call the team on +31 6 1234 5678."),
	)
	// The preview is the server's own rendering; the panel flags the name and the number.
	b.step("open the preview", chromedp.Click(chromedp.CSS(".editor-toolbar button.md-preview")),
		chromedp.WaitVisible(chromedp.CSS(".editor-preview #what-we-do")),
		chromedp.WaitVisible(chromedp.CSS("#safety-flags mark")))
	flags := b.text("#safety-flags")
	for _, want := range []string{"Phone number", "+31 6 1234 5678", "Name of a person", "Ion"} {
		if !strings.Contains(flags, want) {
			t.Errorf("personal-data panel %q lacks %q", flags, want)
		}
	}
	b.shot("02-editor-preview")
	b.step("back to the text", chromedp.Click(chromedp.CSS(".editor-toolbar button.md-preview")))
	b.submit("submit", `button[name="action"][value="submit"]`)
	if flash := b.text("main .flash"); !strings.Contains(flash, "submitted") {
		t.Errorf("after submitting: %q", flash)
	}
	b.shot("03-note-in-review")
	slug := strings.TrimPrefix(b.eval(`location.pathname`), "/practices/")
	b.check("writing")

	// 2. The moderator returns it with comments.
	b.signIn(moderator)
	b.step("open the queue", chromedp.Navigate(base+"/admin/review"), chromedp.WaitVisible(chromedp.CSS("table.review-queue")))
	b.shot("04-review-queue")
	b.submit("open the note", `table.review-queue a[href^="/admin/review/"]`)
	b.step("review page", chromedp.WaitVisible(chromedp.CSS(`form[action$="/return"]`)))
	b.shot("05-review-page")
	b.step("write comments", typeText("#f-comment", "Please leave out Ion's name and use the public helpline number."))
	b.submit("return", `form[action$="/return"] button[type="submit"]`)
	b.check("returning")

	// 3. The member sees the comments and fixes the note.
	b.signIn(member)
	b.step("my notes", chromedp.Navigate(base+"/account/notes"), chromedp.WaitVisible(chromedp.CSS(".own-note")))
	if got := b.text(".own-note"); !strings.Contains(got, "Returned to you") || !strings.Contains(got, "leave out Ion") {
		t.Errorf("my notes: %q", got)
	}
	b.shot("06-my-notes-returned")
	b.step("edit", chromedp.Navigate(base+"/practices/"+slug+"/edit"), chromedp.WaitVisible(chromedp.CSS(".EasyMDEContainer .CodeMirror")))
	b.step("fix the text", chromedp.Evaluate[chromedp.Void](`document.querySelector(".CodeMirror").CodeMirror.setValue("## What we do\n\nWe stand at the gate at 22:00. Workers told us about the deductions. Call the national helpline 0800 1234 567 (free).")`),
		typeText("#f-message", "Name removed, helpline number instead."))
	b.submit("submit again", `button[name="action"][value="submit"]`)
	b.check("fixing")

	// 4. The moderator confirms the helpline number and publishes.
	b.signIn(moderator)
	b.step("open the note", chromedp.Navigate(base+"/admin/review"), chromedp.WaitVisible(chromedp.CSS("table.review-queue")))
	b.submit("open", `table.review-queue a[href^="/admin/review/"]`)
	b.submit("publish without confirming", `form[action$="/publish"] button[type="submit"]`)
	if got := b.text("#safety"); !strings.Contains(got, "not confirmed") {
		t.Errorf("publishing over an open flag: %q", got)
	}
	b.step("confirm the finding", chromedp.Click(chromedp.CSS(`input[name="confirm"]`)))
	b.submit("publish", `form[action$="/publish"] button[type="submit"]`)
	b.check("publishing")

	// 5. A visitor reads it.
	b.signOut()
	b.step("visitor", chromedp.Navigate(base+"/practices/"+slug), chromedp.WaitVisible(chromedp.CSS("article.practice h1")))
	if h1 := b.text("article.practice h1"); h1 != "Night outreach at the Venlo distribution centres" {
		t.Errorf("visitor reads %q", h1)
	}
	if body := b.text(".practice-body"); strings.Contains(body, "Ion") || !strings.Contains(body, "0800 1234 567") {
		t.Errorf("published text %q", body)
	}
	b.shot("07-published-note")
	b.step("list", chromedp.Navigate(base+"/practices?country=NL"), chromedp.WaitVisible(chromedp.CSS(".card-grid")))
	if list := b.text(".card-grid"); !strings.Contains(list, "Night outreach") {
		t.Errorf("the list lacks the note")
	}
	// The filters: open on a desktop, behind one button on a phone (no
	// script), the chosen one a chip outside the fold.
	fold := `[getComputedStyle(document.querySelector(".filter-fold-button")).display, String(document.querySelector("#filters-title").closest("form").checkVisibility()), String(document.querySelector(".chip").checkVisibility())].join()`
	if got := b.eval(fold); got != "none,true,true" {
		t.Errorf("filters at 1280 px (button, form, chip): %s", got)
	}
	b.shot("07b-list-filtered")
	b.step("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1)))
	if got := b.eval(fold); got != "inline-block,false,true" {
		t.Errorf("filters at 390 px (button, form, chip): %s", got)
	}
	b.step("open the filters", chromedp.Click(chromedp.CSS(".filter-fold-button")))
	if got := b.eval(fold); got != "inline-block,true,true" {
		t.Errorf("filters opened at 390 px: %s", got)
	}
	b.step("back to a desktop", chromedp.EmulateViewport(1280, 900))
	// A visitor at a members-only address: a 404 that offers signing in.
	b.step("members-only", chromedp.Navigate(base+"/practices/peer-support-domestic-workers"), chromedp.WaitVisible(chromedp.CSS(".members-hint a")))
	if href := b.eval(`document.querySelector(".members-hint a").getAttribute("href")`); href != "/login?next=%2Fpractices%2Fpeer-support-domestic-workers" {
		t.Errorf("sign-in link of the 404: %q", href)
	}
	b.shot("07c-not-found")
	b.check("reading")

	// 6. A member of another organisation translates it.
	b.signIn(translator)
	b.step("the note", chromedp.Navigate(base+"/practices/"+slug), chromedp.WaitVisible(chromedp.CSS("a.translate-link")))
	b.submit("translate", "a.translate-link")
	b.step("translation editor", chromedp.WaitVisible(chromedp.CSS(".note-original")), chromedp.WaitVisible(chromedp.CSS(".EasyMDEContainer")))
	b.shot("08-translation-editor")
	b.step("translate",
		chromedp.SetValue(chromedp.CSS("#f-language"), "de"),
		typeText("#f-title", "Nächtliche Ansprache an den Verteilzentren in Venlo"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(".CodeMirror").CodeMirror.setValue("## Was wir tun\n\nWir stehen um 22 Uhr am Tor.")`))
	b.submit("submit the translation", `button[name="action"][value="submit"]`)
	b.signIn(moderator)
	b.step("queue", chromedp.Navigate(base+"/admin/review"), chromedp.WaitVisible(chromedp.CSS("table.review-queue")))
	b.submit("open", `table.review-queue a[href^="/admin/review/"]`)
	b.submit("publish the translation", `form[action$="/publish"] button[type="submit"]`)
	b.signOut()
	b.step("original", chromedp.Navigate(base+"/practices/"+slug), chromedp.WaitVisible(chromedp.CSS(`ul.translations a[hreflang="de"]`)))
	b.shot("09-note-with-translation")
	b.check("translating")

	// 7. The member's versions, a comparison, and a save that meets a colleague's.
	b.signIn(member)
	b.step("versions", chromedp.Navigate(base+"/practices/"+slug+"/history"), chromedp.WaitVisible(chromedp.CSS("table.history")))
	b.shot("10-history")
	b.submit("compare", `form.compare-form button[type="submit"]`)
	if diff := b.eval(`document.querySelector("pre.diff:last-of-type").innerHTML`); !strings.Contains(diff, "<del>") || !strings.Contains(diff, "<ins>") {
		t.Errorf("the comparison shows no change: %s", diff)
	}
	b.shot("11-diff")
	b.step("edit again", chromedp.Navigate(base+"/practices/"+slug+"/edit"), chromedp.WaitVisible(chromedp.CSS(".EasyMDEContainer .CodeMirror")))
	p, err := ta.store.NoteBySlug(t.Context(), models.Viewer{Role: models.RoleModerator}, slug)
	if err != nil {
		t.Fatal(err)
	}
	colleague := models.Viewer{UserID: moderator.ID, Role: models.RoleModerator}
	head, err := ta.store.HeadRevision(t.Context(), colleague, p)
	if err != nil {
		t.Fatal(err)
	}
	theirs := head.Content()
	theirs.BodyMD += "\n\nA sentence the colleague added meanwhile."
	if _, err := ta.store.SavePracticeRevision(t.Context(), colleague, p.ID, models.NoteEdit{Content: theirs, BaseVersion: p.Version}, models.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	b.step("type", chromedp.Click(chromedp.CSS(".CodeMirror")),
		chromedp.Evaluate[chromedp.Void](`(function(){var cm=document.querySelector(".CodeMirror").CodeMirror; cm.setCursor(cm.lineCount(), 0); cm.replaceSelection("\n\nMy own new paragraph.");})()`))
	b.submit("save", `button[name="action"][value="save"]`)
	if h1 := b.text("h1"); !strings.Contains(h1, "Someone else saved") {
		t.Fatalf("after the second save: %q", h1)
	}
	if got := b.eval(`document.getElementById("f-body").value`); !strings.Contains(got, "My own new paragraph.") {
		t.Errorf("the conflict page lost the text typed: %q", got)
	}
	if got := b.text("main"); !strings.Contains(got, "A sentence the colleague added meanwhile.") {
		t.Errorf("the conflict page does not show the colleague's change")
	}
	b.shot("12-conflict")
	b.check("versions and conflict")

	for _, u := range requests() {
		if !strings.HasPrefix(u, base+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("a page requested %s, outside the portal", u)
		}
	}
}
