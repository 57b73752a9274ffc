package content

import (
	"context"
	"testing"
	"time"

	"proact/models"
	"proact/models/modelstest"
)

// TestDemoConsultations: the demo has one open consultation with every type
// of question, open whenever the demo is loaded, and one closed with its
// results published and responses of all three publication choices.
// Loading twice loads nothing the second time.
func TestDemoConsultations(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := context.Background()
		r := NewRenderer()
		if _, err := Import(ctx, store, r, Demo(), true); err != nil {
			t.Fatal(err)
		}
		brussels, _ := time.LoadLocation("Europe/Brussels")
		now := time.Date(2027, 2, 10, 9, 30, 0, 0, time.UTC)
		n, err := ImportConsultations(ctx, store, r, Demo(), now, brussels)
		if err != nil || n != 2 {
			t.Fatalf("loaded %d consultations: %v", n, err)
		}
		if n, err := ImportConsultations(ctx, store, r, Demo(), now, brussels); err != nil || n != 0 {
			t.Errorf("a second load loaded %d: %v", n, err)
		}
		open, err := store.ConsultationBySlug(ctx, models.Viewer{}, "eu-strategy-trafficking-labour-exploitation")
		if err != nil {
			t.Fatal(err)
		}
		if st := open.State(now); st != models.ConsultationOpen || open.ClosesAt.Sub(now) < 28*24*time.Hour || !open.Demo {
			t.Errorf("the open demo consultation: %s, closes %s", st, open.ClosesAt)
		}
		types := map[string]bool{}
		for _, q := range open.Questions {
			types[q.Type] = true
		}
		for _, typ := range models.QuestionTypes() {
			if !types[typ] {
				t.Errorf("the open demo consultation has no %s", typ)
			}
		}
		closed, _ := store.ConsultationBySlug(ctx, models.Viewer{}, "forced-labour-regulation-victim-guidance")
		if closed.State(now) != models.ConsultationResults {
			t.Errorf("the closed demo consultation is %s", closed.State(now))
		}
		counted, _ := store.SubmittedResponses(ctx, closed.ID)
		choices := map[string]int{}
		for _, r := range counted {
			choices[r.Publication]++
		}
		if len(counted) != 5 || choices[models.PublishNamed] == 0 || choices[models.PublishAnonymous] == 0 || choices[models.PublishNone] == 0 {
			t.Errorf("demo responses by publication: %v", choices)
		}
		published, _ := store.PublishedResponses(ctx, closed.ID)
		if len(published) != choices[models.PublishNamed]+choices[models.PublishAnonymous] {
			t.Errorf("%d published responses", len(published))
		}
	})
}
