package search

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	zap "github.com/blevesearch/zapx/v17"

	"proact/models"
)

// A full build (first start, proact reindex, a new mapping) writes the new
// generation offline, without a live scorch index: no introducer, persister
// or merger, no unpersisted segments piling up in memory, no segment merged
// again and again as the index grows.
//
//   - One goroutine reads the database (sources' Scan) and hands documents
//     out; bulkWorkers goroutines each map and analyse documents and build a
//     segment of bulkSegmentDocs of them, which they write to a file at once
//     (memory: one batch per worker).
//   - Once every document is in a segment, they are merged into one final
//     segment per worker (bulkParts), side by side, each in one pass (up to
//     mergeFanIn segments): every document is merged once, and no core waits
//     for the other's merge.
//   - The folder around those segments (index_meta.json, store/root.bolt
//     with the mapping) comes from Bleve's own offline builder
//     (bleve.NewBuilder, index/scorch.Builder), given the first document
//     only, then an ordinary open of the index given one held-back document
//     for each further final segment (placeholders). Each of those
//     one-document segments is the first of a merge's inputs, and the merged
//     file takes its name. Bleve's root.bolt names a segment's file and
//     nothing of its content (see index/scorch/persister.go,
//     prepareBoltSnapshot: the file's name, its deleted documents, and
//     vector statistics), so the index opens with every document. The
//     builder itself is not used for the rest: it analyses and builds every
//     segment under one lock (one core), writes its segments to the
//     system's temporary folder by default, merges them ten at a time
//     (every document twice at 100,000), has no SetInternal, and panics on
//     Close when it was given no document.
//   - The mapping version and the outbox position are written by that same
//     open of the index, before the merges.
//
// The segment format is zap v17, Bleve's default: TestBulkSegmentsAreScorchDefault
// checks that a live scorch index writes the same version.
const bulkBuildDir = "bulk-build"

// bulkSegmentDocs is the most documents of one segment. Each segment holds
// documents of one language where it can: a segment's dictionaries are
// then one language's words, and a segment of 500 notes of every language
// had nearly as many distinct terms as terms (80 a note), so that writing
// the dictionaries, and merging them, took most of a build. Segments of
// one language each took about 40% less CPU time (BENCHMARKS.md); the
// notes' Scan gives them a language at a time. A variable so that tests
// can reach its boundaries with a few notes.
var bulkSegmentDocs = 500

// bulkMinDocs is the least of one language sent as a segment before the
// end of the scan (the rest goes into the last segments).
func bulkMinDocs() int { return max(bulkSegmentDocs/4, 1) }

var zapPlugin = &zap.ZapPlugin{}

// bulkWorkers is how many goroutines analyse documents and build segments.
func bulkWorkers() int { return min(max(runtime.GOMAXPROCS(0), 1), 4) }

// bulkDoc is one document to index.
type bulkDoc struct {
	id  string
	doc *Document // mapped to fields by the worker that analyses it
}

// bulkBatch is the documents of one segment, seq-th in the scan's order.
type bulkBatch struct {
	seq  int
	docs []bulkDoc
}

// bulkGCPercent is the garbage collector's target (GOGC) while a full build
// runs, when the process's own is lower: a build allocates a great deal of
// short-lived memory (the analysed documents, each segment's interim
// tables), and at GOGC 100 the collector and its write barriers took about a
// sixth of a build's CPU time. bulkMemoryLimit then bounds the heap
// (debug.SetMemoryLimit, a soft limit: the collector runs earlier as the
// heap nears it), unless the process's own limit is lower. Both come back
// once no build runs, so the serving heap is what it was (the index also
// returns the build's memory to the system, debug.FreeOSMemory, once the
// new generation is in use).
const (
	bulkGCPercent   = 400
	bulkMemoryLimit = 1 << 30
)

var bulkGC struct {
	sync.Mutex
	builds   int // running builds
	percent  int // the GOGC to restore
	limit    int64
	setLimit bool
}

// raiseGC raises GOGC to bulkGCPercent and lowers the memory limit to
// bulkMemoryLimit for a build (never lowering GOGC, never turning a
// disabled collector on, never raising a limit), and returns what restores
// both once the last running build is done.
func raiseGC() (restore func()) {
	bulkGC.Lock()
	defer bulkGC.Unlock()
	if bulkGC.builds == 0 {
		bulkGC.percent = debug.SetGCPercent(bulkGCPercent)
		if bulkGC.percent < 0 || bulkGC.percent > bulkGCPercent {
			debug.SetGCPercent(bulkGC.percent)
		}
		bulkGC.limit = debug.SetMemoryLimit(-1)
		if bulkGC.setLimit = bulkGC.limit > bulkMemoryLimit; bulkGC.setLimit {
			debug.SetMemoryLimit(bulkMemoryLimit)
		}
	}
	bulkGC.builds++
	return func() {
		bulkGC.Lock()
		defer bulkGC.Unlock()
		if bulkGC.builds--; bulkGC.builds == 0 {
			debug.SetGCPercent(bulkGC.percent)
			if bulkGC.setLimit {
				debug.SetMemoryLimit(bulkGC.limit)
			}
		}
	}
}

