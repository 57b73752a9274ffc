package search

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"proact/models"
	"proact/models/modelstest"
	"proact/search/searchtest"
)

// The corpus benchmarks: 10,000 and 100,000 notes (PROACT_BENCH_SIZES,
// default "10000,100000"), 500 fixed queries, latency percentiles, bulk
// indexing rate, memory and index size, and the same notes and queries
// through PostgreSQL full-text search when PROACT_TEST_POSTGRES_URL is set.
// See BENCHMARKS.md.

func benchSizes(b *testing.B) []int {
	spec := os.Getenv("PROACT_BENCH_SIZES")
	if spec == "" {
		spec = "10000,100000"
	}
	var out []int
	for _, s := range strings.Split(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			b.Fatalf("PROACT_BENCH_SIZES: %q", spec)
		}
		out = append(out, n)
	}
	return out
}

// benchConcepts is the glossary embedded in the binary.
func benchConcepts(b *testing.B) []Concept {
	c, err := GlossaryConcepts()
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("glossary: %d concepts", len(c))
	return c
}

// benchQuery is one of the fixed queries and its class.
type benchQuery struct {
	class string
	q     Query
}

// benchQueries are searchtest.BenchQueries as search.Query values.
func benchQueries(b *testing.B, concepts []Concept) []benchQuery {
	an := sharedAnalyzers()
	var terms []searchtest.GlossaryTerm
	for _, c := range concepts {
		for _, l := range languageCodes() {
			for _, t := range c.Terms[l] {
				terms = append(terms, searchtest.GlossaryTerm{Lang: l, Term: t})
			}
		}
	}
	keep := func(lang, w string) bool { return len(an[lang].Analyze([]byte(w))) > 0 }
	var out []benchQuery
	for _, q := range searchtest.BenchQueries(b, keep, terms) {
		out = append(out, benchQuery{class: q.Class, q: Query{Text: q.Text, Countries: q.Countries, Topics: q.Topics, NoExpand: q.NoExpand}})
	}
	return out
}

// percentiles returns p50, p95, p99 of the durations.
func percentiles(d []time.Duration) (p50, p95, p99 time.Duration) {
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return at(0.50), at(0.95), at(0.99)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// dirSize is the bytes of the files under dir.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}

// peakRSS is the process's resident memory high-water mark, in bytes.
func peakRSS() int64 { return searchtest.ProcMemory()["VmHWM"] }

// rssSampler records the largest anonymous and file-backed resident memory
// of the process (RssAnon, RssFile) every 50 ms until stopped: VmHWM counts
// both, and the pages of segment files a merge maps are file-backed (the
// kernel drops them when memory is short), unlike the heap.
func rssSampler() (stop func() (anon, file int64)) {
	var maxAnon, maxFile int64
	read := func() {
		m := searchtest.ProcMemory()
		maxAnon, maxFile = max(maxAnon, m["RssAnon"]), max(maxFile, m["RssFile"])
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			read()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() (int64, int64) {
		close(done)
		<-finished
		read()
		return maxAnon, maxFile
	}
}

// BenchmarkCorpusIndexing builds the index of each corpus b.N times, as
// the first start and proact reindex do, and nothing else: the rate, the CPU
// time per document and the peak memory of a full build.
func BenchmarkCorpusIndexing(b *testing.B) {
	concepts := benchConcepts(b)
	for _, n := range benchSizes(b) {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			store := modelstest.BigCorpusStore(b, models.SQLite, n)
			ctx := context.Background()
			var docs uint64
			var wall, cpu time.Duration
			b.ResetTimer()
			for range b.N {
				dir := b.TempDir()
				runtime.GC()
				sample := rssSampler()
				start, cpu0 := time.Now(), searchtest.CPUTime()
				// The build's own log line gives its phases (read, built, merged).
				ix, err := Start(ctx, Config{Dir: dir, Store: store, Log: slog.New(slog.NewTextHandler(os.Stderr, nil)), Concepts: concepts})
				if err != nil {
					b.Fatal(err)
				}
				if err := ix.WaitReady(ctx); err != nil {
					b.Fatal(err)
				}
				took, used := time.Since(start), searchtest.CPUTime()-cpu0
				wall, cpu = wall+took, cpu+used
				anon, file := sample()
				docs, _ = ix.DocCount()
				b.Logf("%d documents in %v (%.0f/s), %.2f s of CPU per 1,000 documents, load %s, index %.1f MiB, peak RSS %.0f MiB (largest anonymous %.0f MiB, file-backed %.0f MiB), GOGC %q",
					docs, took.Round(time.Millisecond), float64(docs)/took.Seconds(), used.Seconds()*1000/float64(docs), searchtest.LoadAverage(),
					float64(dirSize(dir))/(1<<20), float64(peakRSS())/(1<<20), float64(anon)/(1<<20), float64(file)/(1<<20), os.Getenv("GOGC"))
				_ = ix.Close()
			}
			b.StopTimer()
			b.ReportMetric(float64(docs)*float64(b.N)/wall.Seconds(), "index-docs/s")
			b.ReportMetric(cpu.Seconds()*1000/(float64(docs)*float64(b.N)), "cpu-s/1k-docs")
			b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
		})
	}
}

