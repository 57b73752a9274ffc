package app

import (
	"context"
	"fmt"
	"net/http"

	"proact/models"
)

// The practice notes of the access table: drafts of organisations A and C,
// published notes to archive, one in review, and a file of A's draft.

// Rows of the access table for writers: a suspended organisation's members
// may not write at all; another organisation's notes do not exist.
var (
	writerPage = outcomes{toLogin, ok, ok, forbidden, ok, ok}
	writerDo   = outcomes{unauth, through, through, forbidden, through, through}
	otherOrgDo = outcomes{unauth, notFound, notFound, forbidden, through, through}
)

// writerOf is a writing member of organisation key ("orgA", "orgC").
func (fx *accessFixture) writerOf(key string) models.Viewer {
	return models.Viewer{UserID: fx.users[1].ID, Role: models.RoleMember, OrganisationID: fx.orgs[key].ID, OrgActive: true}
}

func (fx *accessFixture) note(key, title string, submit bool) *models.Practice {
	fx.t.Helper()
	n, err := fx.ta.store.CreatePractice(context.Background(), fx.writerOf(key), models.NewNote{
		Content: models.NoteContent{Title: title, Language: "en", Visibility: models.VisibilityPublic, Countries: []string{"NL"},
			BodyMD: "Text of " + title, BodyHTML: "<p>Text of " + title + "</p>"},
		BaseSlug: "access-note", Submit: submit}, models.AuditEntry{})
	if err != nil {
		fx.t.Fatal(err)
	}
	return n.Practice
}

func (fx *accessFixture) published(key, title string) *models.Practice {
	fx.t.Helper()
	p := fx.note(key, title, true)
	mod := models.Viewer{UserID: fx.users[4].ID, Role: models.RoleModerator}
	if _, err := fx.ta.store.PublishPractice(context.Background(), mod, p.ID, 1, nil, "", models.AuditEntry{}); err != nil {
		fx.t.Fatal(err)
	}
	return p
}

func (fx *accessFixture) practiceNotes() {
	fx.fixed["draftA"] = fx.note("orgA", "Draft of A", false).Slug
	fx.fixed["draftC"] = fx.note("orgC", "Draft of C", false).Slug
	fx.fixed["archiveA"] = fx.published("orgA", "Published note of A").Slug
	fx.fixed["archiveC"] = fx.published("orgC", "Published note of C").Slug
	fx.fixed["reviewA"] = fmt.Sprint(fx.note("orgA", "Note of A in review", true).ID)
	// The id of the note to unarchive is its number, not its slug.
	p, err := fx.ta.store.NoteBySlug(context.Background(), models.Viewer{Role: models.RoleModerator}, fx.fixed["archiveA"])
	if err != nil {
		fx.t.Fatal(err)
	}
	fx.fixed["archiveAID"] = fmt.Sprint(p.ID)
	cl := fx.client()
	cl.login(fx.t, fx.users[1])
	if res := upload(fx.t, cl, fx.fixed["draftA"], "photo.png", tinyPNG(fx.t)); res.StatusCode != http.StatusSeeOther {
		fx.t.Fatalf("uploading the draft's file: %d", res.StatusCode)
	}
	names, err := fx.ta.store.AttachmentNames(context.Background(), fx.noteID(fx.fixed["draftA"]))
	if err != nil || len(names) != 1 {
		fx.t.Fatalf("the draft's file: %v %v", names, err)
	}
	fx.fixed["draftFile"] = names[0]
}

func (fx *accessFixture) noteID(slug string) uint {
	p, err := fx.ta.store.NoteBySlug(context.Background(), models.Viewer{Role: models.RoleModerator}, slug)
	if err != nil {
		fx.t.Fatal(err)
	}
	return p.ID
}

// newDraft is a fresh draft of organisation key, for a request that deletes it.
func (fx *accessFixture) newDraft(key string) string {
	return fx.note(key, fmt.Sprintf("Draft to delete %d", fx.serial), false).Slug
}
