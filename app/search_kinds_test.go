package app

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"proact/app/config"
	"proact/models"
	"proact/models/modelstest"
)

// kindsSearch asks the search API as a visitor (token "") or with a token,
// and returns the result and the raw body.
func kindsSearch(t *testing.T, ta *testApp, query, token string) (apiSearchResult, string) {
	t.Helper()
	req := httptest.NewRequest("GET", "/api/v1/search?"+query, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, body := ta.do(t, req)
	if res.StatusCode != 200 {
		t.Fatalf("GET /api/v1/search?%s: %d %s", query, res.StatusCode, body)
	}
	var out apiSearchResult
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("search answer: %v\n%s", err, body)
	}
	return out, body
}

// kindCount is the count of one value of the kind facet.
func kindCount(r apiSearchResult, kind string) uint64 {
	for _, v := range r.Facets["kind"] {
		if v.Value == kind {
			return v.Count
		}
	}
	return 0
}

// TestSearchFollowsConsultationsResponsesAndPathways: consultations,
// published responses and national notes reach the index through the
// outbox after each write (create, publish, unpublish, delete; results
// published and withdrawn; a note saved and deleted), and what may not be
// read (a draft, an unpublished response, a response before the results)
// never shows: not as a hit, a snippet, a facet count, on the page or in
// the API, for a visitor, a member or a moderator.
func TestSearchFollowsConsultationsResponsesAndPathways(t *testing.T) {
	t.Parallel()
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			// The rebuilds' checks (attack9) make more requests than the limit allows.
			ta := newTestApp(t, d, func(c *config.Config) { c.Limits.Requests = 1 << 20 })
			ctx := context.Background()
			by := models.AuditEntry{ActorEmail: "test"}
			catchUp := func() {
				t.Helper()
				if _, err := ta.index.CatchUp(ctx); err != nil {
					t.Fatal(err)
				}
			}
			member := ta.createUser(t, "kinds@iasi.example.org", models.RoleMember, "iasi-migration-work-centre", true)
			if _, err := ta.store.CreateAPIToken(ctx, member.ID, "test", "kinds-member-token-0123456789"); err != nil {
				t.Fatal(err)
			}
			moderator := ta.createUser(t, "kinds-mod@network.example.org", models.RoleModerator, "", false)
			if _, err := ta.store.CreateAPIToken(ctx, moderator.ID, "test", "kinds-moderator-token-0123456789"); err != nil {
				t.Fatal(err)
			}
			tokens := map[string]string{"visitor": "", "member": "kinds-member-token-0123456789", "moderator": "kinds-moderator-token-0123456789"}
			// never: the canary is found by nobody, in no form.
			never := func(stage, canary string) {
				t.Helper()
				for who, token := range tokens {
					r, body := kindsSearch(t, ta, "q="+canary, token)
					if r.Total != 0 || len(r.Hits) != 0 || strings.Contains(body, canary) {
						t.Errorf("%s: %s finds %s: %s", stage, who, canary, body)
					}
					for name, vals := range r.Facets {
						for _, v := range vals {
							if v.Count > 0 {
								t.Errorf("%s: %s: facet %s=%s counts %d for %s", stage, who, name, v.Value, v.Count, canary)
							}
						}
					}
				}
				_, page := ta.get(t, "/search?q="+canary)
				mustNotContain(t, stage+": /search", page, `class="hit"`, `class="count"`)
			}
			// found: everyone finds the canary once, as kind.
			found := func(stage, canary, kind string) apiSearchResult {
				t.Helper()
				var last apiSearchResult
				for who, token := range tokens {
					r, body := kindsSearch(t, ta, "q="+canary, token)
					if r.Total != 1 || len(r.Hits) != 1 || r.Hits[0].Kind != kind || kindCount(r, kind) != 1 {
						t.Errorf("%s: %s: want one %s hit for %s: %s", stage, who, kind, canary, body)
						continue
					}
					if !strings.Contains(canary, "+") && !strings.Contains(r.Hits[0].SnippetHTML+r.Hits[0].Title, canary) {
						t.Errorf("%s: %s: neither title nor snippet shows the match: %+v", stage, who, r.Hits[0])
					}
					last = r
				}
				if r, _ := kindsSearch(t, ta, "q="+canary+"&kind="+kind, ""); r.Total != 1 {
					t.Errorf("%s: the kind filter %s loses the hit", stage, kind)
				}
				if r, _ := kindsSearch(t, ta, "q="+canary+"&kind=practice", ""); r.Total != 0 {
					t.Errorf("%s: the kind filter practice keeps a %s hit", stage, kind)
				}
				return last
			}

			// A consultation: a draft, published, unpublished, deleted.
			now := time.Now()
			c := ta.newDraft(t, "zqxconsult-search", now)
			if err := ta.store.UpdateConsultation(ctx, &models.Consultation{ID: c.ID, Title: "Recruitment zqxconsultcanary", Slug: c.Slug,
				DescriptionMD: "About zqxdesccanary", DescriptionHTML: "<p>About zqxdesccanary</p>", Languages: []string{"en"},
				OpensAt: c.OpensAt, ClosesAt: c.ClosesAt}, c.Version, by); err != nil {
				t.Fatal(err)
			}
			catchUp()
			never("draft", "zqxconsultcanary")
			never("draft description", "zqxdesccanary")
			if err := ta.store.PublishConsultation(ctx, c.ID, by); err != nil {
				t.Fatal(err)
			}
			catchUp()
			hit := found("published", "zqxconsultcanary", "consultation")
			if len(hit.Hits) == 1 && !strings.HasSuffix(hit.Hits[0].URL, "/consultations/"+c.Slug) {
				t.Errorf("consultation hit links to %s", hit.Hits[0].URL)
			}
			if desc := found("published description", "zqxdesccanary", "consultation"); len(desc.Hits) == 1 &&
				!strings.Contains(desc.Hits[0].SnippetHTML, "<mark>zqxdesccanary</mark>") {
				t.Errorf("the snippet does not mark the match: %q", desc.Hits[0].SnippetHTML)
			}
			found("published question", "Second+question+of+zqxconsult-search", "consultation")
			_, page := ta.get(t, "/search?q=zqxdesccanary")
			mustContain(t, "/search of a consultation", page, `href="/consultations/`+c.Slug+`"`, "Consultations", "<mark>zqxdesccanary</mark>")
			if err := ta.store.UnpublishConsultation(ctx, c.ID, by); err != nil {
				t.Fatal(err)
			}
			catchUp()
			never("unpublished", "zqxconsultcanary")
			if err := ta.store.PublishConsultation(ctx, c.ID, by); err != nil {
				t.Fatal(err)
			}
			catchUp()
			found("published again", "zqxconsultcanary", "consultation")
			if err := ta.store.UnpublishConsultation(ctx, c.ID, by); err != nil {
				t.Fatal(err)
			}
			if err := ta.store.DeleteConsultation(ctx, c.ID, by); err != nil {
				t.Fatal(err)
			}
			catchUp()
			never("deleted", "zqxconsultcanary")

			// Responses: named, anonymous and unpublished; found only once
			// the results are published, and only those published.
			r := ta.newDraft(t, "zqxresults-search", now.Add(-time.Hour))
			if err := ta.store.PublishConsultation(ctx, r.ID, by); err != nil {
				t.Fatal(err)
			}
			text := r.Questions[1].ID
			for _, a := range []struct{ org, publication, canary string }{
				{"iasi-migration-work-centre", models.PublishNamed, "zqxnamedcanary"},
				{"rotterdam-labour-rights-centre", models.PublishAnonymous, "zqxanoncanary"},
				{"brussels-mobile-workers-union", models.PublishNone, "zqxhiddencanary"},
			} {
				o, err := ta.store.AnyOrganisationBySlug(ctx, a.org)
				if err != nil {
					t.Fatal(err)
				}
				in := models.ResponseInput{ConsultationID: r.ID, OrganisationID: o.ID, By: by, Now: now,
					Covered: []uint{r.Questions[0].ID, text}, Answers: models.Answers{r.Questions[0].ID: {Text: "yes"}, text: {Text: "Our answer " + a.canary}},
					SetMeta: true, Publication: a.publication, Language: "en", Submit: true, QuestionsVersion: r.QuestionsVersion}
				if _, err := ta.store.SaveResponse(ctx, in, nil); err != nil {
					t.Fatalf("%s: %v", a.org, err)
				}
			}
			catchUp()
			for _, canary := range []string{"zqxnamedcanary", "zqxanoncanary", "zqxhiddencanary"} {
				never("before the results", canary)
			}
			// A full rebuild reads what the outbox did not (attack9): the same.
			if err := ta.index.Rebuild(ctx); err != nil {
				t.Fatal(err)
			}
			for _, canary := range []string{"zqxnamedcanary", "zqxanoncanary", "zqxhiddencanary"} {
				never("before the results, rebuilt", canary)
			}
			if err := ta.store.PublishResults(ctx, r.ID, r.ClosesAt.Add(time.Minute), by); err != nil {
				t.Fatal(err)
			}
			catchUp()
			named := found("results published", "zqxnamedcanary", "response")
			if len(named.Hits) == 1 && !strings.Contains(named.Hits[0].URL, "/consultations/"+r.Slug+"/results") {
				t.Errorf("response hit links to %s", named.Hits[0].URL)
			}
			anon := found("results published", "zqxanoncanary", "response")
			if len(anon.Hits) == 1 {
				if h := anon.Hits[0]; len(h.Countries) != 0 || h.PublishedAt != nil {
					t.Errorf("an anonymous response's hit tells where or when: %+v", h)
				}
				_, body := kindsSearch(t, ta, "q=zqxanoncanary", "")
				mustNotContain(t, "anonymous response hit", body, "Rotterdam", "rotterdam")
			}
			never("results published", "zqxhiddencanary")
			if err := ta.index.Rebuild(ctx); err != nil {
				t.Fatal(err)
			}
			found("results published, rebuilt", "zqxnamedcanary", "response")
			found("results published, rebuilt", "zqxanoncanary", "response")
			never("results published, rebuilt", "zqxhiddencanary")
			if n := kindCount(mustSearch(t, ta, "q=zqxresults-search&kind=response"), "response"); n != 2 {
				t.Errorf("the responses facet counts %d, want the 2 published", n)
			}
			if err := ta.store.WithdrawResults(ctx, r.ID, by); err != nil {
				t.Fatal(err)
			}
			catchUp()
			for _, canary := range []string{"zqxnamedcanary", "zqxanoncanary", "zqxhiddencanary"} {
				never("results withdrawn", canary)
			}

			// A national note: saved, changed, deleted.
			author, err := ta.store.UserByEmail(ctx, moderator.Email)
			if err != nil {
				t.Fatal(err)
			}
			n := &models.NationalNote{Country: "MT", Language: "en", IdentifiedBy: "The zqxidcanary unit",
				BodyMD: "Referral zqxnotecanary", BodyHTML: "<p>Referral zqxnotecanary</p>"}
			if err := ta.store.SaveNationalNote(ctx, n, author, by); err != nil {
				t.Fatal(err)
			}
			catchUp()
			note := found("note saved", "zqxnotecanary", "pathway")
			if len(note.Hits) == 1 && (!strings.HasSuffix(note.Hits[0].URL, "/pathways/MT") || note.Hits[0].Title != "Malta") {
				t.Errorf("pathway hit: %+v", note.Hits[0])
			}
			found("note saved", "zqxidcanary", "pathway")
			_, body := kindsSearch(t, ta, "q=zqxnotecanary", "")
			mustNotContain(t, "pathway hit", body, moderator.Email, "kinds-mod")
			n.BodyMD, n.BodyHTML = "Referral changed", "<p>Referral changed</p>"
			if err := ta.store.SaveNationalNote(ctx, n, author, by); err != nil {
				t.Fatal(err)
			}
			catchUp()
			never("note changed", "zqxnotecanary")
			if err := ta.store.DeleteNationalNote(ctx, "MT", "en", n.Version, by); err != nil {
				t.Fatal(err)
			}
			catchUp()
			never("note deleted", "zqxidcanary")
		})
	}
}

