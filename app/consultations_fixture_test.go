package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"proact/app/i18n"
	"proact/content"
	"proact/models"
)

// Fixtures of the consultation tests: the demo consultations (one open, one
// closed with its results published) and drafts made on demand.

// Slugs of the demo consultations.
const (
	openSlug   = "eu-strategy-trafficking-labour-exploitation"
	closedSlug = "forced-labour-regulation-victim-guidance"
)

// loadDemoConsultations loads the demo consultations into the test app, at now.
func (ta *testApp) loadDemoConsultations(t testing.TB, now time.Time) {
	t.Helper()
	n, err := content.ImportConsultations(context.Background(), ta.store, content.NewRenderer(), content.Demo(), now, i18n.Brussels())
	if err != nil || n != 2 {
		t.Fatalf("loading the demo consultations: %d loaded, %v", n, err)
	}
}

// newDraft stores a draft consultation open for a month from now, with one
// question, and returns it.
func (ta *testApp) newDraft(t testing.TB, slug string, now time.Time) *models.Consultation {
	t.Helper()
	ctx := context.Background()
	c := &models.Consultation{Slug: slug, Title: "Draft " + slug, Languages: []string{"en"}, OpensAt: now, ClosesAt: now.AddDate(0, 1, 0)}
	if err := ta.store.CreateConsultation(ctx, c, models.AuditEntry{ActorEmail: "test"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []models.Question{
		{Type: models.QuestionYesNo, Title: "First question of " + slug, Required: true},
		{Type: models.QuestionShortText, Title: "Second question of " + slug},
	} {
		q.ConsultationID = c.ID
		if err := ta.store.AddQuestion(ctx, &q, models.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
	}
	full, err := ta.store.ConsultationBySlug(ctx, models.Viewer{Role: models.RoleAdmin}, c.Slug)
	if err != nil {
		t.Fatal(err)
	}
	return full
}

// consultationFixture adds the consultations to the access table's world.
func (fx *accessFixture) consultationFixture() {
	now := time.Now()
	fx.ta.loadDemoConsultations(fx.t, now)
	d := fx.ta.newDraft(fx.t, "access-draft", now)
	fx.fixed["openConsultation"], fx.fixed["closedConsultation"] = openSlug, closedSlug
	fx.fixed["draftConsultation"], fx.fixed["draftQuestion"] = d.Slug, fmt.Sprint(d.Questions[0].ID)
}

// consultationValue makes the {new...} objects of the consultation rows.
func (fx *accessFixture) consultationValue(key string) (string, bool) {
	if key != "newDraftConsultation" {
		return "", false
	}
	return fx.ta.newDraft(fx.t, fmt.Sprintf("access-draft-%d", fx.serial), time.Now()).Slug, true
}
