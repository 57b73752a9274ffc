package models_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"proact/models"
	"proact/models/modelstest"
)

var errInjected = errors.New("injected failure")

// failInserts makes every insert into table fail while the switch is on.
func failInserts(t *testing.T, store *models.Store, table string) *atomic.Bool {
	t.Helper()
	on := &atomic.Bool{}
	err := store.DB().Callback().Create().Before("gorm:create").Register("test:fail_"+table, func(db *gorm.DB) {
		if on.Load() && db.Statement.Table == table {
			_ = db.AddError(errInjected)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return on
}

func rows(t *testing.T, store *models.Store, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := store.DB().Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func account(t *testing.T, store *models.Store, email, role string) *models.User {
	t.Helper()
	u := &models.User{Email: email, Name: email, PasswordHash: "old-hash", Role: role, Language: "en", Status: models.UserActive, SessionEpoch: 1}
	if err := store.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func reload(t *testing.T, store *models.Store, id uint) *models.User {
	t.Helper()
	u, err := store.UserByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Enabling two-factor writes the secret, the recovery codes and the audit
// row together: a failure of the codes leaves it off.
func TestEnableTwoFactorIsOneWrite(t *testing.T) {
	t.Parallel()
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		u := account(t, store, "two@example.org", models.RoleMember)
		fail := failInserts(t, store, "recovery_codes")
		fail.Store(true)
		if err := store.EnableTwoFactor(ctx, u.ID, "SECRET", []string{"AAAAA-BBBBB"}, models.AuditEntry{}); !errors.Is(err, errInjected) {
			t.Fatalf("EnableTwoFactor with the codes failing: %v", err)
		}
		fail.Store(false)
		if after := reload(t, store, u.ID); after.TOTPEnabled || after.TOTPSecret != "" {
			t.Errorf("two-factor on without recovery codes: %+v", after)
		}
		if n := rows(t, store, `SELECT count(*) FROM audit_log WHERE target_id = ?`, u.ID); n != 0 {
			t.Errorf("%d audit rows of a failed change", n)
		}
		if err := store.EnableTwoFactor(ctx, u.ID, "SECRET", []string{"AAAAA-BBBBB", "CCCCC-DDDDD"}, models.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
		if n, _ := store.RemainingRecoveryCodes(ctx, u.ID); n != 2 || !reload(t, store, u.ID).TOTPEnabled {
			t.Errorf("after enabling: %d codes", n)
		}
		if err := store.EnableTwoFactor(ctx, u.ID, "OTHER", nil, models.AuditEntry{}); !errors.Is(err, models.ErrConflict) {
			t.Errorf("enabling twice: %v, want ErrConflict", err)
		}
	})
}

// Turning two-factor off ends every session (as ResetTwoFactor does), with
// its audit row; a failure of the audit row changes nothing.
func TestDisableTwoFactorEndsSessions(t *testing.T) {
	t.Parallel()
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		u := account(t, store, "off@example.org", models.RoleMember)
		if err := store.EnableTwoFactor(ctx, u.ID, "SECRET", []string{"AAAAA-BBBBB"}, models.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
		fail := failInserts(t, store, "audit_log")
		fail.Store(true)
		if _, err := store.DisableTwoFactor(ctx, u.ID, models.AuditEntry{}); !errors.Is(err, errInjected) {
			t.Fatalf("DisableTwoFactor with the audit failing: %v", err)
		}
		fail.Store(false)
		if after := reload(t, store, u.ID); !after.TOTPEnabled || after.SessionEpoch != 1 {
			t.Errorf("a failed disable changed the account: %+v", after)
		}
		epoch, err := store.DisableTwoFactor(ctx, u.ID, models.AuditEntry{Detail: "turned off by the user"})
		if err != nil {
			t.Fatal(err)
		}
		after := reload(t, store, u.ID)
		if after.TOTPEnabled || after.TOTPSecret != "" || after.SessionEpoch != 2 || epoch != 2 {
			t.Errorf("after disabling: %+v (epoch %d)", after, epoch)
		}
		if n, _ := store.RemainingRecoveryCodes(ctx, u.ID); n != 0 {
			t.Errorf("%d recovery codes left", n)
		}
		if n := rows(t, store, `SELECT count(*) FROM audit_log WHERE action = ? AND target_id = ?`, models.AuditTwoFactorReset, u.ID); n != 1 {
			t.Errorf("%d audit rows, want 1", n)
		}
	})
}

// A password reset whose last step fails leaves the link usable: it is
// used up in the same transaction as the new password and the end of the
// sessions.
func TestPasswordResetDoesNotBurnTheLinkOnFailure(t *testing.T) {
	t.Parallel()
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		u := account(t, store, "reset@example.org", models.RoleMember)
		if err := store.CreateToken(ctx, u.ID, models.TokenReset, "the-secret", 3600e9); err != nil {
			t.Fatal(err)
		}
		fail := failInserts(t, store, "audit_log")
		fail.Store(true)
		if _, err := store.ResetPassword(ctx, "the-secret", "new-hash", models.AuditEntry{}); !errors.Is(err, errInjected) {
			t.Fatalf("ResetPassword with the audit failing: %v", err)
		}
		fail.Store(false)
		if after := reload(t, store, u.ID); after.PasswordHash != "old-hash" || after.SessionEpoch != 1 {
			t.Errorf("a failed reset changed the account: %+v", after)
		}
		if _, err := store.PeekToken(ctx, models.TokenReset, "the-secret"); err != nil {
			t.Fatalf("the link was burnt by a failed reset: %v", err)
		}
		got, err := store.ResetPassword(ctx, "the-secret", "new-hash", models.AuditEntry{IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		if got.PasswordHash != "new-hash" || got.SessionEpoch != 2 || got.MustChangePassword {
			t.Errorf("after the reset: %+v", got)
		}
		if _, err := store.ResetPassword(ctx, "the-secret", "again", models.AuditEntry{}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("a second use of the link: %v", err)
		}
		if n := rows(t, store, `SELECT count(*) FROM audit_log WHERE action = ? AND actor_id = ?`, models.AuditPasswordReset, u.ID); n != 1 {
			t.Errorf("%d audit rows of the reset, want 1", n)
		}
		// A disabled account's link does nothing, and stays unused.
		if err := store.CreateToken(ctx, u.ID, models.TokenReset, "second", 3600e9); err != nil {
			t.Fatal(err)
		}
		if err := store.SetUserStatus(ctx, u.ID, models.UserDisabled); err != nil {
			t.Fatal(err)
		}
		if _, err := store.ResetPassword(ctx, "second", "x", models.AuditEntry{}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("reset of a disabled account: %v", err)
		}
	})
}

// Changing a password: the hash, the one-time flag, the session epoch and
// the audit row together.
func TestChangePasswordIsOneWrite(t *testing.T) {
	t.Parallel()
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		u := account(t, store, "change@example.org", models.RoleMember)
		if err := store.UpdateUser(ctx, &models.User{ID: u.ID, Email: u.Email, MustChangePassword: true}, "must_change_password"); err != nil {
			t.Fatal(err)
		}
		fail := failInserts(t, store, "audit_log")
		fail.Store(true)
		if _, err := store.ChangePassword(ctx, u.ID, "new-hash", models.AuditEntry{}); !errors.Is(err, errInjected) {
			t.Fatalf("ChangePassword with the audit failing: %v", err)
		}
		fail.Store(false)
		if after := reload(t, store, u.ID); after.PasswordHash != "old-hash" || !after.MustChangePassword || after.SessionEpoch != 1 {
			t.Errorf("a failed change changed the account: %+v", after)
		}
		epoch, err := store.ChangePassword(ctx, u.ID, "new-hash", models.AuditEntry{})
		if err != nil {
			t.Fatal(err)
		}
		if after := reload(t, store, u.ID); after.PasswordHash != "new-hash" || after.MustChangePassword || after.SessionEpoch != 2 || epoch != 2 {
			t.Errorf("after the change: %+v", after)
		}
	})
}

// UpdateUser writes the named columns only: a copy loaded before another
// change does not undo it.
func TestUpdateUserWritesOnlyItsColumns(t *testing.T) {
	t.Parallel()
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		u := account(t, store, "stale@example.org", models.RoleModerator)
		stale := reload(t, store, u.ID)
		if err := store.SetUserRole(ctx, u.ID, models.RoleMember); err != nil {
			t.Fatal(err)
		}
		stale.Name = "New Name"
		if err := store.UpdateUser(ctx, stale, "name"); err != nil {
			t.Fatal(err)
		}
		if err := store.UpdateProfile(ctx, u.ID, "Newer Name", "fr"); err != nil {
			t.Fatal(err)
		}
		after := reload(t, store, u.ID)
		if after.Role != models.RoleMember || after.SessionEpoch != 2 || after.Name != "Newer Name" || after.Language != "fr" {
			t.Errorf("after the stale save: %+v", after)
		}
		if err := store.UpdateUser(ctx, stale); err == nil {
			t.Error("UpdateUser without columns saved the whole row")
		}
	})
}

