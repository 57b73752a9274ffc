package app

import (
	"context"
	"html"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"proact/models"
	"proact/models/modelstest"
)

// foundCount reads "Practice notes found: N" from a list page.
func foundCount(t *testing.T, body string) int {
	t.Helper()
	m := regexp.MustCompile(`Practice notes found: (\d+)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no count in the page")
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// selectOptions reads the options of a select of the filter form: value →
// the count shown beside it.
func selectOptions(body, name string) map[string]int {
	out := map[string]int{}
	i := strings.Index(body, `<select name="`+name+`">`)
	if i < 0 {
		return out
	}
	part := body[i:]
	part = part[:strings.Index(part, "</select>")]
	for _, m := range regexp.MustCompile(`<option value="([^"]+)"[^>]*>[^<]*\((\d+)\)</option>`).FindAllStringSubmatch(part, -1) {
		out[m[1]], _ = strconv.Atoi(m[2])
	}
	return out
}

// TestPracticeListTellsTheTruth: every count beside a filter is what
// choosing it lists, given the other filters (it was the count over all
// notes: "Outreach (11)" and Romanian gave 1); active filters are chips
// that remove them; an empty list says which filter to drop, and how many
// that gives; a visitor's counts never include members-only notes. By
// default the counts are checked on one option in three of each filter, in
// a thorough run (modelstest.Thorough) on every one.
func TestPracticeListTellsTheTruth(t *testing.T) {
	t.Parallel()
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ta := newTestApp(t, d, nil)
			member := ta.createUser(t, "reader-"+string(d)+"@example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
			mc := ta.client()
			mc.login(t, member)
			for _, who := range []struct {
				name string
				get  func(t testing.TB, target string) (*http.Response, string)
			}{{"visitor", func(t testing.TB, target string) (*http.Response, string) { return ta.get(t, target) }}, {"member", mc.get}} {
				for _, base := range []string{"/practices?topic=outreach", "/practices?country=NL", "/practices?topic=outreach&versions=all"} {
					_, body := who.get(t, base)
					for _, facet := range []string{"language", "country", "sector"} {
						if strings.Contains(base, facet+"=") {
							continue // its options replace the choice, they do not add to it
						}
						// By default one option in three is followed
						// (a thorough run follows every one).
						options := selectOptions(body, facet)
						for i, value := range slices.Sorted(maps.Keys(options)) {
							if !modelstest.Sampled(i, 3, 0) {
								continue
							}
							n := options[value]
							_, list := who.get(t, base+"&"+facet+"="+url.QueryEscape(value))
							if got := foundCount(t, list); got != n {
								t.Errorf("%s: %s&%s=%s shows (%d) but lists %d", who.name, base, facet, value, n, got)
							}
						}
					}
				}
			}
			// The visitor's counts leave the members-only notes out.
			_, visitor := ta.get(t, "/practices?versions=all")
			_, signedIn := mc.get(t, "/practices?versions=all")
			sum := func(m map[string]int) (n int) {
				for _, v := range m {
					n += v
				}
				return n
			}
			if v, m := sum(selectOptions(visitor, "language")), sum(selectOptions(signedIn, "language")); v != foundCount(t, visitor) || m <= v {
				t.Errorf("language counts: visitor %d (list %d), member %d", v, foundCount(t, visitor), m)
			}
			mustNotContain(t, "visitor's list", visitor, "Peer support circles for live-in domestic workers")

			// Chips: each removes its own filter and keeps the others.
			_, body := ta.get(t, "/practices?topic=outreach&language=ro")
			mustContain(t, "chips", body, `class="filter-chips"`,
				`<a href="/practices?topic=outreach" class="chip" aria-label="Remove the filter Language: Romanian">Language: Romanian`,
				`<a href="/practices?language=ro" class="chip" aria-label="Remove the filter Topic: Outreach">Topic: Outreach`)

			// Nothing matches: each filter to drop, with what it would list.
			empty := "/practices?country=SE&topic=shelter"
			_, body = ta.get(t, empty)
			if foundCount(t, body) != 0 {
				t.Fatalf("%s is not empty any more: pick another pair", empty)
			}
			drops := regexp.MustCompile(`<li><a href="([^"]+)">Remove ([^<]+) \((\d+) notes?\)</a></li>`).FindAllStringSubmatch(body, -1)
			if len(drops) != 2 {
				t.Fatalf("suggestions: %v\n%s", drops, body)
			}
			for _, m := range drops {
				_, list := ta.get(t, html.UnescapeString(m[1]))
				if n, _ := strconv.Atoi(m[3]); foundCount(t, list) != n || n == 0 {
					t.Errorf("dropping %s: says %s, lists %d", m[2], m[3], foundCount(t, list))
				}
			}
			// On a phone the filters fold behind one button; no script needed.
			mustContain(t, "fold", body, `<details class="filter-fold">`, `<summary class="filter-fold-button">Filters (2)</summary>`)
		})
	}
}

