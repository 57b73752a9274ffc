package search

import (
	"container/heap"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"proact/models"
)

// Hit is one matching document: what a list of results shows. Pages load
// the entity itself through the store, which checks permissions again.
type Hit struct {
	Kind      string
	ID        uint
	Slug      string
	Title     string
	Language  string
	Countries []string
	Date      time.Time
	// SnippetHTML is a passage of the text, HTML-escaped, with the words
	// that matched in <mark>: safe to put in a page as it is.
	SnippetHTML string
	Score       float64
	// Family is the slug of the original of a practice note's translations
	// (its own slug for an original); empty for other kinds. Unless the
	// query says NoGroup, a result holds one hit per family: the best.
	Family string
}

// Result is one page of hits with the total, the facets and what the query
// was expanded with, all within what the viewer may see.
type Result struct {
	Total    uint64
	Hits     []Hit
	Facets   []Facet
	Expanded []ExpandedConcept
	// Fuzzy says typo tolerance was used, because the words as typed found
	// little; DidYouMean is then the query with the words found instead.
	Fuzzy      bool
	DidYouMean string
	Took       time.Duration
}

// fewHits is the total below which typo tolerance is tried.
const fewHits = 3

// Search runs a query for a viewer. Everything the viewer may not see is
// excluded inside the index, in the query itself, so that no hit, count,
// snippet or suggestion can reveal it.
func (ix *Index) Search(ctx context.Context, v models.Viewer, q Query) (*Result, error) {
	start := time.Now()
	q = q.Normalise()
	text := strings.TrimSpace(q.Text)
	if text == "" && !q.hasFilters() {
		return &Result{Facets: emptyFacets(q.filters())}, nil
	}
	// Hold the generation for the whole search: a swap waits, then closes it.
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	g := ix.gen
	if g == nil {
		return nil, ix.unavailable()
	}
	langs := ix.languages()
	if len(q.Languages) > 0 {
		langs = intersect(langs, q.Languages) // a language filter needs no other fields
	}
	b := &builder{langs: langs, an: sharedAnalyzers(), gloss: ix.glossary, expand: !q.NoExpand}
	res, err := ix.run(ctx, g, v, q, b, text)
	if err != nil {
		return nil, err
	}
	if res.Total < fewHits && text != "" {
		b.fuzzy = true
		fuzzy, err := ix.run(ctx, g, v, q, b, text)
		if err != nil {
			return nil, err
		}
		if fuzzy.Total > res.Total {
			fuzzy.Fuzzy = true
			fuzzy.DidYouMean = didYouMean(text, fuzzy.Hits, b)
			res = fuzzy
		}
	}
	res.Took = time.Since(start)
	return res, nil
}

func (q Query) hasFilters() bool {
	for _, v := range q.filters() {
		if len(v) > 0 {
			return true
		}
	}
	return false
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		for _, y := range b {
			if x == y {
				out = append(out, x)
			}
		}
	}
	return out
}

func emptyFacets(filters map[string][]string) []Facet {
	return countFacets(nil, filters)
}

// audienceQuery restricts a search to what the viewer may see.
func audienceQuery(v models.Viewer) query.Query {
	if v.SeesMembersOnly() {
		return nil // public and members-only documents
	}
	tq := query.NewTermQuery(AudiencePublic)
	tq.SetField(fAudience)
	return tq
}

