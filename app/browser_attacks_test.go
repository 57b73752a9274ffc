package app

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/chromedp/chromedp"

	"proact/content"
	"proact/models"
)

// domHazards lists what must never be in a page's DOM, whatever a note
// says: an event-handler attribute on any element, a script URL in any
// attribute that a browser follows (a text, such as an input's value or a
// meta description, may say "javascript:" harmlessly), a script from
// elsewhere or written inline.
const domHazards = `(function () {
	var bad = [];
	document.querySelectorAll("*").forEach(function (e) {
		for (var i = 0; i < e.attributes.length; i++) {
			var a = e.attributes[i], name = a.name.toLowerCase();
			var value = a.value.replace(/[\s\u0000-\u001f]/g, "").toLowerCase();
			if (name.indexOf("on") === 0) {
				bad.push("<" + e.tagName.toLowerCase() + " " + name + ">");
			}
			var followed = /^(href|src|action|formaction|xlink:href|data|poster|background|cite|ping|srcset|srcdoc|manifest|codebase|lowsrc|dynsrc)$/.test(name);
			if (followed && (/^(javascript|vbscript|livescript):/.test(value) || /^data:text\/html/.test(value))) {
				bad.push("<" + e.tagName.toLowerCase() + " " + name + "=" + a.value.slice(0, 60) + ">");
			}
		}
		if (e.tagName === "SCRIPT" && e.src && e.src.indexOf(location.origin + "/static/") !== 0) {
			bad.push("<script src=" + e.src + ">");
		}
		if (e.tagName === "SCRIPT" && !e.src && e.type !== "application/json") {
			bad.push("<script> inline: " + e.textContent.slice(0, 60));
		}
	});
	return bad.slice(0, 10).join("\n");
})()`

// truncateBytes cuts s to at most n bytes, never inside a character.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// attackNoteFile is a note file whose title, summary and body are payloads.
func attackNoteFile(t *testing.T, title, summary, body string) string {
	t.Helper()
	n := &content.Note{Body: body, FrontMatter: content.FrontMatter{
		Title: truncateBytes(title, content.MaxTitle), Summary: truncateBytes(summary, content.MaxSummary),
		Language: "en", Countries: []string{"RO"}, Topics: []string{"outreach"}, Visibility: models.VisibilityPublic,
		Organisation: demoOrg,
	}}
	data, err := content.MarshalNote(n)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestBrowserAttackPayloadsInNotes: every payload of the shared attack
// corpus, as a note's title, summary (front-matter values) and body, read
// through the import's front matter, shown in Chromium on the list, the
// note's page and its editor: no dialog opens, and the DOM holds no event
// handler and no script URL. By default many payloads share a page (the
// list shows a hundred titles at a time; a note's body holds a hundred
// payloads); PROACT_FULL_ATTACKS=1 gives every payload a note of its own.
func TestBrowserAttackPayloadsInNotes(t *testing.T) {
	t.Parallel()
	payloads := attackPayloads(t)
	full := os.Getenv("PROACT_FULL_ATTACKS") != ""
	limit := 60 * time.Second
	if full {
		limit = 15 * time.Minute
	}
	base, ta, ctx := browserAppFor(t, limit)
	files := fstest.MapFS{}
	var usable []string
	for _, p := range payloads {
		if strings.ContainsRune(p, 0) || !utf8.ValidString(p) {
			continue // no form or file can carry these: refused with a 400 or at import
		}
		usable = append(usable, p)
	}
	// One note per payload: its title and summary are the payload.
	for i, p := range usable {
		body := "A note."
		if full {
			body = p
		}
		files[fmt.Sprintf("practices/attack-one-%04d.md", i)] = &fstest.MapFile{Data: []byte(attackNoteFile(t, p, p, body))}
	}
	// Notes of a hundred payloads each in the body, one per paragraph.
	const perNote = 100
	var chunks []string
	for i := 0; i < len(usable); i += perNote {
		part := usable[i:min(i+perNote, len(usable))]
		slug := fmt.Sprintf("attack-many-%02d", i/perNote)
		chunks = append(chunks, slug)
		files["practices/"+slug+".md"] = &fstest.MapFile{Data: []byte(attackNoteFile(t, part[0], part[len(part)-1], strings.Join(part, "\n\n")))}
	}
	if _, err := content.Import(t.Context(), ta.store, content.NewRenderer(), files, true); err != nil {
		t.Fatalf("importing the payload notes: %v", err)
	}

	b := newNoteBrowser(t, ctx, base)
	visit := func(path string) {
		t.Helper()
		b.step("open "+path, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS("main")))
		if hazards := b.eval(domHazards); hazards != "" {
			t.Errorf("%s:\n%s", path, hazards)
		}
		b.check(path)
	}
	// The check catches what it is meant to catch.
	b.step("a page", chromedp.Navigate(base+"/practices"), chromedp.WaitVisible(chromedp.CSS("main")))
	planted := b.eval(`document.body.insertAdjacentHTML("beforeend", '<a id="planted" href=" JaVaScRiPt:x" onplanted="x">x</a>'); ` + domHazards)
	if !strings.Contains(planted, "onplanted") || !strings.Contains(planted, "href=") {
		t.Fatalf("the DOM check misses a planted link: %q", planted)
	}
	// As a visitor: the list, a hundred cards a page, and every note of many payloads.
	pages := (len(usable) + len(chunks) + 99) / 100
	for page := 1; page <= pages+1; page++ {
		visit(fmt.Sprintf("/practices?per_page=100&page=%d&topic=outreach&country=RO", page))
	}
	for _, slug := range chunks {
		visit("/practices/" + slug)
	}
	// As a member of the organisation: the editor of those notes, with its script.
	member := ta.createUser(t, "attacks@rlrc.example.org", models.RoleMember, demoOrg, false)
	b.signIn(member)
	for _, slug := range chunks {
		visit("/practices/" + slug + "/edit")
	}
	visit("/account/notes")
	if full {
		b.signOut()
		for i := range usable {
			visit(fmt.Sprintf("/practices/attack-one-%04d", i))
		}
	}
	t.Logf("%d payloads (%d notes of many payloads); full run: %v", len(usable), len(chunks), full)
}
