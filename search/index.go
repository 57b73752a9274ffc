// Package search keeps a Bleve full-text index of the portal's content in step
// with the database: the mapping (each language analysed by its own rules),
// the indexer that follows the outbox, and a full rebuild.
package search

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/standard"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/microcosm-cc/bluemonday"
	bolterrors "go.etcd.io/bbolt/errors"

	"proact/models"
)

// MappingVersion changes whenever the mapping does; an index built with
// another version is rebuilt from the database at start.
const MappingVersion = 1

var (
	keyMappingVersion = []byte("proact:mapping_version")
	keyOutboxPos      = []byte("proact:outbox_position")
)

// Index is the search index of one instance. Each instance has its own folder
// (Bleve holds a file lock) and follows the shared outbox.
type Index struct {
	idx   bleve.Index
	path  string
	store *models.Store
	log   *slog.Logger
	text  *bluemonday.Policy

	mu sync.Mutex // serialises applying outbox entries
	// pos is how far the outbox has been applied for good (see
	// models.OutboxPosition); ahead holds the ids of entries past it that
	// were applied already but are not final yet, so they are not applied
	// again on every poll.
	pos   models.OutboxPosition
	ahead map[uint64]bool
	wake  chan struct{}
	ready bool
	// consumer names this index among the outbox's consumers, whose
	// positions hold back pruning.
	consumer  string
	retention models.OutboxRetention

	langMu sync.RWMutex
	langs  map[string]bool // languages with documents: the fields worth querying
}

// Open opens the index in dir, or builds it from the database when it is
// missing, from another mapping version, or unreadable (a crash can leave
// temporary files that stop Bleve from opening it: the database is the source
// of truth, so the index is rebuilt rather than the start refused).
func Open(ctx context.Context, dir string, store *models.Store, log *slog.Logger) (*Index, error) {
	ix := &Index{store: store, log: log, text: bluemonday.StrictPolicy(), wake: make(chan struct{}, 1),
		langs: map[string]bool{}, ahead: map[uint64]bool{}, retention: models.DefaultOutboxRetention}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("search: unable to create %s: %w", dir, err)
	}
	var err error
	if ix.consumer, err = consumerName(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "index.bleve")
	ix.path = path
	idx, err := bleve.OpenUsing(path, boltConfig())
	if isLocked(err) {
		return nil, fmt.Errorf("search: the index in %s is in use by another proact process: give each instance its own PROACT_INDEX_DIR", dir)
	}
	if err == nil {
		if v, _ := idx.GetInternal(keyMappingVersion); string(v) == strconv.Itoa(MappingVersion) {
			ix.idx = idx
			if s, _ := idx.GetInternal(keyOutboxPos); len(s) > 0 {
				_ = json.Unmarshal(s, &ix.pos)
			}
			if err := ix.loadLanguages(); err != nil {
				return nil, err
			}
			missed, err := ix.missedPruned(ctx)
			if err != nil {
				return nil, err
			}
			if !missed {
				ix.ready = true
				return ix, ix.saveConsumer(ctx)
			}
			log.Info("search index is behind the pruned outbox: rebuilding", "path", path)
		}
		if ix.idx == nil {
			log.Info("search index has another mapping version: rebuilding", "path", path)
		}
		ix.idx = nil
		_ = idx.Close()
	} else if !errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		log.Warn("search index unreadable: rebuilding from the database", "path", path, "err", err)
	}
	ix.path = path
	if err := ix.create(ctx); err != nil {
		return nil, err
	}
	return ix, ix.saveConsumer(ctx)
}

// create replaces whatever is at the index path by a new index built from
// the database.
func (ix *Index) create(ctx context.Context) error {
	if ix.idx != nil {
		_ = ix.idx.Close()
		ix.idx, ix.ready = nil, false
	}
	if err := os.RemoveAll(ix.path); err != nil {
		return fmt.Errorf("search: unable to remove the old index: %w", err)
	}
	idx, err := bleve.NewUsing(ix.path, newMapping(), bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, boltConfig())
	if err != nil {
		return fmt.Errorf("search: unable to create the index: %w", err)
	}
	ix.idx = idx
	if err := idx.SetInternal(keyMappingVersion, []byte(strconv.Itoa(MappingVersion))); err != nil {
		return fmt.Errorf("search: unable to write the index version: %w", err)
	}
	if err := ix.Rebuild(ctx); err != nil {
		return err
	}
	ix.ready = true
	return nil
}

