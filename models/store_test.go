package models_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"proact/models"
	"proact/models/modelstest"
)

var (
	anonymous = models.Viewer{}
	member    = models.Viewer{UserID: 1, Role: models.RoleMember}
	admin     = models.Viewer{UserID: 2, Role: models.RoleAdmin}
)

// note describes a practice fixture; zero fields get sensible defaults.
type note struct {
	slug, lang, visibility, status, title, translationOf string
	countries, topics, sectors                           []string
	org                                                  *models.Organisation
	published                                            time.Time
}

// savePractice stores n through SavePractice, published and public unless
// n says otherwise, and returns what was saved.
func savePractice(t *testing.T, store *models.Store, n note) *models.Practice {
	t.Helper()
	p := &models.Practice{
		Slug:          n.slug,
		Title:         n.title,
		Summary:       "Summary of " + n.slug,
		Language:      n.lang,
		Visibility:    n.visibility,
		Status:        n.status,
		TranslationOf: n.translationOf,
		BodyMD:        "Body of " + n.slug,
		BodyHTML:      "<p>Body of " + n.slug + "</p>",
		Countries:     n.countries,
		Topics:        n.topics,
		Sectors:       n.sectors,
	}
	if p.Title == "" {
		p.Title = "Title of " + n.slug
	}
	if p.Language == "" {
		p.Language = "en"
	}
	if p.Visibility == "" {
		p.Visibility = models.VisibilityPublic
	}
	if p.Status == "" {
		p.Status = models.StatusPublished
	}
	published := n.published
	if published.IsZero() {
		published = time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	}
	p.PublishedAt = &published
	if n.org != nil {
		id := n.org.ID
		p.OrganisationID = &id
	}
	if err := store.SavePractice(t.Context(), p); err != nil {
		t.Fatalf("SavePractice(%q): %v", n.slug, err)
	}
	return p
}

// saveOrg stores an organisation with the given slug and status.
func saveOrg(t *testing.T, store *models.Store, slug, status string) *models.Organisation {
	t.Helper()
	o := &models.Organisation{Slug: slug, Name: "Org " + slug, Country: "NL", Type: "ngo", Status: status}
	if err := store.SaveOrganisation(t.Context(), o); err != nil {
		t.Fatalf("SaveOrganisation(%q): %v", slug, err)
	}
	return o
}

func lastOutboxID(t *testing.T, store *models.Store) uint64 {
	t.Helper()
	id, err := store.LastOutboxID(t.Context())
	if err != nil {
		t.Fatalf("LastOutboxID: %v", err)
	}
	return id
}

// wantOneOutboxEntry checks that exactly one outbox row was written after seq
// and that it records an upsert of the given entity; it returns its id.
func wantOneOutboxEntry(t *testing.T, store *models.Store, seq uint64, kind string, id uint) uint64 {
	t.Helper()
	entries, err := store.OutboxAfter(t.Context(), seq, 10)
	if err != nil {
		t.Fatalf("OutboxAfter: %v", err)
	}
	if len(entries) != 1 {
		t.Fatalf("OutboxAfter(%d) = %d entries, want 1: %+v", seq, len(entries), entries)
	}
	e := entries[0]
	if e.Kind != kind || e.EntityID != id || e.Op != models.OpUpsert {
		t.Errorf("outbox entry = {%s %d %s}, want {%s %d %s}", e.Kind, e.EntityID, e.Op, kind, id, models.OpUpsert)
	}
	if e.ID <= seq {
		t.Errorf("outbox entry id %d, want > %d", e.ID, seq)
	}
	if last := lastOutboxID(t, store); last != e.ID {
		t.Errorf("LastOutboxID = %d, want %d", last, e.ID)
	}
	return e.ID
}

