package search

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"

	"proact/models"
)

// consumerName returns the name of this index folder among the outbox's
// consumers, made at random the first time.
func consumerName(dir string) (string, error) {
	path := filepath.Join(dir, consumerFile)
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
	ix.applyMu.Lock()
	pos := ix.pos
	ix.applyMu.Unlock()
	return ix.store.SaveOutboxConsumer(ctx, ix.consumer, pos)
}

// missedPruned reports whether pruning removed outbox rows this index had
// not applied yet (it was stopped for longer than the retention).
func (ix *Index) missedPruned(ctx context.Context) (bool, error) {
	mark, err := ix.store.OutboxPruned(ctx)
	if err != nil {
		return false, err
	}
	ix.applyMu.Lock()
	defer ix.applyMu.Unlock()
	return ix.pos.Less(mark), nil
}

// Maintain records the index's position among the outbox's consumers and
// prunes the outbox behind the slowest live one; an index that finds rows it
// needed pruned (its indexer stalled for longer than the retention) rebuilds.
// Run calls it every few minutes; now is the time pruning measures ages from.
func (ix *Index) Maintain(ctx context.Context, now time.Time) error {
	if ix.current() == nil {
		return nil // the first build is still running
	}
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
	if err := ix.Rebuild(ctx); err != nil {
		return err
	}
	return ix.saveConsumer(ctx)
}

// Wake asks the indexer to read the outbox now rather than at the next poll.
func (ix *Index) Wake() {
	select {
	case ix.wake <- struct{}{}:
	default:
	}
}

// maintainEvery is how often Run records its position and prunes the outbox.
const maintainEvery = 10 * time.Minute

// Run follows the outbox until ctx ends: every poll interval, or at once when
// woken, it applies the entries past its own position.
func (ix *Index) Run(ctx context.Context, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	maintain := time.NewTicker(maintainEvery)
	defer maintain.Stop()
	for {
		ix.followCurrent()
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
	ix.applyMu.Lock()
	defer ix.applyMu.Unlock()
	g := ix.current()
	if g == nil {
		return 0, nil
	}
	applied := 0
	cursor, stalled := ix.pos, false
	for {
		page, err := ix.store.OutboxSince(ctx, cursor, outboxPage)
		if err != nil || len(page.Entries) == 0 {
			return applied, err
		}
		batch, pos := g.idx.NewBatch(), ix.pos
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
		if err := writeBatch(g.idx, batch, pos); err != nil {
			ix.abandon(g, err)
			return applied, err
		}
		ix.pos = pos
		ix.changes.Add(1)
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

// writeBatch writes the batch and the outbox position it reaches at once,
// so that a crash can only make entries be applied again, never skipped.
// A panic in Bleve or zapx (a generation broken by an earlier failed write)
// is returned as an error.
func writeBatch(idx bleve.Index, batch *bleve.Batch, pos models.OutboxPosition) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("search: unable to write a batch: panic: %v", r)
		}
	}()
	b, err := json.Marshal(pos)
	if err != nil {
		return err
	}
	batch.SetInternal(keyOutboxPos, b)
	if err := idx.Batch(batch); err != nil {
		return fmt.Errorf("search: unable to write a batch: %w", err)
	}
	return nil
}
