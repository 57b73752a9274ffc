package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"proact/app/config"
	"proact/content"
	"proact/models"
	"proact/models/modelstest"
	"proact/search"
)

// TestSearchWhileTheIndexIsRebuilt: the portal serves at once while its
// index is built; pages work, a search answers 503 with Retry-After and a
// translated page that keeps the query, and /readyz says why it is not ready.
func TestSearchWhileTheIndexIsRebuilt(t *testing.T) {
	ctx := context.Background()
	store := modelstest.New(t, models.SQLite)
	r := content.NewRenderer()
	if _, err := content.Import(ctx, store, r, content.Demo(), true); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hold := make(chan struct{})
	ix, err := search.Start(ctx, search.Config{Dir: t.TempDir(), Store: store, Log: log, Hold: hold})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	c := config.Default()
	c.DataDir = t.TempDir()
	a, err := New(Deps{Config: c, Store: store, Index: ix, Renderer: r, Log: log, Hasher: testHasher})
	if err != nil {
		t.Fatal(err)
	}
	ta := &testApp{app: a, store: store, index: ix}

	if res, _ := ta.get(t, "/practices"); res.StatusCode != 200 {
		t.Errorf("/practices while the index is rebuilt: %d", res.StatusCode)
	}
	for _, c := range []struct{ lang, want string }{
		{"en", "The search index is being rebuilt"},
		{"fr", "L’index de recherche est en cours de reconstruction"},
		{"pl", "Indeks wyszukiwania jest odbudowywany"},
	} {
		res, body := ta.get(t, "/search?q=seasonal+%3Cb%3Eworkers", "Accept-Language", c.lang)
		if res.StatusCode != 503 {
			t.Errorf("%s: search while rebuilding: %d, want 503", c.lang, res.StatusCode)
		}
		if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 {
			t.Errorf("%s: Retry-After %q", c.lang, res.Header.Get("Retry-After"))
		}
		if !strings.Contains(body, c.want) || !strings.Contains(body, `value="seasonal &lt;b&gt;workers"`) {
			t.Errorf("%s: the page does not say the index is being rebuilt, or lost the query:\n%s", c.lang, body)
		}
	}
	res, body := ta.get(t, "/readyz")
	var ready map[string]string
	_ = json.Unmarshal([]byte(body), &ready)
	if res.StatusCode != 503 || ready["index"] != "rebuilding" || !strings.Contains(ready["reason"], "rebuilt") || ready["database"] != "ok" {
		t.Errorf("/readyz while rebuilding: %d %s", res.StatusCode, body)
	}

	close(hold)
	if err := ix.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if res, _ := ta.do(t, httptest.NewRequest("GET", "/search?q=seasonal", nil)); res.StatusCode != 200 {
		t.Errorf("search once built: %d", res.StatusCode)
	}
	if res, body := ta.get(t, "/readyz"); res.StatusCode != 200 || body != `{"database":"ok","index":"ok"}` {
		t.Errorf("/readyz once built: %d %s", res.StatusCode, body)
	}
}