func TestSavePracticeInsertsThenUpdatesBySlug(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		if last := lastOutboxID(t, store); last != 0 {
			t.Fatalf("LastOutboxID on an empty outbox = %d, want 0", last)
		}

		first := savePractice(t, store, note{
			slug: "night-outreach", title: "Night outreach",
			countries: []string{"FR", "DE", "FR"}, topics: []string{"outreach"}, sectors: []string{"A"},
		})
		if first.ID == 0 || first.Version != 1 {
			t.Fatalf("after insert: id %d version %d, want id > 0 and version 1", first.ID, first.Version)
		}
		seq := wantOneOutboxEntry(t, store, 0, models.KindPractice, first.ID)
		loaded1, err := store.PracticeByID(ctx, first.ID)
		if err != nil {
			t.Fatalf("PracticeByID: %v", err)
		}
		if !slices.Equal(loaded1.Countries, []string{"DE", "FR"}) {
			t.Errorf("countries after insert = %v, want [DE FR] (deduplicated)", loaded1.Countries)
		}

		second := savePractice(t, store, note{
			slug: "night-outreach", title: "Night outreach, revised",
			countries: []string{"IT"}, sectors: []string{"C"},
		})
		if second.ID != first.ID {
			t.Errorf("update by slug gave id %d, want %d", second.ID, first.ID)
		}
		if second.Version != 2 {
			t.Errorf("version after update = %d, want 2", second.Version)
		}
		wantOneOutboxEntry(t, store, seq, models.KindPractice, first.ID)

		loaded2, err := store.PracticeByID(ctx, first.ID)
		if err != nil {
			t.Fatalf("PracticeByID: %v", err)
		}
		if loaded2.Title != "Night outreach, revised" || loaded2.Version != 2 {
			t.Errorf("reloaded = %q v%d, want the revised title at v2", loaded2.Title, loaded2.Version)
		}
		if !slices.Equal(loaded2.Countries, []string{"IT"}) || len(loaded2.Topics) != 0 || !slices.Equal(loaded2.Sectors, []string{"C"}) {
			t.Errorf("terms after update = countries %v topics %v sectors %v, want [IT] [] [C] (replaced, not appended)",
				loaded2.Countries, loaded2.Topics, loaded2.Sectors)
		}
		if !loaded2.CreatedAt.Equal(loaded1.CreatedAt) {
			t.Errorf("created_at changed on update: %v, then %v", loaded1.CreatedAt, loaded2.CreatedAt)
		}
		all, err := store.AllPractices(ctx)
		if err != nil {
			t.Fatalf("AllPractices: %v", err)
		}
		if len(all) != 1 {
			t.Errorf("AllPractices = %d notes, want 1", len(all))
		}
	})
}

func TestWithTxRollsBackPracticeAndOutbox(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		kept := savePractice(t, store, note{slug: "kept"})
		before := lastOutboxID(t, store)

		boom := errors.New("boom")
		err := store.WithTx(ctx, func(tx *models.Store) error {
			savePractice(t, tx, note{slug: "doomed", countries: []string{"FR"}})
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("WithTx = %v, want the error of fn", err)
		}
		if _, err := store.PracticeBySlug(ctx, member, "doomed"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("rolled-back practice: PracticeBySlug error = %v, want ErrNotFound", err)
		}
		all, err := store.AllPractices(ctx)
		if err != nil {
			t.Fatalf("AllPractices: %v", err)
		}
		if len(all) != 1 || all[0].ID != kept.ID {
			t.Errorf("AllPractices after rollback = %v, want only %q", practiceSlugs(all), "kept")
		}
		if last := lastOutboxID(t, store); last != before {
			t.Errorf("LastOutboxID after rollback = %d, want %d", last, before)
		}
		if entries, err := store.OutboxAfter(ctx, before, 10); err != nil || len(entries) != 0 {
			t.Errorf("OutboxAfter after rollback = %v, %v; want no entries", entries, err)
		}
	})
}

