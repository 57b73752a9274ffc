package models

import (
	"slices"
	"testing"
)

// TestVocabulariesCannotBeChangedFromOutside: Terms hands out a copy, so a
// caller that sorts or overwrites it leaves the list as defined.
func TestVocabulariesCannotBeChangedFromOutside(t *testing.T) {
	for _, v := range append(Vocabularies(), Countries(), Languages()) {
		before := v.Terms()
		got := v.Terms()
		slices.Reverse(got)
		got[0] = "changed"
		if !slices.Equal(v.Terms(), before) || v.Has("changed") {
			t.Errorf("%s: changing the slice from Terms changed the vocabulary", v.Name())
		}
		if v.Len() != len(before) || v.Index(before[len(before)-1]) != len(before)-1 {
			t.Errorf("%s: Len or Index disagree with Terms", v.Name())
		}
	}
}
