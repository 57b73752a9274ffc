package search

import (
	"context"
	"errors"
	"testing"
	"time"

	"proact/models"
	"proact/models/modelstest"
)

// holdOpen starts a transaction that saves p (so its outbox row takes the
// next id) and keeps it open until release is called, which commits it, or
// rolls it back when rollback is set.
func holdOpen(t *testing.T, store *models.Store, p *models.Practice, rollback bool) (release func()) {
	t.Helper()
	ctx := context.Background()
	took, hold, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	errRollback := errors.New("rolled back on purpose")
	go func() {
		done <- store.WithTx(ctx, func(tx *models.Store) error {
			if err := tx.SavePractice(ctx, p); err != nil {
				return err
			}
			close(took)
			<-hold
			if rollback {
				return errRollback
			}
			return nil
		})
	}()
	<-took
	return func() {
		close(hold)
		if err := <-done; err != nil && !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
	}
}

// laterOrganisation commits an approved organisation while a note's
// transaction is held open. The later commit is of another kind because two
// note writes that change the kept facet counts (models/facets.go) update the
// same rows, so the later one waits for the held one on PostgreSQL; writes of
// other kinds, and note edits that leave the counts alone, do not wait and
// commit out of order.
func laterOrganisation(t *testing.T, store *models.Store, slug string) {
	t.Helper()
	o := &models.Organisation{Slug: slug, Name: "Organisation " + slug, Country: "NL", Type: "ngo",
		DescriptionHTML: "<p>Outreach to agency workers.</p>", Status: models.OrgApproved}
	if err := store.SaveOrganisation(context.Background(), o); err != nil {
		t.Fatal(err)
	}
}

