package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"hash/crc32"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/valyala/fasthttp"

	"proact/app/config"
	"proact/models"
	"proact/models/modelstest"
)

// fetch gets target as cl (nil: a visitor without cookies), compressed when
// gz, and returns the response and its decompressed body: a gzip stream that
// does not decode, or whose checksum or length is wrong, fails the test.
func fetch(t *testing.T, ta *testApp, cl *client, target string, gz bool, headers ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	var (
		res  *http.Response
		body string
	)
	if cl == nil {
		res, body = ta.do(t, req)
	} else {
		res, body = cl.do(t, req)
	}
	if res.Header.Get("Content-Encoding") == "gzip" {
		if !gz {
			t.Fatalf("%s: gzip to a client that did not ask for it", target)
		}
		zr, err := gzip.NewReader(strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		plain, err := io.ReadAll(zr) // checks the CRC and the size
		if err != nil {
			t.Fatalf("%s: the gzip stream: %v", target, err)
		}
		body = string(plain)
	}
	return res, body
}

// TestPageCacheConfidentiality: the rendered-page cache answers repeated
// views, and never hands anyone what belongs to another audience or person:
// a visitor never gets a member's page nor a members-only note, member A
// never gets member B's CSRF token or address (each gets their own, compressed
// or not, from one kept page), one organisation's drafts never reach
// another's members, a moderator's view is not kept, error pages carry the
// real token, and on both databases.
func TestPageCacheConfidentiality(t *testing.T) {
	t.Parallel()
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ta := newTestApp(t, d, nil)
			ctx := context.Background()
			pc := ta.pages(t)
			a := ta.createUser(t, "cache-a@example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
			b := ta.createUser(t, "cache-b@example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
			y := ta.createUser(t, "cache-y@example.org", models.RoleMember, "iasi-migration-work-centre", false)
			mod := ta.createUser(t, "cache-mod@example.org", models.RoleModerator, "", false)
			ac, bc, yc, mc := ta.client(), ta.client(), ta.client(), ta.client()
			for cl, u := range map[*client]*testUser{ac: a, bc: b, yc: y, mc: mod} {
				cl.login(t, u)
				cl.get(t, "/") // the sign-in's one-time message, if any
			}
			// A members-only note and a draft of the Rotterdam centre.
			xv := models.Viewer{UserID: a.ID, Role: models.RoleMember, OrganisationID: *a.OrganisationID, OrgActive: true}
			draft, err := ta.store.CreatePractice(ctx, xv, models.NewNote{Content: models.NoteContent{
				Title: "Cachedraft unpublished plans", Language: "en", Visibility: models.VisibilityPublic,
				Countries: []string{"NL"}, BodyMD: "Secret plans", BodyHTML: "<p>Secret plans</p>"}, BaseSlug: "cache-draft"}, models.AuditEntry{})
			if err != nil {
				t.Fatal(err)
			}
			tokenOf := func(who, page, body string) string {
				t.Helper()
				m := csrfField.FindStringSubmatch(body)
				if m == nil {
					t.Fatalf("%s %s: no CSRF token", who, page)
				}
				if strings.Contains(body, csrfSlot) {
					t.Fatalf("%s %s: the slot was sent", who, page)
				}
				return m[1]
			}

			orgOf := map[string]string{"a": "rotterdam-labour-rights-centre", "b": "rotterdam-labour-rights-centre", "y": "iasi-migration-work-centre"}
			membersOnly := "Peer support" // the title of a members-only demo note
			draftPage := "/practices/" + draft.Practice.Slug
			for _, page := range []string{"/", "/practices", "/practices?country=NL&topic=outreach",
				"/practices/proactive-outreach-seasonal-farm-workers", "/organisations",
				"/organisations/iasi-migration-work-centre", "/search?q=support", "/search?q=workers"} {
				for round := range 2 {
					for _, gz := range []bool{false, true} {
						_, visitor := fetch(t, ta, nil, page, gz)
						mustNotContain(t, "visitor "+page, visitor, `action="/logout"`, "cache-a", "cache-b", membersOnly, csrfSlot)
						var tokens []string
						for who, cl := range map[string]*client{"a": ac, "b": bc, "y": yc} {
							res, body := fetch(t, ta, cl, page, gz)
							if res.StatusCode != http.StatusOK {
								t.Fatalf("member %s %s: status %d", who, page, res.StatusCode)
							}
							tok := tokenOf(who, page, body)
							if want := cl.csrf(t, "/account"); tok != want {
								t.Errorf("member %s %s (round %d, gzip %v): token %q, theirs %q", who, page, round, gz, tok, want)
							}
							tokens = append(tokens, tok)
							mustContain(t, "member "+page, body, `action="/logout"`)
							for _, other := range []*testUser{a, b, y} {
								if other.Email != "cache-"+who+"@example.org" {
									mustNotContain(t, "member "+who+" "+page, body, other.Email)
								}
							}
							mustNotContain(t, "member "+page, body, "Cachedraft")
							// The menu links to their own organisation.
							if m := myOrg.FindAllStringSubmatch(body, -1); len(m) == 0 || m[0][1] != orgOf[who] {
								t.Errorf("member %s %s: \"My organisation\" is %v, want %s", who, page, m, orgOf[who])
							}
						}
						if tokens[0] == tokens[1] || tokens[1] == tokens[2] || tokens[0] == tokens[2] {
							t.Errorf("%s: two members with one token", page)
						}
					}
				}
			}
			if pc.hits.Load() == 0 || pc.len() == 0 {
				t.Fatalf("the page cache was not used: %d hits, %d pages", pc.hits.Load(), pc.len())
			}
			// A kept page to a client without gzip (brotli only: compressed
			// on the way out as before), and to HEAD.
			res, _ := fetch(t, ta, nil, "/practices", false, "Accept-Encoding", "br")
			if enc := res.Header.Get("Content-Encoding"); res.StatusCode != http.StatusOK || enc == "gzip" {
				t.Errorf("a kept page to a brotli-only client: %d, Content-Encoding %q", res.StatusCode, enc)
			}
			head, body := ta.do(t, httptest.NewRequest(http.MethodHead, "/practices", nil))
			if head.StatusCode != http.StatusOK || body != "" || head.Header.Get("ETag") == "" {
				t.Errorf("HEAD of a kept page: %d, %d bytes, ETag %q", head.StatusCode, len(body), head.Header.Get("ETag"))
			}
			// A members-only note is listed for members, never for visitors.
			_, body = fetch(t, ta, ac, "/practices?per_page=50", true)
			mustContain(t, "a member's list", body, membersOnly)
			_, body = fetch(t, ta, nil, "/practices?per_page=50", true)
			mustNotContain(t, "a visitor's list after a member's", body, membersOnly)

			// The draft: its organisation sees it (not kept), another
			// organisation's member and visitors never, before or after.
			for range 2 {
				res, body := fetch(t, ta, ac, draftPage, true)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("the draft's organisation: status %d", res.StatusCode)
				}
				mustContain(t, "the draft for its organisation", body, "Cachedraft")
				if tokenOf("a", draftPage, body) != ac.csrf(t, "/account") {
					t.Error("the draft's page: another token")
				}
				for who, cl := range map[string]*client{"visitor": nil, "y": yc} {
					res, body := fetch(t, ta, cl, draftPage, true)
					if res.StatusCode != http.StatusNotFound {
						t.Errorf("%s: the draft of another organisation: status %d", who, res.StatusCode)
					}
					mustNotContain(t, who+" draft", body, "Cachedraft", csrfSlot)
				}
				_, body = fetch(t, ta, ac, "/organisations/rotterdam-labour-rights-centre", true)
				_, other := fetch(t, ta, yc, "/organisations/rotterdam-labour-rights-centre", true)
				_, visitor := fetch(t, ta, nil, "/organisations/rotterdam-labour-rights-centre", true)
				if body == other || body == visitor {
					t.Error("the organisation's own page is another's")
				}
				mustNotContain(t, "another organisation's member", other, "/organisations/rotterdam-labour-rights-centre/edit", csrfSlot)
			}
			// Its organisation's view follows the review states, which do
			// not all move the outbox: submitted, the page says so at once.
			_, shown := fetch(t, ta, ac, draftPage, true)
			if _, err := ta.store.SubmitPractice(ctx, xv, draft.Practice.ID, 1, "", models.AuditEntry{}); err != nil {
				t.Fatal(err)
			}
			if _, after := fetch(t, ta, ac, draftPage, true); after == shown {
				t.Error("the draft's page did not change when it was submitted")
			}
			// A moderator's views of a note are theirs alone: not kept.
			before := pc.stores.Load()
			fetch(t, ta, mc, "/practices/proactive-outreach-seasonal-farm-workers", true)
			fetch(t, ta, mc, "/organisations/iasi-migration-work-centre", true)
			if pc.stores.Load() != before {
				t.Error("a moderator's view of a note or an organisation was kept")
			}
			// An error page shows a member's real token, never the slot.
			res, body = fetch(t, ta, ac, "/practices/no-such-note", true)
			if res.StatusCode != http.StatusNotFound || strings.Contains(body, csrfSlot) {
				t.Fatalf("a member's 404: status %d, slot %v", res.StatusCode, strings.Contains(body, csrfSlot))
			}
			mustContain(t, "a member's 404", body, ac.csrf(t, "/account"))
		})
	}
}