// bulkWrite writes every document of every source into a new index at path
// (a folder that does not exist yet), with the mapping version and, once
// everything is written, the outbox position head.
func (ix *Index) bulkWrite(ctx context.Context, path string, head models.OutboxPosition) error {
	defer raiseGC()()
	start := time.Now()
	total := 0
	for _, s := range ix.sources {
		n, err := s.Count(ctx)
		if err != nil {
			return err
		}
		total += n
	}
	ix.progress(0, total)
	tmp := filepath.Join(path, bulkBuildDir)
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		return fmt.Errorf("search: unable to create %s: %w", tmp, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Batches in the order of the scan, numbered: the merge keeps that
	// order, so that the same database gives the same index.
	batches := make(chan bulkBatch, 2) // a batch ready whenever a worker is free: reading takes a seventh of the time analysing does
	var (
		mu   sync.Mutex
		segs = map[int]builtSeg{}
		werr error
		done atomic.Int64
		wg   sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if werr == nil {
			werr = err
		}
		mu.Unlock()
		cancel()
	}
	for range bulkWorkers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			memo := newMemoAnalyzers()
			for b := range batches {
				file := filepath.Join(tmp, fmt.Sprintf("%06d.zap", b.seq))
				if err := ix.buildSegment(b.docs, memo, file); err != nil {
					fail(err)
					return
				}
				mu.Lock()
				segs[b.seq] = builtSeg{file: file, docs: len(b.docs)}
				mu.Unlock()
				ix.progress(int(done.Add(int64(len(b.docs)))), total)
			}
		}()
	}

	// The shell: Bleve's offline builder, given the first document. The
	// next ones (one for each final segment after the first) are held back
	// for placeholders (below).
	var shell bleve.Builder
	parts := bulkParts(total)
	var held []bulkDoc
	seen := make(map[string]struct{}, total)
	// A batch per language (see bulkSegmentDocs), sent when full, or when
	// the scan moves on to another language with at least bulkMinDocs of it;
	// the rest at the end (below).
	pending := map[string][]bulkDoc{}
	var langs []string
	last := ""
	seq := 0
	send := func(lang string) error {
		seq++
		select {
		case batches <- bulkBatch{seq: seq, docs: pending[lang]}:
			pending[lang] = nil
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var scanErr error
	for _, s := range ix.sources {
		scanErr = s.Scan(ctx, func(d *Document) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			id := docID(d.Kind, d.ID)
			if _, dup := seen[id]; dup {
				return nil // a document must be given once (scorch.Builder's rule too)
			}
			seen[id] = struct{}{}
			ix.addLanguage(d.Language)
			if shell == nil {
				b, err := bleve.NewBuilder(path, ix.mapping, map[string]any{"buildPathPrefix": tmp})
				if err != nil {
					return fmt.Errorf("search: unable to start the index: %w", err)
				}
				shell = b
				if err := shell.Index(id, d.fields()); err != nil {
					return fmt.Errorf("search: unable to index %s %s: %w", d.Kind, d.Slug, err)
				}
				return nil
			}
			if len(held) < parts-1 {
				held = append(held, bulkDoc{id: id, doc: d})
				return nil
			}
			lang := d.Language
			if lang != last && len(pending[last]) >= bulkMinDocs() {
				if err := send(last); err != nil {
					return err
				}
			}
			last = lang
			if _, ok := pending[lang]; !ok {
				langs = append(langs, lang)
			}
			pending[lang] = append(pending[lang], bulkDoc{id: id, doc: d})
			if len(pending[lang]) < bulkSegmentDocs {
				return nil
			}
			return send(lang)
		})
		if scanErr != nil {
			break
		}
	}
	// What is left (languages with fewer than bulkMinDocs at a time: the
	// kinds other than notes, whose scans mix languages) goes into as few
	// segments as it fills: a segment each would be dozens of tiny ones for
	// the merge.
	var rest []bulkDoc
	for _, lang := range langs {
		rest = append(rest, pending[lang]...)
		pending[lang] = nil
	}
	for len(rest) > 0 && scanErr == nil {
		n := min(len(rest), bulkSegmentDocs)
		pending[""], rest = rest[:n:n], rest[n:]
		scanErr = send("")
	}
	close(batches)
	read := time.Since(start)
	wg.Wait()
	built := time.Since(start)
	if werr != nil {
		return werr
	}
	if scanErr != nil {
		return scanErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if shell == nil { // nothing to index: an ordinary empty index
		_ = os.RemoveAll(tmp)
		idx, err := bleve.NewUsing(path, ix.mapping, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, boltConfig())
		if err != nil {
			return fmt.Errorf("search: unable to create the index: %w", err)
		}
		return finishBulk(idx, head)
	}
	if err := shell.Close(); err != nil {
		return fmt.Errorf("search: unable to write the index: %w", err)
	}
	finals, err := ix.placeholders(path, held, head)
	if err != nil {
		return err
	}
	groups := bulkGroups(finals, segs)
	errs := make([]error, len(groups))
	var mg sync.WaitGroup
	for i, g := range groups {
		mg.Go(func() {
			out := filepath.Join(tmp, fmt.Sprintf("merged-%d.zap", i))
			if errs[i] = mergeFiles(ctx, g, out); errs[i] == nil {
				errs[i] = os.Rename(out, g[0])
			}
		})
	}
	mg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("search: unable to write the index: %w", err)
	}
	merged := time.Since(start)
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("search: unable to write the index: %w", err)
	}
	ix.log.Info("search index built", "documents", len(seen), "segments", len(segs)+len(finals),
		"final", len(finals), "read", read.Round(time.Millisecond), "built", built.Round(time.Millisecond),
		"merged", merged.Round(time.Millisecond), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// bulkFinalDocs is the fewest documents a full build puts in each of its
// final segments. A build merges its segments into one per worker, side by
// side (bulkParts): one merge into one segment ran on one core, a quarter
// of a build of 10,000 notes with the other core idle. Scorch's merge
// policy leaves such an index as it is: segments of a few thousand
// documents or more, fewer than ten of them, are within its budget
// (mergeplan.CalcBudget), and a search reads each segment's postings in
// turn, with the counts of every segment summed. One thing does depend on
// how the documents are split, in any scorch index (a live one merged its
// own way too): BM25's average field length, which Bleve takes as the sum
// over segments of each one's distinct terms of the field, divided by the
// documents (IndexSnapshot.FieldCardinality). A word in two segments counts
// twice, so that two final segments score a hit about 2% higher than one
// would (TestAttack9CorpusRebuildAnswersAsLivePath, which compares scores
// to 12 digits, builds one); every hit of a search is scored with the same
// average, and the order moves only between hits whose scores were that
// close. A variable so that tests reach two final segments with a few
// notes.
var bulkFinalDocs = 2000

// bulkParts is how many final segments a build of total documents makes.
func bulkParts(total int) int { return max(1, min(bulkWorkers(), total/bulkFinalDocs)) }

// placeholders gives each final segment of a build its file and its place
// in the index: the shell's segment (the first document), then a segment
// of one held-back document each, indexed through an ordinary open of the
// index so that scorch records each in root.bolt (as it would a batch of
// its own). The merges then replace each file with the final segment that
// begins with that document. The open does not merge (no segment is
// eligible with a MaxSegmentSize of 1); it also records the mapping
// version and the outbox position. It returns the files in their order.
func (ix *Index) placeholders(path string, held []bulkDoc, head models.OutboxPosition) ([]string, error) {
	cfg := boltConfig()
	cfg["scorchMergePlanOptions"] = map[string]any{"MaxSegmentSize": 1}
	idx, err := bleve.OpenUsing(path, cfg)
	if err != nil {
		return nil, fmt.Errorf("search: unable to open the new index: %w", err)
	}
	files, err := func() ([]string, error) {
		for _, d := range held {
			if err := idx.Index(d.id, d.doc.fields()); err != nil {
				return nil, fmt.Errorf("search: unable to index %s: %w", d.id, err)
			}
		}
		return segmentFiles(idx)
	}()
	if err != nil {
		_ = idx.Close()
		return nil, err
	}
	if len(files) != len(held)+1 {
		_ = idx.Close()
		return nil, fmt.Errorf("search: the new index has %d segments, want %d", len(files), len(held)+1)
	}
	return files, finishBulk(idx, head)
}

// segmentFiles is the files of an open index's segments, in their order.
func segmentFiles(idx bleve.Index) ([]string, error) {
	adv, err := idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("search: unable to read the new index: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("search: unable to read the new index: %w", err)
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("search: the new index is %T, not scorch", r)
	}
	var files []string
	for _, s := range snap.Segments() {
		p, ok := s.Segment().(segment.PersistedSegment)
		if !ok || s.Count() != 1 {
			return nil, fmt.Errorf("search: a segment of the new index is not written yet (%T, %d documents)", s.Segment(), s.Count())
		}
		files = append(files, p.Path())
	}
	return files, nil
}

// builtSeg is a segment a worker wrote: its file and how many documents it holds.
type builtSeg struct {
	file string
	docs int
}

// bulkGroups splits the built segments (numbered in the scan's order) into
// one run for each final segment, of about the same number of documents,
// each run after its final segment's file.
func bulkGroups(finals []string, segs map[int]builtSeg) [][]string {
	total := 0
	for _, s := range segs {
		total += s.docs
	}
	groups := make([][]string, len(finals))
	for i, f := range finals {
		groups[i] = []string{f}
	}
	sum := 0
	for _, n := range slices.Sorted(maps.Keys(segs)) {
		i := min(sum*len(finals)/max(total, 1), len(finals)-1)
		groups[i] = append(groups[i], segs[n].file)
		sum += segs[n].docs
	}
	return groups
}

// finishBulk records the mapping version and the outbox position, and
// closes the index.
func finishBulk(idx bleve.Index, head models.OutboxPosition) error {
	err := idx.SetInternal(keyMappingVersion, []byte(fmt.Sprint(MappingVersion)))
	if err == nil {
		err = writeBatch(idx, idx.NewBatch(), head)
	}
	if cerr := idx.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("search: unable to write the index: %w", err)
	}
	return nil
}

