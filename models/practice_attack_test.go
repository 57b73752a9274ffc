package models_test

import (
	"errors"
	"testing"

	"proact/models"
	"proact/models/modelstest"
)

// Found from outside (issue 8): a note first published for members and later
// made public showed its members-only versions to visitors in its history
// and diffs.
func TestMembersOnlyVersionsStayFromVisitors(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		c := newWorkflowCast(t, store)
		audit := models.AuditEntry{ActorEmail: "test"}
		second, _ := newSecondModerator(t, store)
		secret := content("Shelter", "CANARYMEMBERS the shelter's address")
		secret.Visibility = models.VisibilityMembers
		n, err := store.CreatePractice(ctx, c.author, models.NewNote{Content: secret, BaseSlug: "shelter", Submit: true}, audit)
		if err != nil {
			t.Fatal(err)
		}
		p := n.Practice
		if _, err := store.PublishPractice(ctx, c.moderator, p.ID, 1, nil, "", audit); err != nil {
			t.Fatal(err)
		}
		if _, err := store.SavePracticeRevision(ctx, c.author, p.ID, models.NoteEdit{Content: content("Shelter", "Public text"), BaseVersion: 1, Submit: true}, audit); err != nil {
			t.Fatal(err)
		}
		if _, err := store.PublishPractice(ctx, second, p.ID, 2, nil, "", audit); err != nil {
			t.Fatal(err)
		}
		p, err = store.NoteBySlug(ctx, models.Viewer{}, "shelter")
		if err != nil {
			t.Fatal(err)
		}
		visitor := models.Viewer{}
		if _, err := store.PracticeRevisionFor(ctx, visitor, p, 1); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("a visitor reads the members-only version 1: %v", err)
		}
		list, total, err := store.PracticeHistory(ctx, visitor, p, models.ListOptions{})
		if err != nil || total != 1 || len(list) != 1 || list[0].Version != 2 {
			t.Errorf("a visitor's history: %d versions (%v), want only version 2", total, err)
		}
		// Members of any organisation still read every published version.
		if _, err := store.PracticeRevisionFor(ctx, c.other, p, 1); err != nil {
			t.Errorf("a member of another organisation: %v", err)
		}
		if _, total, _ := store.PracticeHistory(ctx, c.other, p, models.ListOptions{}); total != 2 {
			t.Errorf("a member sees %d published versions, want 2", total)
		}
	})
}

func newSecondModerator(t *testing.T, store *models.Store) (models.Viewer, *models.User) {
	t.Helper()
	u := &models.User{Email: "second@secretariat.example.org", Name: "Sec", Role: models.RoleModerator, Language: "en",
		Status: models.UserActive, SessionEpoch: 1}
	if err := store.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	return models.Viewer{UserID: u.ID, Role: models.RoleModerator}, u
}

// Found from outside (issue 8): a moderator could write a note, or a new
// version of a member's note, and publish it themselves, with nobody else
// reading it first.
func TestModeratorDoesNotPublishOwnVersion(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		c := newWorkflowCast(t, store)
		audit := models.AuditEntry{ActorEmail: "test"}
		second, _ := newSecondModerator(t, store)

		n, err := store.CreatePractice(ctx, c.moderator, models.NewNote{Content: content("Own", "Written by the secretariat"), BaseSlug: "own", Submit: true}, audit)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.PublishPractice(ctx, c.moderator, n.Practice.ID, 1, nil, "", audit); !errors.Is(err, models.ErrOwnVersion) {
			t.Fatalf("a moderator publishes their own note: %v", err)
		}
		if _, err := store.PublishPractice(ctx, second, n.Practice.ID, 1, nil, "", audit); err != nil {
			t.Fatalf("another moderator publishes it: %v", err)
		}

		// A member's submitted note that a moderator edits and submits: the
		// same moderator may not publish the version they wrote.
		m, err := store.CreatePractice(ctx, c.author, models.NewNote{Content: content("Member's", "Text"), BaseSlug: "members", Submit: true}, audit)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.SavePracticeRevision(ctx, c.moderator, m.Practice.ID, models.NoteEdit{Content: content("Member's", "Text, corrected"), BaseVersion: 1, Submit: true}, audit); err != nil {
			t.Fatal(err)
		}
		if _, err := store.PublishPractice(ctx, c.moderator, m.Practice.ID, 2, nil, "", audit); !errors.Is(err, models.ErrOwnVersion) {
			t.Fatalf("a moderator publishes the version they wrote: %v", err)
		}
		if _, err := store.PublishPractice(ctx, second, m.Practice.ID, 2, nil, "", audit); err != nil {
			t.Fatal(err)
		}
	})
}
