package models

import (
	"context"
	"fmt"
)

// What the search index reads to rebuild itself: the searchable entities of
// each kind in id order, one page at a time, so that a rebuild of a large
// database never holds it all in memory.

// searchedPracticeColumns are the columns of a note that the index reads
// (search/documents.go): not the Markdown source, which is as long as the
// body and was a quarter of what a rebuild read from the database.
var searchedPracticeColumns = []string{"id", "slug", "title", "summary", "language", "visibility", "status",
	"organisation_id", "translation_of", "body_html", "published_at"}

// PracticeCursor is where a scan of the published notes is: after this
// note, in the order of language, then id.
type PracticeCursor struct {
	Language string
	ID       uint
}

// ScanCursor is the cursor just after p.
func (p *Practice) ScanCursor() PracticeCursor { return PracticeCursor{p.Language, p.ID} }

// PublishedPracticesAfter returns up to limit published notes after the
// cursor, in the order of language, then id (a full rebuild of the search
// index builds a segment of one language at a time: about a third less
// work than segments of every language), with their terms and organisation:
// the columns the index reads (searchedPracticeColumns), the others left
// empty. The index practices_search_scan (status, language, id) serves it.
func (s *Store) PublishedPracticesAfter(ctx context.Context, after PracticeCursor, limit int) ([]Practice, error) {
	var list []Practice
	err := s.conn(ctx).Select(searchedPracticeColumns).
		Where("status = ? AND (language, id) > (?, ?)", StatusPublished, after.Language, after.ID).
		Order("language, id").Limit(limit).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to list practices: %w", err)
	}
	if err := s.loadPracticeRelations(ctx, list); err != nil {
		return nil, err
	}
	return list, nil
}

// CountPublishedPractices counts the published notes, whoever may read them.
func (s *Store) CountPublishedPractices(ctx context.Context) (int64, error) {
	var n int64
	if err := s.conn(ctx).Model(&Practice{}).Where("status = ?", StatusPublished).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("models: unable to count practices: %w", err)
	}
	return n, nil
}

// ApprovedOrganisationsAfter returns up to limit approved organisations with
// an id above after, in id order, with their terms.
func (s *Store) ApprovedOrganisationsAfter(ctx context.Context, after uint, limit int) ([]Organisation, error) {
	var list []Organisation
	err := s.conn(ctx).Where("status = ? AND id > ?", OrgApproved, after).Order("id").Limit(limit).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to list organisations: %w", err)
	}
	if err := s.loadOrganisationTerms(ctx, list); err != nil {
		return nil, err
	}
	return list, nil
}

// CountApprovedOrganisations counts the organisations of the directory.
func (s *Store) CountApprovedOrganisations(ctx context.Context) (int64, error) {
	var n int64
	if err := s.conn(ctx).Model(&Organisation{}).Where("status = ?", OrgApproved).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("models: unable to count organisations: %w", err)
	}
	return n, nil
}

// NationalNoteByID returns a national note by id, or ErrNotFound: for the
// search index.
func (s *Store) NationalNoteByID(ctx context.Context, id uint) (*NationalNote, error) {
	var n NationalNote
	if err := s.conn(ctx).Take(&n, "id = ?", id).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load national note %d: %w", id, notFound(err))
	}
	return &n, nil
}

// CountNationalNotes counts the national notes (everyone may read them).
func (s *Store) CountNationalNotes(ctx context.Context) (int64, error) {
	var n int64
	if err := s.conn(ctx).Model(&NationalNote{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("models: unable to count national notes: %w", err)
	}
	return n, nil
}

// PublishedConsultationSlugs returns which of the slugs name a published
// consultation (drafts exist for moderators only, and never in search).
func (s *Store) PublishedConsultationSlugs(ctx context.Context, slugs []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(slugs) == 0 {
		return out, nil
	}
	var found []string
	err := s.conn(ctx).Model(&Consultation{}).Where("published_at IS NOT NULL AND slug IN ?", uniq(slugs)).Pluck("slug", &found).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to check consultations: %w", err)
	}
	for _, slug := range found {
		out[slug] = true
	}
	return out, nil
}

// PublishedResponseIDs returns which of the ids are responses published with
// their consultation's results, as their organisation chose.
func (s *Store) PublishedResponseIDs(ctx context.Context, ids []uint) (map[uint]bool, error) {
	out := map[uint]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	var found []uint
	err := s.conn(ctx).Table("consultation_responses r").
		Joins("JOIN consultation_submissions sub ON sub.id = r.submission_id").
		Joins("JOIN consultations c ON c.id = r.consultation_id").
		Where("c.published_at IS NOT NULL AND c.results_published_at IS NOT NULL AND sub.publication IN ? AND r.id IN ?",
			[]string{PublishNamed, PublishAnonymous}, uniqIDs(ids)).
		Pluck("r.id", &found).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to check responses: %w", err)
	}
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// NationalNoteIDs returns which of the ids are national notes.
func (s *Store) NationalNoteIDs(ctx context.Context, ids []uint) (map[uint]bool, error) {
	out := map[uint]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	var found []uint
	if err := s.conn(ctx).Model(&NationalNote{}).Where("id IN ?", uniqIDs(ids)).Pluck("id", &found).Error; err != nil {
		return nil, fmt.Errorf("models: unable to check national notes: %w", err)
	}
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}