// consumerName returns the name of this index folder among the outbox's
// consumers, made at random the first time.
func consumerName(dir string) (string, error) {
	path := filepath.Join(dir, "consumer")
	b, err := os.ReadFile(path)
	if err == nil && len(bytes.TrimSpace(b)) > 0 {
		return string(bytes.TrimSpace(b)), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("search: unable to read %s: %w", path, err)
	}
	host, _ := os.Hostname()
	name := strings.Trim(host+"-"+strings.ToLower(rand.Text()[:10]), "-")
	if err := os.WriteFile(path, []byte(name+"\n"), 0o640); err != nil {
		return "", fmt.Errorf("search: unable to write %s: %w", path, err)
	}
	return name, nil
}

// saveConsumer records the index's outbox position in the database.
func (ix *Index) saveConsumer(ctx context.Context) error {
	ix.mu.Lock()
	pos := ix.pos
	ix.mu.Unlock()
	return ix.store.SaveOutboxConsumer(ctx, ix.consumer, pos)
}

// missedPruned reports whether pruning removed outbox rows this index had
// not applied yet (it was stopped for longer than the retention).
func (ix *Index) missedPruned(ctx context.Context) (bool, error) {
	mark, err := ix.store.OutboxPruned(ctx)
	if err != nil {
		return false, err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.pos.Less(mark), nil
}

// Maintain records the index's position among the outbox's consumers and
// prunes the outbox behind the slowest live one; an index that finds rows it
// needed pruned (it was stopped too long) rebuilds. Run calls it every few
// minutes; now is the time pruning measures ages from.
func (ix *Index) Maintain(ctx context.Context, now time.Time) error {
	if err := ix.saveConsumer(ctx); err != nil {
		return err
	}
	n, err := ix.store.PruneOutbox(ctx, now, ix.retention)
	if err != nil {
		return err
	}
	if n > 0 {
		ix.log.Info("pruned the outbox", "rows", n)
	}
	missed, err := ix.missedPruned(ctx)
	if err != nil || !missed {
		return err
	}
	ix.log.Warn("search index is behind the pruned outbox: rebuilding")
	if err := ix.create(ctx); err != nil {
		return err
	}
	return ix.saveConsumer(ctx)
}

// boltConfig makes Bleve give up waiting for another process's file lock
// instead of blocking the start for ever.
func boltConfig() map[string]any { return map[string]any{"bolt_timeout": "2s"} }

func isLocked(err error) bool { return err != nil && errors.Is(err, bolterrors.ErrTimeout) }

// Close closes the index.
func (ix *Index) Close() error { return ix.idx.Close() }

// Ready reports whether the index can answer: open, and readable.
func (ix *Index) Ready() error {
	if !ix.ready {
		return errors.New("search: index not ready")
	}
	if _, err := ix.idx.DocCount(); err != nil {
		return fmt.Errorf("search: index unreadable: %w", err)
	}
	return nil
}

// DocCount returns how many documents the index holds.
func (ix *Index) DocCount() (uint64, error) { return ix.idx.DocCount() }

// analyzers maps a note's language to the Bleve analyzer for it; languages
// without one of their own in Bleve (Bulgarian, Czech, Greek, Irish, the
// Baltic languages ...) use the standard analyzer until the search issue
// builds theirs from Bleve's stop-word filters.
var analyzers = map[string]string{
	"ar": "ar", "da": "da", "de": "de", "en": "en", "es": "es", "fi": "fi", "fr": "fr",
	"hi": "hi", "hr": "hr", "hu": "hu",
	"it": "it", "nl": "nl", "pl": "pl", "pt": "pt", "ro": "ro", "ru": "ru", "sv": "sv", "tr": "tr",
}

func analyzerFor(lang string) string {
	if a, ok := analyzers[lang]; ok {
		return a
	}
	return standard.Name
}

// newMapping gives every language its own text fields (title_fr, body_fr):
// one field name analysed differently in different documents would get an
// arbitrary analyzer at query time.
func newMapping() mapping.IndexMapping {
	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = standard.Name
	doc := bleve.NewDocumentMapping()
	kw := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.DocValues = true // facets and sorting
		return f
	}
	for _, f := range []string{"type", "slug", "language", "countries", "topics", "sectors",
		"indicators", "target_groups", "visibility", "organisation"} {
		doc.AddFieldMappingsAt(f, kw())
	}
	date := bleve.NewDateTimeFieldMapping()
	doc.AddFieldMappingsAt("published", date)
	for _, lang := range models.Languages().Terms() {
		for _, f := range []string{"title", "summary", "body"} {
			tf := bleve.NewTextFieldMapping()
			tf.Analyzer = analyzerFor(lang)
			tf.Store = f != "body"
			tf.IncludeTermVectors = true // highlighting
			doc.AddFieldMappingsAt(f+"_"+lang, tf)
		}
	}
	m.DefaultMapping = doc
	return m
}