// TestPageCacheFollowsWrites: a publication, a note made members-only and
// an archived note are seen on the very next request of every cached page
// (the outbox moved), the ETags move with them and a hit still answers 304,
// on both databases; the cache stays within its bound.
func TestPageCacheFollowsWrites(t *testing.T) {
	t.Parallel()
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ta := newTestApp(t, d, func(c *config.Config) { c.PageCacheBytes = 256 << 10 })
			if d == models.Postgres {
				// The request state in memory (models/live.go): each
				// write of this instance is seen by its next request.
				modelstest.Listen(t, ta.store)
			}
			ctx := context.Background()
			pc := ta.pages(t)
			writer := ta.createUser(t, "cache-writer@example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
			moderator := ta.createUser(t, "cache-moderator@example.org", models.RoleModerator, "", false)
			member := ta.createUser(t, "cache-reader@example.org", models.RoleMember, "iasi-migration-work-centre", false)
			mc := ta.client()
			mc.login(t, member)
			mc.get(t, "/")
			wv := models.Viewer{UserID: writer.ID, Role: models.RoleMember, OrganisationID: *writer.OrganisationID, OrgActive: true}
			mv := models.Viewer{UserID: moderator.ID, Role: models.RoleModerator}
			pages := []string{"/", "/practices", "/practices?country=NL", "/search?q=Zanzibarian", "/organisations/rotterdam-labour-rights-centre"}
			tags := map[string]string{}
			look := func(step string, moved, visitorSees, memberSees bool) {
				t.Helper()
				if _, err := ta.index.CatchUp(ctx); err != nil {
					t.Fatal(err)
				}
				for _, page := range pages {
					for range 2 { // a miss, then a hit
						res, body := fetch(t, ta, nil, page, true)
						if got := strings.Contains(body, `href="/practices/zanzibarian`); got != visitorSees {
							t.Errorf("%s: visitor %s shows the note: %v", step, page, got)
						}
						if tag := res.Header.Get("ETag"); tag != "" {
							if moved && tag == tags[page] {
								t.Errorf("%s: %s kept its ETag", step, page)
							}
							again, _ := fetch(t, ta, nil, page, true, "If-None-Match", tag)
							if again.StatusCode != http.StatusNotModified {
								t.Errorf("%s: %s revalidated: %d", step, page, again.StatusCode)
							}
						}
						_, body = fetch(t, ta, mc, page, true)
						if got := strings.Contains(body, `href="/practices/zanzibarian`); got != memberSees {
							t.Errorf("%s: member %s shows the note: %v", step, page, got)
						}
					}
					res, _ := fetch(t, ta, nil, page, true)
					tags[page] = res.Header.Get("ETag")
				}
				if kept := pc.bytes(); kept > pc.max {
					t.Errorf("%s: %d bytes kept, more than %d", step, kept, pc.max)
				}
			}
			look("before", true, false, false)
			n, err := ta.store.CreatePractice(ctx, wv, models.NewNote{Content: models.NoteContent{
				Title: "Zanzibarian outreach", Language: "en", Visibility: models.VisibilityPublic,
				Countries: []string{"NL"}, Topics: []string{"outreach"}, BodyMD: "Zanzibarian", BodyHTML: "<p>Zanzibarian</p>"},
				BaseSlug: "zanzibarian", Submit: true}, models.AuditEntry{})
			if err != nil {
				t.Fatal(err)
			}
			look("submitted", false, false, false)
			if _, err := ta.store.PublishPractice(ctx, mv, n.Practice.ID, 1, nil, "", models.AuditEntry{}); err != nil {
				t.Fatal(err)
			}
			look("published", true, true, true)
			content := n.Practice.Content()
			content.Visibility = models.VisibilityMembers
			if _, err := ta.store.SavePracticeRevision(ctx, wv, n.Practice.ID, models.NoteEdit{Content: content, BaseVersion: 1, Submit: true}, models.AuditEntry{}); err != nil {
				t.Fatal(err)
			}
			if _, err := ta.store.PublishPractice(ctx, mv, n.Practice.ID, 2, nil, "", models.AuditEntry{}); err != nil {
				t.Fatal(err)
			}
			look("members-only", true, false, true)
			if _, err := ta.store.ArchivePractice(ctx, mv, n.Practice.ID, "", models.AuditEntry{}); err != nil {
				t.Fatal(err)
			}
			look("archived", true, false, false)
		})
	}
}

