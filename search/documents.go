package search

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strconv"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/standard"
	"github.com/blevesearch/bleve/v2/mapping"

	"proact/models"
)

// analyzers maps a note's language to the Bleve analyzer for it; languages
// without one of their own in Bleve (Bulgarian, Czech, Greek, Irish, the
// Baltic languages ...) use the standard analyzer until the search issue
// builds theirs from Bleve's stop-word filters.
var analyzers = map[string]string{
	"ar": "ar", "da": "da", "de": "de", "en": "en", "es": "es", "fi": "fi", "fr": "fr",
	"hi": "hi", "hr": "hr", "hu": "hu",
	"it": "it", "nl": "nl", "pl": "pl", "pt": "pt", "ro": "ro", "ru": "ru", "sv": "sv", "tr": "tr",
}

func analyzerFor(lang string) string {
	if a, ok := analyzers[lang]; ok {
		return a
	}
	return standard.Name
}

// newMapping gives every language its own text fields (title_fr, body_fr):
// one field name analysed differently in different documents would get an
// arbitrary analyzer at query time.
func newMapping() mapping.IndexMapping {
	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = standard.Name
	doc := bleve.NewDocumentMapping()
	kw := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.DocValues = true // facets and sorting
		return f
	}
	for _, f := range []string{"type", "slug", "language", "countries", "topics", "sectors",
		"indicators", "target_groups", "visibility", "organisation"} {
		doc.AddFieldMappingsAt(f, kw())
	}
	date := bleve.NewDateTimeFieldMapping()
	doc.AddFieldMappingsAt("published", date)
	for _, lang := range models.Languages.Terms {
		for _, f := range []string{"title", "summary", "body"} {
			tf := bleve.NewTextFieldMapping()
			tf.Analyzer = analyzerFor(lang)
			tf.Store = f != "body"
			tf.IncludeTermVectors = true // highlighting
			doc.AddFieldMappingsAt(f+"_"+lang, tf)
		}
	}
	m.DefaultMapping = doc
	return m
}

// document is what the index holds for one entity.
type document map[string]any

func docID(kind string, id uint) string { return kind + ":" + strconv.FormatUint(uint64(id), 10) }

func (ix *Index) practiceDoc(p *models.Practice) document {
	lang := p.Language
	ix.addLanguage(lang)
	d := document{
		"type": models.KindPractice, "slug": p.Slug, "language": lang,
		"countries": p.Countries, "topics": p.Topics, "sectors": p.Sectors,
		"indicators": p.Indicators, "target_groups": p.TargetGroups, "visibility": p.Visibility,
		"title_" + lang: p.Title, "summary_" + lang: p.Summary,
		"body_" + lang: html.UnescapeString(ix.text.Sanitize(p.BodyHTML)),
	}
	if p.PublishedAt != nil {
		d["published"] = *p.PublishedAt
	}
	if p.Organisation != nil {
		d["organisation"] = p.Organisation.Slug
	}
	return d
}

func (ix *Index) addLanguage(lang string) {
	ix.langMu.RLock()
	known := ix.langs[lang]
	ix.langMu.RUnlock()
	if !known {
		ix.langMu.Lock()
		ix.langs[lang] = true
		ix.langMu.Unlock()
	}
}

// languages returns the languages that have documents.
func (ix *Index) languages() []string {
	ix.langMu.RLock()
	defer ix.langMu.RUnlock()
	out := make([]string, 0, len(ix.langs))
	for l := range ix.langs {
		out = append(out, l)
	}
	return out
}

// loadLanguages reads the languages of an index from its facet.
func loadLanguages(idx bleve.Index, into map[string]bool) error {
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 0, 0, false)
	req.AddFacet("language", bleve.NewFacetRequest("language", len(models.Languages.Terms)))
	res, err := idx.Search(req)
	if err != nil {
		return fmt.Errorf("search: unable to read the index languages: %w", err)
	}
	if f, ok := res.Facets["language"]; ok && f.Terms != nil {
		for _, t := range f.Terms.Terms() {
			into[t.Term] = true
		}
	}
	return nil
}

// fill indexes every published practice from the database into a new index,
// in batches, the last of which records the outbox position.
func (ix *Index) fill(ctx context.Context, idx bleve.Index, head models.OutboxPosition) error {
	practices, err := ix.store.AllPractices(ctx)
	if err != nil {
		return err
	}
	batch, total := idx.NewBatch(), len(practices)
	ix.progress(0, total)
	for i := range practices {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := &practices[i]
		if p.Status != models.StatusPublished {
			continue
		}
		if err := batch.Index(docID(models.KindPractice, p.ID), ix.practiceDoc(p)); err != nil {
			return fmt.Errorf("search: unable to index %s: %w", p.Slug, err)
		}
		if batch.Size() >= 500 {
			if err := idx.Batch(batch); err != nil {
				return fmt.Errorf("search: unable to write a batch: %w", err)
			}
			batch.Reset()
			ix.progress(i+1, total)
		}
	}
	return writeBatch(idx, batch, head)
}

// apply reloads the entity from the database: the outbox says what changed,
// the database says what it is now.
func (ix *Index) apply(ctx context.Context, batch *bleve.Batch, e models.OutboxEntry) error {
	id := docID(e.Kind, e.EntityID)
	switch e.Kind {
	case models.KindPractice:
		p, err := ix.store.PracticeByID(ctx, e.EntityID)
		if errors.Is(err, models.ErrNotFound) || (err == nil && p.Status != models.StatusPublished) {
			batch.Delete(id)
			return nil
		}
		if err != nil {
			return err
		}
		return batch.Index(id, ix.practiceDoc(p))
	default:
		// Kinds that later issues index (organisations, consultations) are
		// skipped until their mapping exists.
		return nil
	}
}
