package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"proact/app/config"
	"proact/content"
	"proact/models"
	"proact/models/modelstest"
	"proact/search"
)

// TestSearchWhileTheIndexIsRebuilt: the portal serves at once while its
// index is built; pages work, a search answers 503 with Retry-After and a
// translated page that keeps the query, and /readyz says why it is not ready.
func TestSearchWhileTheIndexIsRebuilt(t *testing.T) {
	ctx := context.Background()
	store := modelstest.New(t, models.SQLite)
	r := content.NewRenderer()
	if _, err := content.Import(ctx, store, r, content.Demo(), true); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hold := make(chan struct{})
	ix, err := search.Start(ctx, search.Config{Dir: t.TempDir(), Store: store, Log: log, Hold: hold})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	c := config.Default()
	c.DataDir = t.TempDir()
	a, err := New(Deps{Config: c, Store: store, Index: ix, Renderer: r, Log: log, Hasher: testHasher})
	if err != nil {
		t.Fatal(err)
	}
	ta := &testApp{app: a, store: store, index: ix}

	if res, _ := ta.get(t, "/practices"); res.StatusCode != 200 {
		t.Errorf("/practices while the index is rebuilt: %d", res.StatusCode)
	}
	for _, c := range []struct{ lang, want string }{
		{"en", "The search index is being rebuilt"},
		{"fr", "L’index de recherche est en cours de reconstruction"},
		{"pl", "Indeks wyszukiwania jest odbudowywany"},
	} {
		res, body := ta.get(t, "/search?q=seasonal+%3Cb%3Eworkers", "Accept-Language", c.lang)
		if res.StatusCode != 503 {
			t.Errorf("%s: search while rebuilding: %d, want 503", c.lang, res.StatusCode)
		}
		if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 {
			t.Errorf("%s: Retry-After %q", c.lang, res.Header.Get("Retry-After"))
		}
		if !strings.Contains(body, c.want) || !strings.Contains(body, `value="seasonal &lt;b&gt;workers"`) {
			t.Errorf("%s: the page does not say the index is being rebuilt, or lost the query:\n%s", c.lang, body)
		}
	}
	res, body := ta.get(t, "/readyz")
	var ready map[string]string
	_ = json.Unmarshal([]byte(body), &ready)
	if res.StatusCode != 503 || ready["index"] != "rebuilding" || !strings.Contains(ready["reason"], "rebuilt") || ready["database"] != "ok" {
		t.Errorf("/readyz while rebuilding: %d %s", res.StatusCode, body)
	}

	close(hold)
	if err := ix.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if res, _ := ta.do(t, httptest.NewRequest("GET", "/search?q=seasonal", nil)); res.StatusCode != 200 {
		t.Errorf("search once built: %d", res.StatusCode)
	}
	if res, body := ta.get(t, "/readyz"); res.StatusCode != 200 || body != `{"database":"ok","index":"ok"}` {
		t.Errorf("/readyz once built: %d %s", res.StatusCode, body)
	}
}