// analysed maps a document through the index mapping and analyses its
// fields, as scorch does before building a segment (index/scorch.analyze),
// with the worker's memo analyzers (memo.go).
func (ix *Index) analysed(d bulkDoc, memo *memoAnalyzers) (index.Document, error) {
	doc := document.NewDocument(d.id)
	fields, shared := d.doc.fieldsShared()
	if err := ix.mapping.MapDocument(doc, fields); err != nil {
		return nil, fmt.Errorf("search: unable to index %s: %w", d.id, err)
	}
	memo.memoFields(doc)
	shareTokens(doc, shared)
	doc.AddIDField()
	doc.VisitFields(func(f index.Field) {
		if !f.Options().IsIndexed() {
			return
		}
		f.Analyze()
		if doc.HasComposite() && f.Name() != "_id" {
			doc.VisitComposite(func(cf index.CompositeField) {
				cf.Compose(f.Name(), f.AnalyzedLength(), f.AnalyzedTokenFrequencies())
			})
		}
	})
	return doc, nil
}

// buildSegment analyses documents, builds their segment and writes it to
// file.
func (ix *Index) buildSegment(batch []bulkDoc, memo *memoAnalyzers, file string) error {
	docs := make([]index.Document, len(batch))
	for i, d := range batch {
		doc, err := ix.analysed(d, memo)
		if err != nil {
			return err
		}
		docs[i] = doc
	}
	seg, _, err := zapPlugin.New(docs)
	if err != nil {
		return fmt.Errorf("search: unable to build a segment: %w", err)
	}
	defer seg.Close()
	p, ok := seg.(segment.UnpersistedSegment)
	if !ok {
		return fmt.Errorf("search: segment %T cannot be written", seg)
	}
	if err := p.Persist(file); err != nil {
		return fmt.Errorf("search: unable to write a segment: %w", err)
	}
	return nil
}