// mustSearch is a visitor's search through the API.
func mustSearch(t *testing.T, ta *testApp, query string) apiSearchResult {
	t.Helper()
	r, _ := kindsSearch(t, ta, query, "")
	return r
}

// TestSearchGroupsANoteWithItsTranslations: a note and its translations
// are one hit, the best-matching version, that lists the other versions the
// reader may see ("also in"); group=off lists each version; a members-only
// translation is neither a hit nor an "also in" for a visitor.
func TestSearchGroupsANoteWithItsTranslations(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	ctx := context.Background()
	at := time.Date(2026, 4, 3, 0, 0, 0, 0, time.UTC)
	de := &models.Practice{Slug: "proaktive-ansprache-saisonarbeit", Title: "Proaktive Ansprache von Saisonarbeitskräften",
		Summary: "Nur für Mitglieder", Language: "de", Visibility: models.VisibilityMembers, Status: models.StatusPublished,
		PublishedAt: &at, BodyMD: "Im Westland besuchen Teams die Gewächshäuser.", BodyHTML: "<p>Im Westland besuchen Teams die Gewächshäuser.</p>",
		Countries: []string{"NL"}, TranslationOf: "proactive-outreach-seasonal-farm-workers"}
	if err := ta.store.SavePractice(ctx, de); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.index.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	member := ta.createUser(t, "group@iasi.example.org", models.RoleMember, "iasi-migration-work-centre", false)
	if _, err := ta.store.CreateAPIToken(ctx, member.ID, "test", "group-member-token-0123456789"); err != nil {
		t.Fatal(err)
	}
	family := func(r apiSearchResult) (hits int, langs []string) {
		for _, h := range r.Hits {
			if h.Slug == "proactive-outreach-seasonal-farm-workers" || strings.HasPrefix(h.Slug, "proactive-outreach-seasonal-farm-workers-") || h.Slug == de.Slug {
				hits++
				langs = append(langs, h.Language)
				for _, a := range h.AlsoIn {
					langs = append(langs, "+"+a.Language)
				}
			}
		}
		return hits, langs
	}
	for _, c := range []struct {
		who, token string
		grouped    []string // the hit's language, then "+" each other version
		apart      int
	}{
		{"visitor", "", nil, 3},
		{"member", "group-member-token-0123456789", nil, 4},
	} {
		r, body := kindsSearch(t, ta, "q=Westland&lang=en&lang=nl&lang=ro&lang=de", c.token)
		n, langs := family(r)
		if n != 1 || len(langs) != c.apart {
			t.Errorf("%s: grouped, want one hit of the family with %d versions, got %d hits %v\n%s", c.who, c.apart, n, langs, body)
		}
		practices := uint64(0)
		for _, h := range r.Hits {
			if h.Kind == "practice" {
				practices++
			}
		}
		if kindCount(r, "practice") != practices || r.Total != uint64(len(r.Hits)) {
			t.Errorf("%s: the kind facet counts %d notes, the results list %d (total %d)", c.who, kindCount(r, "practice"), practices, r.Total)
		}
		if c.who == "visitor" && strings.Contains(body, de.Slug) {
			t.Errorf("a visitor is shown the members-only translation: %s", body)
		}
		if c.who == "member" && !strings.Contains(strings.Join(langs, " "), "de") {
			t.Errorf("a member is not shown the members-only translation: %v", langs)
		}
		r, body = kindsSearch(t, ta, "q=Westland&lang=en&lang=nl&lang=ro&lang=de&group=off", c.token)
		if n, langs := family(r); n != c.apart || strings.Contains(strings.Join(langs, " "), "+") {
			t.Errorf("%s: group=off, want %d hits without also_in, got %d %v\n%s", c.who, c.apart, n, langs, body)
		}
	}
	_, page := ta.get(t, "/search?q=Westland&lang=en&lang=nl&lang=ro")
	mustContain(t, "/search grouped", page, "Also in:", `hreflang="ro"`, `hreflang="nl"`, `<option value="off">Each language version apart</option>`)
	mustNotContain(t, "/search grouped", page, de.Slug)
	_, page = ta.get(t, "/search?q=Westland&lang=en&lang=nl&lang=ro&group=off")
	mustNotContain(t, "/search group=off", page, "Also in:")
	mustContain(t, "/search group=off", page, `<option value="off" selected>`)
}
