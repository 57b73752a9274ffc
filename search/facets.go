package search

import (
	"slices"
	"strconv"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Facets are counted with bitmaps rather than Bleve's facet builder, which
// reads doc values hit by hit (about 8 µs per hit per facet field at 100,000
// documents: seconds for a common word). A segment of the index never
// changes once written, so for each segment and each facet field the
// document numbers of every value are read once, from the segment's own
// postings, into a roaring bitmap kept beside the index; a search collects
// its hits per segment as a bitmap too, and each count is the cardinality of
// an intersection. The same per-segment data holds the dates for sorting by
// date.

// segData is what one segment holds for facets and sorting.
type segData struct {
	values map[string]map[string]*roaring.Bitmap // field → value → local doc numbers
	dates  []int64                               // local doc number → unix seconds (0: none)
	// families: local doc number → translation family ("" for none).
	families []string
	// family: local doc number → the family's number in the generation
	// (segCache.family), noFamily for none: what a search groups hits by.
	family []uint32
	// docValues: facet field (index in facetFields) → each document's
	// values, for counting few hits one by one (countFacets).
	docValues []docValueList
}

// noFamily is the family number of a document in none.
const noFamily = ^uint32(0)

// docValueList is, for one facet field of a segment, every document's
// values as numbers into names: doc d has vals[offsets[d]:offsets[d+1]].
type docValueList struct {
	names   []string
	offsets []uint32 // nil when the field has too many values to number
	vals    []uint16
}

// perDocument turns a field's bitmaps (value → documents) into each
// document's values.
func perDocument(values map[string]*roaring.Bitmap, docs uint64) docValueList {
	var l docValueList
	for v := range values {
		l.names = append(l.names, v)
	}
	if len(l.names) > 1<<16 {
		return docValueList{} // never with these vocabularies: countFacets uses the bitmaps
	}
	slices.Sort(l.names)
	l.offsets = make([]uint32, docs+1)
	count := make([]uint32, docs)
	for _, v := range l.names {
		it := values[v].Iterator()
		for it.HasNext() {
			if n := it.Next(); uint64(n) < docs {
				count[n]++
			}
		}
	}
	var total uint32
	for d, n := range count {
		l.offsets[d] = total
		total += n
	}
	l.offsets[docs] = total
	l.vals = make([]uint16, total)
	next := count // reused: where each document's next value goes
	for d := range next {
		next[d] = l.offsets[d]
	}
	for i, v := range l.names {
		it := values[v].Iterator()
		for it.HasNext() {
			if n := it.Next(); uint64(n) < docs {
				l.vals[next[n]] = uint16(i)
				next[n]++
			}
		}
	}
	return l
}

// segCache keeps segData per segment for as long as the segment is in use.
type segCache struct {
	mu   sync.Mutex
	data map[segment.Segment]*segData
	// family numbers the translation families of every segment alike.
	family map[string]uint32
	// slots are searches' tables of where each family is among their hits
	// (famSlots), reused from one search to the next, emptied after each.
	slots sync.Pool
}

// famSlots maps a family's number to 1 + its place among a search's
// families (0: none of its notes found yet).
type famSlots struct{ slot []int32 }

// takeSlots returns an empty table for every family numbered so far.
func (c *segCache) takeSlots() *famSlots {
	c.mu.Lock()
	n := len(c.family)
	c.mu.Unlock()
	fs, _ := c.slots.Get().(*famSlots)
	if fs == nil || len(fs.slot) < n {
		fs = &famSlots{slot: make([]int32, n+n/8)}
	}
	return fs
}

func newSegCache() *segCache {
	return &segCache{data: map[segment.Segment]*segData{}, family: map[string]uint32{}}
}

// get returns the data of seg, reading it on first use.
func (c *segCache) get(seg segment.Segment) (*segData, error) {
	c.mu.Lock()
	d, ok := c.data[seg]
	c.mu.Unlock()
	if ok {
		return d, nil
	}
	d, err := readSegData(seg)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.data[seg]; ok {
		return e, nil // read by another search meanwhile
	}
	d.family = make([]uint32, len(d.families))
	for i, f := range d.families {
		if f == "" {
			d.family[i] = noFamily
			continue
		}
		n, ok := c.family[f]
		if !ok {
			n = uint32(len(c.family))
			c.family[f] = n
		}
		d.family[i] = n
	}
	c.data[seg] = d
	return d, nil
}

// retain drops the data of segments no longer in use (merged away).
func (c *segCache) retain(live []segment.Segment) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.data) <= len(live) {
		return
	}
	keep := make(map[segment.Segment]bool, len(live))
	for _, s := range live {
		keep[s] = true
	}
	for s := range c.data {
		if !keep[s] {
			delete(c.data, s)
		}
	}
}