// document is what the index holds for one entity.
type document map[string]any

func docID(kind string, id uint) string { return kind + ":" + strconv.FormatUint(uint64(id), 10) }

func (ix *Index) practiceDoc(p *models.Practice) document {
	lang := p.Language
	ix.addLanguage(lang)
	d := document{
		"type": models.KindPractice, "slug": p.Slug, "language": lang,
		"countries": p.Countries, "topics": p.Topics, "sectors": p.Sectors,
		"indicators": p.Indicators, "target_groups": p.TargetGroups, "visibility": p.Visibility,
		"title_" + lang: p.Title, "summary_" + lang: p.Summary,
		"body_" + lang: html.UnescapeString(ix.text.Sanitize(p.BodyHTML)),
	}
	if p.PublishedAt != nil {
		d["published"] = *p.PublishedAt
	}
	if p.Organisation != nil {
		d["organisation"] = p.Organisation.Slug
	}
	return d
}

func (ix *Index) addLanguage(lang string) {
	ix.langMu.RLock()
	known := ix.langs[lang]
	ix.langMu.RUnlock()
	if !known {
		ix.langMu.Lock()
		ix.langs[lang] = true
		ix.langMu.Unlock()
	}
}

// languages returns the languages that have documents.
func (ix *Index) languages() []string {
	ix.langMu.RLock()
	defer ix.langMu.RUnlock()
	out := make([]string, 0, len(ix.langs))
	for l := range ix.langs {
		out = append(out, l)
	}
	return out
}

// loadLanguages reads the languages of an existing index from its facet.
func (ix *Index) loadLanguages() error {
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 0, 0, false)
	req.AddFacet("language", bleve.NewFacetRequest("language", models.Languages().Len()))
	res, err := ix.idx.Search(req)
	if err != nil {
		return fmt.Errorf("search: unable to read the index languages: %w", err)
	}
	if f, ok := res.Facets["language"]; ok && f.Terms != nil {
		for _, t := range f.Terms.Terms() {
			ix.addLanguage(t.Term)
		}
	}
	return nil
}

// Rebuild indexes every published practice from the database, in batches.
func (ix *Index) Rebuild(ctx context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	// Read the outbox position first: anything written during the rebuild is
	// applied again afterwards, which is harmless.
	head, err := ix.store.OutboxHead(ctx)
	if err != nil {
		return err
	}
	practices, err := ix.store.AllPractices(ctx)
	if err != nil {
		return err
	}
	batch := ix.idx.NewBatch()
	for i := range practices {
		p := &practices[i]
		if p.Status != models.StatusPublished {
			continue
		}
		if err := batch.Index(docID(models.KindPractice, p.ID), ix.practiceDoc(p)); err != nil {
			return fmt.Errorf("search: unable to index %s: %w", p.Slug, err)
		}
		if batch.Size() >= 500 {
			if err := ix.idx.Batch(batch); err != nil {
				return fmt.Errorf("search: unable to write a batch: %w", err)
			}
			batch.Reset()
		}
	}
	ix.ahead = map[uint64]bool{}
	if err := ix.writeBatch(batch, head); err != nil {
		return err
	}
	return nil
}