// Approving an application: a failure of its last step (the invitation)
// leaves no organisation, no account, no audit row, and the application
// pending.
func TestApproveApplicationIsOneWrite(t *testing.T) {
	t.Parallel()
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		mod := account(t, store, "mod@example.org", models.RoleModerator)
		a := &models.Application{Profile: `{"name":"Joining"}`, ContactName: "Ioana", ContactEmail: "ioana@example.ro", Language: "ro"}
		if err := store.CreateApplication(ctx, a); err != nil {
			t.Fatal(err)
		}
		approve := func(invite func(tx *models.Store) error) error {
			org := &models.Organisation{Slug: "joining", Name: "Joining", Country: "RO", Type: "ngo", Status: models.OrgApproved}
			u := &models.User{Email: a.ContactEmail, Name: a.ContactName, Role: models.RoleMember, Language: "ro", Status: models.UserInvited, OrgAdmin: true, SessionEpoch: 1}
			return store.ApproveApplication(ctx, a.ID, mod.ID, org, u, models.AuditEntry{ActorID: &mod.ID, ActorEmail: mod.Email}, invite)
		}
		if err := approve(func(*models.Store) error { return errInjected }); !errors.Is(err, errInjected) {
			t.Fatalf("approval with the invitation failing: %v", err)
		}
		if n := rows(t, store, `SELECT count(*) FROM organisations WHERE slug = 'joining'`) + rows(t, store, `SELECT count(*) FROM users WHERE email = 'ioana@example.ro'`) +
			rows(t, store, `SELECT count(*) FROM audit_log`); n != 0 {
			t.Errorf("a failed approval left %d rows", n)
		}
		if got, _ := store.ApplicationByID(ctx, a.ID); got.Status != models.ApplicationPending {
			t.Errorf("application %s after a failed approval", got.Status)
		}
		if err := approve(func(tx *models.Store) error {
			return tx.QueueMail(ctx, &models.Mail{ToAddr: a.ContactEmail, Kind: "invitation", Subject: "s", Body: "b", Language: "ro"})
		}); err != nil {
			t.Fatal(err)
		}
		if n := rows(t, store, `SELECT count(*) FROM audit_log WHERE actor_id = ?`, mod.ID); n != 2 {
			t.Errorf("%d audit rows of the approval, want 2 (approved, invited)", n)
		}
		if err := approve(func(*models.Store) error { return nil }); err == nil {
			t.Error("a second approval went through")
		}
	})
}