// myOrg finds the menu's link to the reader's organisation.
var myOrg = regexp.MustCompile(`href="/organisations/([a-z0-9-]+)"[^>]*>My organisation<`)

// pages is the app's page cache.
func (ta *testApp) pages(t *testing.T) *pageCache {
	t.Helper()
	if ta.cache == nil {
		t.Fatal("no page cache")
	}
	return ta.cache
}

// newFastCtx is a request for a kept page's write, asking for gzip or not.
func newFastCtx(gz bool) *fasthttp.RequestCtx {
	fc := &fasthttp.RequestCtx{}
	if gz {
		fc.Request.Header.Set("Accept-Encoding", "gzip, br")
	}
	return fc
}

// TestPageEntrySplice: the gzip stream of a kept page with slots decodes to
// the page with the token in each slot.
func TestPageEntrySplice(t *testing.T) {
	page := []byte(strings.Repeat("<p>before</p>", 500) + csrfSlot + strings.Repeat("<li>middle</li>", 300) +
		csrfSlot + strings.Repeat("<p>after</p>", 400))
	e, err := newPageEntry("k", "text/html; charset=utf-8", page)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.parts) != 3 || len(e.deflated) != 3 {
		t.Fatalf("%d parts, %d deflated", len(e.parts), len(e.deflated))
	}
	token := "0123456789abcdefghijABCDEFGHIJ-_0123456789ab"
	want := bytes.ReplaceAll(page, []byte(csrfSlot), []byte(token))
	ta := newTestApp(t, models.SQLite, nil)
	for _, gz := range []bool{false, true} {
		c := ta.app.AcquireCtx(newFastCtx(gz))
		e.write(c, newSlotFill(token))
		got := c.Response().Body()
		if gz {
			zr, err := gzip.NewReader(bytes.NewReader(got))
			if err != nil {
				t.Fatal(err)
			}
			if got, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got, want) {
			t.Errorf("gzip %v: %d bytes, want %d", gz, len(got), len(want))
		}
		ta.app.ReleaseCtx(c)
	}
}

