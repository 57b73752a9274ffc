package search

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"proact/models"
	"proact/models/modelstest"
)

// TestAttack9LeftoverGenerationsRemoved: what a kill -9 during a full
// build leaves (a generation folder with its bulk-build segments), and the
// generation the earlier of two concurrent `proact reindex` made current,
// were kept for an hour after their last change and removed only by a
// start after that: a portal that crashed during builds (an OOM kill every
// restart) piled up a folder of the index's size per attempt, and one
// running for weeks kept them all along. They go at the next start, the
// next generation installed and the next reindex; a build in progress (its
// build lock held) stays.
func TestAttack9LeftoverGenerationsRemoved(t *testing.T) {
	ctx := context.Background()
	store := modelstest.New(t, models.SQLite)
	if err := store.SavePractice(ctx, note("one", "de", "Saisonarbeit eins", "public")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	leftover := func(name string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Join(path, bulkBuildDir), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(path, bulkBuildDir, "000001.zap"), []byte("partial"), 0o640); err != nil {
			t.Fatal(err)
		}
		return path
	}
	exists := func(path string) bool {
		_, err := os.Stat(path)
		return err == nil
	}
	crashed := leftover("gen-20261203T100836.104811291")
	building := filepath.Join(dir, "gen-20261203T100900.000000000")
	unlock, err := lockBuild(building)
	if err != nil {
		t.Fatal(err)
	}
	ix := readyIndex(t, Config{Dir: dir, Store: store})
	if exists(crashed) {
		t.Error("the start kept the folder a killed build left")
	}
	if !exists(building) {
		t.Fatal("the start removed a generation being built")
	}
	unlock() // that build was killed too

	// Two reindexes at once (one after the other here): the first one's
	// generation was current for a moment only.
	if _, err := Reindex(ctx, Config{Dir: dir, Store: store, Log: quietLog()}); err != nil {
		t.Fatal(err)
	}
	first, err := readCurrent(dir)
	if err != nil {
		t.Fatal(err)
	}
	ix.followCurrent() // the portal switches to it
	crashed = leftover("gen-20261203T101000.000000000")
	if _, err := Reindex(ctx, Config{Dir: dir, Store: store, Log: quietLog()}); err != nil {
		t.Fatal(err)
	}
	if exists(crashed) || exists(building) {
		t.Error("proact reindex kept the folders killed builds left")
	}
	ix.followCurrent()
	second, _ := readCurrent(dir)
	if second == first || ix.generationName() != second {
		t.Fatalf("generations %s, then %s; in use %s", first, second, ix.generationName())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && e.Name() != second {
			t.Errorf("left in the index folder: %s", e.Name())
		}
	}
	if res, err := ix.Search(ctx, models.Viewer{}, Query{Text: "saisonarbeit"}); err != nil || res.Total != 1 {
		t.Errorf("search: %d hits (%v), want 1", res.Total, err)
	}
}
