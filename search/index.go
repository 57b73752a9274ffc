// Package search keeps a Bleve full-text index of the portal's content in step
// with the database: the mapping (each language analysed by its own rules),
// the indexer that follows the outbox, and full rebuilds.
package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	bolterrors "go.etcd.io/bbolt/errors"

	"proact/models"
)

// MappingVersion changes whenever the mapping does; an index built with
// another version is rebuilt from the database at start.
const MappingVersion = 7 // 7: a lower case that moves the rest of a term when a rune shrinks (İstanbul)

var (
	keyMappingVersion = []byte("proact:mapping_version")
	keyOutboxPos      = []byte("proact:outbox_position")
)

// Index is the search index of one instance. Each instance has its own folder
// (Bleve holds a file lock) and follows the shared outbox.
type Index struct {
	dir      string
	store    *models.Store
	log      *slog.Logger
	now      func() time.Time
	sources  []Source
	byKind   map[string]Source
	glossary *glossary
	mapping  mapping.IndexMapping

	mu  sync.RWMutex // guards gen: searches hold it to read, a swap to write
	gen *generation

	applyMu sync.Mutex // serialises applying the outbox and swapping generations
	// pos is how far the outbox has been applied for good (see
	// models.OutboxPosition); ahead holds the ids of entries past it that
	// were applied already but are not final yet, so they are not applied
	// again on every poll.
	pos   models.OutboxPosition
	ahead map[uint64]bool
	// changes counts the batches of the outbox applied and the generations
	// installed: what searches answer moves only when it does (Changes).
	changes atomic.Uint64
	wake    chan struct{}
	// consumer names this index among the outbox's consumers, whose
	// positions hold back pruning.
	consumer  string
	retention models.OutboxRetention

	langMu sync.RWMutex
	langs  map[string]bool // languages with documents: the fields worth querying

	statusMu sync.Mutex
	status   Status

	searches atomic.Uint64 // searches run (Searches)
	ready    chan struct{} // closed once a generation is in use
	readyOne sync.Once
	hold     <-chan struct{}
	// listening is closed when the PostgreSQL listener first connects.
	listening  chan struct{}
	listenOnce sync.Once
	// stopBuild cancels a background build; building waits for it; bg is
	// the context such builds run in (nil for proact reindex's index).
	stopBuild context.CancelFunc
	building  sync.WaitGroup
	bg        context.Context
	// unopenable is the generation CURRENT named that followCurrent could
	// not open (under applyMu), so that it is not tried and logged again
	// at every poll.
	unopenable string
	// instance is the serving instance's lock on the folder (lockInstance);
	// nil for proact reindex's index, which builds beside a running one.
	instanceMu sync.Mutex
	instance   func()
}

// Config is what an index needs.
type Config struct {
	// Dir is this instance's index folder (PROACT_INDEX_DIR).
	Dir   string
	Store *models.Store
	Log   *slog.Logger
	// Sources are the kinds of document to index; nil means DefaultSources.
	Sources []Source
	// Concepts is the glossary that expands queries across languages; nil
	// means the one embedded in the binary (GlossaryConcepts).
	Concepts []Concept
	// Hold, when set, makes every build wait until it is closed: lets tests
	// look at the index while it is being built.
	Hold <-chan struct{}
}

// Changes is a number that moves whenever what this index answers may have
// changed (an outbox batch applied, a generation installed), after the change
// is visible to searches: a page made of its answers may be kept until it
// moves (the portal's page cache).
func (ix *Index) Changes() uint64 { return ix.changes.Load() }

// Open opens the index in dir, or builds it from the database when it is
// missing, from another mapping version, or unusable, and returns once it
// can answer searches: for the command line and tests. See Start.
func Open(ctx context.Context, dir string, store *models.Store, log *slog.Logger) (*Index, error) {
	ix, err := Start(ctx, Config{Dir: dir, Store: store, Log: log})
	if err != nil {
		return nil, err
	}
	if err := ix.WaitReady(ctx); err != nil {
		_ = ix.Close()
		return nil, err
	}
	return ix, nil
}

