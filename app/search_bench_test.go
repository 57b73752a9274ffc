package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"proact/app/config"
	"proact/content"
	"proact/models"
	"proact/models/modelstest"
	"proact/search"
	"proact/search/searchtest"
)

// BenchmarkSearchAPI measures the 500 fixed queries (searchtest) through
// GET /api/v1/search: the whole path, from the HTTP request through the
// middleware, permissions, glossary expansion, all seven facets, snippets
// and the check against the store, to the JSON. Corpora as in the search
// package (PROACT_BENCH_SIZES, default "10000,100000"), on SQLite; the index
// is kept between runs in the benchmark cache (PROACT_BENCH_CACHE). It
// reports p50/p95/p99 and the process's memory after the run (VmRSS: the
// serving memory, index pages included).
func BenchmarkSearchAPI(b *testing.B) {
	spec := os.Getenv("PROACT_BENCH_SIZES")
	if spec == "" {
		spec = "10000,100000"
	}
	concepts, err := search.GlossaryConcepts()
	if err != nil {
		b.Fatal(err)
	}
	var terms []searchtest.GlossaryTerm
	for _, c := range concepts {
		for l, ts := range c.Terms {
			for _, t := range ts {
				terms = append(terms, searchtest.GlossaryTerm{Lang: l, Term: t})
			}
		}
	}
	slices.SortFunc(terms, func(a, b searchtest.GlossaryTerm) int { return strings.Compare(a.Lang+a.Term, b.Lang+b.Term) })
	queries := searchtest.BenchQueries(b, func(string, string) bool { return true }, terms)
	for _, s := range strings.Split(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			ctx := context.Background()
			store := modelstest.BigCorpusStore(b, models.SQLite, n)
			cache := os.Getenv("PROACT_BENCH_CACHE")
			if cache == "" {
				cache = filepath.Join(os.TempDir(), "proact-bench")
			}
			dir := filepath.Join(cache, fmt.Sprintf("index-%d-v%d-m%d", n, modelstest.BigCorpusVersion, search.MappingVersion))
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			ix, err := search.Start(ctx, search.Config{Dir: dir, Store: store, Log: log, Concepts: concepts})
			if err != nil {
				b.Fatal(err)
			}
			defer ix.Close()
			if err := ix.WaitReady(ctx); err != nil {
				b.Fatal(err)
			}
			c := config.Default()
			c.DataDir = b.TempDir()
			c.Limits.Requests = 1 << 30 // the per-IP limit would answer 429
			a, err := New(Deps{Config: c, Store: store, Index: ix, Renderer: content.NewRenderer(), Log: log, Hasher: testHasher})
			if err != nil {
				b.Fatal(err)
			}
			get := func(target string) (time.Duration, error) {
				req := httptest.NewRequest(http.MethodGet, target, nil)
				t0 := time.Now()
				res, err := a.Test(req, -1)
				if err != nil {
					return 0, err
				}
				_, err = io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
				d := time.Since(t0)
				if err == nil && res.StatusCode != http.StatusOK {
					err = fmt.Errorf("GET %s: %d", target, res.StatusCode)
				}
				return d, err
			}
			for _, q := range queries { // warm up
				if _, err := get(q.URL("/api/v1/search")); err != nil {
					b.Fatal(err)
				}
			}
			var all []time.Duration
			byClass := map[string][]time.Duration{}
			// The process's CPU time per request says what the wall clock
			// cannot on a shared machine (the server's goroutines and the
			// garbage collector included).
			cpu0, searches0 := searchtest.CPUTime(), ix.Searches()
			b.ResetTimer()
			for range b.N {
				for _, q := range queries {
					// Labelled by class for CPU profiles (pprof -tagfocus class=or2).
					pprof.Do(ctx, pprof.Labels("class", q.Class), func(context.Context) {
						d, err := get(q.URL("/api/v1/search"))
						if err != nil {
							b.Fatal(err)
						}
						all = append(all, d)
						byClass[q.Class] = append(byClass[q.Class], d)
					})
				}
			}
			b.StopTimer()
			cpu := searchtest.CPUTime() - cpu0
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(all)), "cpu-ms/request")
			// Every request timed must have searched the index: a cache of
			// results or pages in front of it would make this a benchmark of
			// a map lookup (the same 500 queries come back every round).
			if n := ix.Searches() - searches0; n != uint64(len(all)) {
				b.Fatalf("%d requests reached the index %d times: something answered from a cache; the benchmark must bypass it", len(all), n)
			}
			runtime.GC()
			pct := func(d []time.Duration) (float64, float64, float64) {
				s := slices.Clone(d)
				slices.Sort(s)
				at := func(p float64) float64 {
					return float64(s[min(len(s)-1, int(p*float64(len(s))))].Microseconds()) / 1000
				}
				return at(0.5), at(0.95), at(0.99)
			}
			p50, p95, p99 := pct(all)
			b.ReportMetric(p50, "p50-ms")
			b.ReportMetric(p95, "p95-ms")
			b.ReportMetric(p99, "p99-ms")
			rss, hwm := procMemory()
			b.ReportMetric(float64(rss)/(1<<20), "RSS-MiB")
			classes := make([]string, 0, len(byClass))
			for c := range byClass {
				classes = append(classes, c)
			}
			slices.Sort(classes)
			for _, c := range classes {
				p50, p95, p99 := pct(byClass[c])
				b.Logf("%-13s p50 %6.2f ms  p95 %6.2f ms  p99 %6.2f ms", c, p50, p95, p99)
			}
			fmt.Fprintf(os.Stderr, "api %d: p50 %.2f ms p95 %.2f ms p99 %.2f ms over %d requests; CPU %.2f ms/request (load %s); RSS %.0f MiB (peak %.0f MiB)\n",
				n, p50, p95, p99, len(all), float64(cpu.Microseconds())/1000/float64(len(all)), searchtest.LoadAverage(),
				float64(rss)/(1<<20), float64(hwm)/(1<<20))
		})
	}
}

// procMemory returns the process's resident memory now and at its peak.
func procMemory() (rss, hwm int64) {
	m := searchtest.ProcMemory()
	return m["VmRSS"], m["VmHWM"]
}
