package search

import (
	"context"
	"os"
	"testing"

	"proact/models"
	"proact/models/modelstest"
)

// TestAttack9IndexFolderRemovedWhileServing: an operator deletes the index
// folder (rm -rf data/index) under a running portal, or the disk stops
// taking writes. The next outbox batch fails to persist; scorch is then
// broken in memory, and the batch after it panicked in zapx (assignment to
// entry in nil map) in the indexer's goroutine, which killed the process.
// The index must instead stop using that generation and rebuild it from the
// database, with every change in it.
func TestAttack9IndexFolderRemovedWhileServing(t *testing.T) {
	ctx := context.Background()
	store := modelstest.New(t, models.SQLite)
	if err := store.SavePractice(ctx, note("one", "de", "Saisonarbeit eins", "public")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ix := readyIndex(t, Config{Dir: dir, Store: store})
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"two", "three"} {
		if err := store.SavePractice(ctx, note(slug, "de", "Saisonarbeit "+slug, "public")); err != nil {
			t.Fatal(err)
		}
		if _, err := ix.CatchUp(ctx); err == nil {
			t.Logf("catch-up after the folder went (%s): no error", slug)
		}
	}
	ix.building.Wait() // the rebuild the failed write started
	if err := ix.Ready(); err != nil {
		t.Fatalf("index after the folder went: %v", err)
	}
	catchUp(t, ix)
	res, err := ix.Search(ctx, models.Viewer{}, Query{Text: "saisonarbeit"})
	if err != nil || res.Total != 3 {
		t.Errorf("search after the rebuild: %d hits (%v), want 3", res.Total, err)
	}
}