// Start opens the index and returns at once. When the index is missing,
// from another mapping version, or unusable (a crash or a failing disk can
// leave files that Bleve refuses, or that make bbolt and zapx panic), it is
// rebuilt from the database in the background while the portal serves:
// searches answer ErrUnavailable until it is ready. The database is the
// source of truth, so the index is rebuilt rather than the start refused;
// only another process holding the folder stops it.
func Start(ctx context.Context, c Config) (*Index, error) {
	release, err := lockInstance(c.Dir)
	if err != nil {
		return nil, err
	}
	ix, err := newIndex(c)
	if err != nil {
		release()
		return nil, err
	}
	ix.instance = release
	g, err := ix.openCurrent(ctx)
	if err != nil {
		ix.unlockInstance()
		return nil, err
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ix.stopBuild, ix.bg = cancel, bg
	if g != nil {
		ix.install(g) // removes what earlier builds left, too
		return ix, ix.saveConsumer(ctx)
	}
	removeStale(c.Dir, "")
	ix.setStatus(Status{State: StateBuilding, Started: ix.now()})
	ix.building.Add(1)
	go ix.buildUntilDone(bg)
	return ix, nil
}

func newIndex(c Config) (*Index, error) {
	if c.Log == nil {
		c.Log = slog.Default()
	}
	ix := &Index{dir: c.Dir, store: c.Store, log: c.Log, hold: c.Hold,
		now: func() time.Time { return time.Now().UTC() }, wake: make(chan struct{}, 1),
		langs: map[string]bool{}, ahead: map[uint64]bool{}, retention: models.DefaultOutboxRetention,
		ready: make(chan struct{}), listening: make(chan struct{})}
	if c.Sources == nil {
		c.Sources = DefaultSources(c.Store)
	}
	ix.sources, ix.byKind = c.Sources, map[string]Source{}
	for _, s := range c.Sources {
		ix.byKind[outboxKind(s)] = s
	}
	if c.Concepts == nil {
		g, err := embeddedGlossary()
		if err != nil {
			return nil, err
		}
		ix.glossary = g
	} else {
		ix.glossary = newGlossary(c.Concepts, languageCodes())
	}
	ix.mapping = newMapping()
	if err := os.MkdirAll(c.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("search: unable to create %s: %w", c.Dir, err)
	}
	var err error
	if ix.consumer, err = consumerName(c.Dir); err != nil {
		return nil, err
	}
	return ix, nil
}

// Reindex builds a new generation of the index in c.Dir from the database,
// beside the one in use, and makes it current, without touching the live
// one: a portal serving from the folder switches to it at its next poll
// (see Run) and removes the old one; with no portal running, Reindex
// removes it. It returns how many documents of each kind it indexed.
func Reindex(ctx context.Context, c Config) (map[string]uint64, error) {
	ix, err := newIndex(c)
	if err != nil {
		return nil, err
	}
	old, err := readCurrent(c.Dir)
	if err != nil {
		return nil, err
	}
	g, unlock, err := ix.build(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := kindCounts(g.idx)
	if err == nil {
		err = writeCurrent(c.Dir, g.name)
	}
	if cerr := g.idx.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.RemoveAll(filepath.Join(c.Dir, g.name))
		unlock()
		return nil, err
	}
	unlock()
	if old != "" && !inUse(filepath.Join(c.Dir, old)) {
		_ = os.RemoveAll(filepath.Join(c.Dir, old))
	}
	removeStale(c.Dir, g.name)
	return counts, nil
}

// followCurrent switches to the generation CURRENT names when another
// process (proact reindex) has made a new one.
func (ix *Index) followCurrent() {
	name, err := readCurrent(ix.dir)
	if err != nil || name == "" || name == ix.generationName() {
		return
	}
	ix.applyMu.Lock()
	defer ix.applyMu.Unlock()
	if name == ix.generationName() {
		return
	}
	if name == ix.unopenable {
		return // said once: CURRENT names a generation once it is complete, and it does not heal
	}
	g, err := openGeneration(ix.dir, name)
	if err != nil {
		if errors.Is(err, errInUse) {
			return // proact reindex names it just before it closes it: next poll
		}
		ix.unopenable = name
		ix.log.Warn("search index: the generation CURRENT names cannot be opened; not switching to it", "generation", name, "err", err)
		return
	}
	ix.log.Info("search index: switching to a generation built by proact reindex", "generation", name)
	ix.install(g)
}

// kindCounts counts the documents of each kind.
func kindCounts(idx bleve.Index) (map[string]uint64, error) {
	dict, err := idx.FieldDict(fKind)
	if err != nil {
		return nil, err
	}
	defer dict.Close()
	out := map[string]uint64{}
	for {
		e, err := dict.Next()
		if err != nil || e == nil {
			return out, err
		}
		out[e.Term] = e.Count
	}
}

// buildUntilDone builds the first generation, trying again (less and less
// often) while the database fails, until it succeeds or the index is closed.
func (ix *Index) buildUntilDone(ctx context.Context) {
	defer ix.building.Done()
	wait := 2 * time.Second
	for {
		err := ix.Rebuild(ctx)
		if err == nil {
			// A build allocates far more than serving needs; give it back
			// now rather than when the scavenger gets to it.
			debug.FreeOSMemory()
			if err := ix.saveConsumer(ctx); err != nil && ctx.Err() == nil {
				ix.log.Warn("search index: recording the outbox position", "err", err)
			}
			ix.Wake()
			return
		}
		if ctx.Err() != nil {
			return
		}
		ix.log.Error("search index: building from the database failed; trying again", "err", err, "in", wait)
		ix.setStatus(Status{State: StateFailed, Started: ix.Status().Started, Err: err.Error()})
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Minute)
	}
}