// TestNotesInTheReadersLanguage: a note and its translations are one card,
// the reader's language first; a note's page says when it exists in the
// reader's language; its terms lead to the lists; related notes follow.
func TestNotesInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	ro := func(target string) string {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.AddCookie(&http.Cookie{Name: langCookie, Value: "ro"})
		res, body := ta.do(t, req)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", target, res.StatusCode)
		}
		return body
	}
	_, en := ta.get(t, "/practices")
	all, err := ta.store.CountPractices(context.Background(), models.Viewer{}, models.PracticeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if n := foundCount(t, en); int64(n) >= all {
		t.Errorf("grouped list: %d cards for %d notes", n, all)
	}
	mustContain(t, "English list", en, `Also in: <a href="/practices/proactive-outreach-seasonal-farm-workers-nl" hreflang="nl"`,
		`href="/practices/proactive-outreach-seasonal-farm-workers" lang="en">Proactive outreach to seasonal farm workers`)
	mustNotContain(t, "English list", en, `href="/practices/proactive-outreach-seasonal-farm-workers-ro" lang="ro"`)
	roList := ro("/practices")
	first := regexp.MustCompile(`<h3><a href="[^"]+" lang="([a-z]+)">`).FindAllStringSubmatch(roList, -1)
	if len(first) < 3 || first[0][1] != "ro" || first[1][1] != "ro" {
		t.Errorf("Romanian list starts with %v", first[:min(3, len(first))])
	}
	mustContain(t, "Romanian list", roList, `href="/practices/proactive-outreach-seasonal-farm-workers-ro" lang="ro">Informare proactivă`, "Și în:")

	note := "/practices/proactive-outreach-seasonal-farm-workers"
	body := ro(note)
	mustContain(t, "banner", body, `class="flash version-banner"`, "Această fișă există și în română:",
		`<a href="/practices/proactive-outreach-seasonal-farm-workers-ro" hreflang="ro" lang="ro">Informare proactivă`)
	_, body = ta.get(t, note)
	mustNotContain(t, "English reader", body, "version-banner")
	mustContain(t, "links", body, `href="/practices?topic=outreach"`, `href="/practices?country=RO"`, `href="/practices?sector=A"`,
		`href="/practices?indicator=deception"`, `href="/practices?target=seasonal-workers"`, `href="/practices?language=en"`,
		`href="/organisations/rotterdam-labour-rights-centre"`, `<h2 id="related-title">Related practice notes</h2>`)
	related := body[strings.Index(body, `id="related-title"`):]
	mustNotContain(t, "related", related, `href="/practices/proactive-outreach-seasonal-farm-workers-ro"`, "Peer support circles")
	// Every link leads to a list that has the note.
	_, list := ta.get(t, "/practices?target=seasonal-workers")
	mustContain(t, "target group list", list, `href="/practices/proactive-outreach-seasonal-farm-workers"`)
	// Dates as the language writes them, ISO in the machine-readable attribute.
	date := regexp.MustCompile(`<time datetime="(\d{4})-(\d{2})-(\d{2})">(\d+) ([a-z]+) (\d{4})</time>`)
	if m := date.FindStringSubmatch(ro(note)); m == nil || m[1] != m[6] {
		t.Errorf("Romanian date: %v", m)
	} else if months := "ianuarie februarie martie aprilie mai iunie iulie august septembrie octombrie noiembrie decembrie"; !strings.Contains(months, m[5]) {
		t.Errorf("Romanian month %q", m[5])
	}
}

