package search

import (
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
)

// Field names of the index. Text is indexed per language (body_fr, body_pl):
// one field name analysed differently in different documents would get an
// arbitrary analyzer at query time. body_L holds the title, the summary and
// the body, so that every word of a query can match anywhere in a document
// of language L; the title is written into it twice, which weighs its words
// more under BM25 than a second field per language would, at half the
// searchers per query.
const (
	fKind     = "kind"
	fLang     = "lang"
	fCountry  = "country"
	fTopic    = "topic"
	fSector   = "sector"
	fOrgType  = "org_type"
	fYear     = "year"
	fAudience = "audience" // who may see it: "public" or "members"
	// fTag holds a document's indicators and topics: glossary concepts
	// share their ids, so a concept named in a query also finds what is
	// tagged with it, in any language.
	fTag     = "tag"
	fDate    = "date"    // sort key: unix seconds, zero-padded
	fNeutral = "all"     // language-neutral: names, acronyms, numbers (neutralText), names of organisations and places
	fSuggest = "suggest" // title words and their prefixes, for suggestions
	// fFamily names a note's translation family (the slug of the original):
	// a search shows one hit per family unless asked not to group.
	fFamily = "family"

	// Stored only, for hits and snippets.
	sTitle     = "s_title"
	sSummary   = "s_summary"
	sBody      = "s_body"
	sSlug      = "s_slug"
	sCountries = "s_countries"
)

func bodyField(lang string) string { return "body_" + lang }

// facetFields are the keyword fields counted for the facets panel, in the
// order it shows them.
var facetFields = []string{fKind, fCountry, fLang, fTopic, fSector, fOrgType, fYear}

// newMapping builds the index mapping: nothing dynamic, no _all field, no
// doc values (facets and snippets are computed otherwise, see facets.go and
// snippet.go), BM25 scoring.
func newMapping() mapping.IndexMapping {
	registerAnalysis(languageCodes())
	m := bleve.NewIndexMapping()
	m.ScoringModel = index.BM25Scoring
	m.StoreDynamic, m.IndexDynamic, m.DocValuesDynamic = false, false, false
	m.DefaultAnalyzer = neutralName
	doc := bleve.NewDocumentStaticMapping()
	// Positions (term vectors) only where phrases are matched: the body
	// fields. The neutral field matches words, not phrases.
	text := func(analyzer string, positions bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store, f.IncludeTermVectors, f.IncludeInAll, f.DocValues = false, positions, false, false
		return f
	}
	kw := func(store bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store, f.IncludeTermVectors, f.IncludeInAll, f.DocValues = store, false, false, false
		return f
	}
	stored := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Index, f.Store, f.IncludeTermVectors, f.IncludeInAll, f.DocValues = false, true, false, false, false
		return f
	}
	for _, f := range []string{fKind, fLang} {
		doc.AddFieldMappingsAt(f, kw(true))
	}
	for _, f := range []string{fCountry, fTopic, fSector, fOrgType, fYear, fAudience, fDate, fTag, fFamily} {
		doc.AddFieldMappingsAt(f, kw(false))
	}
	for _, f := range []string{sTitle, sSummary, sBody, sSlug, sCountries} {
		doc.AddFieldMappingsAt(f, stored())
	}
	doc.AddFieldMappingsAt(fNeutral, text(neutralName, false))
	doc.AddFieldMappingsAt(fSuggest, kw(false))
	for _, lang := range languageCodes() {
		doc.AddFieldMappingsAt(bodyField(lang), text(analyzerName(lang), true))
	}
	// No _all composite field: every field is excluded from it anyway, and
	// building it still visits every token of every field.
	doc.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	m.DefaultMapping = doc
	return m
}