// abandon stops using a generation that failed to take a batch (its folder
// removed, a full or failing disk): scorch's state in memory is broken
// after a failed persist, and the next batch panicked in zapx, in the
// indexer's goroutine, killing the process; kept for searches only, it
// would go on answering what it held, a note since made members-only
// included. Searches answer ErrUnavailable until a rebuild from the
// database is in use, as on a first start.
func (ix *Index) abandon(g *generation, err error) {
	ix.mu.Lock()
	if ix.gen != g {
		ix.mu.Unlock()
		return
	}
	ix.gen = nil
	ix.changes.Add(1)
	ix.mu.Unlock()
	ix.log.Error("search index: writing to it failed; rebuilding from the database", "generation", g.name, "err", err)
	go func() { // Close may panic or wait on the broken state: never here
		defer func() { _ = recover() }()
		_ = g.idx.Close()
	}()
	_ = os.RemoveAll(filepath.Join(ix.dir, g.name))
	ix.setStatus(Status{State: StateBuilding, Started: ix.now()})
	if ix.bg == nil || ix.bg.Err() != nil {
		return
	}
	ix.relockInstance()
	ix.building.Add(1)
	go ix.buildUntilDone(ix.bg)
}

// openCurrent opens the generation CURRENT names, or returns nil when there
// is none usable (and says why in the log).
func (ix *Index) openCurrent(ctx context.Context) (*generation, error) {
	name, err := readCurrent(ix.dir)
	if err != nil || name == "" {
		if _, serr := os.Stat(filepath.Join(ix.dir, legacyIndex)); serr == nil {
			ix.log.Info("search index from an earlier version: rebuilding", "dir", ix.dir)
		}
		return nil, err
	}
	g, err := openGeneration(ix.dir, name)
	if errors.Is(err, errInUse) {
		return nil, fmt.Errorf("%w (%s)", errInUse, ix.dir)
	}
	if err != nil {
		ix.log.Warn("search index unusable: rebuilding from the database", "dir", ix.dir, "err", err)
		_ = os.RemoveAll(filepath.Join(ix.dir, name))
		return nil, nil
	}
	pos, _ := readPosition(g.idx)
	mark, err := ix.store.OutboxPruned(ctx)
	if err != nil {
		_ = g.idx.Close()
		return nil, err
	}
	if pos.Less(mark) {
		ix.log.Info("search index is behind the pruned outbox: rebuilding", "dir", ix.dir)
		_ = g.idx.Close()
		return nil, nil
	}
	return g, nil
}

// install makes g the generation searches and the indexer use, and closes
// and removes the one it replaces.
func (ix *Index) install(g *generation) {
	pos, _ := readPosition(g.idx)
	langs := map[string]bool{}
	if err := loadLanguages(g.idx, langs); err != nil {
		ix.log.Warn("search index languages", "err", err)
	}
	ix.mu.Lock()
	old := ix.gen
	ix.gen = g
	ix.pos, ix.ahead = pos, map[uint64]bool{}
	ix.changes.Add(1)
	ix.mu.Unlock()
	ix.langMu.Lock()
	ix.langs = langs
	ix.langMu.Unlock()
	ix.setStatus(Status{State: StateReady})
	ix.readyOne.Do(func() { close(ix.ready) })
	if old != nil {
		_ = old.idx.Close()
		_ = os.RemoveAll(filepath.Join(ix.dir, old.name))
	}
	removeStale(ix.dir, g.name)
}

func (ix *Index) generationName() string {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.gen == nil {
		return ""
	}
	return ix.gen.name
}

// current returns the generation in use, or nil.
func (ix *Index) current() *generation {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.gen
}

// boltConfig makes Bleve give up waiting for another process's file lock
// instead of blocking the start for ever.
func boltConfig() map[string]any { return map[string]any{"bolt_timeout": "2s"} }

func isLocked(err error) bool { return err != nil && errors.Is(err, bolterrors.ErrTimeout) }

