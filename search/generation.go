package search

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"proact/models"
)

// An index folder (PROACT_INDEX_DIR) holds generations: each full build of
// the index is a new folder gen-..., and the file CURRENT names the one in
// use. A rebuild writes a new generation beside the live one and swaps
// CURRENT when it is complete, so an interrupted rebuild leaves the live
// index untouched and a reader never sees a half-built one.
const (
	currentFile  = "CURRENT"
	genPrefix    = "gen-"
	consumerFile = "consumer"
	legacyIndex  = "index.bleve"   // the single folder of earlier versions
	buildLock    = "build.lock"    // in a generation's folder while it is built
	instanceLock = "instance.lock" // held by the instance serving the folder
)

// errInUse says another process holds the index's lock.
var errInUse = errors.New("search: the index is in use by another proact process: give each instance its own PROACT_INDEX_DIR")

// errCorrupt wraps every reason a generation cannot be used as it is.
var errCorrupt = errors.New("search: index unusable")

// generation is one open, verified build of the index.
type generation struct {
	name  string
	idx   bleve.Index
	cache *segCache // facet bitmaps and dates per segment
}

// newGenerationName names a generation so that names sort by creation.
func newGenerationName(now time.Time) string {
	return genPrefix + now.UTC().Format("20060102T150405.000000000")
}

