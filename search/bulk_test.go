package search

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"proact/models"
	"proact/models/modelstest"
)

// The offline build writes its segments with zap v17 itself: the version
// must be the one a live scorch index writes (index/scorch's default
// segment plugin), or merging into and reading the shell's index would mix
// formats. A zap file ends with its version and a checksum, 4 bytes each.
func TestBulkSegmentsAreScorchDefault(t *testing.T) {
	path := filepath.Join(t.TempDir(), "live")
	idx, err := bleve.NewUsing(path, newMapping(), bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.Index("practice:1", (&Document{Kind: KindPractice, ID: 1, Language: "en", Title: "harvest"}).fields()); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(path, "store", "*.zap"))
	if len(files) == 0 {
		t.Fatal("the live index wrote no segment file")
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if v := binary.BigEndian.Uint32(b[len(b)-8:]); v != zapPlugin.Version() || zapPlugin.Type() != "zap" {
		t.Errorf("scorch writes zap v%d, the offline build %s v%d", v, zapPlugin.Type(), zapPlugin.Version())
	}
}

// fakeSource gives n documents (and the first one twice: a document is
// indexed once).
type fakeSource struct{ n int }

func (fakeSource) Kind() string                                  { return KindPractice }
func (fakeSource) Load(context.Context, uint) (*Document, error) { return nil, nil }
func (s fakeSource) Count(context.Context) (int, error)          { return s.n, nil }
func (s fakeSource) Scan(ctx context.Context, fn func(*Document) error) error {
	for i := range s.n {
		body := "Seasonal work in the fields."
		if i%3 == 0 {
			body += " Tomato harvest."
		}
		d := &Document{Kind: KindPractice, ID: uint(i + 1), Slug: fmt.Sprintf("n-%d", i+1), Family: fmt.Sprintf("n-%d", i+1),
			Language: []string{"en", "fr", "pl"}[i%3], Title: fmt.Sprintf("Note %d", i+1), Body: body,
			Audience: AudiencePublic, Date: time.Date(2020+i%5, 1, 1, 0, 0, 0, 0, time.UTC)}
		if err := fn(d); err != nil {
			return err
		}
		if i == 0 {
			if err := fn(d); err != nil {
				return err
			}
		}
	}
	return nil
}

// A full build of more documents than a segment holds, into one final
// segment and into one per worker (merged side by side, in rounds of two
// files), and of none (an ordinary empty index: scorch.Builder panics with
// no document): every document once, the final segments only, nothing of
// the build left in the folder, the facets counted from them.
func TestBulkBuild(t *testing.T) {
	ctx := context.Background()
	store := modelstest.New(t, models.SQLite)
	defer func(n, f int) { mergeFanIn, bulkFinalDocs = n, f }(mergeFanIn, bulkFinalDocs)
	for _, c := range []struct{ n, fanIn, finalDocs int }{
		{2*bulkSegmentDocs + 17, 256, bulkFinalDocs},
		{4*bulkSegmentDocs + 1, 2, bulkFinalDocs}, // 5 files merged 2 at a time: 3, then 2, then 1
		{8*bulkSegmentDocs + 1, 2, bulkSegmentDocs},
		{0, 256, bulkFinalDocs},
	} {
		n := c.n
		mergeFanIn, bulkFinalDocs = c.fanIn, c.finalDocs
		parts := bulkParts(n)
		if n == 0 {
			parts = 0
		}
		t.Run(fmt.Sprintf("%d in %d of %d", n, c.fanIn, parts), func(t *testing.T) {
			dir := t.TempDir()
			ix, err := Start(ctx, Config{Dir: dir, Store: store, Log: quietLog(), Sources: []Source{fakeSource{n}}})
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			if err := ix.WaitReady(ctx); err != nil {
				t.Fatal(err)
			}
			if got, _ := ix.DocCount(); got != uint64(n) {
				t.Errorf("%d documents, want %d", got, n)
			}
			name, _ := readCurrent(dir)
			if segs, _ := filepath.Glob(filepath.Join(dir, name, "store", "*.zap")); len(segs) != parts {
				t.Errorf("segments %v, want %d", segs, parts)
			}
			if _, err := os.Stat(filepath.Join(dir, name, bulkBuildDir)); !os.IsNotExist(err) {
				t.Errorf("the build folder is left: %v", err)
			}
			if n == 0 {
				return
			}
			res, err := ix.Search(ctx, visitor, Query{Text: "tomato", NoGroup: true})
			if err != nil {
				t.Fatal(err)
			}
			if want := uint64((n + 2) / 3); res.Total != want {
				t.Errorf("tomato: %d hits, want %d", res.Total, want)
			}
			if got := valueCount(facet(res, fLang), "en"); got != uint64((n+2)/3) {
				t.Errorf("tomato: %d in English, want all %d", got, (n+2)/3)
			}
			if got := valueCount(facet(res, fYear), "2020"); got != uint64((n+14)/15) {
				t.Errorf("tomato: %d in 2020, want %d", got, (n+14)/15)
			}
		})
	}
}

// TestRaiseGCRestores: a build raises GOGC and bounds the heap while it
// runs, nested builds too, and the process's own settings come back after
// the last; a higher GOGC or a lower limit is left alone.
func TestRaiseGCRestores(t *testing.T) {
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	defer func() { debug.SetGCPercent(percent); debug.SetMemoryLimit(limit) }()
	check := func(wantPercent int, wantLimit int64) {
		t.Helper()
		p := debug.SetGCPercent(-1)
		debug.SetGCPercent(p)
		if l := debug.SetMemoryLimit(-1); p != wantPercent || l != wantLimit {
			t.Fatalf("GOGC %d, limit %d; want %d, %d", p, l, wantPercent, wantLimit)
		}
	}
	first := raiseGC()
	check(bulkGCPercent, bulkMemoryLimit)
	second := raiseGC()
	first()
	check(bulkGCPercent, bulkMemoryLimit)
	second()
	check(100, math.MaxInt64)

	debug.SetGCPercent(800)
	debug.SetMemoryLimit(256 << 20)
	done := raiseGC()
	check(800, 256<<20)
	done()
	check(800, 256<<20)
}