func TestWithTxNestedReusesOuterTransaction(t *testing.T) {
	errInner, errOuter := errors.New("inner failed"), errors.New("outer failed")
	cases := []struct {
		name               string
		innerErr, outerErr error
		wantErr            error
		wantSaved          bool
	}{
		{name: "both succeed", wantSaved: true},
		{name: "inner error rolls back all", innerErr: errInner, wantErr: errInner},
		{name: "outer error after inner success", outerErr: errOuter, wantErr: errOuter},
	}
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctx := t.Context()
				outerSlug, innerSlug := "outer-"+string(rune('a'+i)), "inner-"+string(rune('a'+i))
				before := lastOutboxID(t, store)
				err := store.WithTx(ctx, func(outer *models.Store) error {
					savePractice(t, outer, note{slug: outerSlug})
					if err := outer.WithTx(ctx, func(inner *models.Store) error {
						// The outer write is uncommitted: only the same transaction sees it.
						if _, err := inner.PracticeBySlug(ctx, member, outerSlug); err != nil {
							t.Errorf("inner transaction does not see the outer write: %v", err)
						}
						savePractice(t, inner, note{slug: innerSlug})
						return tc.innerErr
					}); err != nil {
						return err
					}
					return tc.outerErr
				})
				if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
					t.Fatalf("WithTx = %v, want %v", err, tc.wantErr)
				}
				for _, slug := range []string{outerSlug, innerSlug} {
					_, err := store.PracticeBySlug(ctx, member, slug)
					if tc.wantSaved && err != nil {
						t.Errorf("%s not committed: %v", slug, err)
					}
					if !tc.wantSaved && !errors.Is(err, models.ErrNotFound) {
						t.Errorf("%s: error %v, want ErrNotFound after rollback", slug, err)
					}
				}
				entries, err := store.OutboxAfter(ctx, before, 10)
				if err != nil {
					t.Fatalf("OutboxAfter: %v", err)
				}
				if want := map[bool]int{true: 2, false: 0}[tc.wantSaved]; len(entries) != want {
					t.Errorf("outbox entries written = %d, want %d", len(entries), want)
				}
			})
		}
	})
}

func TestSaveOrganisation(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		o := &models.Organisation{
			Slug: "la-strada", Name: "La Strada", Country: "NL", Type: "ngo",
			Services:       []string{"outreach", "helpline", "outreach"},
			ReferralStages: []string{"signal"},
			Languages:      []string{"nl", "en"},
		}
		if err := store.SaveOrganisation(ctx, o); err != nil {
			t.Fatalf("SaveOrganisation: %v", err)
		}
		if o.ID == 0 || o.Status != models.OrgApproved {
			t.Errorf("after insert: id %d status %q, want id > 0 and the default status %q", o.ID, o.Status, models.OrgApproved)
		}
		seq := wantOneOutboxEntry(t, store, 0, models.KindOrganisation, o.ID)

		got, err := store.OrganisationBySlug(ctx, "la-strada")
		if err != nil {
			t.Fatalf("OrganisationBySlug: %v", err)
		}
		if got.ID != o.ID || got.Name != "La Strada" ||
			!slices.Equal(got.Services, []string{"helpline", "outreach"}) ||
			!slices.Equal(got.ReferralStages, []string{"signal"}) ||
			!slices.Equal(got.Languages, []string{"en", "nl"}) {
			t.Errorf("OrganisationBySlug = %+v", got)
		}

		update := &models.Organisation{Slug: "la-strada", Name: "La Strada NL", Country: "NL", Type: "ngo",
			Services: []string{"legal-advice"}}
		if err := store.SaveOrganisation(ctx, update); err != nil {
			t.Fatalf("SaveOrganisation (update): %v", err)
		}
		if update.ID != o.ID {
			t.Errorf("update by slug gave id %d, want %d", update.ID, o.ID)
		}
		wantOneOutboxEntry(t, store, seq, models.KindOrganisation, o.ID)
		got, err = store.OrganisationBySlug(ctx, "la-strada")
		if err != nil {
			t.Fatalf("OrganisationBySlug: %v", err)
		}
		if got.Name != "La Strada NL" || !slices.Equal(got.Services, []string{"legal-advice"}) ||
			len(got.ReferralStages) != 0 || len(got.Languages) != 0 {
			t.Errorf("after update = %+v, want the new name and only the new terms", got)
		}

		pending := saveOrg(t, store, "pending-org", models.OrgPending)
		suspended := saveOrg(t, store, "suspended-org", models.OrgSuspended)
		for _, slug := range []string{"pending-org", "suspended-org", "no-such-org", "' OR 1=1 --"} {
			if _, err := store.OrganisationBySlug(ctx, slug); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("OrganisationBySlug(%q) error = %v, want ErrNotFound", slug, err)
			}
		}

		ids, err := store.OrganisationIDsBySlug(ctx)
		if err != nil {
			t.Fatalf("OrganisationIDsBySlug: %v", err)
		}
		want := map[string]uint{"la-strada": o.ID, "pending-org": pending.ID, "suspended-org": suspended.ID}
		if len(ids) != len(want) {
			t.Errorf("OrganisationIDsBySlug = %v, want %v", ids, want)
		}
		for slug, id := range want {
			if ids[slug] != id {
				t.Errorf("OrganisationIDsBySlug[%q] = %d, want %d", slug, ids[slug], id)
			}
		}
	})
}

