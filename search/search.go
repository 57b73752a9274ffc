package search

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
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
	// Relaxed says that no document had every word typed (nor similar
	// words) and that the hits have all of them but one.
	Relaxed bool
	Took    time.Duration
}

// fewHits is the total below which typo tolerance is tried.
const fewHits = 3

// Search runs a query for a viewer. Everything the viewer may not see is
// excluded inside the index, by the segments' own postings of the audience
// field, before a hit is counted anywhere, so that no hit, count, snippet or
// suggestion can reveal it.
func (ix *Index) Search(ctx context.Context, v models.Viewer, q Query) (*Result, error) {
	start := time.Now()
	ix.searches.Add(1)
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
	sv, err := ix.openView(g)
	if err != nil {
		return nil, err
	}
	defer sv.close()
	b := &builder{langs: langs, an: sharedAnalyzers(), gloss: ix.glossary, expand: !q.NoExpand}
	found, err := ix.run(ctx, sv, v, q, b, text)
	if err != nil {
		return nil, err
	}
	if found.res.Total < fewHits && text != "" {
		b.fuzzy = true
		fuzzy, err := ix.run(ctx, sv, v, q, b, text)
		if err != nil {
			return nil, err
		}
		if fuzzy.res.Total > found.res.Total {
			fuzzy.res.Fuzzy = true
			found = fuzzy
		}
	}
	// Nothing has every word, as typed or similar: a word the corpus does
	// not use ("muncitori" where the notes say "lucrători") would
	// otherwise hide everything the others find, in every language the
	// glossary reaches. All the words but one, then, said so.
	// Not when the words are all found under another selection of the
	// filters: each facet is counted without its own selection, so a
	// count says where they are ("Practice notes 2" with organisations
	// chosen), which relaxed hits' counts would hide.
	if found.res.Total == 0 && !counted(found.res.Facets) && relaxable(text) {
		b.fuzzy, b.relaxed = false, true
		relaxed, err := ix.run(ctx, sv, v, q, b, text)
		if err != nil {
			return nil, err
		}
		if relaxed.res.Total > 0 {
			relaxed.res.Relaxed = true
			found = relaxed
		}
	}
	// Only the page shown is read and highlighted: of the plan chosen.
	res := found.res
	hl := newHighlighter(found.highlight)
	for _, d := range found.page {
		h, err := ix.hit(sv.segs[d.seg], d, hl)
		if err != nil {
			return nil, err
		}
		h.Family = sv.data[d.seg].families[d.local]
		res.Hits = append(res.Hits, h)
	}
	if res.Fuzzy {
		res.DidYouMean = didYouMean(text, res.Hits, b)
	}
	res.Took = time.Since(start)
	return res, nil
}

// counted reports whether some facet value counts a hit.
func counted(facets []Facet) bool {
	for _, f := range facets {
		for _, v := range f.Values {
			if v.Count > 0 {
				return true
			}
		}
	}
	return false
}

// Searches is how many searches the index has been asked: a benchmark
// checks with it that every request it times reached the index (that no
// cache of results answered instead).
func (ix *Index) Searches() uint64 { return ix.searches.Load() }

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

// audienceQuery restricts a query to what the viewer may see (suggestions;
// a search checks the same postings as bitmaps, in run).
func audienceQuery(v models.Viewer) query.Query {
	if v.SeesMembersOnly() {
		return nil // public and members-only documents
	}
	tq := query.NewTermQuery(AudiencePublic)
	tq.SetField(fAudience)
	return tq
}

// view is one search's snapshot of a generation: its segments, where each
// starts in the snapshot's document numbers, and their facet data.
type view struct {
	r       index.IndexReader
	snap    *scorch.IndexSnapshot
	segs    []*scorch.SegmentSnapshot
	offsets []uint64
	data    []*segData
	terms   *termsIn // what the segments' dictionaries hold, as asked so far
	cache   *segCache
}