// TestCRC32Combine: the CRC of two strings from theirs, for lengths from
// none to past a page, is the CRC of the whole.
func TestCRC32Combine(t *testing.T) {
	data := []byte(strings.Repeat("<li>Ein Fähigkeitsnachweis, 0123456789</li>\n", 3000))
	for _, n := range []int{0, 1, 2, 3, 7, 44, 100, 4095, 65537, len(data) - 1} {
		for _, cut := range []int{0, min(1, n), n / 2, n} {
			a, b := data[:cut], data[cut:n]
			got := crc32Combine(crc32.ChecksumIEEE(a), crc32.ChecksumIEEE(b), crc32Shift(len(b)))
			if want := crc32.ChecksumIEEE(data[:n]); got != want {
				t.Errorf("%d bytes cut at %d: %08x, want %08x", n, cut, got, want)
			}
		}
	}
}

// TestPageCacheConcurrent: many first views of one page at once, by
// visitors and by two members of one organisation, each get their own page
// (one render kept, the others wait for it or render their own).
func TestPageCacheConcurrent(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	a := ta.createUser(t, "conc-a@example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
	b := ta.createUser(t, "conc-b@example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
	ac, bc := ta.client(), ta.client()
	ac.login(t, a)
	bc.login(t, b)
	ac.get(t, "/")
	bc.get(t, "/")
	want := map[*client]string{ac: ac.csrf(t, "/account"), bc: bc.csrf(t, "/account")}
	pc := ta.pages(t)
	before := pc.stores.Load()
	errs := make(chan string, 24)
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var cl *client
			switch i % 3 {
			case 1:
				cl = ac
			case 2:
				cl = bc
			}
			req := httptest.NewRequest(http.MethodGet, "/practices?sort=title", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			if cl != nil {
				for _, c := range cl.cookies {
					req.AddCookie(c)
				}
			}
			res, err := ta.app.Test(req, -1)
			if err != nil {
				errs <- err.Error()
				return
			}
			defer res.Body.Close()
			zr, err := gzip.NewReader(res.Body)
			if err != nil {
				errs <- err.Error()
				return
			}
			body, err := io.ReadAll(zr)
			if err != nil {
				errs <- err.Error()
				return
			}
			m := csrfField.FindSubmatch(body)
			switch {
			case cl == nil && m != nil:
				errs <- "a visitor got a token"
			case cl != nil && (m == nil || string(m[1]) != want[cl]):
				errs <- "a member got another token"
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if kept := pc.stores.Load() - before; kept == 0 || kept > 2*3 {
		t.Errorf("%d pages kept for 2 audiences", kept)
	}
}

// TestWrittenFormsCoverTemplates: the check that keeps a member's own name
// and e-mail out of the shared cache knows how html/template writes them in
// text and in attributes ("+" as "&#43;", an outside tester's finding).
func TestWrittenFormsCoverTemplates(t *testing.T) {
	for _, s := range []string{"a1+x@example.org", "Zoë O'Brien & <Co> \"Ltd\""} {
		for _, src := range []string{`<p>{{.}}</p>`, `<a title="{{.}}">x</a>`, `<input value='{{.}}'>`} {
			var b strings.Builder
			if err := template.Must(template.New("").Parse(src)).Execute(&b, s); err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range writtenForms(s) {
				found = found || strings.Contains(b.String(), f)
			}
			if !found {
				t.Errorf("%q written by %s as %s: not one of %q", s, src, b.String(), writtenForms(s))
			}
		}
	}
}
