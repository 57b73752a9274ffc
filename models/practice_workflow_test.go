package models_test

import (
	"errors"
	"slices"
	"testing"

	"proact/models"
	"proact/models/modelstest"
)

// workflowCast is the people of the note workflow tests: two members of
// organisation A, a member of B, a moderator.
type workflowCast struct {
	orgA, orgB               *models.Organisation
	author, colleague, other models.Viewer
	moderator                models.Viewer
	authorUser               *models.User
}

func newWorkflowCast(t *testing.T, store *models.Store) workflowCast {
	t.Helper()
	c := workflowCast{orgA: saveOrg(t, store, "ngo-a", models.OrgApproved), orgB: saveOrg(t, store, "union-b", models.OrgApproved)}
	user := func(email, role string, org *models.Organisation) (models.Viewer, *models.User) {
		u := &models.User{Email: email, Name: email[:3], Role: role, Language: "ro", Status: models.UserActive, SessionEpoch: 1}
		if org != nil {
			u.OrganisationID = &org.ID
		}
		if err := store.CreateUser(t.Context(), u); err != nil {
			t.Fatal(err)
		}
		v := models.Viewer{UserID: u.ID, Role: role}
		if org != nil {
			v.OrganisationID, v.OrgActive = org.ID, true
		}
		return v, u
	}
	c.author, c.authorUser = user("ana@a.example.org", models.RoleMember, c.orgA)
	c.colleague, _ = user("bob@a.example.org", models.RoleMember, c.orgA)
	c.other, _ = user("cid@b.example.org", models.RoleMember, c.orgB)
	c.moderator, _ = user("mod@secretariat.example.org", models.RoleModerator, nil)
	return c
}

func content(title, body string) models.NoteContent {
	return models.NoteContent{Title: title, Summary: "About " + title, Language: "en", Visibility: models.VisibilityPublic,
		Countries: []string{"RO", "NL"}, Topics: []string{"outreach"}, BodyMD: body, BodyHTML: "<p>" + body + "</p>"}
}

