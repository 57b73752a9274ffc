package models

import (
	"context"
	"fmt"
)

// What the search index reads to rebuild itself: the searchable entities of
// each kind in id order, one page at a time, so that a rebuild of a large
// database never holds it all in memory.

// PublishedPracticesAfter returns up to limit published notes with an id
// above after, in id order, with their terms and organisation.
func (s *Store) PublishedPracticesAfter(ctx context.Context, after uint, limit int) ([]Practice, error) {
	var list []Practice
	err := s.conn(ctx).Where("status = ? AND id > ?", StatusPublished, after).Order("id").Limit(limit).Find(&list).Error
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
