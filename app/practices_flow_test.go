package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"proact/app/config"
	"proact/models"
	"proact/models/modelstest"
)

// noteCast is the people of a practice-note flow: two colleagues of the
// Rotterdam centre, a member of another organisation, a moderator.
type noteCast struct {
	author, colleague, other, moderator *testUser
	a, b, c, m                          ipClient
}

func newNoteCast(t *testing.T, ta *testApp, ips *atomic.Int64, tag string) noteCast {
	t.Helper()
	nc := noteCast{
		author:    ta.createUser(t, "ana-"+tag+"@rlrc.example.org", models.RoleMember, demoOrg, false),
		colleague: ta.createUser(t, "bo-"+tag+"@rlrc.example.org", models.RoleMember, demoOrg, false),
		other:     ta.createUser(t, "cy-"+tag+"@union.example.org", models.RoleMember, "brussels-mobile-workers-union", false),
		moderator: ta.createUser(t, "mo-"+tag+"@secretariat.example.org", models.RoleModerator, "", false),
	}
	for _, p := range []struct {
		cl *ipClient
		u  *testUser
	}{{&nc.a, nc.author}, {&nc.b, nc.colleague}, {&nc.c, nc.other}, {&nc.m, nc.moderator}} {
		*p.cl = ta.ipClient(ips)
		p.cl.login(t, p.u)
	}
	return nc
}

// noteValues is a complete note form.
func noteValues(title, body, action string) url.Values {
	return url.Values{
		"title": {title}, "summary": {"A summary of " + title}, "language": {"en"}, "visibility": {"public"},
		"countries": {"NL", "RO"}, "topics": {"outreach"}, "sectors": {"A"}, "target_groups": {"seasonal-workers"},
		"indicators": {"deception"}, "stage": {"pilot"}, "evidence": {"monitoring-data"},
		"body": {body}, "action": {action},
	}
}

func location(res *http.Response) string { return res.Header.Get("Location") }

func formVersion(t *testing.T, body string) string {
	t.Helper()
	m := versionField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no version in the form")
	}
	return m[1]
}

// TestPracticeNoteFlows: every flow of writing, reviewing and reading notes,
// on SQLite and PostgreSQL.
func TestPracticeNoteFlows(t *testing.T) {
	t.Parallel()
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ta := newTestApp(t, d, func(c *config.Config) { trustAll(c); c.AttachmentMaxBytes = 64 << 10 }) // skips PostgreSQL without a server
			ips := &atomic.Int64{}
			t.Run("write, review, publish", func(t *testing.T) { flowWriteReviewPublish(t, ta, newNoteCast(t, ta, ips, "w")) })
			t.Run("conflict", func(t *testing.T) { flowConflict(t, ta, newNoteCast(t, ta, ips, "c")) })
			t.Run("translation", func(t *testing.T) { flowTranslation(t, ta, newNoteCast(t, ta, ips, "t")) })
			t.Run("attachments", func(t *testing.T) { flowAttachments(t, ta, newNoteCast(t, ta, ips, "f")) })
			t.Run("signed out while writing", func(t *testing.T) { flowSignedOut(t, ta) })
			t.Run("feeds and sitemap", func(t *testing.T) { flowFeeds(t, ta) })
			t.Run("API", func(t *testing.T) { flowAPICreate(t, ta, newNoteCast(t, ta, ips, "api")) })
			t.Run("search index", func(t *testing.T) { flowSearchIndex(t, ta, newNoteCast(t, ta, ips, "s")) })
			t.Run("moderator's own note", func(t *testing.T) { flowModeratorsOwnNote(t, ta, newNoteCast(t, ta, ips, "own")) })
		})
	}
}