func readSegData(seg segment.Segment) (*segData, error) {
	d := &segData{values: map[string]map[string]*roaring.Bitmap{}}
	fields := append([]string{fAudience}, facetFields...)
	for _, f := range fields {
		vals := map[string]*roaring.Bitmap{}
		err := eachPosting(seg, f, func(term string, bm *roaring.Bitmap) { vals[term] = bm })
		if err != nil {
			return nil, err
		}
		d.values[f] = vals
	}
	d.docValues = make([]docValueList, len(facetFields))
	for i, f := range facetFields {
		d.docValues[i] = perDocument(d.values[f], seg.Count())
	}
	d.families = make([]string, seg.Count())
	err := eachPosting(seg, fFamily, func(term string, bm *roaring.Bitmap) {
		it := bm.Iterator()
		for it.HasNext() {
			if n := it.Next(); int(n) < len(d.families) {
				d.families[n] = term
			}
		}
	})
	if err != nil {
		return nil, err
	}
	d.dates = make([]int64, seg.Count())
	err = eachPosting(seg, fDate, func(term string, bm *roaring.Bitmap) {
		v, _ := strconv.ParseInt(term, 10, 64)
		it := bm.Iterator()
		for it.HasNext() {
			if n := it.Next(); int(n) < len(d.dates) {
				d.dates[n] = v
			}
		}
	})
	return d, err
}

// eachPosting calls fn with every term of a field in the segment and the
// bitmap of the documents that have it.
func eachPosting(seg segment.Segment, field string, fn func(string, *roaring.Bitmap)) error {
	dict, err := seg.Dictionary(field)
	if err != nil || dict == nil {
		return err
	}
	it := dict.AutomatonIterator(nil, nil, nil)
	var pl segment.PostingsList
	var pi segment.PostingsIterator
	for {
		e, err := it.Next()
		if err != nil || e == nil {
			return err
		}
		pl, err = dict.PostingsList([]byte(e.Term), nil, pl)
		if err != nil {
			return err
		}
		bm := roaring.New()
		if pl != nil {
			pi = pl.Iterator(false, false, false, pi)
			for p, err := pi.Next(); p != nil || err != nil; p, err = pi.Next() {
				if err != nil {
					return err
				}
				bm.Add(uint32(p.Number()))
			}
		}
		fn(e.Term, bm)
	}
}

// FacetValue is one value of a facet and how many hits have it.
type FacetValue struct {
	Value    string
	Count    uint64
	Selected bool
}

// Facet is the counts of one facet field, largest first.
type Facet struct {
	Name   string // kind, lang, country, topic, sector, org_type, year
	Values []FacetValue
}

// segHits is one segment's hits of a search.
type segHits struct {
	data *segData
	hits *roaring.Bitmap
}

// selection is the union of the bitmaps of the values chosen for one
// facet, in one segment (nil: nothing chosen, no restriction).
func selection(d *segData, field string, values []string) *roaring.Bitmap {
	if len(values) == 0 {
		return nil
	}
	out := roaring.New()
	for _, v := range values {
		if bm := d.values[field][v]; bm != nil {
			out.Or(bm)
		}
	}
	return out
}

