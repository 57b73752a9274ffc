package search

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"proact/models"
	"proact/models/modelstest"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func note(slug, lang, title, visibility string) *models.Practice {
	now := time.Now().UTC()
	return &models.Practice{
		Slug: slug, Title: title, Summary: "summary", Language: lang, Visibility: visibility,
		Status: models.StatusPublished, BodyMD: title, BodyHTML: "<p>" + title + "</p>",
		PublishedAt: &now, Countries: []string{"NL"},
	}
}

func count(t *testing.T, ix *Index) uint64 {
	t.Helper()
	n, err := ix.DocCount()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIndexFollowsTheOutbox(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := context.Background()
		if err := store.SavePractice(ctx, note("before", "en", "Seasonal workers in greenhouses", "public")); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		ix, err := Open(ctx, dir, store, quietLog())
		if err != nil {
			t.Fatal(err)
		}
		if got := count(t, ix); got != 1 {
			t.Fatalf("built from the database: %d documents, want 1", got)
		}
		draft := note("draft", "fr", "Brouillon", "public")
		draft.Status = models.StatusDraft
		for _, p := range []*models.Practice{note("after", "ro", "Lucrători sezonieri", "members"), draft} {
			if err := store.SavePractice(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		// At least the two new entries (on PostgreSQL a transaction open
		// anywhere on the server may make the first one be applied again).
		if n, err := ix.CatchUp(ctx); err != nil || n < 2 {
			t.Fatalf("CatchUp applied %d entries (%v), want 2 or more", n, err)
		}
		if got := count(t, ix); got != 2 {
			t.Errorf("after catching up: %d documents, want 2 (drafts are not indexed)", got)
		}
		// A published note that becomes a draft leaves the index.
		unpublished := note("before", "en", "Seasonal workers in greenhouses", "public")
		unpublished.Status = models.StatusDraft
		if err := store.SavePractice(ctx, unpublished); err != nil {
			t.Fatal(err)
		}
		if _, err := ix.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if got := count(t, ix); got != 1 {
			t.Errorf("after unpublishing: %d documents, want 1", got)
		}
		// Visitors do not find members-only notes; members do.
		anon, _ := ix.Search(ctx, models.Viewer{}, Query{Text: "lucrători"})
		member, _ := ix.Search(ctx, models.Viewer{UserID: 1, Role: models.RoleMember}, Query{Text: "lucrători"})
		if anon.Total != 0 || member.Total != 1 {
			t.Errorf("members-only hit: visitor %d, member %d; want 0 and 1", anon.Total, member.Total)
		}
		// Reopening keeps the position: nothing is applied twice.
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}
		ix, err = Open(ctx, dir, store, quietLog())
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		// On PostgreSQL entries that were not final yet (a transaction open
		// anywhere on the server holds the horizon back) are applied again,
		// harmlessly; on SQLite every entry is final.
		n, err := ix.CatchUp(ctx)
		if err != nil || (store.Dialect() == models.SQLite && n != 0) {
			t.Errorf("a reopened index applied %d old entries (%v)", n, err)
		}
		if got := count(t, ix); got != 1 {
			t.Errorf("after reopening: %d documents, want 1", got)
		}
	})
}

func TestBrokenIndexIsRebuilt(t *testing.T) {
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
	_ = ix.Close()
	// Damage it as a crash might: the index metadata is garbage.
	name, err := readCurrent(dir)
	if err != nil || name == "" {
		t.Fatalf("CURRENT: %q, %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name, "index_meta.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(ctx, dir, store, quietLog())
	if err != nil {
		t.Fatalf("a broken index stopped the start: %v", err)
	}
	defer ix.Close()
	if got := count(t, ix); got != 1 {
		t.Errorf("rebuilt index: %d documents, want 1", got)
	}
	if err := ix.Ready(); err != nil {
		t.Errorf("rebuilt index not ready: %v", err)
	}
}

func TestPostgresNotificationWakesTheIndexer(t *testing.T) {
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
	ix, err := Open(ctx, t.TempDir(), store, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	go ix.Run(ctx, time.Hour) // only a notification can wake it within the test
	go ix.ListenPostgres(ctx, url)
	<-ix.Listening() // a notification sent before the listener connects is not seen
	if err := store.SavePractice(ctx, note("notified", "nl", "Seizoensarbeid", "public")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for count(t, ix) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the indexer was not woken by NOTIFY within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The neutral field keeps names, acronyms, numbers and words of four
// characters or more, each with its punctuation.
func TestNeutralText(t *testing.T) {
	for in, want := range map[string]string{
		"The ILO and the EU met in 2019 at Łódź.": "The ILO EU 2019 Łódź.",
		"a de la în și (FNV), 3 ans":              "(FNV), 3",
		"seasonal workers of the farm":            "seasonal workers farm",
		"":                                        "",
	} {
		if got := neutralText(in); got != want {
			t.Errorf("neutralText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestUnopenableCurrentIsLoggedOnce: CURRENT naming a generation that
// cannot be opened (removed, or damaged after it was named) is said once,
// not at every poll, and the index keeps the generation it has.
func TestUnopenableCurrentIsLoggedOnce(t *testing.T) {
	var logged bytes.Buffer
	dir := t.TempDir()
	ix := readyIndex(t, Config{Dir: dir, Store: modelstest.New(t, models.SQLite),
		Log: slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	kept := ix.generationName()
	if err := writeCurrent(dir, "gen-20260101T000000-gone"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		ix.followCurrent()
	}
	if n := strings.Count(logged.String(), "cannot be opened"); n != 1 {
		t.Errorf("warned %d times:\n%s", n, logged.String())
	}
	if got := ix.generationName(); got != kept {
		t.Errorf("generation %q, want %q kept", got, kept)
	}
}