// writeBatch writes the batch and the outbox position it reaches at once,
// so that a crash can only make entries be applied again, never skipped.
func (ix *Index) writeBatch(batch *bleve.Batch, pos models.OutboxPosition) error {
	b, err := json.Marshal(pos)
	if err != nil {
		return err
	}
	batch.SetInternal(keyOutboxPos, b)
	if err := ix.idx.Batch(batch); err != nil {
		return fmt.Errorf("search: unable to write a batch: %w", err)
	}
	ix.pos = pos
	return nil
}

// Wake asks the indexer to read the outbox now rather than at the next poll.
func (ix *Index) Wake() {
	select {
	case ix.wake <- struct{}{}:
	default:
	}
}

// Run follows the outbox until ctx ends: every poll interval, or at once when
// woken, it applies the entries past its own position.
func (ix *Index) Run(ctx context.Context, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	maintain := time.NewTicker(maintainEvery)
	defer maintain.Stop()
	for {
		if _, err := ix.CatchUp(ctx); err != nil && ctx.Err() == nil {
			ix.log.Error("search indexer", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-ix.wake:
		case now := <-maintain.C:
			if err := ix.Maintain(ctx, now); err != nil && ctx.Err() == nil {
				ix.log.Error("search index maintenance", "err", err)
			}
		}
	}
}

// maintainEvery is how often Run records its position and prunes the outbox.
const maintainEvery = 10 * time.Minute

// outboxPage is how many outbox entries are read and applied at a time.
const outboxPage = 500

// CatchUp applies every committed outbox entry past the index's position and
// returns how many it applied.
//
// Outbox ids commit out of order on PostgreSQL, so the position only moves
// past entries that are final (every older transaction has ended). Entries
// that have committed but are not final yet are applied at once too, and
// remembered, so that a long transaction elsewhere delays nothing; the
// position moves past them once the older transactions end.
func (ix *Index) CatchUp(ctx context.Context) (int, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	applied := 0
	cursor, stalled := ix.pos, false
	for {
		page, err := ix.store.OutboxSince(ctx, cursor, outboxPage)
		if err != nil || len(page.Entries) == 0 {
			return applied, err
		}
		batch, pos := ix.idx.NewBatch(), ix.pos
		var passed, early []uint64 // changes to ahead, made once the batch is written
		n := 0
		for _, e := range page.Entries {
			if !ix.ahead[e.ID] {
				if err := ix.apply(ctx, batch, e); err != nil {
					return applied, err
				}
				n++
			}
			if !stalled && page.Final(e) {
				pos = e.Position()
				passed = append(passed, e.ID)
			} else {
				stalled = true
				early = append(early, e.ID)
			}
		}
		if err := ix.writeBatch(batch, pos); err != nil {
			return applied, err
		}
		applied += n
		for _, id := range passed {
			delete(ix.ahead, id)
		}
		for _, id := range early {
			ix.ahead[id] = true
		}
		if len(page.Entries) < outboxPage {
			return applied, nil
		}
		cursor = page.Entries[len(page.Entries)-1].Position()
	}
}

// apply reloads the entity from the database: the outbox says what changed,
// the database says what it is now.
func (ix *Index) apply(ctx context.Context, batch *bleve.Batch, e models.OutboxEntry) error {
	id := docID(e.Kind, e.EntityID)
	switch e.Kind {
	case models.KindPractice:
		p, err := ix.store.PracticeByID(ctx, e.EntityID)
		if errors.Is(err, models.ErrNotFound) || (err == nil && p.Status != models.StatusPublished) {
			batch.Delete(id)
			return nil
		}
		if err != nil {
			return err
		}
		return batch.Index(id, ix.practiceDoc(p))
	default:
		// Kinds that later issues index (organisations, consultations) are
		// skipped until their mapping exists.
		return nil
	}
}
