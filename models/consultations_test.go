package models_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"proact/models"
	"proact/models/modelstest"
)

// closing is the deadline of the test consultations.
var closing = time.Date(2026, 3, 31, 10, 0, 0, 0, time.UTC) // 12:00 in Brussels (CEST)

// newConsultation stores a published consultation open from a month before
// closing, with a text, a single choice and a multiple choice question.
func newConsultation(t *testing.T, store *models.Store, slug string) *models.Consultation {
	t.Helper()
	ctx := t.Context()
	c := &models.Consultation{Slug: slug, Title: "Consultation " + slug, Languages: []string{"en", "fr"},
		OpensAt: closing.AddDate(0, -1, 0), ClosesAt: closing}
	if err := store.CreateConsultation(ctx, c, models.AuditEntry{ActorEmail: "test"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []models.Question{
		{Type: models.QuestionLongText, Title: "What works?", Required: true, MaxLength: 100},
		{Type: models.QuestionSingle, Title: "Which sector?", Options: []models.Option{{Value: "agri", Label: "Agriculture"}, {Value: "care", Label: "Care"}}},
		{Type: models.QuestionMultiple, Title: "Which indicators?", MaxChoices: 2, Options: []models.Option{{Value: "debt", Label: "Debt"}, {Value: "wages", Label: "Wages"}, {Value: "ids", Label: "Documents"}}},
	} {
		q.ConsultationID = c.ID
		if err := store.AddQuestion(ctx, &q, models.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.PublishConsultation(ctx, c.ID, models.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	got, err := store.ConsultationBySlug(ctx, models.Viewer{}, c.Slug)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func ids(c *models.Consultation) []uint {
	var out []uint
	for _, q := range c.Answerable() {
		out = append(out, q.ID)
	}
	return out
}

func save(t *testing.T, store *models.Store, c *models.Consultation, org uint, at time.Time, base int, submit bool, as models.Answers) models.ResponseResult {
	t.Helper()
	res, err := store.SaveResponse(t.Context(), models.ResponseInput{ConsultationID: c.ID, OrganisationID: org, Now: at,
		Base: base, CheckBase: true, Covered: ids(c), Answers: as, SetMeta: true, Publication: models.PublishAnonymous, Language: "en",
		Submit: submit, QuestionsVersion: c.QuestionsVersion}, nil)
	if err != nil {
		t.Fatalf("SaveResponse at %s: %v", at, err)
	}
	return res
}

func TestConsultationLifecycle(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		c := newConsultation(t, store, "lifecycle")
		for at, want := range map[time.Time]string{
			closing.AddDate(0, -2, 0): models.ConsultationUpcoming,
			closing.Add(-time.Second): models.ConsultationOpen,
			closing:                   models.ConsultationClosed,
		} {
			if got := c.State(at); got != want {
				t.Errorf("state at %s: %s, want %s", at, got, want)
			}
			list, total, err := store.ListConsultations(ctx, models.Viewer{}, models.ConsultationFilter{States: []string{want}, Now: at})
			if err != nil || total != 1 || len(list) != 1 {
				t.Errorf("list of %s at %s: %d (%v)", want, at, total, err)
			}
		}
		if err := store.PublishResults(ctx, c.ID, closing.Add(-time.Second), models.AuditEntry{}); !errors.Is(err, models.ErrStillOpen) {
			t.Errorf("results before closing: %v", err)
		}
		if err := store.PublishResults(ctx, c.ID, closing, models.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
		c, _ = store.ConsultationBySlug(ctx, models.Viewer{}, c.Slug)
		if c.State(closing) != models.ConsultationResults {
			t.Errorf("state after publishing results: %s", c.State(closing))
		}
		// Drafts are for moderators only.
		d := &models.Consultation{Slug: "draft", Title: "Draft", OpensAt: closing, ClosesAt: closing.Add(time.Hour)}
		if err := store.CreateConsultation(ctx, d, models.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.ConsultationBySlug(ctx, models.Viewer{UserID: 1, Role: models.RoleMember}, "draft"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("a member reads a draft: %v", err)
		}
		if _, err := store.ConsultationBySlug(ctx, models.Viewer{UserID: 1, Role: models.RoleModerator}, "draft"); err != nil {
			t.Errorf("a moderator cannot read a draft: %v", err)
		}
		_, total, _ := store.ListConsultations(ctx, models.Viewer{}, models.ConsultationFilter{Now: closing})
		if total != 1 {
			t.Errorf("visitors list %d consultations, want 1 (no draft)", total)
		}
	})
}

func TestResponsesDeadlineAndHistory(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		c := newConsultation(t, store, "deadline")
		org := saveOrg(t, store, "org-a", models.OrgApproved)
		q := ids(c)
		draft := save(t, store, c, org.ID, closing.Add(-time.Hour), 0, false, models.Answers{q[0]: {Text: "First words"}})
		if !draft.Created || !draft.Changed || draft.Response.Status != models.ResponseDraft {
			t.Fatalf("first save: %+v", draft)
		}
		ref := draft.Response.Reference
		sub := save(t, store, c, org.ID, closing.Add(-time.Minute), draft.Response.Version, true, models.Answers{q[0]: {Text: "First words"}})
		if !sub.Submitted || sub.Response.Reference != ref || sub.Response.Status != models.ResponseSubmitted {
			t.Fatalf("submission: %+v", sub)
		}
		// A double click: nothing new.
		again := save(t, store, c, org.ID, closing.Add(-time.Minute), sub.Response.Version, true, models.Answers{q[0]: {Text: "First words"}})
		if again.Submitted || !again.Repeat {
			t.Errorf("second click: %+v", again)
		}
		// Frozen now.
		if err := store.AddQuestion(ctx, &models.Question{ConsultationID: c.ID, Type: models.QuestionYesNo, Title: "Late question"}, models.AuditEntry{}); !errors.Is(err, models.ErrQuestionsFrozen) {
			t.Errorf("adding a question after a submission: %v", err)
		}
		// Reopen, change, resubmit one second before the deadline: same reference, history of two.
		if _, err := store.ReopenResponse(ctx, c.ID, org.ID, closing.Add(-30*time.Second), models.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
		r, _ := store.ResponseOf(ctx, c.ID, org.ID)
		second := save(t, store, c, org.ID, closing.Add(-time.Second), r.Version, true, models.Answers{q[0]: {Text: "Second words"}, q[1]: {Text: "care"}})
		if !second.Submitted || second.Response.Reference != ref {
			t.Fatalf("resubmission: %+v", second)
		}
		// One second late: refused, kept as a late copy; the submission stands.
		r, _ = store.ResponseOf(ctx, c.ID, org.ID)
		late := save(t, store, c, org.ID, closing.Add(time.Second), r.Version, true, models.Answers{q[0]: {Text: "Too late words"}})
		if !late.Late || late.Submitted {
			t.Fatalf("late submission: %+v", late)
		}
		exact := save(t, store, c, org.ID, closing, r.Version, false, models.Answers{q[0]: {Text: "At the very second"}})
		if !exact.Late {
			t.Errorf("a save at the closing second is not late: %+v", exact)
		}
		hist, err := store.Submissions(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, h := range hist {
			kinds = append(kinds, h.Kind)
		}
		if fmt.Sprint(kinds) != "[submitted submitted late]" {
			t.Errorf("history %v", kinds)
		}
		if got := hist[len(hist)-1].Answers[q[0]].Text; got != "At the very second" {
			t.Errorf("late copy %q", got)
		}
		counted, err := store.SubmittedResponses(ctx, c.ID)
		if err != nil || len(counted) != 1 || counted[0].Answers[q[0]].Text != "Second words" || counted[0].Seq != 2 {
			t.Fatalf("counted: %+v %v", counted, err)
		}
		after, _ := store.ResponseOf(ctx, c.ID, org.ID)
		if after.Answers[q[0]].Text != "Second words" || after.Status != models.ResponseSubmitted {
			t.Errorf("the response changed after the deadline: %+v", after)
		}
		if _, err := store.ReopenResponse(ctx, c.ID, org.ID, closing, models.AuditEntry{}); !errors.Is(err, models.ErrClosed) {
			t.Errorf("reopen after the deadline: %v", err)
		}
	})
}

func TestResponseMergeAndConflicts(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		c := newConsultation(t, store, "merge")
		org := saveOrg(t, store, "org-m", models.OrgApproved)
		q := ids(c)
		at := closing.Add(-time.Hour)
		first := save(t, store, c, org.ID, at, 0, false, models.Answers{q[0]: {Text: "A"}})
		base := first.Response.Version
		// Two colleagues from the same version: one changes question 1, the
		// other question 2. Both stay.
		in := func(answers models.Answers, covered ...uint) models.ResponseInput {
			return models.ResponseInput{ConsultationID: c.ID, OrganisationID: org.ID, Now: at, Base: base, CheckBase: true, Covered: covered, Answers: answers}
		}
		if _, err := store.SaveResponse(t.Context(), in(models.Answers{q[0]: {Text: "Anna's"}}, q[0]), nil); err != nil {
			t.Fatal(err)
		}
		res, err := store.SaveResponse(t.Context(), in(models.Answers{q[1]: {Text: "agri"}}, q[1]), nil)
		if err != nil || len(res.Conflicts) != 0 {
			t.Fatalf("a save of another question: %+v %v", res, err)
		}
		// A third, from the old version, on Anna's question: a conflict, not an overwrite.
		res, err = store.SaveResponse(t.Context(), in(models.Answers{q[0]: {Text: "Piotr's"}}, q[0]), nil)
		if err != nil || len(res.Conflicts) != 1 || res.Conflicts[0] != q[0] {
			t.Fatalf("conflicting save: %+v %v", res, err)
		}
		r, _ := store.ResponseOf(t.Context(), c.ID, org.ID)
		if r.Answers[q[0]].Text != "Anna's" || r.Answers[q[1]].Text != "agri" {
			t.Errorf("merged answers %+v", r.Answers)
		}
		// Submitting what was reviewed at an older version is refused.
		_, err = store.SaveResponse(t.Context(), models.ResponseInput{ConsultationID: c.ID, OrganisationID: org.ID, Now: at,
			Base: base, CheckBase: true, Submit: true, QuestionsVersion: c.QuestionsVersion}, nil)
		if !errors.Is(err, models.ErrStale) {
			t.Errorf("stale submission: %v", err)
		}
	})
}

func TestResponseIdempotencyKey(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		c := newConsultation(t, store, "idem")
		org := saveOrg(t, store, "org-i", models.OrgApproved)
		q := ids(c)
		in := models.ResponseInput{ConsultationID: c.ID, OrganisationID: org.ID, Now: closing.Add(-time.Minute),
			Covered: q, Answers: models.Answers{q[0]: {Text: "Once"}}, SetMeta: true, Publication: models.PublishNamed,
			Language: "fr", Submit: true, QuestionsVersion: c.QuestionsVersion, IdempotencyKey: "key-1", RequestHash: "h1"}
		var wg sync.WaitGroup
		results := make([]models.ResponseResult, 5)
		errs := make([]error, 5)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = store.SaveResponse(t.Context(), in, nil)
			}()
		}
		wg.Wait()
		submitted := 0
		for i, r := range results {
			if errs[i] != nil {
				t.Fatalf("try %d: %v", i, errs[i])
			}
			if r.Submitted {
				submitted++
			}
			if r.Response.Reference != results[0].Response.Reference {
				t.Errorf("try %d answered %s, not %s", i, r.Response.Reference, results[0].Response.Reference)
			}
		}
		if submitted != 1 {
			t.Errorf("%d submissions stored for one key", submitted)
		}
		in.RequestHash = "h2"
		if _, err := store.SaveResponse(t.Context(), in, nil); !errors.Is(err, models.ErrIdempotencyMismatch) {
			t.Errorf("the key with another request: %v", err)
		}
		hist, _ := store.Submissions(t.Context(), results[0].Response.ID)
		if len(hist) != 1 {
			t.Errorf("%d submissions in the history", len(hist))
		}
	})
}

