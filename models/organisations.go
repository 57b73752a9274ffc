package models

import (
	"context"
	"fmt"

	"gorm.io/gorm/clause"
)

// Organisation statuses: only approved organisations appear in the directory.
const (
	OrgPending   = "pending"
	OrgApproved  = "approved"
	OrgSuspended = "suspended"
)

// OrganisationBySlug returns an approved organisation, or ErrNotFound.
func (s *Store) OrganisationBySlug(ctx context.Context, slug string) (*Organisation, error) {
	var o Organisation
	err := s.conn(ctx).Where("slug = ? AND status = ?", slug, OrgApproved).Take(&o).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to load organisation %q: %w", slug, notFound(err))
	}
	list := []Organisation{o}
	if err := s.loadOrganisationTerms(ctx, list); err != nil {
		return nil, err
	}
	return &list[0], nil
}

// AllOrganisations returns every organisation with its terms, in slug order.
func (s *Store) AllOrganisations(ctx context.Context) ([]Organisation, error) {
	var list []Organisation
	if err := s.conn(ctx).Order("slug").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: unable to list organisations: %w", err)
	}
	if err := s.loadOrganisationTerms(ctx, list); err != nil {
		return nil, err
	}
	return list, nil
}

// OrganisationIDsBySlug maps slugs to ids, for imports that refer to
// organisations by slug.
func (s *Store) OrganisationIDsBySlug(ctx context.Context) (map[string]uint, error) {
	var rows []Organisation
	if err := s.conn(ctx).Select("id", "slug").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: unable to list organisations: %w", err)
	}
	out := make(map[string]uint, len(rows))
	for _, o := range rows {
		out[o.Slug] = o.ID
	}
	return out, nil
}

func (s *Store) loadOrganisationTerms(ctx context.Context, list []Organisation) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]uint, 0, len(list))
	byID := make(map[uint]*Organisation, len(list))
	for i := range list {
		ids = append(ids, list[i].ID)
		byID[list[i].ID] = &list[i]
	}
	var terms []OrganisationTerm
	if err := s.conn(ctx).Where("organisation_id IN ?", ids).Order("vocab, term").Find(&terms).Error; err != nil {
		return fmt.Errorf("models: unable to load organisation terms: %w", err)
	}
	for _, t := range terms {
		if set, ok := byID[t.OrganisationID].termSets()[t.Vocab]; ok {
			*set = append(*set, t.Term)
		}
	}
	return nil
}

// SaveOrganisation inserts the organisation, or updates the one with the same
// slug, with its terms and an outbox row, in one transaction.
func (s *Store) SaveOrganisation(ctx context.Context, o *Organisation) error {
	return s.WithTx(ctx, func(tx *Store) error {
		now := tx.now()
		var existing Organisation
		err := tx.conn(ctx).Select("id", "created_at").Where("slug = ?", o.Slug).Take(&existing).Error
		switch {
		case err == nil:
			o.ID, o.CreatedAt = existing.ID, existing.CreatedAt
		case notFound(err) == ErrNotFound:
			o.ID, o.CreatedAt = 0, now
		default:
			return fmt.Errorf("models: unable to save organisation %q: %w", o.Slug, err)
		}
		if o.Status == "" {
			o.Status = OrgApproved
		}
		o.UpdatedAt = now
		if err := tx.conn(ctx).Omit(clause.Associations).Save(o).Error; err != nil {
			return fmt.Errorf("models: unable to save organisation %q: %w", o.Slug, conflict(err))
		}
		if err := tx.conn(ctx).Where("organisation_id = ?", o.ID).Delete(&OrganisationTerm{}).Error; err != nil {
			return fmt.Errorf("models: unable to save organisation terms: %w", err)
		}
		var terms []OrganisationTerm
		for vocab, set := range o.termSets() {
			for _, t := range uniq(*set) {
				terms = append(terms, OrganisationTerm{OrganisationID: o.ID, Vocab: vocab, Term: t})
			}
		}
		if len(terms) > 0 {
			if err := tx.conn(ctx).Create(&terms).Error; err != nil {
				return fmt.Errorf("models: unable to save organisation terms: %w", err)
			}
		}
		return tx.enqueue(ctx, KindOrganisation, o.ID, OpUpsert)
	})
}
