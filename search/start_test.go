package search

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"proact/models"
	"proact/models/modelstest"
)

// TestStartServesWhileBuilding: Start returns at once while the index is
// built in the background; searches meanwhile say the index is being
// rebuilt, how far it got and when to try again; then it answers.
func TestStartServesWhileBuilding(t *testing.T) {
	ctx := context.Background()
	store := modelstest.New(t, models.SQLite)
	for _, slug := range []string{"one", "two"} {
		if err := store.SavePractice(ctx, note(slug, "en", "Seasonal workers "+slug, "public")); err != nil {
			t.Fatal(err)
		}
	}
	hold := make(chan struct{})
	ix, err := Start(ctx, Config{Dir: t.TempDir(), Store: store, Log: quietLog(), Hold: hold})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if st := ix.Status(); st.State != StateBuilding || st.Reason() == "" {
		t.Errorf("status while building: %+v (%q)", st, st.Reason())
	}
	_, err = ix.Search(ctx, models.Viewer{}, Query{Text: "seasonal"})
	var unavailable *UnavailableError
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &unavailable) || unavailable.RetryAfter < time.Second {
		t.Fatalf("search while building: %v, want ErrUnavailable with a retry delay", err)
	}
	if err := ix.Ready(); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Ready while building: %v", err)
	}
	// The indexer does nothing until there is an index to write to.
	if n, err := ix.CatchUp(ctx); n != 0 || err != nil {
		t.Errorf("CatchUp while building: %d, %v", n, err)
	}
	close(hold)
	if err := ix.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(ctx, models.Viewer{}, Query{Text: "seasonal"})
	if err != nil || res.Total != 2 {
		t.Errorf("search once built: %d hits, %v; want 2", res.Total, err)
	}
	if st := ix.Status(); st.State != StateReady {
		t.Errorf("status once built: %+v", st)
	}
}

// TestCloseStopsABuild: closing an index that is still being built stops
// the build and leaves no half-built generation in use.
func TestCloseStopsABuild(t *testing.T) {
	ctx := context.Background()
	store := modelstest.New(t, models.SQLite)
	dir := t.TempDir()
	ix, err := Start(ctx, Config{Dir: dir, Store: store, Log: quietLog(), Hold: make(chan struct{})})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if name, _ := readCurrent(dir); name != "" {
		t.Errorf("an unfinished build became CURRENT: %q", name)
	}
}

// TestReindexBesideARunningIndex: proact reindex builds a new generation
// while a portal holds the live one open, makes it current, and the
// portal's indexer switches to it and removes the old one.
func TestReindexBesideARunningIndex(t *testing.T) {
	ctx := context.Background()
	store := modelstest.New(t, models.SQLite)
	if err := store.SavePractice(ctx, note("one", "en", "Seasonal workers", "public")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	live, err := Open(ctx, dir, store, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	old := live.generationName()
	counts, err := Reindex(ctx, Config{Dir: dir, Store: store, Log: quietLog(), Concepts: testConcepts})
	if err != nil {
		t.Fatalf("reindex beside a running index: %v", err)
	}
	if counts[KindPractice] != 1 {
		t.Errorf("reindex counted %v", counts)
	}
	if _, err := os.Stat(filepath.Join(dir, old)); err != nil {
		t.Errorf("the generation in use was removed under the running portal: %v", err)
	}
	live.followCurrent()
	if got := live.generationName(); got == old || got == "" {
		t.Errorf("the running index did not switch: %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, old)); !os.IsNotExist(err) {
		t.Errorf("the old generation is still there after the switch: %v", err)
	}
	if res, err := live.Search(ctx, visitor, Query{Text: "seasonal"}); err != nil || res.Total != 1 {
		t.Errorf("search after the switch: %v, %v", res, err)
	}
}

// TestSecondStartOnTheFolderIsRefused: a second instance started on the
// index folder of a running one is refused, whether the first is serving
// or still building its first generation (or a rebuild): then no
// generation's root.bolt is open to say so, and the second built its own
// beside it, the two then serving from one folder.
func TestSecondStartOnTheFolderIsRefused(t *testing.T) {
	ctx := context.Background()
	store := modelstest.New(t, models.SQLite)
	if err := store.SavePractice(ctx, note("one", "en", "Seasonal workers", "public")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	hold := make(chan struct{})
	first, err := Start(ctx, Config{Dir: dir, Store: store, Log: quietLog(), Hold: hold})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	wantRefused(t, dir, store, "while the first builds")
	close(hold)
	if err := first.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, dir, store, "while the first serves")
	if res, err := first.Search(ctx, models.Viewer{}, Query{Text: "seasonal"}); err != nil || res.Total != 1 {
		t.Errorf("the first after the second was refused: %v, %v", res, err)
	}
	// Closed, the folder is free again; proact reindex beside a running
	// instance stays allowed (TestReindexBesideARunningIndex).
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Start(ctx, Config{Dir: dir, Store: store, Log: quietLog()})
	if err != nil {
		t.Fatalf("start once the first closed: %v", err)
	}
	_ = again.Close()
}

// TestSecondStartDuringARebuildIsRefused: the folder removed under a
// serving instance (rm -rf) takes the instance's lock file with it; the
// rebuild that follows takes it again, so that a second instance started
// meanwhile is refused rather than building its own beside it.
func TestSecondStartDuringARebuildIsRefused(t *testing.T) {
	ctx := context.Background()
	store := modelstest.New(t, models.SQLite)
	if err := store.SavePractice(ctx, note("one", "en", "Seasonal workers", "public")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	hold := make(chan struct{})
	first, err := Start(ctx, Config{Dir: dir, Store: store, Log: quietLog(), Hold: hold})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	hold <- struct{}{} // the first build only
	if err := first.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := store.SavePractice(ctx, note("two", "en", "Seasonal workers two", "public")); err != nil {
		t.Fatal(err)
	}
	if _, err := first.CatchUp(ctx); err == nil {
		t.Fatal("a write to the removed folder succeeded: nothing to rebuild")
	}
	if first.Ready() == nil {
		t.Fatal("still ready after the failed write")
	}
	// The rebuild waits on hold; a second instance starts now.
	wantRefused(t, dir, store, "during the rebuild")
	close(hold)
	first.building.Wait()
	catchUp(t, first)
	if res, err := first.Search(ctx, models.Viewer{}, Query{Text: "seasonal"}); err != nil || res.Total != 2 {
		t.Errorf("search after the rebuild: %v, %v; want 2 hits", res, err)
	}
}

// wantRefused starts a second instance on dir, which must be refused
// (errInUse) while another holds the folder.
func wantRefused(t *testing.T, dir string, store *models.Store, when string) {
	t.Helper()
	second, err := Start(context.Background(), Config{Dir: dir, Store: store, Log: quietLog()})
	if second != nil {
		_ = second.Close()
	}
	if !errors.Is(err, errInUse) {
		t.Errorf("second start %s: %v, want errInUse", when, err)
	}
}