// mergeFanIn bounds the segment files one merge opens (and maps) at once:
// 100,000 notes make 201, and a process may hold 1,024 files open. More
// are merged in rounds of groups, in their order, each group's files in the
// build folder removed once merged.
var mergeFanIn = 256

// mergeFiles merges segment files into one new file, in their order.
func mergeFiles(ctx context.Context, files []string, out string) error {
	tmp := filepath.Dir(out)
	for round := 1; len(files) > mergeFanIn; round++ {
		var next []string
		for i := 0; i < len(files); i += mergeFanIn {
			group := files[i:min(len(files), i+mergeFanIn)]
			if len(group) == 1 {
				next = append(next, group[0])
				continue
			}
			f := fmt.Sprintf("%s.round%d-%06d", out, round, i) // the merges of a build's final segments run side by side
			if err := mergeOnce(ctx, group, f); err != nil {
				return err
			}
			for _, g := range group {
				if filepath.Dir(g) == tmp {
					_ = os.Remove(g)
				}
			}
			next = append(next, f)
		}
		files = next
	}
	return mergeOnce(ctx, files, out)
}

// mergeOnce merges segment files into one new file, in their order.
func mergeOnce(ctx context.Context, files []string, out string) error {
	segs := make([]segment.Segment, 0, len(files))
	defer func() {
		for _, s := range segs {
			_ = s.Close()
		}
	}()
	for _, f := range files {
		s, err := zapPlugin.Open(f)
		if err != nil {
			return fmt.Errorf("search: unable to open segment %s: %w", filepath.Base(f), err)
		}
		segs = append(segs, s)
	}
	closeCh := make(chan struct{})
	stop := context.AfterFunc(ctx, func() { close(closeCh) })
	defer stop()
	if _, _, err := zapPlugin.Merge(segs, make([]*roaring.Bitmap, len(segs)), out, closeCh, nil); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("search: unable to merge the index: %w", err)
	}
	return nil
}
