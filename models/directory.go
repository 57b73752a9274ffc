package models

import (
	"context"
	"fmt"
	"strconv"
)

// OrganisationName is an organisation's slug and name: enough for a link or
// a choice in a list.
type OrganisationName struct {
	Slug    string
	Name    string
	Country string
	Demo    bool
}

// ApprovedOrganisationNames lists the approved organisations by name: the
// choices of "refers people to".
func (s *Store) ApprovedOrganisationNames(ctx context.Context) ([]OrganisationName, error) {
	var out []OrganisationName
	err := s.conn(ctx).Model(&Organisation{}).Select("slug", "name", "country", "demo").
		Where("status = ?", OrgApproved).Order("name, slug").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to list organisations: %w", err)
	}
	return out, nil
}

// ApprovedOrganisationsBySlug returns the approved organisations among slugs,
// by name; the others (unknown, pending, suspended) are left out, so that a
// profile never links to a page its reader cannot open.
func (s *Store) ApprovedOrganisationsBySlug(ctx context.Context, slugs []string) ([]OrganisationName, error) {
	if len(slugs) == 0 {
		return nil, nil
	}
	var out []OrganisationName
	err := s.conn(ctx).Model(&Organisation{}).Select("slug", "name", "country", "demo").
		Where("status = ? AND slug IN ?", OrgApproved, uniq(slugs)).Order("name, slug").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to list organisations: %w", err)
	}
	return out, nil
}

// CreateOrganisation inserts a new organisation under the first free slug of
// base, base-2, base-3 ... and never updates an existing one (unlike
// SaveOrganisation, which is an upsert by slug). A slug taken by a concurrent
// request in the meantime gives ErrConflict.
func (s *Store) CreateOrganisation(ctx context.Context, o *Organisation) error {
	return s.WithTx(ctx, func(tx *Store) error {
		var taken []string
		err := tx.conn(ctx).Model(&Organisation{}).
			Where("slug = ? OR slug LIKE ? ESCAPE '\\'", base(o.Slug), escapeLike(base(o.Slug))+"-%").
			Pluck("slug", &taken).Error
		if err != nil {
			return fmt.Errorf("models: unable to choose a slug: %w", err)
		}
		o.Slug = freeSlug(o.Slug, taken)
		now := tx.now()
		row := Organisation{Slug: o.Slug, Name: o.Name, Country: o.Country, Type: o.Type, Status: OrgPending, CreatedAt: now, UpdatedAt: now}
		if err := tx.conn(ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("models: unable to create organisation %q: %w", o.Slug, conflict(err))
		}
		// The row exists now, so SaveOrganisation updates it with the terms,
		// referrals and the outbox row.
		return tx.SaveOrganisation(ctx, o)
	})
}

func base(slug string) string {
	if slug == "" {
		return "organisation"
	}
	return slug
}

// freeSlug returns slug, or slug-N with the smallest N ≥ 2 not in taken.
func freeSlug(slug string, taken []string) string {
	slug = base(slug)
	used := make(map[string]bool, len(taken))
	for _, t := range taken {
		used[t] = true
	}
	if !used[slug] {
		return slug
	}
	for n := 2; ; n++ {
		if c := slug + "-" + strconv.Itoa(n); !used[c] {
			return c
		}
	}
}

// ApplicationCounts counts applications per status.
func (s *Store) ApplicationCounts(ctx context.Context) (map[string]int64, error) {
	var rows []TermCount
	err := s.conn(ctx).Model(&Application{}).Select("status AS term, COUNT(*) AS count").Group("status").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to count applications: %w", err)
	}
	out := map[string]int64{ApplicationPending: 0, ApplicationApproved: 0, ApplicationRejected: 0}
	for _, r := range rows {
		out[r.Term] = r.Count
	}
	return out, nil
}

// RemoveFromOrganisation takes a user out of their organisation: the account
// is disabled, loses its organisation and its sessions end at once. A user of
// another organisation gives ErrNotFound.
func (s *Store) RemoveFromOrganisation(ctx context.Context, orgID, userID uint) error {
	return s.WithTx(ctx, func(tx *Store) error {
		res := tx.conn(ctx).Model(&User{}).Where("id = ? AND organisation_id = ?", userID, orgID).
			Updates(map[string]any{"organisation_id": nil, "status": UserDisabled, "org_admin": false, "updated_at": tx.now()})
		if res.Error != nil {
			return fmt.Errorf("models: unable to remove user %d: %w", userID, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return tx.EndSessions(ctx, userID)
	})
}

// UpdateOrganisationProfile saves what an organisation's admins edit: the
// profile, the members-only contact, the terms and the referrals, with an
// outbox row. Status, slug and the demo flag are left alone, so a save racing
// with a suspension cannot undo it.
func (s *Store) UpdateOrganisationProfile(ctx context.Context, o *Organisation) error {
	return s.WithTx(ctx, func(tx *Store) error {
		o.UpdatedAt = tx.now()
		res := tx.conn(ctx).Model(&Organisation{}).Where("id = ?", o.ID).Updates(map[string]any{
			"name": o.Name, "country": o.Country, "city": o.City, "type": o.Type, "website": o.Website,
			"public_email": o.PublicEmail, "public_phone": o.PublicPhone, "description_md": o.DescriptionMD,
			"description_html": o.DescriptionHTML, "contact_name": o.ContactName, "contact_email": o.ContactEmail,
			"contact_phone": o.ContactPhone, "updated_at": o.UpdatedAt,
		})
		if res.Error != nil {
			return fmt.Errorf("models: unable to save organisation %d: %w", o.ID, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return tx.saveOrganisationLinks(ctx, o)
	})
}