func (ix *Index) openView(g *generation) (*view, error) {
	adv, err := g.idx.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		_ = r.Close()
		return nil, errors.New("search: the index is not a scorch index")
	}
	sv := &view{r: r, snap: snap, segs: snap.Segments(), cache: g.cache}
	sv.offsets = make([]uint64, len(sv.segs))
	sv.data = make([]*segData, len(sv.segs))
	live := make([]segment.Segment, len(sv.segs))
	var running uint64
	for i, s := range sv.segs {
		sv.offsets[i] = running
		running += s.Segment().Count()
		d, err := g.cache.get(s.Segment())
		if err != nil {
			_ = r.Close()
			return nil, fmt.Errorf("search: unable to read facets: %w", err)
		}
		sv.data[i] = d
		live[i] = s.Segment()
	}
	g.cache.retain(live)
	return sv, nil
}

func (sv *view) close() { _ = sv.r.Close() }

// found is what one plan found: the result without its hits, the page's
// documents, and the terms to highlight in them.
type found struct {
	res       *Result
	page      []scoredDoc
	highlight map[string]map[string]bool
}

// famBest is the best hit of a translation family so far, and how many of
// the family's notes passed every selection but the kind's.
type famBest struct {
	fam      uint32
	doc      scoredDoc
	pass     bool // doc passed every selection (is a result)
	versions uint64
}

// run executes one plan over one view: every hit is visited once, scored by
// Bleve, kept if it passes the filters (bitmaps), collected per segment for
// the facets, and the best ones of the page are kept.
func (ix *Index) run(ctx context.Context, sv *view, v models.Viewer, q Query, b *builder, text string) (*found, error) {
	var pl plan
	if text != "" {
		pl = b.build(text)
		if pl.q == nil {
			return &found{res: &Result{Facets: emptyFacets(q.filters()), Expanded: pl.expanded}}, nil
		}
	} else {
		pl = plan{q: query.NewMatchAllQuery(), highlight: map[string]map[string]bool{}}
	}
	if sv.terms == nil {
		sv.terms = newTermsIn(sv)
	}
	pq := pl.q
	if pruning {
		pq = sv.terms.prune(pl.q)
	}
	if pq == nil { // no document holds what it asks
		return &found{res: &Result{Facets: emptyFacets(q.filters()), Expanded: pl.expanded}, highlight: pl.highlight}, nil
	}
	segs := sv.segs
	offsets := sv.offsets
	hits := make([]segHits, len(segs))
	for i := range segs {
		hits[i] = segHits{data: sv.data[i], hits: roaring.New()}
	}

	// What the viewer may see: for a visitor, the public documents of each
	// segment (the audience field's own postings, read once per segment),
	// checked before a hit is counted anywhere, rather than a term query in
	// a conjunction, which walked the postings of nine documents in ten and
	// scored them all alike. A segment without public documents gives none.
	var audience []*roaring.Bitmap
	if !v.SeesMembersOnly() {
		audience = make([]*roaring.Bitmap, len(segs))
		for i := range segs {
			if audience[i] = sv.data[i].values[fAudience][AudiencePublic]; audience[i] == nil {
				audience[i] = roaring.New()
			}
		}
	}

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
	group := !q.NoGroup
	// The best hit of each translation family, when grouping, by the
	// family's number, and the versions of each among the hits that pass
	// every selection but the kind's: all but one are taken off the kind
	// facet's count.
	var fams []famBest
	var slots *famSlots
	if group {
		slots = sv.cache.takeSlots()
		defer func() {
			for _, f := range fams {
				slots.slot[f.fam] = 0
			}
			sv.cache.slots.Put(slots)
		}()
	}

	sctx := context.WithValue(ctx, search.GetScoringModelCallbackKey,
		search.GetScoringModelCallbackFn(func() string { return index.BM25Scoring }))
	searcher, err := pq.Searcher(sctx, sv.snap, ix.mapping, search.SearcherOptions{})
	if err != nil {
		return nil, fmt.Errorf("search: unable to search: %w", err)
	}
	defer searcher.Close()
	want := q.Page * q.PerPage
	top := newTopK(q.Sort == SortDate || text == "", want)
	// The pool grows when a searcher needs more: a large disjunction (the
	// glossary's terms in every language) would otherwise allocate a match
	// per child up front.
	pool := search.NewDocumentMatchPool(min(searcher.DocumentMatchPoolSize(), 64), 0)
	sc := &search.SearchContext{DocumentMatchPool: pool}
	var total uint64
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
		score := dm.Score
		pool.Put(dm)
		for seg+1 < len(offsets) && num >= offsets[seg+1] {
			seg++
		}
		local := uint32(num - offsets[seg])
		if audience != nil && !audience[seg].Contains(local) {
			continue // not for this viewer: no hit, no count
		}
		hits[seg].hits.Add(local)
		pass := true
		for _, s := range sel[seg] {
			if !s.Contains(local) {
				pass = false
				break
			}
		}
		if !pass {
			continue
		}
		fam := noFamily
		if group {
			fam = hits[seg].data.family[local]
		}
		pass = selKind[seg] == nil || selKind[seg].Contains(local)
		d := scoredDoc{num: num, seg: seg, local: local, score: score, date: hits[seg].data.dates[local]}
		if fam == noFamily {
			if pass {
				total++
				top.offer(d)
			}
			continue
		}
		i := slots.slot[fam]
		if i == 0 {
			fams = append(fams, famBest{fam: fam})
			i = int32(len(fams))
			slots.slot[fam] = i
		}
		f := &fams[i-1]
		f.versions++
		if pass && (!f.pass || top.better(d, f.doc)) {
			f.doc, f.pass = d, true
		}
	}
	versions := uint64(0) // versions beyond one per family, off the kind facet
	for i := range fams {
		versions += fams[i].versions - 1
		if fams[i].pass {
			total++
			top.offer(fams[i].doc)
		}
	}
	res := &Result{Total: total, Facets: countFacets(hits, filters), Expanded: pl.expanded}
	groupKindFacet(res.Facets, versions)
	ranked := top.sorted()
	from := (q.Page - 1) * q.PerPage
	out := &found{res: res, highlight: pl.highlight}
	if from < len(ranked) {
		out.page = ranked[from:min(len(ranked), from+q.PerPage)]
	}
	return out, nil
}