func TestPublishedResponsesHideAnonymousOrganisations(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		c := newConsultation(t, store, "published")
		q := ids(c)
		for i, pub := range models.Publications() {
			org := saveOrg(t, store, "org-"+pub, models.OrgApproved)
			_, err := store.SaveResponse(ctx, models.ResponseInput{ConsultationID: c.ID, OrganisationID: org.ID,
				Now: closing.Add(-time.Hour), Covered: q, Answers: models.Answers{q[0]: {Text: fmt.Sprintf("Answer %d", i)}},
				SetMeta: true, Publication: pub, Language: "en", Submit: true, QuestionsVersion: c.QuestionsVersion}, nil)
			if err != nil {
				t.Fatal(err)
			}
		}
		if list, _ := store.PublishedResponses(ctx, c.ID); len(list) != 0 {
			t.Errorf("%d responses published before the results", len(list))
		}
		if n, _ := store.CountSearchableResponses(ctx); n != 0 {
			t.Errorf("%d searchable responses before the results", n)
		}
		if err := store.PublishResults(ctx, c.ID, closing, models.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
		list, err := store.PublishedResponses(ctx, c.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("published: %+v %v", list, err)
		}
		named, anon := list[0], list[1]
		if !named.Named || named.OrgName != "Org org-named" || named.Country != "NL" {
			t.Errorf("named response %+v", named)
		}
		if anon.Named || anon.OrgName != "" || anon.OrgSlug != "" || anon.Country != "" || anon.OrgType != "" || !anon.SubmittedAt.IsZero() {
			t.Errorf("anonymous response shows who wrote it: %+v", anon)
		}
		all, err := store.SearchableResponsesAfter(ctx, 0, 100)
		if err != nil || len(all) != 2 {
			t.Fatalf("searchable: %d %v", len(all), err)
		}
		for _, r := range all {
			if r.Answers[q[0]].Text == "Answer 2" {
				t.Errorf("the unpublished response is searchable")
			}
			if !r.Named && r.OrgName != "" {
				t.Errorf("an anonymous response carries its organisation into the index")
			}
		}
		if err := store.WithdrawResults(ctx, c.ID, models.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
		if n, _ := store.CountSearchableResponses(ctx); n != 0 {
			t.Errorf("%d searchable responses after the results were withdrawn", n)
		}
	})
}