// benchIndexDir is where a corpus's index is kept between runs when
// PROACT_BENCH_KEEP_INDEX is set (for working on queries), else a new folder.
func benchIndexDir(b *testing.B, n int) string {
	if os.Getenv("PROACT_BENCH_KEEP_INDEX") == "" {
		return b.TempDir()
	}
	cache := os.Getenv("PROACT_BENCH_CACHE")
	if cache == "" {
		cache = filepath.Join(os.TempDir(), "proact-bench")
	}
	return filepath.Join(cache, fmt.Sprintf("index-%d-v%d-m%d", n, modelstest.BigCorpusVersion, MappingVersion))
}

// BenchmarkCorpus builds each corpus on SQLite, indexes it (the bulk
// indexing rate, as the first start and proact reindex do), then runs the
// 500 queries as a visitor, once to warm up and then b.N rounds; it reports
// p50/p95/p99 per class and overall, the index size and memory.
func BenchmarkCorpus(b *testing.B) {
	concepts := benchConcepts(b)
	queries := benchQueries(b, concepts)
	for _, n := range benchSizes(b) {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			store := modelstest.BigCorpusStore(b, models.SQLite, n)
			ctx := context.Background()
			dir := benchIndexDir(b, n)
			runtime.GC()
			start, buildCPU0 := time.Now(), searchtest.CPUTime()
			ix, err := Start(ctx, Config{Dir: dir, Store: store, Log: quietLog(), Concepts: concepts})
			if err != nil {
				b.Fatal(err)
			}
			defer ix.Close()
			if err := ix.WaitReady(ctx); err != nil {
				b.Fatal(err)
			}
			build, buildCPU := time.Since(start), searchtest.CPUTime()-buildCPU0
			docs, _ := ix.DocCount()
			var ms0 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms0)
			b.Logf("%d notes: %d documents ready in %v (%.0f documents/s; %.2f s of CPU per 1,000 documents; load %s), index %.1f MiB, heap after GC %.1f MiB, peak RSS so far %.1f MiB",
				n, docs, build.Round(time.Millisecond), float64(docs)/build.Seconds(), buildCPU.Seconds()*1000/float64(docs), searchtest.LoadAverage(),
				float64(dirSize(dir))/(1<<20), float64(ms0.HeapAlloc)/(1<<20), float64(peakRSS())/(1<<20))
			for _, q := range queries { // warm up
				if _, err := ix.Search(ctx, visitor, q.q); err != nil {
					b.Fatalf("%q: %v", q.q.Text, err)
				}
			}
			byClass := map[string][]time.Duration{}
			var all []time.Duration
			hits := map[string]uint64{}
			// CPU time says what the wall clock cannot on a shared machine:
			// the process's per query (the garbage collector's included),
			// and this thread's per class (the searches run on it).
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpuByClass := map[string]time.Duration{}
			var cpuAll []time.Duration // each search's, on this thread
			cpu0 := searchtest.CPUTime()
			b.ResetTimer()
			for range b.N {
				for _, q := range queries {
					// Labelled by class for CPU profiles (pprof -tagfocus class=or2).
					pprof.Do(ctx, pprof.Labels("class", q.class), func(ctx context.Context) {
						c0, t0 := searchtest.ThreadCPUTime(), time.Now()
						res, err := ix.Search(ctx, visitor, q.q)
						d := time.Since(t0)
						c := searchtest.ThreadCPUTime() - c0
						cpuByClass[q.class] += c
						cpuAll = append(cpuAll, c)
						if err != nil {
							b.Fatal(err)
						}
						byClass[q.class] = append(byClass[q.class], d)
						all = append(all, d)
						hits[q.class] += res.Total
					})
				}
			}
			b.StopTimer()
			cpu := searchtest.CPUTime() - cpu0
			b.ReportMetric(ms(cpu)/float64(len(all)), "cpu-ms/query")
			p50, p95, p99 := percentiles(all)
			b.ReportMetric(ms(p50), "p50-ms")
			b.ReportMetric(ms(p95), "p95-ms")
			b.ReportMetric(ms(p99), "p99-ms")
			b.ReportMetric(float64(docs)/build.Seconds(), "index-docs/s")
			b.ReportMetric(buildCPU.Seconds()*1000/float64(docs), "index-cpu-s/1k-docs")
			b.ReportMetric(float64(dirSize(dir))/(1<<20), "index-MiB")
			b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
			classes := make([]string, 0, len(byClass))
			for c := range byClass {
				classes = append(classes, c)
			}
			sort.Strings(classes)
			for _, c := range classes {
				p50, p95, p99 := percentiles(byClass[c])
				b.Logf("%-13s %4d queries × %d: p50 %6.2f ms  p95 %6.2f ms  p99 %6.2f ms  mean hits %d  CPU %.2f ms/query",
					c, len(byClass[c])/b.N, b.N, ms(p50), ms(p95), ms(p99), hits[c]/uint64(len(byClass[c])),
					ms(cpuByClass[c])/float64(len(byClass[c])))
			}
			// The percentiles of each search's own CPU time say what the
			// wall-clock ones would be on an idle machine, without the
			// waiting for a core.
			c50, c95, c99 := percentiles(cpuAll)
			b.ReportMetric(ms(c99), "cpu-p99-ms")
			fmt.Fprintf(os.Stderr, "corpus %d: p50 %.2f ms p95 %.2f ms p99 %.2f ms over %d searches; CPU %.2f ms/query (process), per search (thread) p50 %.2f p95 %.2f p99 %.2f ms (load %s)\n",
				n, ms(p50), ms(p95), ms(p99), len(all), ms(cpu)/float64(len(all)), ms(c50), ms(c95), ms(c99), searchtest.LoadAverage())
		})
	}
}
