package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"proact/models"
)

// The whole path of a new member organisation, in Chromium: it applies, an
// administrator approves it, the invitation mail is read in the outbox, the
// contact person sets a password, signs in, sets up two-step verification
// and edits the organisation's profile.
func TestBrowserJoinToProfileEdit(t *testing.T) {
	t.Parallel()
	base, ta, ctx := browserApp(t)
	admin := ta.createUser(t, "secretariat@proact.example.org", models.RoleAdmin, "", false)

	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("reading %s: %v", sel, err)
		}
		return s
	}
	submit := func(name, sel string) {
		t.Helper()
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}

	// 1. The organisation applies.
	step("open /join", chromedp.Navigate(base+"/join"), chromedp.WaitVisible(chromedp.CSS("#f-name")))
	step("fill the application",
		typeText("#f-name", "Sindicatul Lucrătorilor Sezonieri Iași"),
		chromedp.SetValue(chromedp.CSS("#f-country"), "RO"),
		typeText("#f-city", "Iași"),
		chromedp.SetValue(chromedp.CSS("#f-type"), "trade-union"),
		chromedp.Click(chromedp.CSS(`input[name="services"][value="outreach"]`)),
		typeText("#f-website", "https://sls-iasi.example.org"),
		typeText("#f-description", "We organise **seasonal workers** before they leave."),
		typeText("#f-person_name", "Ioana Popescu"),
		typeText("#f-person_email", "ioana@sls-iasi.example.org"),
		chromedp.SetValue(chromedp.CSS("#f-person_language"), "ro"),
		chromedp.Click(chromedp.CSS("#f-consent")),
	)
	submit("send the application", `form[action="/join"] button[type="submit"]`)
	if h1 := text("h1"); !strings.Contains(strings.ToLower(h1), "thank") {
		t.Fatalf("after applying the page says %q", h1)
	}

	// 2. An administrator signs in with two-step verification and approves.
	signIn := func(email, password, secret string) {
		t.Helper()
		step("open /login", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#email")),
			typeText("#email", email), typeText("#password", password))
		submit("sign in", `form[action="/login"] button[type="submit"]`)
		if secret != "" {
			code, _ := totp.GenerateCode(secret, time.Now())
			step("type the code", chromedp.WaitVisible(chromedp.CSS("#code")), typeText("#code", code))
			submit("verify", `form[action="/login/2fa"] button[type="submit"]`)
		}
	}
	signIn(admin.Email, admin.Password, admin.Secret)
	step("open the applications", chromedp.Navigate(base+"/admin/applications"), chromedp.WaitVisible(chromedp.CSS("main")))
	step("open the application", chromedp.Click(chromedp.CSS(`main a[href^="/admin/applications/"]`)), chromedp.WaitVisible(chromedp.CSS(`a[href$="/approve"]`)))
	// Approving is a confirmation step naming the organisation.
	step("ask to approve", chromedp.Click(chromedp.CSS(`a[href$="/approve"]`)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/approve"]`)))
	if h1 := text("h1"); !strings.Contains(h1, "Approve") || !strings.Contains(h1, "?") {
		t.Errorf("the approval step's heading is %q", h1)
	}
	submit("approve", `form[action$="/approve"] button[type="submit"]`)
	if flash := text(".flash"); !strings.Contains(flash, "only queued") || strings.Contains(flash, "invitation sent") {
		t.Errorf("after approval the message says %q", flash)
	}

	// 3. The invitation, in Romanian, is in the outbox.
	step("open the outbox", chromedp.Navigate(base+"/admin/mail"), chromedp.WaitVisible(chromedp.CSS("main table")))
	step("open the invitation", chromedp.Click(chromedp.CSS(`main table a[href^="/admin/mail/"]`)), chromedp.WaitVisible(chromedp.CSS("main pre")))
	body := text("main pre")
	link := regexp.MustCompile(`http://[^\s]+/invitation/[A-Z0-9]+`).FindString(body)
	if link == "" {
		t.Fatalf("no invitation link in the mail:\n%s", body)
	}
	if !strings.Contains(body, "Ioana") || !strings.Contains(body, "parol") {
		t.Errorf("the invitation is not in Romanian:\n%s", body)
	}
	submit("sign the administrator out", `form[action="/logout"] button`)

	// 4. The contact person chooses a password from the link.
	path := link[strings.Index(link, "/invitation/"):]
	step("open the invitation link", chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS("#password")),
		typeText("#password", "vie de sezon 2026 la Iași"),
		typeText("#confirm", "vie de sezon 2026 la Iași"))
	submit("choose the password", `form[action^="/invitation/"] button[type="submit"]`)
	// She lands on the welcome page: the next steps, in the language she
	// chose, and "My organisation" in the menu.
	step("language", chromedp.Navigate(base+"/language/ro?next=/welcome"), chromedp.WaitVisible(chromedp.CSS(".welcome-steps")))
	if where, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`)); where != "/welcome" {
		t.Errorf("after accepting the invitation: %s", where)
	}
	steps, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll(".welcome-steps a")].map(a => a.getAttribute("href")).join(" ")`))
	for _, want := range []string{"/account", "/edit", "/members", "/practices/new"} {
		if !strings.Contains(steps, want) {
			t.Errorf("welcome steps %q lack %s", steps, want)
		}
	}
	if h1 := text("main h1"); h1 != "Bun venit în rețeaua PRO-ACT" {
		t.Errorf("welcome title %q", h1)
	}
	if mine, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("header nav a")].filter(a => a.textContent.trim() === "Organizația mea").map(a => a.getAttribute("href")).join()`)); !strings.HasPrefix(mine, "/organisations/") {
		t.Errorf("no \"My organisation\" in the menu: %q", mine)
	}
	if dir := os.Getenv("PROACT_SCREENSHOTS"); dir != "" {
		for _, width := range []int64{1280, 390} {
			step("width", chromedp.EmulateViewport(width, 900, chromedp.EmulateScale(1)))
			buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, fmt.Sprintf("welcome-ro-%d.png", width)), buf, 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		step("width", chromedp.EmulateViewport(1280, 900))
	}
	step("language back", chromedp.Navigate(base+"/language/en?next=/"))
	submit("sign out", `form[action="/logout"] button`)
	signIn("ioana@sls-iasi.example.org", "vie de sezon 2026 la Iași", "")

	// 5. Two-step verification with the portal's own QR code.
	step("open 2FA set-up", chromedp.Navigate(base+"/account/2fa"), chromedp.WaitVisible(chromedp.CSS(".totp-secret")))
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("img.qr-code").complete && document.querySelector("img.qr-code").naturalWidth > 0`))
	if err != nil || !loaded {
		t.Errorf("the QR code image did not load (%v)", err)
	}
	secret := strings.ReplaceAll(text(".totp-secret"), " ", "") // shown in groups of four
	code, _ := totp.GenerateCode(secret, time.Now())
	step("type the first code", typeText("#code", code))
	submit("turn on 2FA", `form[action="/account/2fa"] button[type="submit"]`)
	codes, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".code-list li").length`))
	if err != nil || codes != 10 {
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Errorf("%d recovery codes shown (%v), want 10:\n%s", codes, err, html)
	}

	// 6. As organisation admin, edit the profile.
	org, _, err := ta.store.ListOrganisations(context.Background(), models.OrganisationFilter{Query: "Sindicatul Lucrătorilor"})
	if err != nil || len(org) != 1 {
		all, _, _ := ta.store.ListOrganisations(context.Background(), models.OrganisationFilter{Status: "all", ListOptions: models.ListOptions{PerPage: 100}})
		for _, o := range all {
			t.Logf("%s %q %s", o.Slug, o.Name, o.Status)
		}
		t.Fatalf("the approved organisation is not in the directory: %v", err)
	}
	step("open the profile editor", chromedp.Navigate(base+"/organisations/"+org[0].Slug+"/edit"), chromedp.WaitVisible(chromedp.CSS("#f-contact_phone")),
		typeText("#f-contact_phone", "+40 232 000 000"),
		chromedp.SetValue(chromedp.CSS("#f-city"), "Iași (Copou)"))
	submit("save the profile", `form[action$="/edit"] button[type="submit"]`)
	step("open the profile", chromedp.Navigate(base+"/organisations/"+org[0].Slug), chromedp.WaitVisible(chromedp.CSS("h1")))
	page := text("main")
	for _, want := range []string{"Iași (Copou)", "+40 232 000 000", "seasonal workers"} {
		if !strings.Contains(page, want) {
			t.Errorf("the profile page lacks %q", want)
		}
	}
}