// Two administrators delete their accounts at once: one of them must stay.
// The check runs inside the transaction, the administrators' rows locked.
func TestLastAdministratorStaysUnderConcurrentDeletions(t *testing.T) {
	t.Parallel()
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		a := account(t, store, "admin.a@example.org", models.RoleAdmin)
		b := account(t, store, "admin.b@example.org", models.RoleAdmin)
		// A's deletion is in its transaction, past its check, when B's starts.
		var bErr error
		var wg sync.WaitGroup
		err := store.WithTx(ctx, func(tx *models.Store) error {
			if err := tx.DeleteAccount(ctx, a.ID, models.AuditEntry{}); err != nil {
				return err
			}
			wg.Go(func() { bErr = store.DeleteAccount(ctx, b.ID, models.AuditEntry{}) })
			return nil
		})
		wg.Wait()
		if err != nil {
			t.Fatalf("the first deletion: %v", err)
		}
		if !errors.Is(bErr, models.ErrLastAdmin) {
			t.Errorf("the second deletion: %v, want ErrLastAdmin", bErr)
		}
		if n := rows(t, store, `SELECT count(*) FROM users WHERE role = 'admin'`); n != 1 {
			t.Errorf("%d administrators left, want 1", n)
		}
		// Many at once: exactly one administrator remains.
		ids := []uint{b.ID}
		for i := range 4 {
			ids = append(ids, account(t, store, fmt.Sprintf("admin.%d@example.org", i), models.RoleAdmin).ID)
		}
		var deleted atomic.Int64
		for _, id := range ids {
			wg.Go(func() {
				err := store.DeleteAccount(ctx, id, models.AuditEntry{})
				switch {
				case err == nil:
					deleted.Add(1)
				case !errors.Is(err, models.ErrLastAdmin):
					t.Errorf("deleting %d: %v", id, err)
				}
			})
		}
		wg.Wait()
		if deleted.Load() != int64(len(ids)-1) {
			t.Errorf("%d of %d administrators deleted, want all but one", deleted.Load(), len(ids))
		}
		if n := rows(t, store, `SELECT count(*) FROM users WHERE role = 'admin'`); n != 1 {
			t.Errorf("%d administrators left, want 1", n)
		}
	})
}

// Making someone staff detaches them from their organisation; a staff
// account cannot be removed through an organisation.
func TestStaffBelongToNoOrganisation(t *testing.T) {
	t.Parallel()
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		org := &models.Organisation{Slug: "org", Name: "Org", Country: "NL", Type: "ngo", Status: models.OrgApproved}
		if err := store.CreateOrganisation(ctx, org); err != nil {
			t.Fatal(err)
		}
		u := &models.User{Email: "m@example.org", Role: models.RoleMember, OrganisationID: &org.ID, OrgAdmin: true, Language: "en", Status: models.UserActive, SessionEpoch: 1}
		if err := store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := store.SetUserRole(ctx, u.ID, models.RoleModerator); err != nil {
			t.Fatal(err)
		}
		if after := reload(t, store, u.ID); after.OrganisationID != nil || after.OrgAdmin {
			t.Errorf("a moderator still in the organisation: %+v", after)
		}
		// One attached by hand (as before this rule): not removable through it.
		if err := store.DB().Exec(`UPDATE users SET organisation_id = ? WHERE id = ?`, org.ID, u.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := store.RemoveFromOrganisation(ctx, org.ID, u.ID); !errors.Is(err, models.ErrStaffAccount) {
			t.Errorf("removing a moderator through the organisation: %v", err)
		}
		if after := reload(t, store, u.ID); after.Status != models.UserActive || after.SessionEpoch != 2 {
			t.Errorf("the moderator changed: %+v", after)
		}
	})
}