func TestNoteWorkflow(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		c := newWorkflowCast(t, store)
		audit := models.AuditEntry{ActorEmail: "test"}
		phone := models.PracticeFlag{Field: "body", Position: 9, Length: 12, Kind: "phone", Fingerprint: "f-phone"}

		// Written and saved as a draft: only organisation A and moderators see it.
		n, err := store.CreatePractice(ctx, c.author, models.NewNote{Content: content("Farm visits", "Call us +40721234567"),
			BaseSlug: "farm-visits", Flags: []models.PracticeFlag{phone}}, audit)
		if err != nil {
			t.Fatal(err)
		}
		p := n.Practice
		if p.Slug != "farm-visits" || p.Status != models.StatusDraft || p.Version != 1 || len(n.Notify) != 0 {
			t.Fatalf("created %+v, notify %d", p, len(n.Notify))
		}
		for name, v := range map[string]models.Viewer{"visitor": {}, "other organisation": c.other} {
			if _, err := store.NoteBySlug(ctx, v, p.Slug); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s sees the draft: %v", name, err)
			}
		}
		for name, v := range map[string]models.Viewer{"colleague": c.colleague, "moderator": c.moderator} {
			if _, err := store.NoteBySlug(ctx, v, p.Slug); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		list, _, _ := store.ListPractices(ctx, c.author, models.PracticeFilter{})
		if slices.Contains(practiceSlugs(list), p.Slug) {
			t.Error("a draft is listed")
		}

		// A second note with the same title gets its own address.
		n2, err := store.CreatePractice(ctx, c.colleague, models.NewNote{Content: content("Farm visits", "Other"), BaseSlug: "farm-visits"}, audit)
		if err != nil || n2.Practice.Slug != "farm-visits-2" {
			t.Fatalf("second note: %v %v", n2, err)
		}

		// Two colleagues save from version 1: the second is refused.
		if _, err := store.SavePracticeRevision(ctx, c.colleague, p.ID, models.NoteEdit{Content: content("Farm visits", "Call us +40721234567 today"), BaseVersion: 1, Flags: []models.PracticeFlag{phone}}, audit); err != nil {
			t.Fatal(err)
		}
		if _, err := store.SavePracticeRevision(ctx, c.author, p.ID, models.NoteEdit{Content: content("Farm visits", "Mine"), BaseVersion: 1}, audit); !errors.Is(err, models.ErrStaleVersion) {
			t.Fatalf("stale save: %v, want ErrStaleVersion", err)
		}
		// Another organisation cannot edit it at all.
		if _, err := store.SavePracticeRevision(ctx, c.other, p.ID, models.NoteEdit{Content: content("X", "Y"), BaseVersion: 2}, audit); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("other organisation: %v", err)
		}

		// Submitted: the moderators are told.
		n, err = store.SubmitPractice(ctx, c.author, p.ID, 2, "Please review", audit)
		if err != nil || n.Practice.Status != models.StatusSubmitted || len(n.Notify) != 1 {
			t.Fatalf("submit: %+v %v", n, err)
		}
		items, total, err := store.ReviewQueue(ctx, c.moderator, models.ReviewFilter{})
		if err != nil || total != 1 || items[0].Slug != p.Slug || items[0].OpenFlags != 1 || items[0].SubmitterName != "ana" {
			t.Fatalf("queue: %d %+v %v", total, items, err)
		}
		if _, err := store.ReturnPractice(ctx, c.author, p.ID, 2, "no", audit); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("a member returned a note: %v", err)
		}

		// Returned with comments to the person who submitted it.
		n, err = store.ReturnPractice(ctx, c.moderator, p.ID, 2, "Remove the phone number.", audit)
		if err != nil || n.Practice.Status != models.StatusReturned || len(n.Notify) != 1 || n.Notify[0].ID != c.author.UserID {
			t.Fatalf("return: %+v %v", n, err)
		}
		last, err := store.LastReturn(ctx, []uint{p.ID})
		if err != nil || last[p.ID].Comment != "Remove the phone number." {
			t.Fatalf("last return: %+v %v", last, err)
		}
		// Fixing it keeps it returned until it is submitted again.
		n, err = store.SavePracticeRevision(ctx, c.author, p.ID, models.NoteEdit{Content: content("Farm visits", "Call the helpline"), BaseVersion: 2}, audit)
		if err != nil || n.Practice.Status != models.StatusReturned || n.Practice.Version != 3 {
			t.Fatalf("fix: %+v %v", n, err)
		}
		// Publishing what was not submitted is refused.
		if _, err := store.PublishPractice(ctx, c.moderator, p.ID, 3, nil, "", audit); !errors.Is(err, models.ErrWrongState) {
			t.Fatalf("publish a returned note: %v", err)
		}
		// Submitted again, with the phone number back: it must be confirmed.
		if _, err := store.SavePracticeRevision(ctx, c.author, p.ID, models.NoteEdit{Content: content("Farm visits", "Call +40721234567, the public helpline"), BaseVersion: 3, Submit: true, Flags: []models.PracticeFlag{phone}}, audit); err != nil {
			t.Fatal(err)
		}
		var open *models.OpenFlagsError
		if _, err := store.PublishPractice(ctx, c.moderator, p.ID, 4, nil, "", audit); !errors.As(err, &open) || len(open.Flags) != 1 {
			t.Fatalf("publish over an open flag: %v", err)
		}
		if _, err := store.PublishPractice(ctx, c.moderator, p.ID, 3, []string{"f-phone"}, "", audit); !errors.Is(err, models.ErrStaleVersion) {
			t.Fatalf("publish an old version: %v", err)
		}
		n, err = store.PublishPractice(ctx, c.moderator, p.ID, 4, []string{"f-phone"}, "Thanks", audit)
		if err != nil || n.Practice.Status != models.StatusPublished || n.Practice.PublishedVersion != 4 {
			t.Fatalf("publish: %+v %v", n, err)
		}
		if e := lastAuditEntry(t, store, models.AuditFlagConfirmed); e.Detail == "" {
			t.Error("the confirmation is not audited")
		}
		pub, err := store.PracticeBySlug(ctx, models.Viewer{}, p.Slug)
		if err != nil || pub.BodyMD != "Call +40721234567, the public helpline" || pub.PublishedAt == nil || pub.RevisedAt == nil {
			t.Fatalf("published note for a visitor: %+v %v", pub, err)
		}

		// An edit of the published note waits for review; readers see version 4.
		if _, err := store.SavePracticeRevision(ctx, c.author, p.ID, models.NoteEdit{Content: content("Farm visits, revised", "New text"), BaseVersion: 4, Submit: true}, audit); err != nil {
			t.Fatal(err)
		}
		pub, _ = store.PracticeBySlug(ctx, models.Viewer{}, p.Slug)
		if pub.Title != "Farm visits" || pub.Pending != models.StatusSubmitted || pub.State() != models.StatusSubmitted || !pub.HasPendingRevision() {
			t.Fatalf("with a pending revision: %+v", pub)
		}
		// The visitor's history holds published versions only.
		hist, total, err := store.PracticeHistory(ctx, models.Viewer{}, pub, models.ListOptions{})
		if err != nil || total != 1 || hist[0].Version != 4 {
			t.Fatalf("visitor's history: %d %+v %v", total, hist, err)
		}
		if _, err := store.PracticeRevisionFor(ctx, models.Viewer{}, pub, 2); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("a visitor reads an unpublished version: %v", err)
		}
		hist, total, _ = store.PracticeHistory(ctx, c.colleague, pub, models.ListOptions{})
		if total != 5 || hist[0].Version != 5 || hist[0].AuthorName != "ana" {
			t.Fatalf("organisation's history: %d %+v", total, hist)
		}
		// The confirmed phone number stays confirmed in later versions.
		n, err = store.PublishPractice(ctx, c.moderator, p.ID, 5, nil, "", audit)
		if err != nil {
			t.Fatal(err)
		}
		pub, _ = store.PracticeBySlug(ctx, models.Viewer{}, p.Slug)
		if pub.Title != "Farm visits, revised" || pub.Pending != "" || pub.PublishedVersion != 5 {
			t.Fatalf("after the second publication: %+v", pub)
		}

		// Restoring version 1 makes version 6, with version 1's flags.
		n, err = store.RestorePracticeRevision(ctx, c.author, p.ID, 1, 5, audit)
		if err != nil || n.Practice.Version != 6 || n.Practice.Pending != models.StatusDraft {
			t.Fatalf("restore: %+v %v", n, err)
		}
		head, err := store.HeadRevision(ctx, c.author, n.Practice)
		if err != nil || head.BodyMD != "Call us +40721234567" || head.RestoredFrom == nil || *head.RestoredFrom != 1 {
			t.Fatalf("restored head: %+v %v", head, err)
		}
		if flags, _ := store.PracticeFlags(ctx, c.author, n.Practice, 6); len(flags) != 1 || flags[0].Confirmed != true {
			t.Fatalf("restored flags: %+v", flags)
		}

		// Archived by its organisation: gone for readers; back by a moderator.
		if _, err := store.ArchivePractice(ctx, c.author, p.ID, "", audit); err != nil {
			t.Fatal(err)
		}
		if _, err := store.PracticeBySlug(ctx, models.Viewer{}, p.Slug); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("archived note readable: %v", err)
		}
		if _, err := store.UnarchivePractice(ctx, c.author, p.ID, "", audit); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("a member unarchived: %v", err)
		}
		if _, err := store.UnarchivePractice(ctx, c.moderator, p.ID, "", audit); err != nil {
			t.Fatal(err)
		}

		// A published note cannot be deleted; a draft can.
		if _, err := store.DeletePractice(ctx, c.author, p.ID, audit); !errors.Is(err, models.ErrWrongState) {
			t.Errorf("deleted a published note: %v", err)
		}
		if _, err := store.DeletePractice(ctx, c.author, n2.Practice.ID, audit); err != nil {
			t.Fatal(err)
		}
		if _, err := store.NoteBySlug(ctx, c.author, "farm-visits-2"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("deleted draft still there: %v", err)
		}

		// The member's own list, by state.
		counts, err := store.OwnNoteCounts(ctx, c.colleague)
		if err != nil || counts[models.StatusPublished] != 1 || counts[models.StatusDraft] != 1 {
			t.Fatalf("own counts: %v %v", counts, err)
		}
		own, total, err := store.OwnNotes(ctx, c.other, models.OwnNotesFilter{})
		if err != nil || total != 0 || len(own) != 0 {
			t.Fatalf("another organisation's list: %d %v", total, err)
		}
	})
}

