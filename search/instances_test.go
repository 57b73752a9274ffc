package search

import (
	"context"
	"testing"
	"time"

	"proact/models"
	"proact/models/modelstest"
)

// TestTwoInstancesStayInStep: two instances on one PostgreSQL, each with
// its own index folder and indexer; a note published through one is found
// on the other within 2 seconds, woken by NOTIFY (the poll is an hour), and
// its unpublishing leaves both.
func TestTwoInstancesStayInStep(t *testing.T) {
	url := modelstest.PostgresURL(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, d, err := models.Open(ctx, url, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.Migrate(ctx, db, d); err != nil {
		t.Fatal(err)
	}
	store := models.NewStore(db, d)
	defer store.Close()
	var instances []*Index
	for range 2 {
		ix, err := Open(ctx, t.TempDir(), store, quietLog())
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		go ix.Run(ctx, time.Hour)
		go ix.ListenPostgres(ctx, url)
		instances = append(instances, ix)
	}
	for _, ix := range instances {
		select {
		case <-ix.Listening():
		case <-time.After(10 * time.Second):
			t.Fatal("the listener did not connect")
		}
	}
	found := func(ix *Index) bool {
		res, err := ix.Search(ctx, visitor, Query{Text: "zqxinstancecanary"})
		return err == nil && res.Total == 1
	}
	waitFor := func(what string, cond func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for !cond() {
			if time.Since(start) > 2*time.Second {
				t.Fatalf("%s: not within 2 s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
		return time.Since(start)
	}
	// "Published through the first instance": the write is the store's, the
	// same for any instance; the second has never seen it.
	p := note("two-instances", "en", "Published on one instance zqxinstancecanary", "public")
	if err := store.SavePractice(ctx, p); err != nil {
		t.Fatal(err)
	}
	took := waitFor("the other instance finds the note", func() bool { return found(instances[1]) && found(instances[0]) })
	t.Logf("found on both instances %v after the commit", took.Round(time.Millisecond))
	p.Status = models.StatusDraft
	if err := store.SavePractice(ctx, p); err != nil {
		t.Fatal(err)
	}
	waitFor("the unpublished note leaves both", func() bool { return !found(instances[1]) && !found(instances[0]) })
}
