package app

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"proact/models"
	"proact/search"
)

// membersOnly returns the demo's members-only notes: they must never reach a
// visitor who is not signed in.
func membersOnly(t *testing.T, store *models.Store) []models.Practice {
	t.Helper()
	all, err := store.AllPractices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []models.Practice
	for _, p := range all {
		if p.Visibility == models.VisibilityMembers {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		t.Fatal("the demo content has no members-only note to test with")
	}
	return out
}

func TestMembersOnlyNeverReachesVisitors(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	hidden := membersOnly(t, ta.store)
	all, _ := ta.store.AllPractices(context.Background())
	public := len(all) - len(hidden)

	for _, p := range hidden {
		for _, path := range []string{"/practices/" + p.Slug, "/practices/" + p.Slug + ".md", "/api/v1/practices/" + p.Slug} {
			res, body := ta.get(t, path)
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", path, res.StatusCode)
			}
			mustNotContain(t, path, body, p.Title)
		}
		// Words of its title must not find it, nor count it.
		_, body := ta.get(t, "/search?q="+strings.ReplaceAll(p.Title, " ", "+"))
		mustNotContain(t, "search for "+p.Slug, body, `href="/practices/`+p.Slug+`"`) // the query itself is echoed in the form
	}
	listing := []string{"/", "/practices?page=1", "/practices?page=2", "/api/v1/practices?per_page=100"}
	for _, path := range listing {
		_, body := ta.get(t, path)
		for _, p := range hidden {
			mustNotContain(t, path, body, p.Title, "/practices/"+p.Slug+`"`)
		}
	}
	_, body := ta.get(t, "/practices?versions=all")
	mustContain(t, "count", body, "Practice notes found: "+strconv.Itoa(public))
	_, body = ta.get(t, "/api/v1/practices")
	mustContain(t, "API total", body, `"total":`+strconv.Itoa(public))

	// Facet counts: the sum over languages equals the public notes.
	counts, err := ta.store.PracticeTermCounts(context.Background(), models.Viewer{}, models.Languages().Name())
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, c := range counts {
		sum += c.Count
	}
	if sum != int64(public) {
		t.Errorf("language facet counts add up to %d, want %d", sum, public)
	}
	// The search index holds members-only notes, but a visitor's total
	// excludes them.
	res, err := ta.index.Search(context.Background(), models.Viewer{}, searchAll())
	if err != nil {
		t.Fatal(err)
	}
	resMember, _ := ta.index.Search(context.Background(), models.Viewer{UserID: 1, Role: models.RoleMember}, searchAll())
	if res.Total >= resMember.Total {
		t.Errorf("a visitor's search total %d should be below a member's %d", res.Total, resMember.Total)
	}
}

// searchAll matches every practice note the viewer may see: no words, only
// the kind (words typed must all match, so no one word list fits every note).
func searchAll() search.Query {
	return search.Query{Kinds: []string{search.KindPractice}, PerPage: 100}
}
