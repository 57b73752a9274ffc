package models_test

import (
	"errors"
	"testing"

	"proact/models"
	"proact/models/modelstest"
)

// TestAccountsEpochMoves: every kind of write to a user or an organisation
// moves the accounts epoch, in its own transaction (a rolled-back one does
// not), whatever path it takes, GORM or plain SQL; reads and session writes
// do not; RequestState reads it with the session's value, as KV.Get does.
func TestAccountsEpochMoves(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		epoch := func() int64 {
			t.Helper()
			n, err := store.AccountsEpoch(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		moves := func(what string, write func() error) {
			t.Helper()
			before := epoch()
			if err := write(); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if after := epoch(); after <= before {
				t.Errorf("%s: the accounts epoch stayed at %d", what, before)
			}
		}
		org := saveOrg(t, store, "epoch-centre", models.OrgApproved)
		u := &models.User{Email: "epoch@example.org", Role: models.RoleMember, OrganisationID: &org.ID, Language: "en", SessionEpoch: 1}
		moves("a new user", func() error { return store.CreateUser(ctx, u) })
		moves("a name", func() error { u.Name = "Epoch"; return store.UpdateUser(ctx, u, "name") })
		moves("a role", func() error { return store.SetUserRole(ctx, u.ID, models.RoleModerator) })
		moves("a status", func() error { return store.SetUserStatus(ctx, u.ID, models.UserDisabled) })
		moves("ending sessions", func() error { return store.EndSessions(ctx, u.ID) })
		moves("a sign-in", func() error { return store.RecordLogin(ctx, u.ID) })
		moves("plain SQL on users", func() error {
			return store.DB().WithContext(ctx).Exec("UPDATE users SET language = 'fr' WHERE id = ?", u.ID).Error
		})
		moves("a suspension", func() error { return store.SetOrganisationStatus(ctx, org.ID, models.OrgSuspended, "why") })
		moves("plain SQL on organisations", func() error {
			return store.DB().WithContext(ctx).Exec("UPDATE organisations SET name = 'Epoch' WHERE id = ?", org.ID).Error
		})
		moves("a deletion", func() error { return store.DeleteUser(ctx, u.ID) })

		before := epoch()
		rollback := errors.New("rolled back")
		if err := store.WithTx(ctx, func(tx *models.Store) error {
			if err := tx.SetOrganisationStatus(ctx, org.ID, models.OrgApproved, ""); err != nil {
				return err
			}
			return rollback
		}); !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		sessions := store.KV("sess:")
		if err := sessions.Set("epoch-session", []byte("value"), 0); err != nil {
			t.Fatal(err)
		}
		if _, err := store.OrganisationRow(ctx, org.ID); err != nil {
			t.Fatal(err)
		}
		if after := epoch(); after != before {
			t.Errorf("a rolled-back write, a session write or a read moved the epoch: %d, then %d", before, after)
		}
		st, err := store.RequestState(ctx, sessions, "epoch-session")
		if err != nil {
			t.Fatal(err)
		}
		v, err := store.ContentVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Accounts != before || string(st.Session) != "value" || st.Content != v {
			t.Errorf("RequestState: %+v, want epoch %d, the session's value and %+v", st, before, v)
		}
		if st, err = store.RequestState(ctx, sessions, "no-such-session"); err != nil || st.Session != nil {
			t.Errorf("RequestState of no session: %+v, %v", st, err)
		}
	})
}