// run executes one plan over one generation: every hit is visited once,
// scored by Bleve, kept if it passes the filters (bitmaps), collected per
// segment for the facets, and the best ones of the page are kept.
func (ix *Index) run(ctx context.Context, g *generation, v models.Viewer, q Query, b *builder, text string) (*Result, error) {
	var pl plan
	if text != "" {
		pl = b.build(text)
		if pl.q == nil {
			return &Result{Facets: emptyFacets(q.filters()), Expanded: pl.expanded}, nil
		}
	} else {
		pl = plan{q: query.NewMatchAllQuery(), highlight: map[string]map[string]bool{}}
	}
	full := pl.q
	if aq := audienceQuery(v); aq != nil {
		full = query.NewConjunctionQuery([]query.Query{pl.q, aq})
	}
	adv, err := g.idx.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, errors.New("search: the index is not a scorch index")
	}
	segs := snap.Segments()
	offsets := make([]uint64, len(segs))
	hits := make([]segHits, len(segs))
	live := make([]segment.Segment, len(segs))
	var running uint64
	for i, s := range segs {
		offsets[i] = running
		running += s.Segment().Count()
		d, err := g.cache.get(s.Segment())
		if err != nil {
			return nil, fmt.Errorf("search: unable to read facets: %w", err)
		}
		hits[i] = segHits{data: d, hits: roaring.New()}
		live[i] = s.Segment()
	}
	g.cache.retain(live)

	filters := q.filters()
	// The selections of the kind facet apart from the others': the kind
	// facet counts a note and its translations once, among the hits that
	// pass every other selection.
	sel := make([][]*roaring.Bitmap, len(segs))
	selKind := make([]*roaring.Bitmap, len(segs))
	for i := range segs {
		for _, f := range facetFields {
			s := selection(hits[i].data, f, filters[f])
			switch {
			case s == nil:
			case f == fKind:
				selKind[i] = s
			default:
				sel[i] = append(sel[i], s)
			}
		}
	}
	// Versions of each family among the hits that pass every selection
	// but the kind's: all but one are taken off the kind facet's count.
	versions := map[string]uint64{}

	sctx := context.WithValue(ctx, search.GetScoringModelCallbackKey,
		search.GetScoringModelCallbackFn(func() string { return index.BM25Scoring }))
	searcher, err := full.Searcher(sctx, snap, ix.mapping, search.SearcherOptions{})
	if err != nil {
		return nil, fmt.Errorf("search: unable to search: %w", err)
	}
	defer searcher.Close()
	want := q.Page * q.PerPage
	top := &topK{byDate: q.Sort == SortDate || text == "", k: want}
	pool := search.NewDocumentMatchPool(searcher.DocumentMatchPoolSize(), 0)
	sc := &search.SearchContext{DocumentMatchPool: pool}
	var total uint64
	// The best hit of each translation family, when grouping.
	families := map[string]scoredDoc{}
	seg := 0
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		dm, err := searcher.Next(sc)
		if err != nil {
			return nil, fmt.Errorf("search: unable to search: %w", err)
		}
		if dm == nil {
			break
		}
		num := binary.BigEndian.Uint64(dm.IndexInternalID)
		for seg+1 < len(offsets) && num >= offsets[seg+1] {
			seg++
		}
		local := uint32(num - offsets[seg])
		hits[seg].hits.Add(local)
		pass := true
		for _, s := range sel[seg] {
			if !s.Contains(local) {
				pass = false
				break
			}
		}
		fam := hits[seg].data.families[local]
		if pass && fam != "" && !q.NoGroup {
			versions[fam]++
		}
		if pass && selKind[seg] != nil && !selKind[seg].Contains(local) {
			pass = false
		}
		if pass {
			d := scoredDoc{num: num, seg: seg, local: local, score: dm.Score, date: hits[seg].data.dates[local]}
			if fam != "" && !q.NoGroup {
				if best, ok := families[fam]; !ok || top.better(d, best) {
					families[fam] = d
				}
			} else {
				total++
				top.offer(d)
			}
		}
		pool.Put(dm)
	}
	for _, d := range families {
		total++
		top.offer(d)
	}
	res := &Result{Total: total, Facets: countFacets(hits, filters), Expanded: pl.expanded}
	groupKindFacet(res.Facets, versions)
	ranked := top.sorted()
	from := (q.Page - 1) * q.PerPage
	if from >= len(ranked) {
		return res, nil
	}
	for _, d := range ranked[from:min(len(ranked), from+q.PerPage)] {
		h, err := ix.hit(segs[d.seg], d, pl.highlight)
		if err != nil {
			return nil, err
		}
		h.Family = hits[d.seg].data.families[d.local]
		res.Hits = append(res.Hits, h)
	}
	return res, nil
}