// hit reads a hit's stored fields and makes its snippet.
func (ix *Index) hit(s *scorch.SegmentSnapshot, d scoredDoc, hl *highlighter) (Hit, error) {
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
	h.SnippetHTML = hl.snippet(h.Language, summary, body)
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
// by index order. The heap has the worst of them on top.
type topK struct {
	byDate bool
	k      int
	docs   []scoredDoc
}

func newTopK(byDate bool, k int) *topK {
	return &topK{byDate: byDate, k: k, docs: make([]scoredDoc, 0, min(k, 64))}
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
	if len(t.docs) < t.k {
		t.docs = append(t.docs, d)
		t.up(len(t.docs) - 1)
		return
	}
	if t.better(d, t.docs[0]) {
		t.docs[0] = d
		t.down(0)
	}
}

// up and down keep the heap: a parent is never better than its children.
func (t *topK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !t.better(t.docs[p], t.docs[i]) {
			return
		}
		t.docs[p], t.docs[i] = t.docs[i], t.docs[p]
		i = p
	}
}

func (t *topK) down(i int) {
	n := len(t.docs)
	for {
		worst := i
		for _, c := range []int{2*i + 1, 2*i + 2} {
			if c < n && t.better(t.docs[worst], t.docs[c]) {
				worst = c
			}
		}
		if worst == i {
			return
		}
		t.docs[i], t.docs[worst] = t.docs[worst], t.docs[i]
		i = worst
	}
}

func (t *topK) sorted() []scoredDoc {
	out := slices.Clone(t.docs)
	slices.SortFunc(out, func(a, b scoredDoc) int {
		switch {
		case t.better(a, b):
			return -1
		case t.better(b, a):
			return 1
		}
		return 0
	})
	return out
}

// groupKindFacet counts a note and its translations once in the kind
// facet, as the results list them: extra is how many notes beyond one per
// family passed the other facets' selections.
func groupKindFacet(facets []Facet, extra uint64) {
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
