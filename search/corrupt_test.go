package search

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"proact/models"
	"proact/models/modelstest"
)

// corruptions damage one file of a closed index as a failing disk or a
// crash might.
var corruptions = []struct {
	name string
	file string // glob inside the index folder
	hurt func(data []byte, r *rand.Rand) []byte
}{
	{"root.bolt random middle", "root.bolt", randomMiddle},
	{"root.bolt random whole", "root.bolt", randomWhole},
	{"root.bolt random pages", "root.bolt", randomPages},
	{"root.bolt truncated", "root.bolt", truncated},
	{"zap random middle", "*.zap", randomMiddle},
	{"zap random whole", "*.zap", randomWhole},
	{"zap random footer", "*.zap", randomFooter},
	{"zap truncated", "*.zap", truncated},
}

func randomMiddle(data []byte, r *rand.Rand) []byte {
	start := len(data) / 3
	for i := start; i < start+len(data)/3; i++ {
		data[i] = byte(r.UintN(256))
	}
	return data
}

func randomWhole(data []byte, r *rand.Rand) []byte {
	for i := range data {
		data[i] = byte(r.UintN(256))
	}
	return data
}

// randomPages keeps bbolt's two meta pages (so it opens) and scrambles the rest.
func randomPages(data []byte, r *rand.Rand) []byte {
	for i := 8192; i < len(data); i++ {
		data[i] = byte(r.UintN(256))
	}
	return data
}

func randomFooter(data []byte, r *rand.Rand) []byte {
	for i := max(0, len(data)-48); i < len(data); i++ {
		data[i] = byte(r.UintN(256))
	}
	return data
}

func truncated(data []byte, _ *rand.Rand) []byte { return data[:len(data)/2] }

// TestCorruptedIndexIsRebuilt: random bytes in root.bolt or a segment panic
// inside bbolt or zapx; opening must survive that and rebuild the index from
// the database rather than crash every start. Each corruption damages its
// own copy of one index, built and closed once.
func TestCorruptedIndexIsRebuilt(t *testing.T) {
	ctx := context.Background()
	store := modelstest.New(t, models.SQLite)
	for i, slug := range []string{"one", "two", "three"} {
		if err := store.SavePractice(ctx, note(slug, []string{"de", "fr", "pl"}[i], "Saisonarbeit "+slug, "public")); err != nil {
			t.Fatal(err)
		}
	}
	built := t.TempDir()
	ix, err := Open(ctx, built, store, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	for i, c := range corruptions {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(built)); err != nil {
				t.Fatal(err)
			}
			files, _ := filepath.Glob(filepath.Join(dir, "*", c.file))
			if len(files) == 0 {
				files, _ = filepath.Glob(filepath.Join(dir, "*", "*", c.file))
			}
			if len(files) == 0 {
				t.Fatalf("no %s in the index folder", c.file)
			}
			r := rand.New(rand.NewPCG(uint64(i), 42))
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(f, c.hurt(data, r), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ix, err := Open(ctx, dir, store, quietLog())
			if err != nil {
				t.Fatalf("a corrupted index stopped the start: %v", err)
			}
			defer ix.Close()
			if err := ix.WaitReady(ctx); err != nil {
				t.Fatal(err)
			}
			if got := count(t, ix); got != 3 {
				t.Errorf("rebuilt index: %d documents, want 3", got)
			}
			res, err := ix.Search(ctx, models.Viewer{}, Query{Text: "saisonarbeit"})
			if err != nil || res.Total != 3 {
				t.Errorf("search after the rebuild: %d hits (%v), want 3", res.Total, err)
			}
		})
	}
}

// TestSoundIndexIsReopened: the checks that catch corruption pass on a
// sound index, which is reopened as it is, not rebuilt.
func TestSoundIndexIsReopened(t *testing.T) {
	ctx := context.Background()
	store := modelstest.New(t, models.SQLite)
	if err := store.SavePractice(ctx, note("one", "de", "Saisonarbeit", "public")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ix, err := Open(ctx, dir, store, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	first := ix.generationName()
	// More segments than the first build: an update and a deletion.
	if err := store.SavePractice(ctx, note("two", "fr", "Saisonniers", "public")); err != nil {
		t.Fatal(err)
	}
	catchUp(t, ix)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(ctx, dir, store, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if got := ix.generationName(); got != first || first == "" {
		t.Errorf("a sound index was rebuilt: generation %q, then %q", first, got)
	}
	if got := count(t, ix); got != 2 {
		t.Errorf("reopened index: %d documents, want 2", got)
	}
}