func lastAuditEntry(t *testing.T, store *models.Store, action string) models.AuditEntry {
	t.Helper()
	list, _, err := store.ListAudit(t.Context(), models.AuditFilter{Action: action})
	if err != nil || len(list) == 0 {
		t.Fatalf("no %s in the audit log (%v)", action, err)
	}
	return list[0]
}

func TestTranslationsAndGrouping(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		c := newWorkflowCast(t, store)
		savePractice(t, store, note{slug: "guide", lang: "en", countries: []string{"RO"}, org: c.orgA, published: month(1)})
		savePractice(t, store, note{slug: "guide-ro", lang: "ro", countries: []string{"RO"}, translationOf: "guide", org: c.orgB, published: month(2)})
		savePractice(t, store, note{slug: "alone-nl", lang: "nl", countries: []string{"NL"}, translationOf: "gone", org: c.orgB, published: month(3)})

		// A second Romanian version is refused; a Dutch one is welcome.
		if _, err := store.CreatePractice(ctx, c.other, models.NewNote{Content: models.NoteContent{Title: "Ghid", Language: "ro", Visibility: "public"},
			BaseSlug: "ghid", TranslationOf: "guide"}, models.AuditEntry{}); !errors.Is(err, models.ErrTranslationExists) {
			t.Fatalf("second Romanian translation: %v", err)
		}
		if _, err := store.CreatePractice(ctx, c.other, models.NewNote{Content: models.NoteContent{Title: "Gids", Language: "nl", Visibility: "public"},
			BaseSlug: "gids", TranslationOf: "guide"}, models.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
		langs, err := store.TranslationLanguages(ctx, "guide")
		if err != nil || !slices.Equal(langs, []string{"en", "nl", "ro"}) {
			t.Fatalf("languages: %v %v", langs, err)
		}

		grouped, total, err := store.ListPractices(ctx, models.Viewer{}, models.PracticeFilter{Group: true})
		if err != nil || total != 2 || !slices.Equal(practiceSlugs(grouped), []string{"alone-nl", "guide"}) {
			t.Fatalf("grouped: %d %v %v", total, practiceSlugs(grouped), err)
		}
		// With a language chosen, every version in it is listed.
		ro, _, _ := store.ListPractices(ctx, models.Viewer{}, models.PracticeFilter{Group: true, Language: "ro"})
		if !slices.Equal(practiceSlugs(ro), []string{"guide-ro"}) {
			t.Fatalf("Romanian: %v", practiceSlugs(ro))
		}
		groups, err := store.TranslationGroups(ctx, models.Viewer{}, []string{"guide"})
		if err != nil || !slices.Equal(practiceSlugs(groups["guide"]), []string{"guide", "guide-ro"}) {
			t.Fatalf("groups: %v %v", groups, err)
		}
		entries, err := store.PublicPracticesAfter(ctx, 0, 10)
		if err != nil || len(entries) != 3 {
			t.Fatalf("sitemap entries: %+v %v", entries, err)
		}
	})
}

