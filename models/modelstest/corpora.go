package modelstest

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
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

// Payloads returns the payloads an HTTP-level attack test sends. By default,
// one of each shape (letters and digits folded: escaping, validation and
// parameterised queries treat "<a onblur=x>" and "<b onfocus=y>" alike) and,
// through Turns, once per distinct code path; with PROACT_FULL_ATTACKS=1
// every payload.
func Payloads(t testing.TB) []string {
	t.Helper()
	all := AttackPayloads(t)
	if FullAttacks() {
		return all
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range all {
		if s := shape(p); !seen[s] {
			seen[s] = true
			out = append(out, p)
		}
	}
	return out
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

// shape folds letters to "a" and digits to "0", runs of them to one.
func shape(s string) string {
	var b strings.Builder
	last := rune(0)
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			r = 'a'
		case unicode.IsDigit(r):
			r = '0'
		}
		if r != last || (r != 'a' && r != '0') {
			b.WriteRune(r)
		}
		last = r
	}
	return b.String()
}
