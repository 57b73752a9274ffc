package modelstest

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The shared corpora (real text and real attack strings) live beside the
// repository, in ../shared/corpora, never inside it. A test that needs them
// skips, saying why, when they are missing on a developer's machine, and
// fails in CI (CI=true, or PROACT_REQUIRE_CORPORA=1), so that it can never
// pass there without having run.

// RequireCorporaEnv makes a missing corpus a failure instead of a skip.
const RequireCorporaEnv = "PROACT_REQUIRE_CORPORA"

// FullAttacksEnv asks the attack tests for the full cross product of
// payloads and fields: PROACT_FULL_ATTACKS=1. Run it before resolving any
// issue that touches input handling.
const FullAttacksEnv = "PROACT_FULL_ATTACKS"

// corporaRequired reports whether a missing corpus must fail the test.
func corporaRequired() bool {
	return os.Getenv(RequireCorporaEnv) == "1" || os.Getenv("CI") == "true"
}

// CorporaDir returns the folder of the shared corpora: ../shared/corpora
// beside the module root (the folder with go.mod), found from the test's
// working directory, whatever the package's depth.
func CorporaDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return filepath.Join("..", "shared", "corpora")
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared", "corpora")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return filepath.Join("..", "shared", "corpora")
		}
		dir = parent
	}
}

// CorpusFiles returns the files matching pattern (say "attacks/*.txt") in the
// shared corpora, sorted; when there are none the test skips, or fails in CI.
func CorpusFiles(t testing.TB, pattern string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(CorporaDir(), pattern))
	if len(files) == 0 {
		msg := "no " + pattern + " in " + CorporaDir() + ": the shared corpora belong beside the repository (see README)"
		if corporaRequired() {
			t.Fatalf("%s, and CI or %s=1 requires them", msg, RequireCorporaEnv)
		}
		t.Skip(msg + "; skipped")
	}
	slices.Sort(files)
	return files
}

// AttackPayloads returns every distinct payload of the public XSS and SQL
// injection lists (corpora/attacks/*.txt, one payload a line), in file
// order.
func AttackPayloads(t testing.TB) []string {
	t.Helper()
	var out []string
	seen := map[string]bool{}
	for _, f := range CorpusFiles(t, filepath.Join("attacks", "*.txt")) {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if line := sc.Text(); strings.TrimSpace(line) != "" && !seen[line] {
				seen[line] = true
				out = append(out, line)
			}
		}
		err = sc.Err()
		_ = fh.Close()
		if err != nil {
			t.Fatalf("reading %s: %v", f, err)
		}
	}
	return out
}

// FullAttacks reports whether PROACT_FULL_ATTACKS=1 asks for every payload
// in every field.
func FullAttacks() bool { return os.Getenv(FullAttacksEnv) == "1" }

// Payloads returns the payloads an HTTP-level attack test sends: with
// PROACT_FULL_ATTACKS=1 every payload; by default one payload of each class,
// where a class holds the payloads that contain the same set of the
// characters the portal's code treats specially (those HTML escapes, the
// path, redirect and LIKE characters, the markers of e-mail addresses and
// URLs), the same kinds of control, broken or non-ASCII text and of leading
// or trailing space, and that fall in the same band of the portal's length
// limits. Two payloads of one class take the same branches of every check
// and escape on the way; the renderer's own tests (content) take them all.
func Payloads(t testing.TB) []string {
	t.Helper()
	all := AttackPayloads(t)
	if FullAttacks() {
		return all
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range all {
		if c := payloadClass(p); !seen[c] {
			seen[c] = true
			out = append(out, p)
		}
	}
	return out
}

// special are the characters the portal's code handles apart: HTML
// escaping, paths and redirects, LIKE patterns, e-mail addresses and URLs.
const special = `<>&"'\/%_@:`

// payloadClass names the class of a payload (see Payloads).
func payloadClass(s string) string {
	var b strings.Builder
	for _, c := range special {
		if strings.ContainsRune(s, c) {
			b.WriteRune(c)
		}
	}
	switch {
	case !utf8.ValidString(s):
		b.WriteString(" broken")
	case strings.IndexFunc(s, func(r rune) bool { return r > unicode.MaxASCII }) >= 0:
		b.WriteString(" non-ascii")
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		b.WriteString(" control")
	}
	if strings.TrimSpace(s) != s {
		b.WriteString(" edge-space")
	}
	switch n := len(s); {
	case n <= 100:
		b.WriteString(" short") // names and tokens
	case n <= 254:
		b.WriteString(" medium") // e-mail addresses, person names
	case n <= 300:
		b.WriteString(" long") // searches
	default:
		b.WriteString(" longer")
	}
	return b.String()
}

// Turns returns the fields (or URLs) that payload number i goes to, out of
// fields that share one code path (the same validator, the same lookup
// rendered as HTML or JSON): by default the one whose turn it is, so that
// every payload meets the code path once and every field gets its share;
// with PROACT_FULL_ATTACKS=1 all of them.
func Turns[T any](i int, fields []T) []T {
	if FullAttacks() || len(fields) <= 1 {
		return fields
	}
	return fields[i%len(fields) : i%len(fields)+1]
}