func TestRemindersAreClaimedOnce(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		c := newConsultation(t, store, "reminders")
		if due, _ := store.DueReminders(ctx, closing.Add(-73*time.Hour)); len(due) != 0 {
			t.Errorf("due 73 hours before: %+v", due)
		}
		due, err := store.DueReminders(ctx, closing.Add(-71*time.Hour))
		if err != nil || len(due) != 1 || due[0].Kind != models.Reminder3Days {
			t.Fatalf("due 71 hours before: %+v %v", due, err)
		}
		var wg sync.WaitGroup
		claims := make([]bool, 4)
		for i := range claims {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = store.WithTx(ctx, func(tx *models.Store) error {
					ok, err := tx.ClaimReminder(ctx, &due[0].Consultation, due[0].Kind, closing.Add(-71*time.Hour))
					claims[i] = ok
					return err
				})
			}()
		}
		wg.Wait()
		n := 0
		for _, ok := range claims {
			if ok {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d claims of one reminder", n)
		}
		if due, _ := store.DueReminders(ctx, closing.Add(-70*time.Hour)); len(due) != 0 {
			t.Errorf("due again after the claim: %+v", due)
		}
		due, _ = store.DueReminders(ctx, closing.Add(-23*time.Hour))
		if len(due) != 1 || due[0].Kind != models.Reminder1Day {
			t.Errorf("due 23 hours before: %+v", due)
		}
		if due, _ := store.DueReminders(ctx, closing); len(due) != 0 {
			t.Errorf("due at the closing time: %+v", due)
		}
		_ = c
	})
}

