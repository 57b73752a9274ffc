package search

import (
	"bufio"
	"os"
	"path/filepath"
	"proact/models/modelstest"
	"strings"
	"testing"
)

// hostileQueries reads every line of the shared attack corpora (XSS and
// SQL injection payloads), plus a few made for the query syntax.
func hostileQueries(t *testing.T) []string {
	t.Helper()
	// Skips without the shared corpora, fails in CI (see modelstest.CorpusFiles).
	files := modelstest.CorpusFiles(t, filepath.Join("attacks", "*.txt"))
	out := []string{`"`, `""`, `-`, `--`, `- -"`, `OR`, `OR OR`, `"unclosed phrase`, `-"`, strings.Repeat("a ", 400),
		strings.Repeat("x", 5000), "\x00\x01", "\xff\xfe", "„Anführung“", `*:* title:x^3 ~2 +y`}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" {
				out = append(out, line)
			}
		}
		fh.Close()
	}
	return out
}