func catchUp(t *testing.T, ix *Index) int {
	t.Helper()
	n, err := ix.CatchUp(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLateCommitIsIndexed holds a transaction open, with its outbox row
// written (so it has the lower outbox id), across a later transaction's
// commit: sequence values commit out of order on PostgreSQL, and the
// consumer must still apply the early one when it commits, also after a
// restart in between.
func TestLateCommitIsIndexed(t *testing.T) {
	for _, restart := range []bool{false, true} {
		name := map[bool]string{false: "running", true: "restarted"}[restart]
		t.Run(name, func(t *testing.T) {
			store := modelstest.New(t, models.Postgres) // skips without PROACT_TEST_POSTGRES_URL
			ctx := context.Background()
			dir := t.TempDir()
			ix, err := Open(ctx, dir, store, quietLog())
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = ix.Close() }()

			release := holdOpen(t, store, note("early", "en", "Greenhouse inspections", "public"), false)
			laterOrganisation(t, store, "late")
			if n := catchUp(t, ix); n != 1 || count(t, ix) != 1 {
				t.Fatalf("after the later commit: applied %d, %d documents; want 1 and 1", n, count(t, ix))
			}
			if n := catchUp(t, ix); n != 0 {
				t.Errorf("a second poll applied the later entry again (%d)", n)
			}
			if restart {
				if err := ix.Close(); err != nil {
					t.Fatal(err)
				}
				if ix, err = Open(ctx, dir, store, quietLog()); err != nil {
					t.Fatal(err)
				}
			}
			release()
			catchUp(t, ix)
			if got := count(t, ix); got != 2 {
				t.Fatalf("after the early transaction committed: %d documents, want 2 (the early commit was skipped)", got)
			}
			settle(t, ix, store)
		})
	}
}

// TestRolledBackEntryDoesNotStall: a transaction that took an outbox id and
// rolled back leaves a gap for ever; the position must still move on.
func TestRolledBackEntryDoesNotStall(t *testing.T) {
	store := modelstest.New(t, models.Postgres)
	ctx := context.Background()
	ix, err := Open(ctx, t.TempDir(), store, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	release := holdOpen(t, store, note("abandoned", "en", "Abandoned draft", "public"), true)
	laterOrganisation(t, store, "kept")
	catchUp(t, ix)
	stalled := ix.pos
	release()
	if err := store.SavePractice(ctx, note("next", "en", "Next note", "public")); err != nil {
		t.Fatal(err)
	}
	settle(t, ix, store)
	if got := count(t, ix); got != 2 {
		t.Errorf("%d documents, want 2 (kept and next; the rolled-back one never existed)", got)
	}
	if !stalled.Less(ix.pos) {
		t.Errorf("position stuck at %+v after the gap was abandoned", ix.pos)
	}
}

// settle applies the outbox until the index's position reaches the last
// entry. The horizon that makes entries final is the whole PostgreSQL
// server's: a transaction of another test, in another database, holds it
// back for a moment, during which entries are applied but not yet final.
func settle(t *testing.T, ix *Index, store *models.Store) {
	t.Helper()
	last := lastEntry(t, store).Position()
	deadline := time.Now().Add(10 * time.Second)
	for catchUp(t, ix); ix.pos != last; catchUp(t, ix) {
		if time.Now().After(deadline) {
			t.Fatalf("position %+v never reached the last entry %+v (ahead %v)", ix.pos, last, ix.ahead)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(ix.ahead) != 0 {
		t.Errorf("entries still remembered as applied early once final: %v", ix.ahead)
	}
}

func lastEntry(t *testing.T, store *models.Store) models.OutboxEntry {
	t.Helper()
	page, err := store.OutboxSince(context.Background(), models.OutboxPosition{}, 1000)
	if err != nil || len(page.Entries) == 0 {
		t.Fatalf("outbox: %v, %d entries", err, len(page.Entries))
	}
	return page.Entries[len(page.Entries)-1]
}

func outboxRows(t *testing.T, store *models.Store) int {
	t.Helper()
	page, err := store.OutboxSince(context.Background(), models.OutboxPosition{}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Entries)
}

// TestOutboxIsPruned: rows every live index has applied go once they are an
// hour old; a lagging index holds them back; an index stopped for longer
// than the retention finds its rows gone and rebuilds from the database.
func TestOutboxIsPruned(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := context.Background()
		fast, err := Open(ctx, t.TempDir(), store, quietLog())
		if err != nil {
			t.Fatal(err)
		}
		defer fast.Close()
		slowDir := t.TempDir()
		slow, err := Open(ctx, slowDir, store, quietLog())
		if err != nil {
			t.Fatal(err)
		}
		for _, slug := range []string{"one", "two", "three"} {
			if err := store.SavePractice(ctx, note(slug, "en", "Note "+slug, "public")); err != nil {
				t.Fatal(err)
			}
		}
		settle(t, fast, store)
		now := time.Now()
		later := now.Add(2 * time.Hour)

		// Too young to prune, whoever has applied them.
		if err := fast.Maintain(ctx, now); err != nil {
			t.Fatal(err)
		}
		if got := outboxRows(t, store); got != 3 {
			t.Fatalf("young rows pruned: %d left, want 3", got)
		}
		// Old enough, but the slow index has not applied them.
		if err := slow.Maintain(ctx, later); err != nil {
			t.Fatal(err)
		}
		if err := fast.Maintain(ctx, later); err != nil {
			t.Fatal(err)
		}
		if got := outboxRows(t, store); got != 3 {
			t.Fatalf("rows the slow index needs were pruned: %d left, want 3", got)
		}
		settle(t, slow, store)
		if err := slow.Maintain(ctx, later); err != nil {
			t.Fatal(err)
		}
		if got := outboxRows(t, store); got != 0 {
			t.Fatalf("applied rows not pruned: %d left, want 0", got)
		}

		// The slow index stops; a change it never sees is pruned after the
		// maximum age; when it starts again, it rebuilds.
		if err := slow.Close(); err != nil {
			t.Fatal(err)
		}
		if err := store.SavePractice(ctx, note("while-away", "en", "Written while away", "public")); err != nil {
			t.Fatal(err)
		}
		settle(t, fast, store)
		if err := fast.Maintain(ctx, now.Add(8*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got := outboxRows(t, store); got != 0 {
			t.Fatalf("rows older than the maximum age kept: %d left", got)
		}
		slow, err = Open(ctx, slowDir, store, quietLog())
		if err != nil {
			t.Fatal(err)
		}
		defer slow.Close()
		if got := count(t, slow); got != 4 {
			t.Errorf("the index that missed pruned rows has %d documents, want 4 (rebuilt)", got)
		}
	})
}
