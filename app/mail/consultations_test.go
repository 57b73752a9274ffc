package mail

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"proact/app/i18n"
	"proact/models"
	"proact/models/modelstest"
)

// reminderWorld is a consultation closing at closes with three approved
// organisations: A has submitted, B has a draft, C has reopened its response;
// D is suspended. Each has one member; B has two, one of them disabled.
func reminderWorld(t *testing.T, store *models.Store, closes time.Time, tag string) *models.Consultation {
	t.Helper()
	ctx := context.Background()
	c := &models.Consultation{Slug: "reminders-" + tag, Title: "Reminder test", OpensAt: closes.AddDate(0, 0, -20), ClosesAt: closes}
	if err := store.CreateConsultation(ctx, c, models.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	q := &models.Question{ConsultationID: c.ID, Type: models.QuestionShortText, Title: "Anything?"}
	if err := store.AddQuestion(ctx, q, models.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if err := store.PublishConsultation(ctx, c.ID, models.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	c, _ = store.ConsultationBySlug(ctx, models.Viewer{}, c.Slug)
	users := map[string][]string{"a": {"en"}, "b": {"ro", "disabled"}, "c": {"pl"}, "d": {"de"}}
	for slug, langs := range users {
		status := models.OrgApproved
		if slug == "d" {
			status = models.OrgSuspended
		}
		o := &models.Organisation{Slug: "org-" + tag + "-" + slug, Name: "Org " + strings.ToUpper(slug), Country: "BE", Type: "ngo", Status: status}
		if err := store.SaveOrganisation(ctx, o); err != nil {
			t.Fatal(err)
		}
		for i, l := range langs {
			u := &models.User{Email: slug + string(rune('0'+i)) + tag + "@example.org", Role: models.RoleMember, OrganisationID: &o.ID, Language: l, SessionEpoch: 1}
			if l == "disabled" {
				u.Language, u.Status = "en", models.UserDisabled
			}
			if err := store.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		in := models.ResponseInput{ConsultationID: c.ID, OrganisationID: o.ID, Now: c.OpensAt.Add(time.Hour),
			Covered: []uint{q.ID}, Answers: models.Answers{q.ID: {Text: "Yes"}}, SetMeta: true, Publication: models.PublishNone,
			Language: "en", Submit: slug != "b", QuestionsVersion: c.QuestionsVersion}
		if _, err := store.SaveResponse(ctx, in, nil); err != nil {
			t.Fatal(err)
		}
		if slug == "c" {
			if _, err := store.ReopenResponse(ctx, c.ID, o.ID, c.OpensAt.Add(2*time.Hour), models.AuditEntry{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return c
}

// TestRemindersGoOutOnceWhateverTheInstances: three days and one day before
// the deadline, the members of the organisations that have not submitted
// get a reminder in their language; several instances running the
// reminders at the same moment send each one once.
func TestRemindersGoOutOnceWhateverTheInstances(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := context.Background()
		closes := time.Date(2026, 5, 15, 10, 0, 0, 0, time.UTC)
		c := reminderWorld(t, store, closes, "")
		m := newMailer(t)
		run := func(at time.Time, instances int) int {
			t.Helper()
			var wg sync.WaitGroup
			counts := make([]int, instances)
			for i := range instances {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := m.SendReminders(ctx, store, at)
					if err != nil {
						t.Errorf("instance %d: %v", i, err)
					}
					counts[i] = n
				}()
			}
			wg.Wait()
			total := 0
			for _, n := range counts {
				total += n
			}
			return total
		}
		if n := run(closes.Add(-73*time.Hour), 3); n != 0 {
			t.Errorf("%d reminders 73 hours before", n)
		}
		// B's member (Romanian) and C's (Polish, reopened); not A (submitted),
		// not D (suspended), not B's disabled account.
		if n := run(closes.Add(-71*time.Hour), 4); n != 2 {
			t.Fatalf("%d reminders queued three days before by four instances, want 2", n)
		}
		if n := run(closes.Add(-70*time.Hour), 4); n != 0 {
			t.Errorf("%d reminders queued again an hour later", n)
		}
		if n := run(closes.Add(-23*time.Hour), 2); n != 2 {
			t.Errorf("%d reminders one day before, want 2", n)
		}
		if n := run(closes.Add(-time.Minute), 2); n != 0 {
			t.Errorf("%d reminders a minute before the deadline", n)
		}
		mails, err := store.ListMail(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		to := map[string]int{}
		for _, mail := range mails {
			if mail.Kind != "reminder" || strings.Contains(mail.ToAddr, "late") {
				continue
			}
			to[mail.ToAddr]++
			switch mail.ToAddr {
			case "b0@example.org":
				if mail.Language != "ro" || !strings.Contains(mail.Subject, "Memento") || !strings.Contains(mail.Body, "ora Bruxelles-ului") {
					t.Errorf("B's reminder is not in Romanian with Brussels time: %q\n%s", mail.Subject, mail.Body)
				}
			case "c0@example.org":
				if !strings.Contains(mail.Body, "ponownie otwarta") {
					t.Errorf("C's reminder does not say its response was reopened:\n%s", mail.Body)
				}
			default:
				t.Errorf("a reminder to %s", mail.ToAddr)
			}
		}
		if to["b0@example.org"] != 2 || to["c0@example.org"] != 2 {
			// (counted before the deadline moved)
			t.Errorf("reminders per person: %v, want two each", to)
		}
		// A deadline moved later gets reminders of its own.
		c.ClosesAt = closes.AddDate(0, 0, 7)
		if err := store.UpdateConsultation(ctx, c, c.Version, models.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
		if n := run(c.ClosesAt.Add(-71*time.Hour), 2); n != 2 {
			t.Errorf("%d reminders for the new deadline, want 2", n)
		}
		// A reminder the portal was not running for is skipped, not sent late.
		late := reminderWorld(t, store, closes.AddDate(0, 1, 0), "late")
		// Its recipients: B and C of its own world, and A, B and C of the
		// first, which have not answered this one.
		if n := run(late.ClosesAt.Add(-20*time.Hour), 1); n != 5 {
			t.Errorf("%d mails when both reminders were due at once, want one for each of the five members", n)
		}
		_ = i18n.Brussels()
	})
}

// TestReceiptCopiesTheAnswers: the receipt names the reference, the time in
// Brussels time and the person, and copies every answer in the reader's
// language.
func TestReceiptCopiesTheAnswers(t *testing.T) {
	m := newMailer(t)
	c := &models.Consultation{Slug: "c", Title: "Consultation", ClosesAt: time.Date(2026, 3, 31, 10, 0, 0, 0, time.UTC), Questions: []models.Question{
		{ID: 1, Type: models.QuestionSection, Title: "Part one"},
		{ID: 2, Type: models.QuestionYesNo, Title: "Agree?"},
		{ID: 3, Type: models.QuestionMultiple, Title: "Which?", Options: []models.Option{{Value: "a", Label: "Alpha"}, {Value: "b", Label: "Beta"}}},
		{ID: 4, Type: models.QuestionLongText, Title: "Why?"},
		{ID: 5, Type: models.QuestionShortText, Title: "Skipped"},
	}}
	u := &models.User{Email: "eva@example.org", Name: "Eva", Language: "de"}
	got := m.Compose(m.ResponseReceipt(u, Receipt{Consultation: c, OrgName: "Org", Reference: "PRO-2026-ABCD-EFGH", Seq: 2,
		At: time.Date(2026, 3, 30, 15, 4, 5, 0, time.UTC), By: "Eva", Publication: models.PublishAnonymous, Language: "fr",
		Answers: models.Answers{2: {Text: "yes"}, 3: {Choices: []string{"a", "b"}}, 4: {Text: "Line one\nline two"}}}))
	for _, want := range []string{"PRO-2026-ABCD-EFGH", "30. März 2026, 17:04 Brüsseler Zeit (UTC+02:00)", "Eva", "Anonym veröffentlichen",
		"Französisch", "== Part one ==", "1. Agree?\n   Ja", "   Alpha\n   Beta", "   Line one\n   line two", "4. Skipped\n   Keine Antwort"} {
		if !strings.Contains(got.Body, want) {
			t.Errorf("the receipt lacks %q:\n%s", want, got.Body)
		}
	}
	if !strings.HasPrefix(got.Subject, "Eingangsbestätigung PRO-2026-ABCD-EFGH") || got.Language != "de" {
		t.Errorf("subject %q (%s)", got.Subject, got.Language)
	}
}