// hit reads a hit's stored fields and makes its snippet.
func (ix *Index) hit(s *scorch.SegmentSnapshot, d scoredDoc, hl map[string]map[string]bool) (Hit, error) {
	var h Hit
	var id, body, summary, countries string
	err := s.VisitDocument(uint64(d.local), func(field string, _ byte, value []byte, _ []uint64) bool {
		switch field {
		case "_id":
			id = string(value)
		case fKind:
			h.Kind = string(value)
		case fLang:
			h.Language = string(value)
		case sTitle:
			h.Title = string(value)
		case sSlug:
			h.Slug = string(value)
		case sBody:
			body = string(value)
		case sSummary:
			summary = string(value)
		case sCountries:
			countries = string(value)
		}
		return true
	})
	if err != nil {
		return h, fmt.Errorf("search: unable to read a hit: %w", err)
	}
	_, h.ID, _ = parseDocID(id)
	h.Countries = strings.Fields(countries)
	h.Score = d.score
	if d.date > 0 {
		h.Date = time.Unix(d.date, 0).UTC()
	}
	h.SnippetHTML = snippet(h.Language, summary, body, hl)
	return h, nil
}

// scoredDoc is a hit while the best ones are chosen.
type scoredDoc struct {
	num   uint64
	seg   int
	local uint32
	score float64
	date  int64
}

// topK keeps the k best hits: by score, or by date (newest first), ties
// by index order.
type topK struct {
	byDate bool
	k      int
	h      docHeap
}

func (t *topK) better(a, b scoredDoc) bool {
	if t.byDate && a.date != b.date {
		return a.date > b.date
	}
	if !t.byDate && a.score != b.score {
		return a.score > b.score
	}
	return a.num < b.num
}

func (t *topK) offer(d scoredDoc) {
	if t.k <= 0 {
		return
	}
	if len(t.h.docs) < t.k {
		t.h.less = func(a, b scoredDoc) bool { return t.better(b, a) } // worst on top
		heap.Push(&t.h, d)
		return
	}
	if t.better(d, t.h.docs[0]) {
		t.h.docs[0] = d
		heap.Fix(&t.h, 0)
	}
}

func (t *topK) sorted() []scoredDoc {
	out := append([]scoredDoc(nil), t.h.docs...)
	sort.Slice(out, func(i, j int) bool { return t.better(out[i], out[j]) })
	return out
}

type docHeap struct {
	docs []scoredDoc
	less func(a, b scoredDoc) bool
}

func (h docHeap) Len() int           { return len(h.docs) }
func (h docHeap) Less(i, j int) bool { return h.less(h.docs[i], h.docs[j]) }
func (h docHeap) Swap(i, j int)      { h.docs[i], h.docs[j] = h.docs[j], h.docs[i] }
func (h *docHeap) Push(x any)        { h.docs = append(h.docs, x.(scoredDoc)) }
func (h *docHeap) Pop() any {
	old := h.docs
	x := old[len(old)-1]
	h.docs = old[:len(old)-1]
	return x
}

// groupKindFacet counts a note and its translations once in the kind
// facet, as the results list them: versions holds, per family, how many
// of its notes passed the other facets' selections.
func groupKindFacet(facets []Facet, versions map[string]uint64) {
	var extra uint64
	for _, n := range versions {
		extra += n - 1
	}
	if extra == 0 {
		return
	}
	for i := range facets {
		if facets[i].Name != fKind {
			continue
		}
		for j := range facets[i].Values {
			if v := &facets[i].Values[j]; v.Value == KindPractice && v.Count >= extra {
				v.Count -= extra
			}
		}
		sortFacet(facets[i].Values, false)
	}
}
