package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"proact/models"
	"proact/models/modelstest"
)

// TestSubmissionsInTheLastMinute: many organisations submit at once in the
// last minute before the deadline, some of them twice with the same
// Idempotency-Key (a retry after a lost answer, a double click). Every
// acknowledged submission is stored, once, under the reference it was
// acknowledged with, with exactly the answers sent. 200 organisations on
// PostgreSQL; fewer on SQLite, whose writers queue anyway.
func TestSubmissionsInTheLastMinute(t *testing.T) {
	t.Parallel()
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			n := 200
			if d == models.SQLite {
				n = 40
			}
			submissionsInTheLastMinute(t, d, n)
		})
	}
}

type ack struct {
	org       int
	status    int
	reference string
	err       string
}

func submissionsInTheLastMinute(t *testing.T, d models.Dialect, n int) {
	closes := bt(2026, 10, 25, 12, 0) // the day the clocks go back, for good measure
	ta, _ := consultationApp(t, d, closes.Add(-45*time.Second))
	ctx := context.Background()
	c := &models.Consultation{Slug: "last-minute", Title: "Last minute", Languages: []string{"en", "ro", "pl"}, OpensAt: closes.AddDate(0, 0, -14), ClosesAt: closes}
	if err := ta.store.CreateConsultation(ctx, c, models.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []models.Question{
		{Type: models.QuestionLongText, Title: "What works?", Required: true, MaxLength: 5000},
		{Type: models.QuestionSingle, Title: "Sector", Required: true, Options: []models.Option{{Value: "agri", Label: "Agriculture"}, {Value: "care", Label: "Care"}}},
		{Type: models.QuestionMultiple, Title: "Indicators", Options: []models.Option{{Value: "debt", Label: "Debt"}, {Value: "wages", Label: "Wages"}, {Value: "ids", Label: "Documents"}}},
		{Type: models.QuestionScale, Title: "Referral", Required: true},
	} {
		q.ConsultationID = c.ID
		if err := ta.store.AddQuestion(ctx, &q, models.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ta.store.PublishConsultation(ctx, c.ID, models.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	c, _ = ta.store.ConsultationBySlug(ctx, models.Viewer{}, c.Slug)
	q := c.Answerable()

	type org struct {
		id      uint
		token   string
		body    string
		answers models.Answers
	}
	orgs := make([]org, n)
	for i := range orgs {
		slug := fmt.Sprintf("last-minute-org-%03d", i)
		o := &models.Organisation{Slug: slug, Name: fmt.Sprintf("Last minute %03d", i), Country: "RO", Type: "ngo", Status: models.OrgApproved}
		if err := ta.store.SaveOrganisation(ctx, o); err != nil {
			t.Fatal(err)
		}
		u := &models.User{Email: fmt.Sprintf("admin@%s.example.org", slug), Role: models.RoleMember, OrganisationID: &o.ID, OrgAdmin: true,
			Language: "en", Status: models.UserActive, SessionEpoch: 1}
		if err := ta.store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		secret := fmt.Sprintf("pat_last_minute_%03d", i)
		if _, err := ta.store.CreateAPIToken(ctx, u.ID, "load", secret); err != nil {
			t.Fatal(err)
		}
		text := fmt.Sprintf("Organisation %03d: consilierea înainte de plecare; szkolenia dla służb; \"quotes\" <b>& tags</b>\nline two", i)
		choices := []string{"debt", "wages"}[:1+i%2]
		sector := []string{"agri", "care"}[i%2]
		body, _ := json.Marshal(map[string]any{
			"answers":     map[string]any{itoa(q[0].ID): text, itoa(q[1].ID): sector, itoa(q[2].ID): choices, itoa(q[3].ID): 1 + i%5},
			"publication": models.Publications()[i%3], "language": []string{"en", "ro", "pl"}[i%3], "submit": true,
		})
		orgs[i] = org{id: o.ID, token: secret, body: string(body),
			answers: models.Answers{q[0].ID: {Text: text}, q[1].ID: {Text: sector}, q[2].ID: {Choices: choices}, q[3].ID: {Number: 1 + i%5}}}
	}

	acks := make(chan ack, 3*n)
	var wg sync.WaitGroup
	send := func(i int) {
		defer wg.Done()
		res, body := ta.apiPost(t, orgs[i].token, "/api/v1/consultations/"+c.Slug+"/responses", fmt.Sprintf("submit-%03d", i), orgs[i].body)
		a := ack{org: i, status: res.StatusCode}
		var r apiResponseResult
		if err := json.Unmarshal([]byte(body), &r); err != nil || (res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK) {
			a.err = body
		}
		a.reference = r.Reference
		acks <- a
	}
	start := make(chan struct{})
	for i := range orgs {
		copies := 1
		if i%4 == 0 {
			copies = 2 // the same request twice at once
		}
		for range copies {
			wg.Add(1)
			go func() { <-start; send(i) }()
		}
	}
	close(start)
	wg.Wait()
	close(acks)

	acked := map[int]string{}
	created := map[int]int{}
	count := 0
	for a := range acks {
		count++
		if a.err != "" {
			t.Errorf("organisation %d: %d %s", a.org, a.status, a.err)
			continue
		}
		if prev, ok := acked[a.org]; ok && prev != a.reference {
			t.Errorf("organisation %d was acknowledged with two references: %s and %s", a.org, prev, a.reference)
		}
		acked[a.org] = a.reference
		if a.status == http.StatusCreated {
			created[a.org]++
		}
	}
	for i := range orgs {
		if created[i] != 1 {
			t.Errorf("organisation %d: %d answers said 201 (created), want exactly 1", i, created[i])
		}
	}
	counted, err := ta.store.SubmittedResponses(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(counted) != n || len(acked) != n {
		t.Fatalf("%d responses counted, %d organisations acknowledged, want %d", len(counted), len(acked), n)
	}
	byOrg := map[uint]models.SubmittedResponse{}
	for _, r := range counted {
		byOrg[r.OrgID] = r
	}
	for i, o := range orgs {
		r, ok := byOrg[o.id]
		switch {
		case !ok:
			t.Errorf("organisation %d's acknowledged submission is not stored", i)
		case r.Reference != acked[i]:
			t.Errorf("organisation %d: stored under %s, acknowledged as %s", i, r.Reference, acked[i])
		case r.Seq != 1:
			t.Errorf("organisation %d: %d submissions, want 1", i, r.Seq)
		case !r.Answers.Equal(o.answers) || r.Answers[q[0].ID].Text != o.answers[q[0].ID].Text:
			t.Errorf("organisation %d: stored answers %+v, sent %+v", i, r.Answers, o.answers)
		}
	}
	t.Logf("%d requests for %d organisations, all stored once", count, n)
}
