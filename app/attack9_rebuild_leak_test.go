package app

import (
	"context"
	"strings"
	"testing"

	"proact/app/config"
	"proact/models"
	"proact/models/modelstest"
)

// TestAttack9RebuildLeaksNoCanary: after a full rebuild, a visitor finds no
// hit, snippet, facet count or suggestion for words that are only in a
// draft, in a pending (submitted, not yet published) revision of a
// published note, or in a members-only note; a member finds the
// members-only one, nobody the pending revision's.
func TestAttack9RebuildLeaksNoCanary(t *testing.T) {
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ta := newTestApp(t, d, func(c *config.Config) { c.Limits.Requests = 1 << 20 })
			ctx := context.Background()
			writer := ta.createUser(t, "a9-writer@example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
			moderator := ta.createUser(t, "a9-moderator@example.org", models.RoleModerator, "", false)
			member := ta.createUser(t, "a9-member@example.org", models.RoleMember, "iasi-migration-work-centre", true)
			if _, err := ta.store.CreateAPIToken(ctx, member.ID, "test", "a9-member-token-0123456789abcdef"); err != nil {
				t.Fatal(err)
			}
			wv := models.Viewer{UserID: writer.ID, Role: models.RoleMember, OrganisationID: *writer.OrganisationID, OrgActive: true}
			mv := models.Viewer{UserID: moderator.ID, Role: models.RoleModerator}
			create := func(title, body, vis string, publish bool) *models.Practice {
				t.Helper()
				n, err := ta.store.CreatePractice(ctx, wv, models.NewNote{Content: models.NoteContent{
					Title: title, Language: "en", Visibility: vis, Countries: []string{"LU"}, Topics: []string{"outreach"},
					BodyMD: body, BodyHTML: "<p>" + body + "</p>"}, BaseSlug: strings.Fields(title)[0], Submit: publish}, models.AuditEntry{})
				if err != nil {
					t.Fatal(err)
				}
				if publish {
					if _, err := ta.store.PublishPractice(ctx, mv, n.Practice.ID, 1, nil, "", models.AuditEntry{}); err != nil {
						t.Fatal(err)
					}
				}
				return n.Practice
			}
			create("Zqxadraftcanary outreach", "Draft zqxadraftcanary body", models.VisibilityPublic, false)
			create("Zqxamembercanary outreach", "Members zqxamembercanary body", models.VisibilityMembers, true)
			p := create("Luxembourgish outreach", "Published text", models.VisibilityPublic, true)
			content := p.Content()
			content.Title, content.BodyMD, content.BodyHTML = "Zqxapendingcanary outreach", "Pending zqxapendingcanary", "<p>Pending zqxapendingcanary</p>"
			if _, err := ta.store.SavePracticeRevision(ctx, wv, p.ID, models.NoteEdit{Content: content, BaseVersion: 1, Submit: true}, models.AuditEntry{}); err != nil {
				t.Fatal(err)
			}
			if err := ta.index.Rebuild(ctx); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				canary, prefix string
				member         bool
			}{{"zqxadraftcanary", "zqxadr", false}, {"zqxapendingcanary", "zqxapen", false}, {"zqxamembercanary", "zqxamem", true}} {
				for _, token := range []string{"", "a9-member-token-0123456789abcdef"} {
					r, body := kindsSearch(t, ta, "q="+c.canary, token)
					want := token != "" && c.member
					if got := r.Total == 1 && strings.Contains(body, c.canary); got != want || (!want && (r.Total != 0 || strings.Contains(body, c.canary))) {
						t.Errorf("%s (token %q): total %d, found %v, want %v: %.300s", c.canary, token, r.Total, got, want, body)
					}
					if _, body := kindsSearch(t, ta, "q="+c.canary[:len(c.canary)-1], token); !want && strings.Contains(body, c.canary) {
						t.Errorf("%s (token %q): typo tolerance gives it: %.300s", c.canary, token, body)
					}
				}
				_, page := ta.get(t, "/search?q="+c.canary)
				if lp := strings.ToLower(page); strings.Contains(lp, c.canary+" outreach") || strings.Contains(lp, "<mark>"+c.canary) {
					t.Errorf("%s: the visitor's page shows it", c.canary)
				}
				res, body := ta.get(t, "/api/v1/search/suggest?q="+c.prefix)
				if res.StatusCode == 200 && strings.Contains(strings.ToLower(body), c.canary[:8]) {
					t.Errorf("%s: suggested to a visitor: %.300s", c.canary, body)
				}
			}
			if res, body := ta.get(t, "/api/v1/search/suggest?q=luxemb"); res.StatusCode != 200 || !strings.Contains(strings.ToLower(body), "luxembourgish") {
				t.Errorf("the published title is not suggested (the check above would be vacuous): %d %.300s", res.StatusCode, body)
			}
			if r, _ := kindsSearch(t, ta, "q=luxembourgish", ""); r.Total != 1 {
				t.Errorf("the published version: %d hits, want 1", r.Total)
			}
		})
	}
}