func flowWriteReviewPublish(t *testing.T, ta *testApp, nc noteCast) {
	ctx := context.Background()
	res, body := nc.a.get(t, "/practices/new")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("editor: %d", res.StatusCode)
	}
	mustContain(t, "editor", body, `name="title"`, `id="f-body"`, `name="countries" value="RO"`, "Save and submit for review",
		`value="preview"`, `js/editor.js`, `easymde.min.js`)

	// Preview without JavaScript: the text rendered, the phone number flagged, nothing saved.
	text := "## Outreach\n\nCall the team on +40 721 234 567. <script>alert(1)</script>"
	res, body = nc.a.post(t, "/practices/new", "/practices/new", noteValues("Farm visits", text, "preview"))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d", res.StatusCode)
	}
	mustContain(t, "preview", body, `<h2 id="outreach">Outreach</h2>`, "Phone number", "<mark>&#43;40 721 234 567</mark>", "Farm visits")
	mustNotContain(t, "preview", body, "<script>alert(1)</script>")

	// The editor's script: JSON from the same pipeline, with the CSRF token
	// in a header; without it, refused.
	pv := url.Values{"body": {"Our client Maria P. <img src=x onerror=alert(1)>"}, "title": {"T"}}
	req := httptest.NewRequest(http.MethodPost, "/practices/preview", strings.NewReader(pv.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, _ := nc.a.do(t, req); res.StatusCode != http.StatusForbidden {
		t.Errorf("preview without a CSRF token: %d", res.StatusCode)
	}
	req = httptest.NewRequest(http.MethodPost, "/practices/preview", strings.NewReader(pv.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", nc.a.csrf(t, "/practices/new"))
	res, body = nc.a.do(t, req)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("preview JSON: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	mustContain(t, "preview JSON", body, `"html":"\u003cp\u003eOur client Maria P.`, `"kind":"Name of a person"`, `"match":"Maria P."`)
	var pj previewResponse
	if err := json.Unmarshal([]byte(body), &pj); err != nil || strings.Contains(pj.HTML, "onerror") || strings.Contains(pj.HTML, "<img") {
		t.Errorf("preview HTML %q (%v)", pj.HTML, err)
	}

	// Errors name the field and keep what was typed.
	bad := noteValues("", "Kept text ✓", "save")
	bad.Set("countries", "XX")
	res, body = nc.a.post(t, "/practices/new", "/practices/new", bad)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid note: %d", res.StatusCode)
	}
	mustContain(t, "invalid note", body, "Title: this field is required.", "Countries: “XX” is not one of the accepted values.",
		"Kept text ✓", `href="#f-title"`, `aria-invalid="true"`)

	// Saved as a draft: the editor shows the finding; nobody outside sees it.
	res, _ = nc.a.post(t, "/practices/new", "/practices/new", noteValues("Farm visits", text, "save"))
	if res.StatusCode != http.StatusSeeOther || location(res) != "/practices/farm-visits/edit" {
		t.Fatalf("save: %d %s", res.StatusCode, location(res))
	}
	_, body = nc.a.get(t, "/practices/farm-visits/edit")
	mustContain(t, "editor of the draft", body, "Draft", "Phone number", "&#43;40 721 234 567", `name="version" value="1"`)
	for name, cl := range map[string]*client{"visitor": ta.visitor(), "other organisation": nc.c.client} {
		if res, _ := cl.get(t, "/practices/farm-visits"); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s reads the draft: %d", name, res.StatusCode)
		}
		if res, _ := cl.get(t, "/practices/farm-visits/history/1"); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s reads the draft's version: %d", name, res.StatusCode)
		}
	}
	if res, _ := nc.c.get(t, "/practices/farm-visits/edit"); res.StatusCode != http.StatusNotFound {
		t.Errorf("another organisation opens the editor: %d", res.StatusCode)
	}
	if res, body := nc.b.get(t, "/practices/farm-visits"); res.StatusCode != http.StatusOK || !strings.Contains(body, "Only your organisation and the moderators") {
		t.Errorf("the colleague's view of the draft: %d", res.StatusCode)
	}

	// Submitted: each moderator gets a mail, in their language.
	mailsBefore := mailCount(t, ta)
	res, _ = nc.a.post(t, "/practices/farm-visits/edit", "/practices/farm-visits/edit", withVersion(noteValues("Farm visits", text, "submit"), "1"))
	if res.StatusCode != http.StatusSeeOther || location(res) != "/practices/farm-visits" {
		t.Fatalf("submit: %d %s", res.StatusCode, location(res))
	}
	if n := mailCount(t, ta); n <= mailsBefore {
		t.Errorf("no mail to the moderators (%d → %d)", mailsBefore, n)
	}
	mustContain(t, "mail to moderators", lastMailTo(t, ta, nc.moderator.Email), "To review: Farm visits", "/admin/review/")

	// The moderator's queue and review page.
	res, body = nc.m.get(t, "/admin/review")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("queue: %d", res.StatusCode)
	}
	mustContain(t, "queue", body, "Farm visits", "To check: 1")
	p, err := ta.store.NoteBySlug(ctx, models.Viewer{Role: models.RoleModerator, UserID: nc.moderator.ID}, "farm-visits")
	if err != nil {
		t.Fatal(err)
	}
	review := fmt.Sprintf("/admin/review/%d", p.ID)
	_, body = nc.m.get(t, review)
	mustContain(t, "review page", body, "Phone number", `name="confirm"`, "Publish this version", "Return to the authors")
	if res, _ := nc.a.get(t, review); res.StatusCode != http.StatusForbidden {
		t.Errorf("a member opens the review page: %d", res.StatusCode)
	}

	// Returning needs comments; with them, the author is told.
	res, body = nc.m.post(t, review, review+"/return", url.Values{"version": {"2"}, "comment": {""}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Comments: this field is required.") {
		t.Fatalf("return without comment: %d", res.StatusCode)
	}
	res, _ = nc.m.post(t, review, review+"/return", url.Values{"version": {"2"}, "comment": {"Please remove the mobile number <b>now</b>."}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("return: %d", res.StatusCode)
	}
	mustContain(t, "mail to the author", lastMailTo(t, ta, nc.author.Email), "Please remove the mobile number <b>now</b>.")
	_, body = nc.a.get(t, "/account/notes?state=returned")
	mustContain(t, "author's notes", body, "Farm visits", "Returned to you", "Please remove the mobile number &lt;b&gt;now&lt;/b&gt;.")

	// Fixed and submitted again; publishing over the open flag is refused
	// until it is confirmed, and the confirmation is audited.
	fixed := "## Outreach\n\nCall the public helpline +31 800 1234 (free)."
	res, _ = nc.a.post(t, "/practices/farm-visits/edit", "/practices/farm-visits/edit", withVersion(noteValues("Farm visits", fixed, "submit"), "2"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resubmit: %d", res.StatusCode)
	}
	res, body = nc.m.post(t, review, review+"/publish", url.Values{"version": {"3"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "personal-data findings are not confirmed") {
		t.Fatalf("publish over an open flag: %d", res.StatusCode)
	}
	if res, _ := ta.visitor().get(t, "/practices/farm-visits"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("published without confirmation: %d", res.StatusCode)
	}
	fp := regexp.MustCompile(`name="confirm" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	if fp == nil {
		t.Fatal("no flag to confirm on the review page")
	}
	res, _ = nc.m.post(t, review, review+"/publish", url.Values{"version": {"3"}, "confirm": {fp[1]}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d", res.StatusCode)
	}
	if e := lastAudit(t, ta, models.AuditFlagConfirmed); e.ActorID == nil || *e.ActorID != nc.moderator.ID || !strings.Contains(e.Detail, "phone") {
		t.Errorf("confirmation audit: %+v", e)
	}
	mustContain(t, "mail of publication", lastMailTo(t, ta, nc.author.Email), "Published: Farm visits", "/practices/farm-visits")

	// A visitor reads it, in the list, the feed and the sitemap.
	res, body = ta.visitor().get(t, "/practices/farm-visits")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("visitor: %d", res.StatusCode)
	}
	mustContain(t, "published note", body, `<h2 id="outreach">Outreach</h2>`, `property="og:title" content="Farm visits"`,
		`rel="canonical"`, "Cite this note", "Rotterdam", "version 3", "Download this note as a text file")
	mustNotContain(t, "published note", body, "&#43;40 721 234 567", `name="robots"`)
	_, body = ta.visitor().get(t, "/practices?country=RO")
	mustContain(t, "list", body, "/practices/farm-visits")

	// Editing the published note: a pending version, readers keep version 3.
	res, _ = nc.b.post(t, "/practices/farm-visits/edit", "/practices/farm-visits/edit", withVersion(noteValues("Farm visits, revised", fixed+"\n\nMore.", "save"), "3"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit a published note: %d", res.StatusCode)
	}
	_, body = ta.visitor().get(t, "/practices/farm-visits")
	mustContain(t, "published note after an edit", body, "<h1>Farm visits</h1>")
	mustNotContain(t, "published note after an edit", body, "More.", "revised")
	_, body = nc.b.get(t, "/practices/farm-visits")
	mustContain(t, "colleague's view", body, "You are working on version 4")

	// History: visitors see published versions only, without names.
	_, body = ta.visitor().get(t, "/practices/farm-visits/history")
	mustContain(t, "visitor's history", body, "Versions you can see: 1", "version 3")
	mustNotContain(t, "visitor's history", body, "ana-w")
	for _, path := range []string{"/practices/farm-visits/history/1", "/practices/farm-visits/history/4", "/practices/farm-visits/diff?from=1&to=3"} {
		if res, _ := ta.visitor().get(t, path); res.StatusCode != http.StatusNotFound {
			t.Errorf("visitor %s: %d", path, res.StatusCode)
		}
	}
	res, body = nc.a.get(t, "/practices/farm-visits/diff?from=3&to=4")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("diff: %d", res.StatusCode)
	}
	mustContain(t, "diff", body, "More.</ins>", "<ins>, revised</ins>")
	_, body = nc.a.get(t, "/practices/farm-visits/history")
	mustContain(t, "author's history", body, "Versions you can see: 4", "bo-w")

	// Restore version 1 as version 5.
	res, _ = nc.a.post(t, "/practices/farm-visits/history/1", "/practices/farm-visits/restore/1", url.Values{"version": {"4"}})
	if res.StatusCode != http.StatusSeeOther || location(res) != "/practices/farm-visits/edit" {
		t.Fatalf("restore: %d %s", res.StatusCode, location(res))
	}
	_, body = nc.a.get(t, "/practices/farm-visits/edit")
	mustContain(t, "restored", body, `name="version" value="5"`, "&#43;40 721 234 567")

	// Archived by its organisation; published again by a moderator.
	res, _ = nc.a.post(t, "/practices/farm-visits", "/practices/farm-visits/archive", url.Values{"comment": {"Outdated"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("archive: %d", res.StatusCode)
	}
	if res, _ := ta.visitor().get(t, "/practices/farm-visits"); res.StatusCode != http.StatusNotFound {
		t.Errorf("archived note readable: %d", res.StatusCode)
	}
	res, _ = nc.m.post(t, review, review+"/unarchive", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("unarchive: %d", res.StatusCode)
	}
	if res, _ := ta.visitor().get(t, "/practices/farm-visits"); res.StatusCode != http.StatusOK {
		t.Errorf("republished note: %d", res.StatusCode)
	}
}

func withVersion(v url.Values, version string) url.Values {
	v.Set("version", version)
	return v
}

func mailCount(t *testing.T, ta *testApp) int {
	t.Helper()
	list, err := ta.store.ListMail(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

func lastMailTo(t *testing.T, ta *testApp, addr string) string {
	t.Helper()
	list, err := ta.store.ListMail(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.ToAddr == addr {
			return m.Subject + "\n" + m.Body
		}
	}
	t.Fatalf("no mail to %s", addr)
	return ""
}

func flowConflict(t *testing.T, ta *testApp, nc noteCast) {
	res, _ := nc.a.post(t, "/practices/new", "/practices/new", noteValues("Shared note", "The first text.", "save"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", res.StatusCode)
	}
	edit := location(res)
	// Both open the editor at version 1.
	_, pageA := nc.a.get(t, edit)
	_, pageB := nc.b.get(t, edit)
	if formVersion(t, pageA) != "1" || formVersion(t, pageB) != "1" {
		t.Fatal("both should start from version 1")
	}
	res, _ = nc.b.post(t, edit, edit, withVersion(noteValues("Shared note", "The first text, with the colleague's sentence.", "save"), "1"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the colleague's save: %d", res.StatusCode)
	}
	res, body := nc.a.post(t, edit, edit, withVersion(noteValues("Shared note", "The first text, with my own words typed.", "save"), "1"))
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("the second save: %d, want 409", res.StatusCode)
	}
	mustContain(t, "conflict page", body, "Someone else saved this note", "bo-c",
		"with my own words typed.",                 // what I typed, kept
		"with the colleague&#39;s sentence.",       // their text
		"<ins>, with the colleague&#39;s sentence", // what they changed
		`name="version" value="2"`)                 // saving again builds on theirs
	// Saving from the conflict page is a choice made knowing theirs.
	res, _ = nc.a.post(t, edit, edit, withVersion(noteValues("Shared note", "Merged text.", "save"), "2"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save after the conflict: %d", res.StatusCode)
	}
}

func flowTranslation(t *testing.T, ta *testApp, nc noteCast) {
	orig := "proactive-outreach-seasonal-farm-workers" // has Dutch and Romanian versions
	res, body := nc.c.get(t, "/practices/new?translation_of="+orig)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("translation editor: %d", res.StatusCode)
	}
	mustContain(t, "translation editor", body, "Translate a practice note", `name="translation_of" value="`+orig+`"`,
		"The original (English)", `name="countries" value="NL" checked`, `value="ro" disabled`)
	v := noteValues("Saisonarbeit", "Aufsuchende Arbeit auf Bauernhöfen.", "save")
	v.Set("translation_of", orig)
	v.Set("language", "ro")
	res, body = nc.c.post(t, "/practices/new?translation_of="+orig, "/practices/new", v)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "already has a version in Romanian") {
		t.Fatalf("a second Romanian version: %d", res.StatusCode)
	}
	v.Set("language", "de")
	v.Set("action", "submit")
	res, _ = nc.c.post(t, "/practices/new?translation_of="+orig, "/practices/new", v)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("translation: %d", res.StatusCode)
	}
	slug := strings.TrimPrefix(location(res), "/practices/")
	p, err := ta.store.NoteBySlug(context.Background(), models.Viewer{Role: models.RoleModerator}, slug)
	if err != nil || p.TranslationOf != orig || p.Language != "de" {
		t.Fatalf("translation stored: %+v %v", p, err)
	}
	review := fmt.Sprintf("/admin/review/%d", p.ID)
	if res, _ := nc.m.post(t, review, review+"/publish", url.Values{"version": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish the translation: %d", res.StatusCode)
	}
	_, body = ta.visitor().get(t, "/practices/"+orig)
	mustContain(t, "original with its translation", body, `href="/practices/`+slug+`" hreflang="de"`,
		`<link rel="alternate" hreflang="de" href="http://localhost:8080/practices/`+slug+`">`)
}

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{200, 30, 30, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// upload posts a file to a note's attachments from its editor.
func upload(t *testing.T, cl ipClient, slug, filename string, data []byte) *http.Response {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("_csrf", cl.csrf(t, "/practices/"+slug+"/edit"))
	fw, _ := w.CreateFormFile("file", filename)
	_, _ = fw.Write(data)
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, "/practices/"+slug+"/attachments", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	cl.next()
	res, _ := cl.do(t, req)
	return res
}

func flowAttachments(t *testing.T, ta *testApp, nc noteCast) {
	res, _ := nc.a.post(t, "/practices/new", "/practices/new", noteValues("Photos of the farm", "No photo yet.", "save"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", res.StatusCode)
	}
	slug := "photos-of-the-farm"
	for _, bad := range []struct {
		name string
		data []byte
	}{
		{"page.png", []byte("<html><script>alert(1)</script></html>")},
		{"fake.png", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)},
		{"drawing.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>`)},
		{"big.png", bytes.Repeat([]byte{1}, 70<<10)},
	} {
		res := upload(t, nc.a, slug, bad.name, bad.data)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", bad.name, res.StatusCode)
		}
		if n, _ := ta.store.AttachmentNames(context.Background(), noteID(t, ta, slug)); len(n) != 0 {
			t.Fatalf("%s was accepted", bad.name)
		}
	}
	if res := upload(t, nc.c, slug, "x.png", tinyPNG(t)); res.StatusCode != http.StatusNotFound {
		t.Errorf("another organisation uploads: %d", res.StatusCode)
	}
	if res := upload(t, nc.a, slug, `../../etc/"farm".png`, tinyPNG(t)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	names, _ := ta.store.AttachmentNames(context.Background(), noteID(t, ta, slug))
	if len(names) != 1 || !regexp.MustCompile(`^[a-z0-9]{26}\.png$`).MatchString(names[0]) {
		t.Fatalf("stored names %v", names)
	}
	path := "/practices/" + slug + "/files/" + names[0]
	res, body := nc.b.get(t, path)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" ||
		res.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), "inline; filename=") || !bytes.Equal([]byte(body), tinyPNG(t)) {
		t.Fatalf("served file: %d %v", res.StatusCode, res.Header)
	}
	// Not shown by the published text (there is none): nobody else gets it.
	if res, _ := ta.visitor().get(t, path); res.StatusCode != http.StatusNotFound {
		t.Errorf("visitor gets a draft's file: %d", res.StatusCode)
	}
	// The text shows it; another note's file or another site's image is dropped.
	text := "![The farm](" + path + ")\n\n![x](/practices/other/files/" + names[0] + ") ![y](https://tracker.example/p.gif)"
	res, _ = nc.a.post(t, "/practices/"+slug+"/edit", "/practices/"+slug+"/edit", withVersion(noteValues("Photos of the farm", text, "submit"), "1"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save with the image: %d", res.StatusCode)
	}
	review := fmt.Sprintf("/admin/review/%d", noteID(t, ta, slug))
	if res, _ := nc.m.post(t, review, review+"/publish", url.Values{"version": {"2"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d", res.StatusCode)
	}
	_, body = ta.visitor().get(t, "/practices/"+slug)
	mustContain(t, "published note with its image", body, `<img src="`+path+`" alt="The farm">`)
	mustNotContain(t, "published note with its image", body, "tracker.example", "/practices/other/files/")
	if res, _ := ta.visitor().get(t, path); res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Cache-Control"), "public") {
		t.Errorf("visitor gets the published image: %d", res.StatusCode)
	}
	// A file the text shows cannot be deleted.
	_, edit := nc.a.get(t, "/practices/"+slug+"/edit")
	del := regexp.MustCompile(`action="(/practices/` + slug + `/attachments/\d+/delete)"`).FindStringSubmatch(edit)
	if del == nil {
		t.Fatal("no delete form")
	}
	res, _ = nc.a.post(t, "/practices/"+slug+"/edit", del[1], nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if n, _ := ta.store.AttachmentNames(context.Background(), noteID(t, ta, slug)); len(n) != 1 {
		t.Errorf("a file in use was deleted")
	}
}

func noteID(t *testing.T, ta *testApp, slug string) uint {
	t.Helper()
	p, err := ta.store.NoteBySlug(context.Background(), models.Viewer{Role: models.RoleModerator}, slug)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func flowSignedOut(t *testing.T, ta *testApp) {
	cl := ta.visitor()
	tok := cl.csrf(t, "/login")
	v := noteValues("Long note", "Forty minutes of careful writing.", "save")
	v.Set("_csrf", tok)
	req := httptest.NewRequest(http.MethodPost, "/practices/new", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, body := cl.do(t, req)
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("signed out: %d", res.StatusCode)
	}
	mustContain(t, "signed-out page", body, "your text is safe", "Forty minutes of careful writing.", `value="Long note"`,
		`name="countries" value="RO"`)
}

func flowFeeds(t *testing.T, ta *testApp) {
	members := membersOnly(t, ta.store)
	res, feed := ta.get(t, "/feeds/practices.atom")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("feed: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	mustContain(t, "feed", feed, `<feed xmlns="http://www.w3.org/2005/Atom">`, "<entry>", "/practices/proactive-outreach-seasonal-farm-workers")
	_, ro := ta.get(t, "/feeds/practices.atom?country=RO&language=ro")
	mustContain(t, "Romanian feed", ro, "proactive-outreach-seasonal-farm-workers-ro", "Romania")
	mustNotContain(t, "Romanian feed", ro, "/practices/proactive-outreach-seasonal-farm-workers<")
	_, topic := ta.get(t, "/feeds/practices.atom?topic=outreach&country=<script>")
	mustNotContain(t, "feed with a hostile filter", topic, "<script>")
	res, sitemap := ta.get(t, "/sitemap.xml")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("sitemap: %d", res.StatusCode)
	}
	mustContain(t, "sitemap", sitemap, "<urlset", "/practices/proactive-outreach-seasonal-farm-workers</loc>",
		`hreflang="ro"`, "/organisations/"+demoOrg)
	// Members-only notes are not there, whoever asks.
	for _, p := range members {
		for name, body := range map[string]string{"feed": feed, "sitemap": sitemap} {
			if strings.Contains(body, "/practices/"+p.Slug+"<") || strings.Contains(body, html.EscapeString(p.Title)) {
				t.Errorf("members-only %s in the %s", p.Slug, name)
			}
		}
	}
}

func flowAPICreate(t *testing.T, ta *testApp, nc noteCast) {
	ctx := context.Background()
	if _, err := ta.store.CreateAPIToken(ctx, nc.author.ID, "script", "api-author-token-0123456789"); err != nil {
		t.Fatal(err)
	}
	file := "---\ntitle: Written elsewhere\nsummary: Sent by a script.\nlanguage: en\ncountries: [NL]\ntopics: [outreach]\nvisibility: members\norganisation: " + demoOrg + "\n---\nCall 06-12345678 for help.\n"
	send := func(token, ctype, body string) (*http.Response, string) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/practices", strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.250.%d.1", len(body)%250))
		return ta.do(t, req)
	}
	if res, _ := send("", "text/markdown", file); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a token: %d", res.StatusCode)
	}
	if res, body := send("api-author-token-0123456789", "application/json", `{"title":"x"}`); res.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(body, "unsupported_media_type") {
		t.Errorf("JSON body: %d %s", res.StatusCode, body)
	}
	res, body := send("api-author-token-0123456789", "text/markdown; charset=utf-8", "---\ntitle: \"\"\nlanguage: xx\ncountries: []\n---\n")
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid file: %d %s", res.StatusCode, body)
	}
	mustContain(t, "invalid file", body, `"field":"title"`, `"field":"language"`, `"field":"countries"`, `"code":"invalid"`)
	res, body = send("api-author-token-0123456789", "text/markdown", strings.Replace(file, "organisation: "+demoOrg, "organisation: brussels-mobile-workers-union", 1))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"organisation"`) {
		t.Fatalf("someone else's organisation: %d %s", res.StatusCode, body)
	}
	res, body = send("api-author-token-0123456789", "text/markdown", file)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", res.StatusCode, body)
	}
	mustContain(t, "created", body, `"slug":"written-elsewhere"`, `"status":"draft"`, `"kind":"phone"`)
	if res.Header.Get("Location") == "" {
		t.Error("no Location")
	}
	p, err := ta.store.NoteBySlug(ctx, models.Viewer{Role: models.RoleModerator}, "written-elsewhere")
	if err != nil || p.Status != models.StatusDraft || p.Visibility != models.VisibilityMembers || p.OrganisationID == nil {
		t.Fatalf("stored: %+v %v", p, err)
	}
	// The draft is the author's organisation's, in the editor.
	if res, _ := nc.b.get(t, "/practices/written-elsewhere/edit"); res.StatusCode != http.StatusOK {
		t.Errorf("colleague's editor: %d", res.StatusCode)
	}
}

// flowSearchIndex: the index holds what is published, and only that:
// drafts, notes in review and pending versions are never found; a
// members-only note only by members; an archived note by nobody.
func flowSearchIndex(t *testing.T, ta *testApp, nc noteCast) {
	ctx := context.Background()
	catchUp := func() {
		t.Helper()
		if _, err := ta.index.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	found := func(cl *client, word, slug string) bool {
		t.Helper()
		_, body := cl.get(t, "/search?q="+word)
		return strings.Contains(body, `href="/practices/`+slug+`"`)
	}
	res, _ := nc.a.post(t, "/practices/new", "/practices/new", noteValues("Zebrafinch outreach", "The zebrafinch method of outreach.", "submit"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", res.StatusCode)
	}
	slug := strings.TrimPrefix(location(res), "/practices/")
	catchUp()
	if found(ta.visitor(), "zebrafinch", slug) || found(nc.m.client, "zebrafinch", slug) || found(nc.a.client, "zebrafinch", slug) {
		t.Error("a note in review is in the index")
	}
	review := fmt.Sprintf("/admin/review/%d", noteID(t, ta, slug))
	if res, _ := nc.m.post(t, review, review+"/publish", url.Values{"version": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d", res.StatusCode)
	}
	catchUp()
	if !found(ta.visitor(), "zebrafinch", slug) {
		t.Error("the published note is not found")
	}
	v := withVersion(noteValues("Zebrafinch outreach", "The quokka method now.", "submit"), "1")
	if res, _ := nc.a.post(t, "/practices/"+slug+"/edit", "/practices/"+slug+"/edit", v); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", res.StatusCode)
	}
	catchUp()
	if found(nc.a.client, "quokka", slug) || !found(ta.visitor(), "zebrafinch", slug) {
		t.Error("the index holds the pending version instead of the published one")
	}
	members := noteValues("Wombat visits", "The wombat visits.", "submit")
	members.Set("visibility", "members")
	res, _ = nc.a.post(t, "/practices/new", "/practices/new", members)
	mslug := strings.TrimPrefix(location(res), "/practices/")
	mreview := fmt.Sprintf("/admin/review/%d", noteID(t, ta, mslug))
	if res, _ := nc.m.post(t, mreview, mreview+"/publish", url.Values{"version": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish the members-only note: %d", res.StatusCode)
	}
	catchUp()
	if found(ta.visitor(), "wombat", mslug) || !found(nc.c.client, "wombat", mslug) {
		t.Error("members-only note: found by a visitor, or not by a member")
	}
	if res, _ := nc.a.post(t, "/practices/"+slug, "/practices/"+slug+"/archive", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("archive: %d", res.StatusCode)
	}
	catchUp()
	if found(nc.a.client, "zebrafinch", slug) {
		t.Error("an archived note is found")
	}
}

// flowModeratorsOwnNote: found from outside (issue 8), a moderator could
// write a note and publish it alone. Now another moderator must.
func flowModeratorsOwnNote(t *testing.T, ta *testApp, nc noteCast) {
	res, _ := nc.m.post(t, "/practices/new", "/practices/new", noteValues("Secretariat guidance", "Written by the secretariat.", "submit"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a moderator's note: %d", res.StatusCode)
	}
	slug := strings.TrimPrefix(location(res), "/practices/")
	p, err := ta.store.NoteBySlug(context.Background(), models.Viewer{Role: models.RoleModerator, UserID: nc.moderator.ID}, slug)
	if err != nil {
		t.Fatal(err)
	}
	review := fmt.Sprintf("/admin/review/%d", p.ID)
	_, body := nc.m.get(t, review)
	mustContain(t, "own review page", body, "another moderator must review and publish it", "Return to the authors")
	mustNotContain(t, "own review page", body, `id="publish-form"`)
	res, body = nc.m.post(t, review, review+"/publish", url.Values{"version": {"1"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "another moderator must review and publish it") {
		t.Fatalf("a moderator publishes their own note: %d", res.StatusCode)
	}
	if res, _ := ta.client().get(t, "/practices/"+slug); res.StatusCode != http.StatusNotFound {
		t.Errorf("the note is published: %d", res.StatusCode)
	}
}
