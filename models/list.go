package models

import (
	"math"
	"slices"

	"gorm.io/gorm"
)

// ListOptions are how a list is asked for: a page (1-based) of PerPage rows
// in the order named by Sort, or, with After, the rows that follow a key
// (keyset paging: no OFFSET, so it stays fast however deep it goes). Each
// list clamps them to its own listing before they reach SQL: unknown sorts
// become the default, page sizes out of range the list's default.
//
// A list's filter embeds ListOptions; its Normalise method returns the
// values the query will use (for the pager and the API's meta).
type ListOptions struct {
	Page    int
	PerPage int
	Sort    string
	// After, when not 0, asks for the rows after the one with this key, in
	// key order, instead of a page. Lists without a key ignore it.
	After uint64
}

// Offset is the number of rows before the page.
func (o ListOptions) Offset() int { return (o.Page - 1) * o.PerPage }

// listing is what one list allows: its page sizes, how deep it pages, its
// orders (an allow-list: name → ORDER BY; the first is the default) and the
// column of its keyset, if it has one. Declare one per list, next to the
// list's query; nothing from a user reaches ORDER BY but these strings.
type listing struct {
	perPage, maxPerPage int
	maxPage             int // 0: as deep as the int arithmetic allows
	sorts               []sortOrder
	key                 string
}

type sortOrder struct{ name, orderBy string }

func by(name, orderBy string) sortOrder { return sortOrder{name: name, orderBy: orderBy} }

// sortNames lists the accepted sort names, the default first.
func (l listing) sortNames() []string {
	out := make([]string, len(l.sorts))
	for i, s := range l.sorts {
		out[i] = s.name
	}
	return out
}

func (l listing) orderBy(name string) string {
	for _, s := range l.sorts {
		if s.name == name {
			return s.orderBy
		}
	}
	return l.sorts[0].orderBy
}

// normalise clamps o to what the list allows.
func (l listing) normalise(o ListOptions) ListOptions {
	if o.PerPage <= 0 || o.PerPage > l.maxPerPage {
		o.PerPage = l.perPage
	}
	maxPage := l.maxPage
	if maxPage == 0 {
		maxPage = math.MaxInt32 / l.maxPerPage // keeps the offset an int32
	}
	o.Page = min(max(o.Page, 1), maxPage)
	if !slices.ContainsFunc(l.sorts, func(s sortOrder) bool { return s.name == o.Sort }) {
		o.Sort = l.sorts[0].name
	}
	if l.key == "" {
		o.After = 0
	}
	return o
}

// page orders q and takes one page of it (or the rows after o.After), with
// o normalised first.
func (l listing) page(q *gorm.DB, o ListOptions) *gorm.DB {
	o = l.normalise(o)
	if o.After > 0 {
		return q.Where(l.key+" > ?", o.After).Order(l.key).Limit(o.PerPage)
	}
	return q.Order(l.orderBy(o.Sort)).Limit(o.PerPage).Offset(o.Offset())
}

// all is the options of a list read in one go: its first page, of the
// list's default size.
var all = ListOptions{}
