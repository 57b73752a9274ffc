package content

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"proact/models/modelstest"
	"proact/search/searchtest"
)

// Found from outside (issue 8): every finding was checked against every
// earlier one, so a 200 KB text of "victim Maria " (15,000 findings) took
// 1.9 s to check, on each preview and save.
func TestPersonalDataCheckOfHugeTextIsLinear(t *testing.T) {
	n, budget := MaxBody, 1500*time.Millisecond
	if modelstest.RaceEnabled {
		// 30 times slower under the detector, and no concurrency test: the
		// plain run measures the whole size, this one a sample.
		n, budget = MaxBody/10, 10*time.Second
	}
	src := strings.Repeat("victim Maria ", n/13)
	// The check's own CPU time (its thread's), not the wall clock: the
	// machine may be busy with other tests and builds.
	runtime.LockOSThread()
	start := searchtest.ThreadCPUTime()
	found := CheckPersonalData(FieldText{Name: "body", Text: src})
	d := searchtest.ThreadCPUTime() - start
	runtime.UnlockOSThread()
	t.Logf("%d bytes: %v of CPU (load %s)", len(src), d, searchtest.LoadAverage())
	if d > budget {
		t.Errorf("the check took %v of CPU", d)
	}
	if len(found) < n/20 {
		t.Errorf("%d findings", len(found))
	}
	for i := 1; i < len(found); i++ {
		if found[i].Start < found[i-1].End && found[i-1].Start < found[i].End {
			t.Fatalf("overlapping findings %+v %+v", found[i-1], found[i])
		}
	}
}
