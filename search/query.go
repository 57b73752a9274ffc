package search

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"proact/models"
)

// Query is a full-text search.
type Query struct {
	Text    string
	Page    int // 1-based
	PerPage int
}

// Hit is one matching entity; pages load it through the store, which checks
// permissions again.
type Hit struct {
	Kind string
	ID   uint
}

// Result is one page of hits and the total count visible to the viewer.
type Result struct {
	Hits  []Hit
	Total uint64
}

// Search runs a query over every language's fields. Members-only content is
// excluded inside the index for anyone who may not see it, so that neither
// hits nor counts reveal it.
func (ix *Index) Search(ctx context.Context, v models.Viewer, q Query) (Result, error) {
	text := strings.TrimSpace(q.Text)
	if text == "" {
		return Result{}, nil
	}
	// Hold the generation for the whole search: a swap waits, then closes it.
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	g := ix.gen
	if g == nil {
		return Result{}, ix.unavailable()
	}
	if q.PerPage <= 0 || q.PerPage > 100 {
		q.PerPage = 20
	}
	if q.Page < 1 {
		q.Page = 1
	}
	var langs []query.Query
	// Only languages that have documents: a field no document has cannot match.
	for _, lang := range ix.languages() {
		for field, boost := range map[string]float64{"title": 3, "summary": 2, "body": 1} {
			m := bleve.NewMatchQuery(text)
			m.SetField(field + "_" + lang)
			m.SetBoost(boost)
			langs = append(langs, m)
		}
	}
	if len(langs) == 0 {
		return Result{}, nil
	}
	must := []query.Query{bleve.NewDisjunctionQuery(langs...)}
	if !v.SeesMembersOnly() {
		pub := bleve.NewTermQuery(models.VisibilityPublic)
		pub.SetField("visibility")
		must = append(must, pub)
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(must...), q.PerPage, (q.Page-1)*q.PerPage, false)
	res, err := g.idx.SearchInContext(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("search: unable to search: %w", err)
	}
	out := Result{Total: res.Total}
	for _, h := range res.Hits {
		kind, id, ok := strings.Cut(h.ID, ":")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			continue
		}
		out.Hits = append(out.Hits, Hit{Kind: kind, ID: uint(n)})
	}
	return out, nil
}
