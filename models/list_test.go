package models

import (
	"math"
	"testing"
)

func TestListingNormalise(t *testing.T) {
	l := listing{perPage: 20, maxPerPage: 100, maxPage: 50, sorts: []sortOrder{by("newest", "id DESC"), by("title", "title")}}
	for _, tc := range []struct {
		in, want ListOptions
	}{
		{ListOptions{}, ListOptions{Page: 1, PerPage: 20, Sort: "newest"}},
		{ListOptions{Page: 3, PerPage: 100, Sort: "title"}, ListOptions{Page: 3, PerPage: 100, Sort: "title"}},
		{ListOptions{Page: -5, PerPage: 101, Sort: "title; DROP TABLE x"}, ListOptions{Page: 1, PerPage: 20, Sort: "newest"}},
		{ListOptions{Page: math.MaxInt, PerPage: 1}, ListOptions{Page: 50, PerPage: 1, Sort: "newest"}},
		{ListOptions{After: 7}, ListOptions{Page: 1, PerPage: 20, Sort: "newest"}}, // no key: no keyset
	} {
		if got := l.normalise(tc.in); got != tc.want {
			t.Errorf("normalise(%+v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
	if l.orderBy("nonsense") != "id DESC" || l.orderBy("title") != "title" {
		t.Error("orderBy does not fall back to the default")
	}
	deep := listing{perPage: 10, maxPerPage: 100, sorts: []sortOrder{by("id", "id")}}
	if o := deep.normalise(ListOptions{Page: math.MaxInt, PerPage: 100}); o.Offset() < 0 || o.Offset() > math.MaxInt32 {
		t.Errorf("a huge page gives the offset %d", o.Offset())
	}
	keyed := listing{perPage: 10, maxPerPage: 100, sorts: []sortOrder{by("id", "id")}, key: "id"}
	if o := keyed.normalise(ListOptions{After: 7}); o.After != 7 {
		t.Error("a list with a key drops After")
	}
}