// TestNotFoundOffersSigningIn: a members-only note's address and an address
// that never existed give visitors the same 404, which offers signing in
// and coming back; members are not offered it.
func TestNotFoundOffersSigningIn(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	hidden := "/practices/peer-support-domestic-workers"
	res, body := ta.get(t, hidden)
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("members-only note for a visitor: %d", res.StatusCode)
	}
	mustContain(t, "404", body, "Members may sign in to see more.", `href="/login?next=%2Fpractices%2Fpeer-support-domestic-workers"`)
	mustNotContain(t, "404", body, "Peer support circles")
	_, none := ta.get(t, "/practices/peer-support-domestic-workerz")
	if strings.ReplaceAll(none, "workerz", "workers") != body {
		t.Errorf("the 404 of a members-only note differs from that of nothing")
	}
	// A hostile address comes back only as a local path.
	_, body = ta.get(t, "/nothing-here?x=%22%3E%3Cscript%3E")
	mustNotContain(t, "hostile 404", body, "<script>")
	// Signing in from there returns there.
	member := ta.createUser(t, "back@example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
	cl := ta.client()
	res, _ = cl.post(t, "/login?next=%2Fpractices%2Fpeer-support-domestic-workers", "/login",
		url.Values{"email": {member.Email}, "password": {member.Password}, "next": {hidden}})
	if loc := res.Header.Get("Location"); loc != hidden {
		t.Errorf("after signing in: %d to %q, want %s", res.StatusCode, loc, hidden)
	}
	res, body = cl.get(t, hidden)
	if res.StatusCode != http.StatusOK {
		t.Errorf("the member's note: %d", res.StatusCode)
	}
	mustContain(t, "member's header", body, `href="/organisations/rotterdam-labour-rights-centre"`, "My organisation")
	_, body = cl.get(t, "/practices/no-such-note")
	mustNotContain(t, "member's 404", body, "Members may sign in")
	// A visitor's sign-in link comes back to the page.
	_, body = ta.get(t, "/practices?topic=outreach")
	mustContain(t, "header", body, `href="/login?next=%2Fpractices%3Ftopic%3Doutreach"`)
	for _, bad := range []string{"//evil.example", "https://evil.example", "/\\evil.example"} {
		if got := localPath(bad); got != "/" {
			t.Errorf("localPath(%q) = %q", bad, got)
		}
	}
}

// TestAuditNamesWhatItIsAbout: people and organisations by name, linked;
// what is gone by kind and id.
func TestAuditNamesWhatItIsAbout(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	ctx := context.Background()
	org, err := ta.store.AnyOrganisationBySlug(ctx, "rotterdam-labour-rights-centre")
	if err != nil {
		t.Fatal(err)
	}
	person := ta.createUser(t, "named@example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
	gone := uint(987654)
	for _, e := range []models.AuditEntry{
		{Action: models.AuditOrgSuspended, TargetKind: "organisation", TargetID: &org.ID, ActorEmail: "mod@example.org"},
		{Action: models.AuditUserDisabled, TargetKind: "user", TargetID: &person.ID, ActorEmail: "mod@example.org"},
		{Action: models.AuditUserDisabled, TargetKind: "user", TargetID: &gone, ActorEmail: "mod@example.org"},
	} {
		if err := ta.store.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	admin := ta.createUser(t, "auditor@example.org", models.RoleAdmin, "", false)
	cl := ta.client()
	cl.login(t, admin)
	_, body := cl.get(t, "/admin/audit")
	mustContain(t, "audit", html.UnescapeString(body),
		`<a href="/organisations/rotterdam-labour-rights-centre">Organisation: `+org.Name+`</a>`,
		`<a href="/admin/users?q=named%40example.org">Person: named <named@example.org></a>`,
		"Account #987654 (deleted since)", `<a href="/admin/users?q=mod%40example.org">mod@example.org</a>`)
	mustNotContain(t, "audit", body, "Organisation #"+strconv.FormatUint(uint64(org.ID), 10))
}