// TestSearchPageAndAPI: the page and the API take the same parameters,
// keep filters, say what was expanded, and never show a visitor what only
// members may read: not a hit, a snippet, a count or a suggestion.
func TestSearchPageAndAPI(t *testing.T) {
	ta := newTestApp(t, models.SQLite, nil)
	ctx := context.Background()
	at := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	secret := &models.Practice{Slug: "internal-review", Title: "Internal review zqxpagecanary", Summary: "For members",
		Language: "en", Visibility: models.VisibilityMembers, Status: models.StatusPublished, PublishedAt: &at,
		BodyMD: "zqxpagecanary details", BodyHTML: "<p>zqxpagecanary details</p>", Countries: []string{"MT"}}
	if err := ta.store.SavePractice(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.index.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	member := ta.createUser(t, "search@iasi.example.org", models.RoleMember, "iasi-migration-work-centre", false)
	if _, err := ta.store.CreateAPIToken(ctx, member.ID, "test", "member-search-token-0123456789"); err != nil {
		t.Fatal(err)
	}
	api := func(path, token string) (int, apiSearchResult, string) {
		req := httptest.NewRequest("GET", path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, body := ta.do(t, req)
		var out apiSearchResult
		_ = json.Unmarshal([]byte(body), &out)
		return res.StatusCode, out, body
	}
	status, vis, body := api("/api/v1/search?q=zqxpagecanary", "")
	if status != 200 || vis.Total != 0 || len(vis.Hits) != 0 || strings.Contains(body, "Internal review") {
		t.Errorf("visitor API search found the members-only note: %d %s", status, body)
	}
	for name, values := range vis.Facets {
		if len(values) > 0 {
			t.Errorf("visitor facet %s counts %v", name, values)
		}
	}
	if _, mem, _ := api("/api/v1/search?q=zqxpagecanary", "member-search-token-0123456789"); mem.Total != 1 || len(mem.Hits) != 1 || !strings.Contains(mem.Hits[0].SnippetHTML, "<mark>zqxpagecanary</mark>") {
		t.Errorf("member API search: %+v", mem)
	}
	if _, _, body := api("/api/v1/search/suggest?q=internal+rev", ""); strings.Contains(body, "Internal review") {
		t.Errorf("visitor suggestion of a members-only title: %s", body)
	}
	if res, page := ta.get(t, "/search?q=zqxpagecanary"); res.StatusCode != 200 || strings.Contains(page, "Internal review") || strings.Contains(page, "Malta") {
		t.Errorf("visitor page shows the members-only note or its country: %d", res.StatusCode)
	}
	// A member signed in finds it on the page, marked members-only.
	cl := ta.client()
	cl.login(t, member)
	if res, page := cl.get(t, "/search?q=zqxpagecanary"); res.StatusCode != 200 || !strings.Contains(page, "Internal review") ||
		!strings.Contains(page, "<mark>zqxpagecanary</mark>") || !strings.Contains(page, "badge-members") {
		t.Errorf("member page: %d, the members-only note missing or unmarked", res.StatusCode)
	}

	// Filters survive: chosen values are checked, kept in the form and in
	// the pager's links; the facets are labelled in the reader's language.
	res, page := ta.get(t, "/search?q=workers&country=NL&country=RO&per_page=1&sort=date", "Accept-Language", "fr")
	if res.StatusCode != 200 {
		t.Fatalf("filtered search: %d", res.StatusCode)
	}
	for _, want := range []string{`name="country" value="NL" checked`, `name="country" value="RO" checked`,
		`<input type="hidden" name="country" value="NL">`, "country=NL", "country=RO", "page=2", "Affiner les résultats", "Les plus récents d’abord"} {
		if !strings.Contains(page, want) {
			t.Errorf("filtered page lacks %q", want)
		}
	}
	// Expansion is named, with the way to switch it off.
	if _, page := ta.get(t, "/search?q=debt+bondage"); !strings.Contains(page, "Also searched in other languages for") || !strings.Contains(page, "expand=off") {
		t.Errorf("expansion not shown on the page")
	}
	_, on, _ := api("/api/v1/search?q=debt+bondage", "")
	_, off, _ := api("/api/v1/search?q=debt+bondage&expand=off", "")
	if len(on.ExpandedConcepts) == 0 || on.ExpandedConcepts[0].ID != "debt-bondage" || len(off.ExpandedConcepts) != 0 || on.Total <= off.Total {
		t.Errorf("expansion: on %d hits %+v, off %d hits", on.Total, on.ExpandedConcepts, off.Total)
	}
	// A word no note uses: the notes with the other words, said so on the
	// page and in the API, in the reader's language; a visitor's relaxed
	// search still never reaches the members-only note.
	_, relaxed, _ := api("/api/v1/search?q=zqxnowhere+debt+bondage", "")
	if !relaxed.Relaxed || relaxed.Total == 0 || len(relaxed.ExpandedConcepts) == 0 {
		t.Errorf("relaxed API search: relaxed %v, %d hits, expanded %+v", relaxed.Relaxed, relaxed.Total, relaxed.ExpandedConcepts)
	}
	if _, strict, _ := api("/api/v1/search?q=debt+bondage", ""); strict.Relaxed {
		t.Errorf("every word found, yet relaxed")
	}
	if _, page := ta.get(t, "/search?q=zqxnowhere+debt+bondage", "Accept-Language", "ro"); !strings.Contains(page, "Niciun rezultat nu conține toate cuvintele tastate") {
		t.Errorf("relaxed search not said on the page")
	}
	if _, vis, body := api("/api/v1/search?q=zqxpagecanary+zqxnowhere", ""); vis.Total != 0 || strings.Contains(body, "Internal review") {
		t.Errorf("a visitor's relaxed search found the members-only note: %s", body)
	}
	if _, mem, _ := api("/api/v1/search?q=zqxpagecanary+zqxnowhere", "member-search-token-0123456789"); mem.Total != 1 || !mem.Relaxed {
		t.Errorf("a member's relaxed search: %+v", mem)
	}
	// Inflected Polish forms that the Polish stemmer does not bring to the
	// glossary's own stems are in the glossary too.
	for q, concept := range map[string]string{"pracownicy sezonowi": "seasonal-worker", "związku zawodowego": "trade-union",
		"opłat rekrutacyjnych": "recruitment-fees", "pracownicy domowi": "domestic-worker", "wyzysku pracowników": "labour-exploitation"} {
		_, res, _ := api("/api/v1/search?q="+url.QueryEscape(q), "")
		found := false
		for _, c := range res.ExpandedConcepts {
			found = found || c.ID == concept
		}
		if !found {
			t.Errorf("%s: expanded %+v, want %s", q, res.ExpandedConcepts, concept)
		}
	}
	// Hostile parameters are answered, escaped.
	for _, path := range []string{"/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&kind=%3Cb%3E&page=-4&per_page=100000&sort=%27",
		"/search?q=%22unclosed&lang=xx&year=0000&expand=maybe", "/api/v1/search?q=%00%ff&country=%27%20OR%201=1"} {
		res, body := ta.get(t, path)
		if res.StatusCode >= 500 || strings.Contains(body, "<script>alert(1)") {
			t.Errorf("%s: %d", path, res.StatusCode)
		}
	}
}
