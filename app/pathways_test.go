package app

import (
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"proact/app/config"
	"proact/app/i18n"
	"proact/content"
	"proact/models"
)

// The demo's Dutch and Romanian pathways run from signal to inclusion or
// return, with referrals and links abroad; Italy's has gaps.

func TestPathwayPagesOnBothDatabases(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		for _, tc := range []struct {
			path  string
			wants []string
		}{
			{"/pathways", []string{"Referral pathways", `href="/pathways/NL"`, `href="/pathways/IT"`, "pw-cell-gap",
				`href="/pathways/booklet"`, `name="country"`}},
			{"/pathways/NL", []string{"Referral pathway: Netherlands", "Who formally identifies victims:",
				"The police and the Labour Authority identify presumed victims", `<svg xmlns="http://www.w3.org/2000/svg"`,
				`id="pathway-list"`, "Every stage of the pathway is covered", "Politie Rotterdam, Team Mensenhandel (demo)",
				"In other countries", `href="/pathways/NL/booklet"`, "This note in other languages:"}},
			{"/pathways/NL?note=nl", []string{"De politie en de Arbeidsinspectie", `lang="nl"`}},
			{"/pathways/RO", []string{"Referral pathway: Romania", "Centrul Regional Antitrafic Moldova (demo)"}},
			{"/pathways/IT", []string{"Stages that no member organisation covers: 2", "No member organisation covers this stage in Italy."}},
			{"/pathways/PL", []string{"Referral pathway: Poland", "Stages that no member organisation covers: 3"}},
			{"/pathways/MT", []string{"No member organisation works in Malta yet.", "Stages that no member organisation covers: 7"}},
			{"/pathways/NL/booklet", []string{"Referral pathway booklet: Netherlands", "Public edition.", "booklet-chart-page",
				"Practice notes about Netherlands", "/organisations/rotterdam-labour-rights-centre"}},
			{"/pathways/booklet", []string{"Referral pathways of the network", `href="#country-NL"`, `href="#country-RO"`, "booklet-country"}},
			{"/practices/coverage", []string{"Coverage of practice", "Countries × topics", "Sectors × indicators of forced labour",
				`href="/practices?country=NL&amp;topic=outreach&amp;versions=all"`, "cov-gap"}},
			{"/practices?sector=A&indicator=withholding-of-wages", []string{"Practice notes found:", `name="indicator"`}},
		} {
			res, body := ta.get(t, tc.path)
			if res.StatusCode != http.StatusOK {
				t.Errorf("GET %s: status %d", tc.path, res.StatusCode)
				continue
			}
			mustContain(t, tc.path, body, layoutParts...)
			mustContain(t, tc.path, body, tc.wants...)
		}
		for path, want := range map[string]int{"/pathways/ZZ": 404, "/pathways/nl": 301, "/pathways/nl/booklet": 301,
			"/pathways/XX/booklet": 404, "/pathways/%3Cscript%3E": 404} {
			if res, _ := ta.get(t, path); res.StatusCode != want {
				t.Errorf("GET %s: status %d, want %d", path, res.StatusCode, want)
			}
		}
		if res, _ := ta.get(t, "/pathways/nl?note=nl"); res.Header.Get("Location") != "/pathways/NL?note=nl" {
			t.Errorf("/pathways/nl redirects to %q", res.Header.Get("Location"))
		}
		if res, _ := ta.get(t, "/pathways?country=ro"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/pathways/RO" {
			t.Errorf("the country chooser: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

// svgNode is an SVG element as encoding/xml reads it.
type svgNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []svgNode  `xml:",any"`
}

func (n *svgNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n *svgNode) walk(fn func(*svgNode)) {
	fn(n)
	for i := range n.Children {
		n.Children[i].walk(fn)
	}
}

var svgPattern = regexp.MustCompile(`(?s)<svg xmlns="http://www.w3.org/2000/svg" class="pw-chart".*?</svg>`)

// chartOf parses the first pathway chart of a page.
func chartOf(t *testing.T, body string) (*svgNode, string) {
	t.Helper()
	raw := svgPattern.FindString(body)
	if raw == "" {
		t.Fatal("no pathway chart on the page")
	}
	var root svgNode
	dec := xml.NewDecoder(strings.NewReader(raw))
	dec.Strict = true
	if err := dec.Decode(&root); err != nil {
		t.Fatalf("the chart is not well-formed SVG: %v", err)
	}
	return &root, raw
}

func TestPathwayChartParsesAndNamesEveryOrganisation(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	for _, code := range []string{"NL", "RO", "IT"} {
		p, err := ta.store.Pathway(t.Context(), models.Viewer{}, code)
		if err != nil {
			t.Fatal(err)
		}
		_, body := ta.get(t, "/pathways/"+code)
		root, _ := chartOf(t, body)
		if root.XMLName.Local != "svg" || len(root.Children) < 2 || root.Children[0].XMLName.Local != "title" || root.Children[1].XMLName.Local != "desc" {
			t.Fatalf("%s: the chart does not start with <title> and <desc>", code)
		}
		if root.attr("aria-labelledby") != root.Children[0].attr("id") || strings.TrimSpace(root.Children[1].Text) == "" {
			t.Errorf("%s: the chart's name and description are not linked", code)
		}
		boxes := map[string]string{} // profile link → accessible name
		var texts []string
		stages := 0
		root.walk(func(n *svgNode) {
			switch n.XMLName.Local {
			case "a":
				if n.attr("tabindex") == "-1" {
					return
				}
				for _, c := range n.Children {
					if c.XMLName.Local == "title" {
						boxes[n.attr("href")] = c.Text
					}
				}
			case "text":
				texts = append(texts, n.Text)
			case "g":
				if strings.HasPrefix(n.attr("class"), "pw-head") {
					stages++
				}
			}
		})
		if stages != len(models.ReferralStages().Terms()) {
			t.Errorf("%s: %d stage columns, want %d", code, stages, len(models.ReferralStages().Terms()))
		}
		all := append(p.Organisations, p.Abroad...)
		if len(boxes) != len(all) {
			t.Errorf("%s: %d organisation boxes, want %d", code, len(boxes), len(all))
		}
		words := strings.Join(texts, " ")
		for _, o := range all {
			name, ok := boxes["/organisations/"+o.Slug]
			if !ok || !strings.HasPrefix(html.UnescapeString(name), o.Name) {
				t.Errorf("%s: no box names %s (%q)", code, o.Name, name)
			}
			// The name is drawn too, wrapped over lines (and cut with … only when very long).
			first := strings.Fields(o.Name)[0]
			if !strings.Contains(words, first) {
				t.Errorf("%s: the chart's text does not show %q", code, o.Name)
			}
			// The ordered list says the same.
			if !strings.Contains(body, `<a href="#org-`+o.Slug+`">`) {
				t.Errorf("%s: %s is not in the list", code, o.Slug)
			}
		}
		// Every referral is an arrow with its words, and in the list.
		arrows := strings.Count(body, "refers people to ")
		if arrows < len(p.Referrals) {
			t.Errorf("%s: %d arrow titles, want at least %d", code, arrows, len(p.Referrals))
		}
	}
}

// membersOnlyContacts are the demo's members-only contact details.
func membersOnlyContacts(t *testing.T, ta *testApp) map[string][]string {
	t.Helper()
	all, err := ta.store.AllOrganisations(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, o := range all {
		for _, s := range []string{o.ContactName, o.ContactEmail, o.ContactPhone} {
			if s != "" {
				out[o.Slug] = append(out[o.Slug], s)
			}
		}
	}
	if len(out) < 20 {
		t.Fatalf("only %d demo organisations have a members-only contact", len(out))
	}
	return out
}

func TestPathwaysNeverShowVisitorsTheMembersContact(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	contacts := membersOnlyContacts(t, ta)
	member := ta.createUser(t, "reader@rlrc.example.org", models.RoleMember, rotterdam, false)
	signedIn := ta.visitor()
	signedIn.login(t, member)
	sections := map[string]*regexp.Regexp{
		"chart":    svgPattern,
		"list":     regexp.MustCompile(`(?s)<section id="pathway-list".*?</section>`),
		"contacts": regexp.MustCompile(`(?s)<section class="pw-contacts".*?</section>`),
	}
	for _, path := range []string{"/pathways/NL", "/pathways/RO", "/pathways/IT", "/pathways/NL/booklet", "/pathways/RO/booklet", "/pathways/booklet"} {
		// Compared as text: the page escapes "+" as &#43;.
		_, visitorHTML := ta.get(t, path)
		_, memberHTML := signedIn.get(t, path)
		visitorPage, memberPage := html.UnescapeString(visitorHTML), html.UnescapeString(memberHTML)
		for slug, secrets := range contacts {
			for _, s := range secrets {
				if strings.Contains(visitorPage, s) {
					t.Errorf("%s: a visitor sees %s's members-only %q", path, slug, s)
				}
			}
		}
		if strings.HasSuffix(path, "booklet") {
			mustContain(t, path+" for a visitor", visitorPage, "Public edition.")
		} else {
			mustContain(t, path+" for a visitor", visitorPage, "Members of the network also see")
		}
		mustContain(t, path+" for a visitor", visitorPage, "Public contact")
		mustNotContain(t, path+" for a visitor", visitorPage, "Contact for members")
		// Members see the contact of every organisation of the pathway.
		code := strings.Split(path, "/")[2]
		if code == "booklet" {
			code = "NL"
		}
		p, err := ta.store.Pathway(t.Context(), models.Viewer{}, code)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range p.Organisations {
			mustContain(t, path+" for a member", memberPage, contacts[o.Slug]...)
		}
		if !strings.HasSuffix(path, "booklet") {
			// The chart has room for one line of contact: the members' phone.
			chart := html.UnescapeString(sections["chart"].FindString(memberHTML))
			mustContain(t, path+" chart for a member", chart, p.Organisations[0].ContactPhone)
			for name, re := range sections {
				part := re.FindString(visitorHTML)
				if part == "" {
					t.Fatalf("%s: no %s section", path, name)
				}
			}
		}
	}
	// The members' edition of the booklet says so.
	_, body := signedIn.get(t, "/pathways/NL/booklet")
	mustContain(t, "members' booklet", html.UnescapeString(body), "Members' edition.", "Do not pass it on")
}

// noteForm is a valid national note form.
func noteForm(lang, identifiedBy, body, version string) url.Values {
	return url.Values{"language": {lang}, "identified_by": {identifiedBy}, "body": {body}, "version": {version}}
}

func TestNationalNoteWriting(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	mo := ta.createUser(t, "mo@secretariat.example.org", models.RoleModerator, "", false)
	ad := ta.createUser(t, "ad@secretariat.example.org", models.RoleAdmin, "", false)
	moc, adc := ta.visitor(), ta.visitor()
	moc.login(t, mo)
	adc.login(t, ad)

	// A new note for Poland, in Polish.
	res, form := moc.get(t, "/pathways/PL/note?language=pl")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("note form: %d", res.StatusCode)
	}
	mustContain(t, "new note form", form, `name="version" value="0"`, `<option value="pl" selected>`)
	mustNotContain(t, "new note form", form, "/note/delete")
	res, _ = moc.post(t, "/pathways/PL/note?language=pl", "/pathways/PL/note",
		noteForm("pl", "Straż Graniczna i policja", "Krajowy **mechanizm** identyfikacji.", "0"))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/pathways/PL?note=pl#national-note" {
		t.Fatalf("saving: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, page := ta.get(t, "/pathways/PL")
	mustContain(t, "pathway with its note", page, "Straż Graniczna i policja", "Krajowy <strong>mechanizm</strong> identyfikacji.",
		"Written by mo, last updated", "(version 1)")

	// Two moderators open version 1; the administrator saves first.
	_, moForm := moc.get(t, "/pathways/PL/note?language=pl")
	mustContain(t, "edit form", moForm, `name="version" value="1"`, "/note/delete")
	res, _ = adc.post(t, "/pathways/PL/note?language=pl", "/pathways/PL/note", noteForm("pl", "Policja", "Wersja administratora.", "1"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the administrator's save: %d", res.StatusCode)
	}
	res, body := moc.post(t, "/pathways/PL/note?language=pl", "/pathways/PL/note", noteForm("pl", "Straż", "Moja wersja.", "1"))
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("the stale save: %d, want 409", res.StatusCode)
	}
	mustContain(t, "conflict", body, "saved this note meanwhile", "Wersja administratora.", ">Moja wersja.</textarea>", `name="version" value="2"`)
	n, err := ta.store.NationalNote(t.Context(), "PL", "pl")
	if err != nil || n.BodyMD != "Wersja administratora." || n.Version != 2 {
		t.Fatalf("after the conflict: %+v, %v", n, err)
	}
	// Saving again, knowingly, replaces it.
	res, _ = moc.post(t, "/pathways/PL/note?language=pl", "/pathways/PL/note", noteForm("pl", "Straż", "Moja wersja.", "2"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving after the conflict: %d", res.StatusCode)
	}

	// Bad input: a clear message, what was typed kept.
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{noteForm("pl", "x", "  ", "3"), "How the national referral mechanism works: this field is required."},
		{noteForm("xx", "x", "Tekst", "3"), "is not one of the accepted values"},
		{noteForm("pl", strings.Repeat("x", 301), "Tekst", "3"), "Who formally identifies victims: this is too long."},
		{noteForm("pl", "a\x01b", "Tekst", "3"), "contains characters that are not allowed"},
		{noteForm("pl", "x", strings.Repeat("y", content.MaxNationalNote+1), "3"), "this is too long"},
		{noteForm("pl", "x", "Tekst", "drei"), "The form could not be read."},
	} {
		res, body := moc.post(t, "/pathways/PL/note?language=pl", "/pathways/PL/note", tc.form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%v: status %d, want 422", tc.form, res.StatusCode)
		}
		mustContain(t, "bad note", body, tc.want, `role="alert"`)
		if b := tc.form.Get("body"); len(b) < 100 && strings.TrimSpace(b) != "" {
			mustContain(t, "bad note keeps the text", body, ">"+b+"</textarea>")
		}
	}

	// History, audit, and deleting.
	_, form = moc.get(t, "/pathways/PL/note?language=pl")
	mustContain(t, "history", form, "Earlier versions", "<td>3</td>", "<td>ad</td>")
	entries, _, err := ta.store.ListAudit(t.Context(), models.AuditFilter{Action: models.AuditNationalNoteSaved})
	if err != nil || len(entries) != 3 {
		t.Errorf("audit entries %d, %v", len(entries), err)
	}
	res, body = moc.post(t, "/pathways/PL/note?language=pl", "/pathways/PL/note/delete", url.Values{"language": {"pl"}, "version": {"2"}})
	if res.StatusCode != http.StatusConflict {
		t.Errorf("deleting a version that is not the latest: %d, want 409", res.StatusCode)
	}
	mustContain(t, "delete conflict", body, "saved this note meanwhile")
	res, _ = moc.post(t, "/pathways/PL/note?language=pl", "/pathways/PL/note/delete", url.Values{"language": {"pl"}, "version": {"3"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("deleting: %d", res.StatusCode)
	}
	_, page = ta.get(t, "/pathways/PL")
	mustContain(t, "after deleting", page, "have not yet written a note on the national referral mechanism of Poland")

	// Members and visitors cannot write (the access table says so for every role).
	member := ta.createUser(t, "member@rlrc.example.org", models.RoleMember, rotterdam, true)
	mc := ta.visitor()
	mc.login(t, member)
	if res, _ := mc.get(t, "/pathways/PL/note"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a member opens the note form: %d", res.StatusCode)
	}
	_, page = mc.get(t, "/pathways/PL")
	mustNotContain(t, "pathway for a member", page, "Edit the national note")
	_, page = moc.get(t, "/pathways/PL")
	mustContain(t, "pathway for a moderator", page, "Edit the national note")
}

// TestAttackPayloadsInTheNationalNoteForm sends the payloads (one of each
// class, every one with PROACT_FULL_ATTACKS=1) in every field of the note
// form: never a 500; accepted text is stored as typed, its
// Markdown sanitized as everywhere, and shown escaped; refused text comes back
// in the form, escaped.
func TestAttackPayloadsInTheNationalNoteForm(t *testing.T) {
	t.Parallel()
	shapes := attackPayloads(t)
	ta := newTestApp(t, models.SQLite, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
	mo := ta.createUser(t, "mo@secretariat.example.org", models.RoleModerator, "", false)
	cl := ta.visitor()
	cl.login(t, mo)
	token := cl.csrf(t, "/pathways/MT/note?language=mt")
	var seq atomic.Int64
	send := func(form url.Values) (*http.Response, string) {
		n := seq.Add(1)
		return sendForm(t, cl, token, fmt.Sprintf("10.9.%d.%d", n/256%256, n%256), "/pathways/MT/note", form)
	}
	_, baseline := ta.get(t, "/pathways/MT")
	field := regexp.MustCompile(`id="f-identified_by" name="identified_by" value="([^"]*)"`)
	textarea := regexp.MustCompile(`(?s)<textarea id="f-body"[^>]*>(.*?)</textarea>`)
	r := content.NewRenderer()
	version := 0
	for i, p := range shapes {
		// Every payload in the free text fields; every fourth also in the
		// fields a person does not type (the language and the version).
		lang, ver := "mt", fmt.Sprint(version)
		if i%4 == 3 {
			lang, ver = p, p
		}
		res, body := send(noteForm(lang, p, p, ver))
		switch res.StatusCode {
		case http.StatusSeeOther:
			version++
			n, err := ta.store.NationalNote(t.Context(), "MT", "mt")
			if err != nil {
				t.Fatal(err)
			}
			want, _ := r.Render(strings.ReplaceAll(p, "\r\n", "\n"))
			if n.IdentifiedBy != strings.TrimSpace(p) || n.BodyMD != strings.ReplaceAll(p, "\r\n", "\n") || n.BodyHTML != want {
				t.Errorf("payload %.60q stored as %.60q / %.60q", p, n.IdentifiedBy, n.BodyMD)
			}
			if i%8 == 0 {
				_, page := ta.get(t, "/pathways/MT")
				if strings.Contains(p, "<") && strings.Count(page, p) > strings.Count(baseline, p) {
					t.Errorf("payload %.60q is shown unescaped on the pathway", p)
				}
				if strings.Count(page, "<script") > strings.Count(baseline, "<script") {
					t.Errorf("payload %.60q added a script to the pathway", p)
				}
			}
		case http.StatusUnprocessableEntity:
			if strings.ContainsAny(p, `<>"'`) && strings.Count(body, p) > strings.Count(baseline, p) {
				t.Errorf("payload %.60q is echoed unescaped by the form", p)
			}
			if lang == "mt" {
				if m := field.FindStringSubmatch(body); m == nil || html.UnescapeString(m[1]) != strings.TrimSpace(p) {
					t.Errorf("payload %.60q: the form does not keep what was typed", p)
				}
				if m := textarea.FindStringSubmatch(body); m == nil || html.UnescapeString(m[1]) != strings.ReplaceAll(p, "\r\n", "\n") {
					t.Errorf("payload %.60q: the text area does not keep what was typed", p)
				}
			}
		default:
			t.Fatalf("payload %.60q: status %d", p, res.StatusCode)
		}
	}
	if version == 0 {
		t.Fatal("no payload was accepted: the accepted path went untested")
	}
}

// TestPathwayBookletRendersForEveryCountry opens every country's booklet and
// the network's: each is complete HTML with its chart parts.
func TestPathwayBookletRendersForEveryCountry(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	overview, err := ta.store.PathwayOverview(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, cc := range overview {
		res, body := ta.get(t, "/pathways/"+cc.Country+"/booklet")
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s booklet: %d", cc.Country, res.StatusCode)
			continue
		}
		parts := strings.Count(body, `class="booklet-chart-page"`)
		if want := int((cc.Organisations + int64(bookletPartRows) - 1) / int64(bookletPartRows)); parts < max(1, want) {
			t.Errorf("%s booklet: %d chart parts for %d organisations", cc.Country, parts, cc.Organisations)
		}
		if strings.Count(body, `class="pw-card`) < int(cc.Organisations) {
			t.Errorf("%s booklet: fewer cards than organisations", cc.Country)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, "/pathways/booklet", nil)
	res, err := ta.app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || strings.Count(string(data), `class="booklet-country"`) != len(overview)-countWithoutMembers(overview) {
		t.Errorf("network booklet: %d, %d countries", res.StatusCode, strings.Count(string(data), `class="booklet-country"`))
	}
}

func countWithoutMembers(list []models.CountryCoverage) int {
	n := 0
	for _, cc := range list {
		if cc.Organisations == 0 {
			n++
		}
	}
	return n
}

func TestCoverageCountsOnlyWhatTheReaderMaySee(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	member := ta.createUser(t, "reader@rlrc.example.org", models.RoleMember, rotterdam, false)
	cl := ta.visitor()
	cl.login(t, member)
	total := regexp.MustCompile(`(?s)<tfoot>.*?</tfoot>`)
	_, visitor := ta.get(t, "/practices/coverage")
	_, signedIn := cl.get(t, "/practices/coverage")
	sum := func(page string) int {
		n := 0
		for _, m := range regexp.MustCompile(`<td class="cov-total">(\d+)</td>`).FindAllStringSubmatch(strings.Join(total.FindAllString(page, -1), ""), -1) {
			var v int
			fmt.Sscan(m[1], &v)
			n += v
		}
		return n
	}
	if sum(visitor) == 0 || sum(visitor) >= sum(signedIn) {
		t.Errorf("column totals: visitor %d, member %d; want the members' to include members-only notes", sum(visitor), sum(signedIn))
	}
	// Every number links to the list of exactly that many notes.
	cell := regexp.MustCompile(`<td class="cov-n [^"]+"><a href="([^"]+)">(\d+)</a></td>`)
	matches := cell.FindAllStringSubmatch(visitor, -1)
	if len(matches) < 20 {
		t.Fatalf("only %d cells with notes", len(matches))
	}
	for i, m := range matches {
		if i%7 != 0 {
			continue // a sample keeps the test short
		}
		_, list := ta.get(t, html.UnescapeString(m[1]))
		mustContain(t, m[1], list, "Practice notes found: "+m[2])
	}
	mustContain(t, "coverage for a visitor", visitor, "The counts include public notes only")
	mustContain(t, "coverage for a member", signedIn, "The counts include the members-only notes you can read.")
}

// rawPathwayKey finds a catalogue key of these pages shown instead of its
// text: what the regular expression
// (pathways|coverage|referral|service|orgtype|topic|sector|indicator)\.[a-z][a-z0-9_.-]+
// would find, by hand. The booklets are half a megabyte each, eight
// languages of them: under the race detector the expression (and the one
// that took the tags out) cost more than the portal's answers.
func rawPathwayKey(text string) string {
	first, key := len(text), ""
	for _, w := range []string{"pathways", "coverage", "referral", "service", "orgtype", "topic", "sector", "indicator"} {
		for from := 0; from < first; {
			i := strings.Index(text[from:], w+".")
			if i < 0 || from+i >= first {
				break
			}
			i += from
			j := i + len(w) + 1
			if k := keyEnd(text, j); k > j+1 && text[j] >= 'a' && text[j] <= 'z' {
				first, key = i, text[i:k]
				break
			}
			from = i + 1
		}
	}
	return key
}

// keyEnd is where the run of [a-z0-9_.-] from j ends.
func keyEnd(s string, j int) int {
	for j < len(s) {
		c := s[j]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			break
		}
		j++
	}
	return j
}

// withoutTags replaces every tag (< up to the next >) by a space.
func withoutTags(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			break
		}
		b.WriteString(s[:i])
		b.WriteByte(' ')
		s = s[i+end+1:]
	}
	b.WriteString(s)
	return b.String()
}

// firstHeading is the text of the page's first <h1> that holds only text.
var firstHeading = regexp.MustCompile(`<h1[^>]*>([^<]+)</h1>`)

func TestPathwayPagesInEveryLanguage(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	mo := ta.createUser(t, "mo@secretariat.example.org", models.RoleModerator, "", false)
	cl := ta.visitor()
	cl.login(t, mo)
	titles := map[string]map[string]string{}
	for _, lang := range i18n.Languages() {
		for _, p := range []string{"/pathways", "/pathways/NL", "/pathways/IT/booklet", "/pathways/booklet", "/practices/coverage", "/pathways/RO/note"} {
			req := httptest.NewRequest(http.MethodGet, p, nil)
			req.AddCookie(&http.Cookie{Name: langCookie, Value: lang}) // the language switcher's choice
			res, body := cl.do(t, req)
			if res.StatusCode != http.StatusOK || !strings.Contains(body, `<html lang="`+lang+`"`) {
				t.Fatalf("%s in %s: %d", p, lang, res.StatusCode)
			}
			// Keys may appear in URLs and ids; not as text.
			if m := rawPathwayKey(withoutTags(body)); m != "" {
				t.Errorf("%s in %s: untranslated key %s", p, lang, m)
			}
			h1 := firstHeading.FindStringSubmatch(body)
			if h1 == nil {
				t.Fatalf("%s in %s: no heading", p, lang)
			}
			if titles[p] == nil {
				titles[p] = map[string]string{}
			}
			for other, title := range titles[p] {
				if title == h1[1] {
					t.Errorf("%s: the same heading in %s and %s, %q: not translated?", p, lang, other, title)
				}
			}
			titles[p][lang] = h1[1]
		}
	}
}

// TestNationalNoteBylineShowsNoEmail: the byline of a national note (the
// pathway page, the booklet, the moderators' revisions) names its author and
// organisation, never an e-mail address: not of a moderator without a name,
// not of one whose name is an address, not from an imported file.
func TestNationalNoteBylineShowsNoEmail(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	ctx := t.Context()
	by := models.AuditEntry{ActorEmail: "test"}
	unnamed := ta.createUser(t, "unnamed.moderator@secretariat.example.org", models.RoleModerator, "", false)
	named := ta.createUser(t, "ana.pop@iasi.example.org", models.RoleModerator, "iasi-migration-work-centre", false)
	mailName := ta.createUser(t, "mail.name@secretariat.example.org", models.RoleModerator, "", false)
	for i, c := range []struct {
		user       *testUser
		name, want string
		email      string
	}{
		{unnamed, "", "the network’s moderators", unnamed.Email},
		{named, "Ana Pop", "Ana Pop, Centrul pentru Migrație și Muncă Iași (demo)", named.Email},
		{mailName, "mail.name@secretariat.example.org", "the network’s moderators", mailName.Email},
	} {
		u := *c.user.User
		u.Name = c.name
		country := []string{"DE", "AT", "ES"}[i]
		n := &models.NationalNote{Country: country, Language: "en", BodyMD: "How it works.", BodyHTML: "<p>How it works.</p>"}
		if err := ta.store.SaveNationalNote(ctx, n, &u, by); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/pathways/" + country, "/pathways/" + country + "/booklet"} {
			res, body := ta.get(t, path)
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d", path, res.StatusCode)
			}
			mustNotContain(t, path, body, c.email, "@secretariat.example.org", "@iasi.example.org")
			mustContain(t, path, body, html.EscapeString(c.want))
		}
		revs, err := ta.store.NationalNoteRevisions(ctx, n.ID, 5)
		if err != nil || len(revs) == 0 || strings.Contains(revs[0].AuthorName, "@") {
			t.Errorf("the revision keeps %+v (%v)", revs, err)
		}
	}
	imported := &models.NationalNote{Country: "SE", Language: "en", BodyMD: "x", BodyHTML: "<p>x</p>", UpdatedByName: "someone@example.org"}
	if err := ta.store.ImportNationalNote(ctx, imported); err != nil {
		t.Fatal(err)
	}
	_, body := ta.get(t, "/pathways/SE")
	mustNotContain(t, "imported note", body, "someone@example.org")
}

// TestRawPathwayKeyIsTheExpression: the hand-written scan of
// TestPathwayPagesInEveryLanguage finds what the expressions it replaced
// found.
func TestRawPathwayKeyIsTheExpression(t *testing.T) {
	t.Parallel()
	key := regexp.MustCompile(`(pathways|coverage|referral|service|orgtype|topic|sector|indicator)\.[a-z][a-z0-9_.-]+`)
	tags := regexp.MustCompile(`(?s)<[^>]*>`)
	for _, s := range []string{
		"", "plain text", "see pathways.title here", "<p title=\"topic.x\">topic.outreach_2</p>",
		"pathways. Next", "sector.a", "sector.ab", "coverage.9x topic.a-b", "a <b unclosed topic.zz",
		"service.Legal service.legal.advice", "indicator.debt\nreferral.to", "<a\nhref=x>orgtype.ngo</a>",
		"topicpathways.x.y", "xx sector..a topic.q.",
	} {
		if got, want := withoutTags(s), tags.ReplaceAllString(s, " "); got != want {
			t.Errorf("withoutTags(%q) = %q, want %q", s, got, want)
		}
		if got, want := rawPathwayKey(s), key.FindString(s); got != want {
			t.Errorf("rawPathwayKey(%q) = %q, want %q", s, got, want)
		}
	}
}