// TestReservedSlugs: a consultation, a note or an organisation named after
// a word of the routes ("new", "edit", "export" ...) gets a numbered slug,
// since /admin/consultations/new, /practices/new, /practices/coverage ...
// would otherwise hide it.
func TestReservedSlugs(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		for _, word := range []string{"new", "edit", "export", "preview", "results", "coverage", "booklet"} {
			c := &models.Consultation{Slug: word, Title: word, OpensAt: closing.AddDate(0, -1, 0), ClosesAt: closing}
			if err := store.CreateConsultation(ctx, c, models.AuditEntry{ActorEmail: "test"}); err != nil {
				t.Fatal(err)
			}
			if c.Slug != word+"-2" {
				t.Errorf("consultation %q got slug %q, want %q", word, c.Slug, word+"-2")
			}
			o := &models.Organisation{Slug: word, Name: "Org " + word, Country: "NL", Type: "ngo", Status: models.OrgPending}
			if err := store.CreateOrganisation(ctx, o); err != nil {
				t.Fatal(err)
			}
			if o.Slug != word+"-2" {
				t.Errorf("organisation %q got slug %q", word, o.Slug)
			}
		}
		if !models.ReservedSlug("new") || models.ReservedSlug("new-2") || models.ReservedSlug("newcomers") {
			t.Error("ReservedSlug is wrong")
		}
	})
}