// readCurrent returns the name of the generation in use, or "" for none.
func readCurrent(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, currentFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("search: unable to read %s: %w", currentFile, err)
	}
	name := strings.TrimSpace(string(b))
	if !strings.HasPrefix(name, genPrefix) || strings.ContainsAny(name, `/\`) {
		return "", nil // garbage: as if there were no index
	}
	return name, nil
}

// writeCurrent points CURRENT at a generation, atomically.
func writeCurrent(dir, name string) error {
	tmp := filepath.Join(dir, currentFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("search: unable to write %s: %w", currentFile, err)
	}
	_, err = f.WriteString(name + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, currentFile))
	}
	if err != nil {
		return fmt.Errorf("search: unable to write %s: %w", currentFile, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// openGeneration opens a generation and checks that it is whole: every
// segment's checksum, every page of its bolt file, the mapping version and a
// first search. Corrupt files make bbolt and zapx panic rather than return
// errors, so all of it runs behind a recover; and the checksums are verified
// before Bleve opens anything, because a corrupt segment that opened would
// panic later in Bleve's own merge goroutines, where nothing can recover it.
func openGeneration(dir, name string) (g *generation, err error) {
	path := filepath.Join(dir, name)
	// A corrupt length can point past the end of a memory-mapped file: a
	// fault, which without this kills the process instead of panicking.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			g, err = nil, fmt.Errorf("%w: %s panicked while opening: %v\n%s", errCorrupt, name, r, debug.Stack())
		}
	}()
	if err := verifySegments(path); err != nil {
		return nil, err
	}
	if err := verifyBolt(filepath.Join(path, "store", "root.bolt")); err != nil {
		return nil, err
	}
	idx, err := bleve.OpenUsing(path, boltConfig())
	if isLocked(err) {
		return nil, errInUse
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errCorrupt, name, err)
	}
	if err := probe(idx); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("%w: %s: %v", errCorrupt, name, err)
	}
	return &generation{name: name, idx: idx, cache: newSegCache()}, nil
}

// probe reads what every search needs: the version, the count, a hit and
// its stored fields.
func probe(idx bleve.Index) error {
	v, err := idx.GetInternal(keyMappingVersion)
	if err != nil {
		return err
	}
	if string(v) != strconv.Itoa(MappingVersion) {
		return fmt.Errorf("mapping version %q, want %d", v, MappingVersion)
	}
	if _, err := idx.DocCount(); err != nil {
		return err
	}
	if _, err := readPosition(idx); err != nil {
		return err
	}
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 1, 0, false)
	req.Fields = []string{"*"}
	_, err = idx.Search(req)
	return err
}

func readPosition(idx bleve.Index) (models.OutboxPosition, error) {
	var pos models.OutboxPosition
	b, err := idx.GetInternal(keyOutboxPos)
	if err != nil || len(b) == 0 {
		return pos, err
	}
	if err := json.Unmarshal(b, &pos); err != nil {
		return pos, fmt.Errorf("outbox position: %w", err)
	}
	return pos, nil
}

// verifySegments checks the CRC-32 that ends every zap segment file (it
// covers all the bytes before it).
func verifySegments(path string) error {
	files, err := filepath.Glob(filepath.Join(path, "store", "*.zap"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := verifyZap(f); err != nil {
			return fmt.Errorf("%w: %s: %v", errCorrupt, filepath.Base(f), err)
		}
	}
	return nil
}

func verifyZap(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() < 48 {
		return errors.New("too short for a segment")
	}
	h := crc32.NewIEEE()
	if _, err := io.CopyN(h, f, st.Size()-4); err != nil {
		return err
	}
	var want [4]byte
	if _, err := io.ReadFull(f, want[:]); err != nil {
		return err
	}
	if got := h.Sum32(); got != binary.BigEndian.Uint32(want[:]) {
		return fmt.Errorf("checksum %08x, file says %08x", got, binary.BigEndian.Uint32(want[:]))
	}
	return nil
}

// verifyBolt opens the bolt file read-only and reads every key of every
// bucket, in this goroutine (bbolt's own Check runs in one of its own, where
// a panic could not be recovered).
func verifyBolt(path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("%w: %v", errCorrupt, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return errInUse
	}
	if err != nil {
		return fmt.Errorf("%w: root.bolt: %v", errCorrupt, err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error { return walkBucket(b) })
	})
	if err != nil {
		return fmt.Errorf("%w: root.bolt: %v", errCorrupt, err)
	}
	return nil
}

func walkBucket(b *bolt.Bucket) error {
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			if sub := b.Bucket(k); sub != nil {
				return walkBucket(sub)
			}
		}
		_ = bytes.Clone(v) // touch the page
		return nil
	})
}

// inUse reports whether another process holds a generation's lock.
func inUse(path string) bool { return locked(filepath.Join(path, "store", "root.bolt")) }

// locked reports whether another open holds a bolt file's lock.
func locked(file string) bool {
	db, err := bolt.Open(file, 0o600, &bolt.Options{ReadOnly: true, Timeout: 200 * time.Millisecond})
	if err != nil {
		return errors.Is(err, bolterrors.ErrTimeout)
	}
	_ = db.Close()
	return false
}

// lockBuild marks the generation at path as being built, until the
// returned function is called (once it is current, or removed): a bolt
// file's lock (a file lock on every system bbolt runs on), which a crash
// or kill -9 lets go of with the process.
func lockBuild(path string) (unlock func(), err error) {
	db, err := takeLock(path, buildLock)
	if err != nil {
		return nil, err
	}
	return func() {
		_ = db.Close()
		_ = os.Remove(db.Path())
	}, nil
}

// takeLock holds the lock of the bolt file name in dir (made, with dir,
// when missing) until the returned database is closed.
func takeLock(dir, name string) (*bolt.DB, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("search: unable to create %s: %w", dir, err)
	}
	file := filepath.Join(dir, name)
	db, err := bolt.Open(file, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("search: unable to lock %s: %w", file, err)
	}
	return db, nil
}

// removeStale deletes the generations other than keep that nobody builds
// or uses: what a crash, a kill or a failed build left (its build lock
// gone with its process), the generation an earlier of two concurrent
// reindexes made current, and the folder of an older version of the
// portal. A build in progress holds its build lock, a generation in use
// by another process its root.bolt; the one CURRENT names stays too (read
// after the locks: a build lets go of its lock only once CURRENT names it).
// Start, every generation installed and proact reindex call it, so that
// leftovers do not pile up while a portal runs.
func removeStale(dir, keep string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || name == keep || !(strings.HasPrefix(name, genPrefix) || name == legacyIndex) {
			continue
		}
		path := filepath.Join(dir, name)
		if locked(filepath.Join(path, buildLock)) || inUse(path) {
			continue
		}
		if cur, err := readCurrent(dir); err != nil || cur == name {
			continue
		}
		_ = os.RemoveAll(path)
	}
}