// Close stops a build in progress and closes the index.
func (ix *Index) Close() error {
	if ix.stopBuild != nil {
		ix.stopBuild()
	}
	ix.building.Wait()
	defer ix.unlockInstance()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.gen == nil {
		return nil
	}
	err := ix.gen.idx.Close()
	ix.gen = nil
	return err
}

// lockInstance takes the folder for one serving instance until the
// returned function is called: a bolt file's lock, as lockBuild, let go of
// by a crash or kill -9 with the process. A generation's root.bolt says
// the same of a folder being served, but only once one is open: while the
// first generation or a rebuild is being built, a second instance started
// on the folder would build and serve its own beside it. The file is never
// removed (a process that removed it could leave two instances each
// holding a lock, on the old file and on a new one).
func lockInstance(dir string) (release func(), err error) {
	db, err := takeLock(dir, instanceLock)
	if isLocked(err) {
		return nil, fmt.Errorf("%w (%s)", errInUse, dir)
	}
	if err != nil {
		return nil, err
	}
	return func() { _ = db.Close() }, nil
}

// relockInstance takes the instance's lock again when its file is gone
// (the folder removed while serving), so that a second instance started
// during the rebuild is refused.
func (ix *Index) relockInstance() {
	ix.instanceMu.Lock()
	defer ix.instanceMu.Unlock()
	if ix.instance == nil {
		return
	}
	if _, err := os.Stat(filepath.Join(ix.dir, instanceLock)); err == nil {
		return
	}
	release, err := lockInstance(ix.dir)
	if err != nil {
		ix.log.Error("search index: unable to lock the folder again", "dir", ix.dir, "err", err)
		return
	}
	ix.instance()
	ix.instance = release
}

func (ix *Index) unlockInstance() {
	ix.instanceMu.Lock()
	defer ix.instanceMu.Unlock()
	if ix.instance != nil {
		ix.instance()
		ix.instance = nil
	}
}

// Ready reports whether the index can answer: open, and readable. While it
// is being built it returns an *UnavailableError saying how far it got.
func (ix *Index) Ready() error {
	g := ix.current()
	if g == nil {
		return ix.unavailable()
	}
	if _, err := g.idx.DocCount(); err != nil {
		return fmt.Errorf("search: index unreadable: %w", err)
	}
	return nil
}

// WaitReady blocks until the index can answer searches, or ctx ends.
func (ix *Index) WaitReady(ctx context.Context) error {
	select {
	case <-ix.ready:
		return ix.Ready()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// DocCount returns how many documents the index holds.
func (ix *Index) DocCount() (uint64, error) {
	g := ix.current()
	if g == nil {
		return 0, ix.unavailable()
	}
	return g.idx.DocCount()
}

// Rebuild builds a new generation of the index from the database beside the
// one in use, and swaps it in when it is complete.
func (ix *Index) Rebuild(ctx context.Context) error {
	g, unlock, err := ix.build(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	ix.applyMu.Lock()
	defer ix.applyMu.Unlock()
	if err := writeCurrent(ix.dir, g.name); err != nil {
		_ = g.idx.Close()
		_ = os.RemoveAll(filepath.Join(ix.dir, g.name))
		return err
	}
	ix.install(g)
	return nil
}

// build writes a complete new generation from the database, closes it and
// opens it again through the same checks as any generation. The generation
// holds its build lock (removeStale leaves it alone) until unlock is
// called, once CURRENT names it.
func (ix *Index) build(ctx context.Context) (g *generation, unlock func(), err error) {
	name := newGenerationName(ix.now())
	path := filepath.Join(ix.dir, name)
	fail := func(err error) (*generation, func(), error) {
		_ = os.RemoveAll(path)
		if unlock != nil {
			unlock()
		}
		return nil, nil, err
	}
	// Read the outbox position first: anything written during the build is
	// applied again afterwards, which is harmless.
	head, err := ix.store.OutboxHead(ctx)
	if err != nil {
		return nil, nil, err
	}
	if ix.current() == nil {
		// Hold back pruning from here on while the first build runs.
		if err := ix.store.SaveOutboxConsumer(ctx, ix.consumer, head); err != nil {
			return nil, nil, err
		}
	}
	if ix.hold != nil {
		select {
		case <-ix.hold:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
	// The generation's folder exists from here, locked: removeStale leaves
	// it alone while this process builds it, and removes what a crash left.
	if unlock, err = lockBuild(path); err != nil {
		return fail(err)
	}
	if err := ix.bulkWrite(ctx, path, head); err != nil {
		return fail(err)
	}
	if g, err = openGeneration(ix.dir, name); err != nil {
		return fail(err)
	}
	return g, unlock, nil
}