// countFacets counts, for every facet, its values among the hits that
// pass every other facet's selection: values of one facet combine with OR,
// so a reader sees what choosing another value of it would add. A
// segment's hits are counted one by one from each document's values when
// they are few (a few thousand: an intersection per value of every facet
// costs more than that), with bitmap intersections otherwise.
func countFacets(segs []segHits, filters map[string][]string) []Facet {
	counts := map[string]map[string]uint64{}
	for _, f := range facetFields {
		counts[f] = map[string]uint64{}
	}
	for _, s := range segs {
		if s.hits.IsEmpty() {
			continue
		}
		var sel [numFacets]*roaring.Bitmap
		for i, f := range facetFields {
			sel[i] = selection(s.data, f, filters[f])
		}
		if s.data.countsByDocument(s.hits.GetCardinality()) {
			countByDocument(s, &sel, counts)
			continue
		}
		base := func(except int) *roaring.Bitmap {
			b := s.hits
			cloned := false
			for i := range facetFields {
				if i == except || sel[i] == nil {
					continue
				}
				if !cloned {
					b, cloned = b.Clone(), true
				}
				b.And(sel[i])
			}
			return b
		}
		all := base(-1)
		for i, f := range facetFields {
			b := all
			if sel[i] != nil {
				b = base(i)
			}
			if b.IsEmpty() {
				continue
			}
			for v, bm := range s.data.values[f] {
				if n := b.AndCardinality(bm); n > 0 {
					counts[f][v] += n
				}
			}
		}
	}
	out := make([]Facet, 0, len(facetFields))
	for _, f := range facetFields {
		fc := Facet{Name: f}
		for v, n := range counts[f] {
			fc.Values = append(fc.Values, FacetValue{Value: v, Count: n})
		}
		for _, v := range filters[f] {
			found := false
			for i := range fc.Values {
				if fc.Values[i].Value == v {
					fc.Values[i].Selected, found = true, true
				}
			}
			if !found { // chosen, but nothing has it: still shown, to be unchosen
				fc.Values = append(fc.Values, FacetValue{Value: v, Selected: true})
			}
		}
		sortFacet(fc.Values, f == fYear)
		out = append(out, fc)
	}
	return out
}

// numFacets is len(facetFields).
const numFacets = 7

// perValueCost is about how many hits counted one by one cost as much as
// one bitmap intersection of a facet value (a variable for a test).
var perValueCost = 32

// countsByDocument says whether this many hits of the segment are counted
// one by one rather than by intersecting bitmaps.
func (d *segData) countsByDocument(hits uint64) bool {
	values := 0
	for _, l := range d.docValues {
		if l.offsets == nil {
			return false
		}
		values += len(l.names)
	}
	return len(d.docValues) == numFacets && hits <= uint64(perValueCost*values)
}

// countByDocument adds one segment's counts, hit by hit: a hit that passes
// every selection counts for every facet, one that fails exactly one
// facet's selection counts for that facet only (what choosing another of
// its values would add), others for none.
func countByDocument(s segHits, sel *[numFacets]*roaring.Bitmap, counts map[string]map[string]uint64) {
	dv := s.data.docValues
	var base [numFacets]int // where each field's counts start in per
	total := 0
	for i := range dv {
		base[i] = total
		total += len(dv[i].names)
	}
	per := make([]uint64, total)
	selected := false
	for _, b := range sel {
		selected = selected || b != nil
	}
	var buf [256]uint32
	it := s.hits.ManyIterator()
	for n := it.NextMany(buf[:]); n > 0; n = it.NextMany(buf[:]) {
		for _, d := range buf[:n] {
			failed, fails := -1, 0
			if selected {
				for i, b := range sel {
					if b != nil && !b.Contains(d) {
						failed, fails = i, fails+1
						if fails > 1 {
							break
						}
					}
				}
				if fails > 1 {
					continue
				}
			}
			for i := range dv {
				if fails == 1 && i != failed {
					continue
				}
				l := &dv[i]
				if int(d)+1 >= len(l.offsets) {
					continue
				}
				at := base[i]
				for _, v := range l.vals[l.offsets[d]:l.offsets[d+1]] {
					per[at+int(v)]++
				}
			}
		}
	}
	for i, f := range facetFields {
		for v, n := range per[base[i] : base[i]+len(dv[i].names)] {
			if n > 0 {
				counts[f][dv[i].names[v]] += n
			}
		}
	}
}

func sortFacet(v []FacetValue, byValueDesc bool) {
	less := func(a, b FacetValue) bool {
		if byValueDesc {
			return a.Value > b.Value
		}
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Value < b.Value
	}
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && less(v[j], v[j-1]); j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}