func TestUsers(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		if n, err := store.CountUsers(ctx); err != nil || n != 0 {
			t.Fatalf("CountUsers on an empty database = %d, %v; want 0", n, err)
		}
		org := saveOrg(t, store, "ngo", models.OrgApproved)
		ada := &models.User{Email: "  Ada.Lovelace@Example.ORG \n", Name: "Ada", Role: models.RoleMember, OrganisationID: &org.ID}
		if err := store.CreateUser(ctx, ada); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if ada.ID == 0 || ada.Email != "ada.lovelace@example.org" || ada.Status != "active" {
			t.Errorf("created user = id %d email %q status %q", ada.ID, ada.Email, ada.Status)
		}
		got, err := store.UserByID(ctx, ada.ID)
		if err != nil {
			t.Fatalf("UserByID: %v", err)
		}
		if got.Email != "ada.lovelace@example.org" || got.Name != "Ada" || got.Role != models.RoleMember ||
			got.OrganisationID == nil || *got.OrganisationID != org.ID {
			t.Errorf("UserByID = %+v", got)
		}

		for _, email := range []string{"ADA.LOVELACE@example.org", " ada.lovelace@EXAMPLE.org"} {
			err := store.CreateUser(ctx, &models.User{Email: email, Role: models.RoleMember})
			if !errors.Is(err, models.ErrConflict) {
				t.Errorf("CreateUser(%q) with a taken address: error = %v, want ErrConflict", email, err)
			}
		}
		if err := store.CreateUser(ctx, &models.User{Email: "grace@example.org", Role: models.RoleAdmin}); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if n, err := store.CountUsers(ctx); err != nil || n != 2 {
			t.Errorf("CountUsers = %d, %v; want 2", n, err)
		}
		if _, err := store.UserByID(ctx, 999999); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("UserByID(missing) error = %v, want ErrNotFound", err)
		}
	})
}

// TestUnsentMailKeyset: the sender's keyset paging sees every waiting
// message once, in the order queued, and skips sent and failed-out ones.
func TestUnsentMailKeyset(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		var ids []uint
		for i := range 7 {
			m := &models.Mail{ToAddr: fmt.Sprintf("p%d@example.org", i), Subject: "s", Body: "b"}
			if err := store.QueueMail(ctx, m); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		if err := store.MarkMail(ctx, ids[1], nil); err != nil { // sent
			t.Fatal(err)
		}
		for range 3 { // failed three times: out at maxAttempts 3
			if err := store.MarkMail(ctx, ids[4], errors.New("refused")); err != nil {
				t.Fatal(err)
			}
		}
		var seen []uint
		o := models.ListOptions{PerPage: 2}
		for range 10 {
			page, err := store.UnsentMail(ctx, 3, o)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page {
				seen = append(seen, m.ID)
			}
			if len(page) < o.PerPage {
				break
			}
			o.After = uint64(page[len(page)-1].ID)
		}
		want := []uint{ids[0], ids[2], ids[3], ids[5], ids[6]}
		if fmt.Sprint(seen) != fmt.Sprint(want) {
			t.Errorf("keyset pages gave %v, want %v", seen, want)
		}
	})
}
