package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"proact/models"
)

// TestRevalidation: public pages carry an ETag of the outbox position that
// a revalidation answers with 304; the tag differs by language and by who
// reads, so neither a visitor nor another member is ever answered with a
// member's page; a write changes it; static files keep a year's cache.
func TestRevalidation(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	get := func(cl *client, target, ifNoneMatch string, headers ...string) (*http.Response, string) {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, target, nil)
		if ifNoneMatch != "" {
			req.Header.Set("If-None-Match", ifNoneMatch)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		if cl == nil {
			return ta.do(t, req)
		}
		return cl.do(t, req)
	}

	for _, page := range []string{"/", "/practices", "/practices?country=NL&topic=outreach", "/organisations",
		"/practices/proactive-outreach-seasonal-farm-workers", "/organisations/rotterdam-labour-rights-centre"} {
		res, body := get(nil, page, "")
		tag := res.Header.Get("ETag")
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(tag, `W/"`) {
			t.Fatalf("%s: status %d, ETag %q", page, res.StatusCode, tag)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "public, no-cache" {
			t.Errorf("%s: Cache-Control %q", page, cc)
		}
		if vary := res.Header.Get("Vary"); !strings.Contains(vary, "Cookie") || !strings.Contains(vary, "Accept-Language") {
			t.Errorf("%s: Vary %q", page, vary)
		}
		res, again := get(nil, page, tag)
		if res.StatusCode != http.StatusNotModified || again != "" || res.Header.Get("ETag") != tag {
			t.Errorf("%s revalidated: status %d, %d bytes, ETag %q", page, res.StatusCode, len(again), res.Header.Get("ETag"))
		}
		// Another language is another page.
		res, fr := get(nil, page, tag, "Accept-Language", "fr")
		if res.StatusCode != http.StatusOK || res.Header.Get("ETag") == tag || fr == body {
			t.Errorf("%s in French with the English tag: status %d, ETag %q", page, res.StatusCode, res.Header.Get("ETag"))
		}
	}

	// A member's pages have tags of their own, and are private.
	member := ta.createUser(t, "etag-member@example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
	other := ta.createUser(t, "etag-other@example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
	mc, oc := ta.client(), ta.client()
	mc.login(t, member)
	oc.login(t, other)
	mc.get(t, "/") // the sign-in's one-time message, if any, is shown here
	for _, page := range []string{"/", "/practices"} {
		vres, _ := get(nil, page, "")
		visitorTag := vres.Header.Get("ETag")
		res, body := get(mc, page, visitorTag)
		memberTag := res.Header.Get("ETag")
		if res.StatusCode != http.StatusOK || memberTag == "" || memberTag == visitorTag {
			t.Fatalf("%s: a member with the visitor's tag: status %d, ETag %q", page, res.StatusCode, memberTag)
		}
		mustContain(t, page+" as a member", body, `action="/logout"`)
		token := csrfField.FindStringSubmatch(body)
		if token == nil {
			t.Fatalf("%s as a member: no CSRF token", page)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "private, no-cache" {
			t.Errorf("%s as a member: Cache-Control %q", page, cc)
		}
		if res, _ := get(mc, page, memberTag); res.StatusCode != http.StatusNotModified {
			t.Errorf("%s: the member revalidating: status %d", page, res.StatusCode)
		}
		// Never a member's page for a visitor or another member.
		res, body = get(nil, page, memberTag)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: a visitor with the member's tag: status %d", page, res.StatusCode)
		}
		mustNotContain(t, page+" for a visitor", body, `action="/logout"`, token[1])
		res, body = get(oc, page, memberTag)
		if res.StatusCode != http.StatusOK || res.Header.Get("ETag") == memberTag {
			t.Errorf("%s: another member with the member's tag: status %d", page, res.StatusCode)
		}
		mustNotContain(t, page+" for another member", body, token[1])
	}
	// A member's note page is never revalidated (it may show their own drafts).
	if res, _ := get(mc, "/practices/proactive-outreach-seasonal-farm-workers", ""); res.Header.Get("ETag") != "" {
		t.Errorf("a member's note page has an ETag %q", res.Header.Get("ETag"))
	}

	// A write changes every tag.
	res, _ := get(nil, "/practices", "")
	before := res.Header.Get("ETag")
	now := time.Now().UTC()
	p := &models.Practice{Slug: "etag-new-note", Title: "A note published after the tag", Summary: "New", Language: "en",
		Visibility: models.VisibilityPublic, Status: models.StatusPublished, PublishedAt: &now, Countries: []string{"NL"}}
	if err := ta.store.SavePractice(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	res, body := get(nil, "/practices", before)
	if res.StatusCode != http.StatusOK || res.Header.Get("ETag") == before {
		t.Fatalf("after a write: status %d, ETag %q (was %q)", res.StatusCode, res.Header.Get("ETag"), before)
	}
	mustContain(t, "the list after a write", body, "A note published after the tag")

	// Static files keep a year's cache.
	res, _ = get(nil, "/static/css/app.css", "")
	if cc := res.Header.Get("Cache-Control"); res.StatusCode != http.StatusOK || !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("static file: status %d, Cache-Control %q", res.StatusCode, cc)
	}
}
