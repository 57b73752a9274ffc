package content_test

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"proact/content"
	"proact/models/modelstest"
)

// Found from outside (issue 8): the diff of two unrelated 200 KB versions
// took 2.2 s of a core, on a page any reader may open as often as they like.
func TestDiffOfHugeUnrelatedVersionsIsBounded(t *testing.T) {
	gen := func(seed int64) string {
		rnd := rand.New(rand.NewPCG(uint64(seed), 1))
		var b strings.Builder
		for b.Len() < content.MaxBody {
			b.WriteString("w")
			b.WriteString(strconv.Itoa(rnd.IntN(5000)))
			b.WriteString(" ")
		}
		return b.String()
	}
	older, newer := gen(1), gen(2)
	start := time.Now()
	changes := content.DiffWords(older, newer)
	budget := 1500 * time.Millisecond // it took 2.2 s before
	if modelstest.RaceEnabled {
		budget = 8 * time.Second // the cleanup after the time limit is 30 times slower
	}
	if d := time.Since(start); d > budget {
		t.Errorf("the diff took %v", d)
	}
	var a, b strings.Builder
	for _, c := range changes {
		if c.Op <= 0 {
			a.WriteString(c.Text)
		}
		if c.Op >= 0 {
			b.WriteString(c.Text)
		}
	}
	if a.String() != older || b.String() != newer {
		t.Error("the coarser diff does not give back both versions")
	}
}
