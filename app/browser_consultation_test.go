package app

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"proact/app/config"
	"proact/app/i18n"
	"proact/models"
	"proact/models/modelstest"
)

// consultationBrowser is browserApp with the consultation tests' clock.
func consultationBrowser(t *testing.T, clk *testClock) (string, *testApp, context.Context) {
	t.Helper()
	return browserAppWith(t, func(c *config.Config) { c.Clock = clk.Now })
}

// The whole life of a consultation in Chromium: a moderator creates it and
// opens it; one member starts the draft (saved as they type), a colleague
// edits it, the organisation admin submits it and reads the receipt; after
// the deadline the moderator publishes the results, where the anonymous
// response shows no name. Each page of the way passes axe's WCAG 2.1 AA rules
// (by default every second one).
func TestBrowserConsultationFromCreationToResults(t *testing.T) {
	t.Parallel()
	clk := &testClock{t: time.Now()}
	base, ta, ctx := consultationBrowser(t, clk)
	moderator := ta.createUser(t, "secretariat@proact.example.org", models.RoleModerator, "", false)
	anna := ta.createUser(t, "anna@rlrc.example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
	piotr := ta.createUser(t, "piotr@rlrc.example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
	eva := ta.createUser(t, "eva@rlrc.example.org", models.RoleMember, "rotterdam-labour-rights-centre", true)
	axe, err := os.ReadFile("testdata/axe-core@4.14.1/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}

	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	submit := func(name, sel string) {
		t.Helper()
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
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
	// By default axe checks every second page of the way (the first, the
	// third, ...), a thorough run (modelstest.Thorough) every one.
	pagesSeen := 0
	accessible := func(page string) {
		t.Helper()
		pagesSeen++
		if !modelstest.Sampled(pagesSeen-1, 2, 0) {
			return
		}
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](string(axe))); err != nil {
			t.Fatalf("loading axe on %s: %v", page, err)
		}
		out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run({exclude: [".lang-switcher"]}, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
			.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))))`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("running axe on %s: %v", page, err)
		}
		var violations []struct {
			ID, Help string
			Nodes    []string
		}
		_ = json.Unmarshal([]byte(out), &violations)
		for _, v := range violations {
			t.Errorf("%s: WCAG violation %s (%s) at %v", page, v.ID, v.Help, v.Nodes)
		}
	}
	signIn := func(u *testUser) {
		t.Helper()
		step("open /login", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#email")),
			typeText("#email", u.Email), typeText("#password", u.Password))
		submit("sign in", `form[action="/login"] button[type="submit"]`)
		if u.Secret != "" {
			code, _ := totp.GenerateCode(u.Secret, clk.Now()) // the portal reads the codes by its clock
			step("type the code", chromedp.WaitVisible(chromedp.CSS("#code")), typeText("#code", code))
			submit("verify", `form[action="/login/2fa"] button[type="submit"]`)
		}
	}
	signOut := func() { t.Helper(); submit("sign out", `form[action="/logout"] button`) }

	// 1. The moderator creates the consultation, adds its questions and opens it.
	now := clk.Now()
	signIn(moderator)
	step("new consultation", chromedp.Navigate(base+"/admin/consultations/new"), chromedp.WaitVisible(chromedp.CSS("#f-title")),
		typeText("#f-title", "Seasonal work: what the network proposes (browser)"),
		typeText("#f-description", "Answer **as an organisation**."),
		chromedp.SetValue(chromedp.CSS("#f-opens_at"), i18n.BrusselsInput(now.Add(-time.Hour))),
		chromedp.SetValue(chromedp.CSS("#f-closes_at"), i18n.BrusselsInput(now.Add(48*time.Hour))),
		chromedp.Click(chromedp.CSS("#f-lang-fr")))
	accessible("the consultation form")
	submit("create", `form.consultation-form button[type="submit"]`)
	addQuestion := func(typ, title, options string, required bool) {
		t.Helper()
		step("fill "+title, chromedp.WaitVisible(chromedp.CSS("#f-title")), chromedp.SetValue(chromedp.CSS("#f-type"), typ),
			typeText("#f-title", title))
		if options != "" {
			step("options", chromedp.SetValue(chromedp.CSS("#f-options"), options))
		}
		if required {
			step("required", chromedp.Click(chromedp.CSS("#f-required")))
		}
		submit("add "+title, `.add-question button[type="submit"]`)
		if strings.Contains(text("main"), title) == false || strings.Contains(text("main"), "Please check") {
			t.Fatalf("adding %q: the page says\n%s", title, text("main"))
		}
	}
	addQuestion("long_text", "What does your organisation see at harvest time?", "", true)
	addQuestion("single_choice", "Who should inspect farms first?", "Labour inspectorate\nTrade union\nPolice", false)
	addQuestion("yes_no", "Should recruitment fees be banned everywhere?", "", true)
	accessible("the question builder")
	slug := strings.TrimSuffix(strings.TrimPrefix(must(chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))), "/admin/consultations/"), "/questions")
	step("moderator view", chromedp.Navigate(base+"/admin/consultations/"+slug), chromedp.WaitVisible(chromedp.CSS(`form[action$="/publish"]`)))
	submit("publish", `form[action$="/publish"] button`)
	c, err := ta.store.ConsultationBySlug(context.Background(), models.Viewer{}, slug)
	if err != nil {
		t.Fatalf("the consultation %q is not published: %v", slug, err)
	}
	q := c.Answerable()
	long, choice, yesno := "#"+"f-"+answerField(q[0].ID), "#f-"+answerField(q[1].ID), "#f-"+answerField(q[2].ID)
	signOut()

	// 2. Anna starts the draft; the page saves it as she types.
	signIn(anna)
	step("Anna's response", chromedp.Navigate(base+"/consultations/"+slug+"/response"), chromedp.WaitVisible(chromedp.CSS(long)),
		chromedp.SendKeys(chromedp.CSS(long), "Crews of forty without contracts."))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("autosave-status").textContent.includes("Draft saved")`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the draft was not saved as Anna typed: %v (status %q)", err, text("#autosave-status"))
	}
	accessible("the response form")
	signOut()

	// 3. Piotr sees it, adds to it, answers the rest and goes to the review.
	signIn(piotr)
	step("Piotr's response", chromedp.Navigate(base+"/consultations/"+slug+"/response"), chromedp.WaitVisible(chromedp.CSS(long)))
	if got := must(chromedp.Run(ctx, chromedp.Value(chromedp.CSS(long)))); got != "Crews of forty without contracts." {
		t.Fatalf("Piotr sees %q, not Anna's draft", got)
	}
	if !strings.Contains(text("#last-change"), "anna") {
		t.Errorf("the page does not say Anna changed it last: %q", text("#last-change"))
	}
	step("Piotr edits", chromedp.Evaluate[chromedp.Void](`(e => { e.focus(); e.setSelectionRange(e.value.length, e.value.length) })(document.querySelector("`+long+`"))`),
		chromedp.SendKeys(chromedp.CSS(long), " Agencies keep their passports."),
		chromedp.Click(chromedp.CSS(choice+"-1")), chromedp.Click(chromedp.CSS(yesno+"-0")),
		chromedp.Click(chromedp.CSS(`input[name="publication"][value="anonymous"]`)), chromedp.SetValue(chromedp.CSS("#f-language"), "en"))
	submit("review", `button[name="go"][value="review"]`)
	if h1 := text("h1"); !strings.Contains(h1, "Review") {
		t.Fatalf("after saving, the page is %q", h1)
	}
	if !strings.Contains(text("main"), "Agencies keep their passports.") || !strings.Contains(text("main"), "eva") {
		t.Errorf("the review lacks the answers or the admin's name:\n%s", text("main"))
	}
	accessible("the review")
	signOut()

	// 4. Eva, the organisation admin, submits and reads the receipt.
	signIn(eva)
	step("Eva's review", chromedp.Navigate(base+"/consultations/"+slug+"/response/confirm"), chromedp.WaitVisible(chromedp.CSS(`form.submit-form`)))
	submit("submit", `form.submit-form button[type="submit"]`)
	ref := text(".receipt .reference")
	if !strings.HasPrefix(ref, "PRO-") || !strings.Contains(text("main"), "Crews of forty without contracts. Agencies keep their passports.") {
		t.Fatalf("receipt: reference %q\n%s", ref, text("main"))
	}
	accessible("the receipt")
	signOut()

	// 5. After the deadline the moderator publishes the results.
	clk.Set(c.ClosesAt.Add(time.Minute))
	signIn(moderator)
	step("moderator view", chromedp.Navigate(base+"/admin/consultations/"+slug), chromedp.WaitVisible(chromedp.CSS(`form[action$="/results"]`)))
	accessible("the moderator view")
	submit("publish the results", `form[action$="/results"] button`)
	signOut()

	// 6. A visitor reads them: the anonymous response, without a name.
	step("results", chromedp.Navigate(base+"/consultations/"+slug+"/results"), chromedp.WaitVisible(chromedp.CSS(".public-response")))
	page := text("main")
	if !strings.Contains(page, "Anonymous response") || !strings.Contains(page, "Agencies keep their passports.") {
		t.Errorf("the results lack the anonymous response:\n%s", page)
	}
	for _, leak := range []string{"Rotterdam", "anna", "piotr", "eva", ref, "Netherlands"} {
		if strings.Contains(page, leak) {
			t.Errorf("the results page shows %q of the anonymous response", leak)
		}
	}
	if n := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.chart-svg rect.chart-bar").length`))); n < 5 {
		t.Errorf("%d bars drawn, want one per choice and yes/no", n)
	}
	accessible("the results")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
