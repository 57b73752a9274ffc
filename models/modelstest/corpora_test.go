package modelstest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPayloadClasses: the default payloads are a fraction of the corpus,
// every class once; the corpus itself is read whole.
func TestPayloadClasses(t *testing.T) {
	t.Setenv(FullAttacksEnv, "")
	all, some := AttackPayloads(t), Payloads(t)
	if len(all) < 1000 || len(some) < 100 || len(some) > len(all)/4 {
		t.Errorf("%d payloads in the corpus, %d by default", len(all), len(some))
	}
	if testing.Verbose() {
		t.Logf("%d payloads in the corpus, %d classes", len(all), len(some))
	}
	for _, tc := range []struct{ a, b string }{
		{"<script>alert(1)</script>", "<img>x</img>"},
		{"' OR 1=1 --", "' and 2=2 ;;"},
	} {
		if payloadClass(tc.a) != payloadClass(tc.b) {
			t.Errorf("%q and %q in different classes: %q, %q", tc.a, tc.b, payloadClass(tc.a), payloadClass(tc.b))
		}
	}
	for _, tc := range []struct{ a, b string }{
		{"<b>", "&lt;"}, {"a/b", `a\\b`}, {"x", " x"}, {"é", "e"}, {"a\x00", "a"},
	} {
		if payloadClass(tc.a) == payloadClass(tc.b) {
			t.Errorf("%q and %q in one class %q", tc.a, tc.b, payloadClass(tc.a))
		}
	}
	t.Setenv(FullAttacksEnv, "1")
	if full := Payloads(t); len(full) != len(all) {
		t.Errorf("PROACT_FULL_ATTACKS=1 gives %d payloads, want all %d", len(full), len(all))
	}
	if got := Turns(5, []int{1, 2, 3}); len(got) != 3 {
		t.Errorf("Turns with PROACT_FULL_ATTACKS=1 = %v", got)
	}
	t.Setenv(FullAttacksEnv, "")
	if got := Turns(5, []int{1, 2, 3}); len(got) != 1 || got[0] != 3 {
		t.Errorf("Turns(5) = %v, want [3]", got)
	}
}

// TestTurnsGiveEveryFieldBothShapes: by default the payloads take turns over
// the fields that share a code path, and still every field, of up to a dozen
// sharing one, meets payloads of both shapes the corpus holds: cross-site
// scripting (attacks/xss-*.txt) and SQL injection (attacks/sqli-*.txt).
func TestTurnsGiveEveryFieldBothShapes(t *testing.T) {
	t.Setenv(FullAttacksEnv, "")
	shapes := map[string]map[string]bool{}
	for _, shape := range []string{"xss", "sqli"} {
		shapes[shape] = map[string]bool{}
		for _, f := range CorpusFiles(t, filepath.Join("attacks", shape+"-*.txt")) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(data), "\n") {
				shapes[shape][line] = true
			}
		}
	}
	payloads := Payloads(t)
	for n := 1; n <= 12; n++ {
		fields := make([]int, n)
		for i := range fields {
			fields[i] = i
		}
		seen := make([]map[string]int, n)
		for i := range seen {
			seen[i] = map[string]int{}
		}
		for i, p := range payloads {
			for _, f := range Turns(i, fields) {
				for shape, lines := range shapes {
					if lines[p] {
						seen[f][shape]++
					}
				}
			}
		}
		for f, got := range seen {
			for shape := range shapes {
				if got[shape] == 0 {
					t.Errorf("of %d fields sharing a code path, field %d meets no %s payload by default", n, f, shape)
				}
			}
		}
	}
}