func TestAttachments(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		c := newWorkflowCast(t, store)
		n, err := store.CreatePractice(ctx, c.author, models.NewNote{Content: content("Photos", "None yet"), BaseSlug: "photos"}, models.AuditEntry{})
		if err != nil {
			t.Fatal(err)
		}
		p := n.Practice
		a := &models.PracticeAttachment{Name: "abc.png", Filename: "farm.png", ContentType: "image/png", Size: 10, SHA256: "x"}
		if err := store.AddAttachment(ctx, c.other, p.ID, a, models.AuditEntry{}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another organisation attached: %v", err)
		}
		if err := store.AddAttachment(ctx, c.colleague, p.ID, a, models.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
		if got, err := store.AttachmentByName(ctx, p.ID, "abc.png"); err != nil || got.Filename != "farm.png" || !got.IsImage() {
			t.Fatalf("by name: %+v %v", got, err)
		}
		if _, err := store.SavePracticeRevision(ctx, c.author, p.ID, models.NoteEdit{Content: content("Photos", "![farm](/practices/photos/files/abc.png)"), BaseVersion: 1}, models.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.DeleteAttachment(ctx, c.author, p.ID, a.ID, models.AuditEntry{}); !errors.Is(err, models.ErrInUse) {
			t.Fatalf("deleted a file in use: %v", err)
		}
		if _, err := store.SavePracticeRevision(ctx, c.author, p.ID, models.NoteEdit{Content: content("Photos", "No photo"), BaseVersion: 2}, models.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
		if got, err := store.DeleteAttachment(ctx, c.author, p.ID, a.ID, models.AuditEntry{}); err != nil || got.Name != "abc.png" {
			t.Fatalf("delete: %+v %v", got, err)
		}
		if names, _ := store.AttachmentNames(ctx, p.ID); len(names) != 0 {
			t.Fatalf("names after delete: %v", names)
		}
	})
}

// TestMigrationKeepsExistingNotesAsVersions: notes stored before versions
// were kept become their own first version, published ones published.
func TestMigrationKeepsExistingNotesAsVersions(t *testing.T) {
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			db := openRaw(t, d)
			ctx := t.Context()
			if _, err := models.MigrateTo(ctx, db, d, 3); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				`INSERT INTO practices (slug, title, language, status, body_md, version, created_at, updated_at, published_at) VALUES ('old', 'Old', 'en', 'published', 'Text', 3, '2024-01-01 00:00:00', '2024-01-02 00:00:00', '2024-01-01 00:00:00')`,
				`INSERT INTO practice_terms (practice_id, vocab, term) VALUES (1, 'country', 'RO'), (1, 'country', 'NL'), (1, 'topic', 'outreach')`,
			} {
				if err := db.Exec(q).Error; err != nil {
					t.Fatal(err)
				}
			}
			if _, err := models.Migrate(ctx, db, d); err != nil {
				t.Fatal(err)
			}
			store := models.NewStore(db, d)
			p, err := store.PracticeBySlug(ctx, models.Viewer{}, "old")
			if err != nil || p.PublishedVersion != 3 {
				t.Fatalf("after migration: %+v %v", p, err)
			}
			hist, total, err := store.PracticeHistory(ctx, models.Viewer{}, p, models.ListOptions{})
			if err != nil || total != 1 || hist[0].Version != 3 || hist[0].PublishedAt == nil {
				t.Fatalf("history: %d %+v %v", total, hist, err)
			}
			r, err := store.PracticeRevisionFor(ctx, models.Viewer{}, p, 3)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Content(); !slices.Equal(got.Countries, []string{"NL", "RO"}) || !slices.Equal(got.Topics, []string{"outreach"}) || got.BodyMD != "Text" {
				t.Fatalf("content of the kept version: %+v (terms %s)", got, r.Terms)
			}
		})
	}
}
