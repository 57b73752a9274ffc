package form

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"proact/search/searchtest"
)

// fakeT "translates" a key by printing it with its arguments.
type fakeT struct{}

func (fakeT) T(key string, args ...any) string {
	if strings.HasPrefix(key, "label.") {
		return strings.ToUpper(strings.TrimPrefix(key, "label."))
	}
	return fmt.Sprint(append([]any{key}, args...)...)
}

func TestChecks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		check func(ps *Problems)
		want  string // the key, or "" for none
	}{
		{"required blank", func(ps *Problems) { ps.Required("f", "  ") }, "validation.required"},
		{"required given", func(ps *Problems) { ps.Required("f", "x") }, ""},
		{"text too long", func(ps *Problems) { ps.Text("f", "abcd", 3, false) }, "validation.too_long"},
		{"text control", func(ps *Problems) { ps.Text("f", "a\nb", 10, false) }, "validation.bad_text"},
		{"text line separator", func(ps *Problems) { ps.Text("f", "a\u2028b", 10, false) }, "validation.bad_text"},
		{"text broken UTF-8", func(ps *Problems) { ps.Text("f", "a\xffb", 10, false) }, "validation.bad_text"},
		{"multiline newline", func(ps *Problems) { ps.Multiline("f", "a\n\tb", 10, true) }, ""},
		{"multiline NUL", func(ps *Problems) { ps.Multiline("f", "a\x00b", 10, true) }, "validation.bad_text"},
		{"email", func(ps *Problems) { ps.Email("f", "ana@example.org", true) }, ""},
		{"email with name", func(ps *Problems) { ps.Email("f", "Ana <ana@example.org>", true) }, "validation.bad_email"},
		{"email empty optional", func(ps *Problems) { ps.Email("f", "", false) }, ""},
		{"email empty required", func(ps *Problems) { ps.Email("f", "", true) }, "validation.required"},
		{"phone", func(ps *Problems) { ps.Phone("f", "+31 (10) 000-0000") }, ""},
		{"phone letters", func(ps *Problems) { ps.Phone("f", "call me") }, "directory.validation.phone"},
		{"one of", func(ps *Problems) { ps.OneOf("f", "ro", []string{"en", "ro"}) }, ""},
		{"not one of", func(ps *Problems) { ps.OneOf("f", "<x>", []string{"en"}) }, "validation.unknown_term"},
		{"name empty", func(ps *Problems) { ps.Name("f", "", "p") }, "p.required"},
		{"name long", func(ps *Problems) { ps.Name("f", strings.Repeat("é", MaxName+1), "p") }, "p.too_long"},
		{"name exactly long enough", func(ps *Problems) { ps.Name("f", strings.Repeat("é", MaxName), "p") }, ""},
		{"name control", func(ps *Problems) { ps.Name("f", "a\x01", "p") }, "account.text.invalid"},
		{"first problem wins", func(ps *Problems) { ps.Required("f", ""); ps.Add("f", "other") }, "validation.required"},
	} {
		var ps Problems
		tc.check(&ps)
		if got := ps.Key("f"); got != tc.want || ps.OK() != (tc.want == "") {
			t.Errorf("%s: key %q, OK %v; want %q", tc.name, got, ps.OK(), tc.want)
		}
	}
}

func TestMessagesAndSummary(t *testing.T) {
	var ps Problems
	ps.AddValue("website", "validation.bad_url", "javascript:x")
	ps.Add("name", "validation.required")
	m := ps.Messages(fakeT{}, "label.")
	if m["website"] != "validation.bad_urlFieldWEBSITEValuejavascript:x" || m["name"] != "validation.requiredFieldNAMEValue" {
		t.Errorf("messages %q", m)
	}
	sum := m.Summary([]string{"name", "city", "website"})
	if len(sum) != 2 || sum[0].Field != "name" || sum[1].Field != "website" {
		t.Errorf("summary %+v", sum)
	}
	if (Problems{}).Messages(fakeT{}, "") != nil || !strings.Contains(ps.Error(), "website: validation.bad_url") {
		t.Error("empty messages, or Error")
	}
}

func TestHelpers(t *testing.T) {
	if got := Query(" a\x00b\xffc\td ", 3); got != "abc" {
		t.Errorf("Query = %q", got)
	}
	if got := Truncate("Ştefan", 2); got != "Şt" {
		t.Errorf("Truncate = %q", got)
	}
	if got := Dedupe([]string{" a", "b", "a", "", "b "}); strings.Join(got, ",") != "a,b" {
		t.Errorf("Dedupe = %q", got)
	}
	for s, want := range map[string]bool{"ana@example.org": true, "Ana <ana@example.org>": false, "a\n@b.org": false, "": false,
		strings.Repeat("a", 250) + "@b.org": false} {
		if PlausibleEmail(s) != want {
			t.Errorf("PlausibleEmail(%.30q) != %v", s, want)
		}
	}
}

// TestDedupeIsLinear: a form field repeated a hundred thousand times (a
// crafted request within the body limit) is deduplicated at once, keeping
// the first of each value in order. The old loop compared every value with
// every kept one: 5·10⁹ comparisons here, many seconds of a core.
func TestDedupeIsLinear(t *testing.T) {
	const n = 100_000
	in := make([]string, 0, 2*n)
	for i := range n {
		in = append(in, fmt.Sprintf(" v%d ", i))
	}
	in = append(in, in[:n]...) // every value twice
	// Dedupe's own CPU time (its thread's), not the wall clock: the
	// machine may be busy with other tests and builds.
	runtime.LockOSThread()
	start := searchtest.ThreadCPUTime()
	out := Dedupe(in)
	took := searchtest.ThreadCPUTime() - start
	runtime.UnlockOSThread()
	if len(out) != n || out[0] != "v0" || out[n-1] != fmt.Sprintf("v%d", n-1) {
		t.Fatalf("Dedupe kept %d values (%q ... %q), want %d in order", len(out), out[0], out[len(out)-1], n)
	}
	if took > 2*time.Second {
		t.Errorf("Dedupe of %d values took %v of CPU: not linear", len(in), took)
	}
}

func BenchmarkDedupe(b *testing.B) {
	in := make([]string, 10_000)
	for i := range in {
		in[i] = fmt.Sprintf("value-%d", i%5000)
	}
	for b.Loop() {
		Dedupe(in)
	}
}
