package models

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Organisation statuses: only approved organisations appear in the directory.
const (
	OrgPending   = "pending"
	OrgApproved  = "approved"
	OrgSuspended = "suspended"
)

// Organisation is a member organisation of the network.
type Organisation struct {
	ID              uint
	Slug            string
	Name            string
	Country         string
	City            string
	Type            string
	Website         string
	PublicEmail     string
	DescriptionMD   string `gorm:"column:description_md"`
	DescriptionHTML string `gorm:"column:description_html"`
	Status          string
	Demo            bool
	PublicPhone     string
	// The members-only contact: shown to signed-in members, never to visitors.
	ContactName     string
	ContactEmail    string
	ContactPhone    string
	SuspendedReason string
	// SearchText is the name and city folded (Fold): what the directory's
	// text search compares, filled on every write.
	SearchText string
	CreatedAt  time.Time
	UpdatedAt  time.Time

	// RefersTo lists the slugs of organisations this one refers people to.
	RefersTo []string `gorm:"-"`
	// Terms are loaded from organisation_terms: services, referral stages, languages.
	Services       []string `gorm:"-"`
	ReferralStages []string `gorm:"-"`
	Languages      []string `gorm:"-"`
}

func (o *Organisation) termSets() map[string]*[]string {
	return map[string]*[]string{
		Services().Name():       &o.Services,
		ReferralStages().Name(): &o.ReferralStages,
		Languages().Name():      &o.Languages,
	}
}

// OrganisationTerm is one vocabulary term attached to an organisation.
type OrganisationTerm struct {
	OrganisationID uint
	Vocab          string
	Term           string
}

type referral struct {
	OrganisationID uint
	RefersToID     uint
}

func (referral) TableName() string { return "organisation_referrals" }

// OrganisationName is an organisation's slug and name: enough for a link or
// a choice in a list.
type OrganisationName struct {
	Slug    string
	Name    string
	Country string
	Demo    bool
}

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

// OrganisationByID loads any organisation, whatever its status: for
// moderators and for the organisation's own members.
func (s *Store) OrganisationByID(ctx context.Context, id uint) (*Organisation, error) {
	var o Organisation
	if err := s.conn(ctx).Take(&o, "id = ?", id).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load organisation %d: %w", id, notFound(err))
	}
	list := []Organisation{o}
	if err := s.loadOrganisationTerms(ctx, list); err != nil {
		return nil, err
	}
	return &list[0], nil
}

// OrganisationRow loads an organisation's own row, whatever its status,
// without its terms: what every signed-in request needs of the member's
// organisation (its status, slug and name), in one primary-key lookup.
func (s *Store) OrganisationRow(ctx context.Context, id uint) (*Organisation, error) {
	var o Organisation
	if err := s.conn(ctx).Take(&o, "id = ?", id).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load organisation %d: %w", id, notFound(err))
	}
	return &o, nil
}

// OrganisationStatus returns an organisation's status alone: what every
// signed-in request needs to know of the member's organisation (one
// primary-key lookup, none of the terms).
func (s *Store) OrganisationStatus(ctx context.Context, id uint) (string, error) {
	var status []string
	if err := s.conn(ctx).Model(&Organisation{}).Where("id = ?", id).Limit(1).Pluck("status", &status).Error; err != nil {
		return "", fmt.Errorf("models: unable to load organisation %d: %w", id, err)
	}
	if len(status) == 0 {
		return "", fmt.Errorf("models: unable to load organisation %d: %w", id, ErrNotFound)
	}
	return status[0], nil
}

// AnyOrganisationBySlug loads an organisation whatever its status.
func (s *Store) AnyOrganisationBySlug(ctx context.Context, slug string) (*Organisation, error) {
	var o Organisation
	if err := s.conn(ctx).Select("id").Take(&o, "slug = ?", slug).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load organisation %q: %w", slug, notFound(err))
	}
	return s.OrganisationByID(ctx, o.ID)
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

// OrganisationNames maps the ids to the organisations' names, for lists that
// show whom people belong to.
func (s *Store) OrganisationNames(ctx context.Context, ids []uint) (map[uint]string, error) {
	out := make(map[uint]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Organisation
	if err := s.conn(ctx).Select("id", "name").Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load organisation names: %w", err)
	}
	for _, o := range rows {
		out[o.ID] = o.Name
	}
	return out, nil
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

// OrganisationFilter selects organisations of the directory. Values outside
// their vocabulary are dropped by Normalise.
type OrganisationFilter struct {
	Country  string
	Type     string
	Service  string
	Stage    string // referral stage
	Language string
	Query    string // part of the name or city
	Status   string // for moderators; the directory shows approved ones only
	ListOptions
}

// organisationListing is how the directory pages: by name, and no deeper
// than page 10,000, which no reader goes to and a crawler should not.
var organisationListing = listing{perPage: 20, maxPerPage: 100, maxPage: 10_000, sorts: []sortOrder{
	by("name", "organisations.name, organisations.id"),
}}

// Normalise drops unknown values and clamps paging.
func (f OrganisationFilter) Normalise() OrganisationFilter {
	if !Countries().Has(f.Country) {
		f.Country = ""
	}
	if !OrganisationTypes().Has(f.Type) {
		f.Type = ""
	}
	if !Services().Has(f.Service) {
		f.Service = ""
	}
	if !ReferralStages().Has(f.Stage) {
		f.Stage = ""
	}
	if !Languages().Has(f.Language) {
		f.Language = ""
	}
	switch f.Status {
	case OrgApproved, OrgPending, OrgSuspended, "all":
	default:
		f.Status = OrgApproved
	}
	if len(f.Query) > 200 {
		f.Query = f.Query[:200]
	}
	f.ListOptions = organisationListing.normalise(f.ListOptions)
	return f
}

func orgWithTerm(q *gorm.DB, vocab, term string) *gorm.DB {
	if term == "" {
		return q
	}
	return q.Where("organisations.id IN (SELECT organisation_id FROM organisation_terms WHERE vocab = ? AND term = ?)", vocab, term)
}

// ListOrganisations returns one page of the directory, by name, and the total.
// Pages are kept per content version (see cached).
func (s *Store) ListOrganisations(ctx context.Context, f OrganisationFilter) ([]Organisation, int64, error) {
	f = f.Normalise()
	type page struct {
		list  []Organisation
		total int64
	}
	p, err := cached(ctx, s, fmt.Sprintf("organisations:%+v", f), func() (page, error) {
		list, total, err := s.listOrganisations(ctx, f)
		return page{list, total}, err
	})
	return slices.Clone(p.list), p.total, err
}

func (s *Store) listOrganisations(ctx context.Context, f OrganisationFilter) ([]Organisation, int64, error) {
	q := s.conn(ctx).Model(&Organisation{})
	if f.Status != "all" {
		q = q.Where("organisations.status = ?", f.Status)
	}
	if f.Country != "" {
		q = q.Where("organisations.country = ?", f.Country)
	}
	if f.Type != "" {
		q = q.Where("organisations.type = ?", f.Type)
	}
	q = orgWithTerm(q, Services().Name(), f.Service)
	q = orgWithTerm(q, ReferralStages().Name(), f.Stage)
	q = orgWithTerm(q, Languages().Name(), f.Language)
	if t := strings.TrimSpace(f.Query); t != "" {
		// Folded on both sides: "Iasi" finds "Iași", on SQLite and PostgreSQL alike.
		q = q.Where("organisations.search_text LIKE ? ESCAPE '\\'", "%"+escapeLike(Fold(t))+"%")
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("models: unable to count organisations: %w", err)
	}
	var list []Organisation
	if err := organisationListing.page(q, f.ListOptions).Find(&list).Error; err != nil {
		return nil, 0, fmt.Errorf("models: unable to list organisations: %w", err)
	}
	if err := s.loadOrganisationTerms(ctx, list); err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// OrganisationCountries counts approved organisations per country, for the
// directory's filter and the referral pathway pages.
// The counts are kept per content version (see cached).
func (s *Store) OrganisationCountries(ctx context.Context) ([]TermCount, error) {
	return cached(ctx, s, "organisation-countries", func() ([]TermCount, error) { return s.organisationCountries(ctx) })
}

func (s *Store) organisationCountries(ctx context.Context) ([]TermCount, error) {
	var out []TermCount
	err := s.conn(ctx).Model(&Organisation{}).Select("country AS term, COUNT(*) AS count").
		Where("status = ?", OrgApproved).Group("country").Order("count DESC, term").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to count organisations: %w", err)
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
	var refs []struct {
		OrganisationID uint
		Slug           string
	}
	err := s.conn(ctx).Table("organisation_referrals r").
		Select("r.organisation_id, o.slug").Joins("JOIN organisations o ON o.id = r.refers_to_id").
		Where("r.organisation_id IN ?", ids).Order("o.slug").Scan(&refs).Error
	if err != nil {
		return fmt.Errorf("models: unable to load referrals: %w", err)
	}
	for _, r := range refs {
		byID[r.OrganisationID].RefersTo = append(byID[r.OrganisationID].RefersTo, r.Slug)
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
		o.UpdatedAt, o.SearchText = now, o.searchText()
		if err := tx.conn(ctx).Omit(clause.Associations).Save(o).Error; err != nil {
			return fmt.Errorf("models: unable to save organisation %q: %w", o.Slug, conflict(err))
		}
		return tx.saveOrganisationLinks(ctx, o)
	})
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
		row := Organisation{Slug: o.Slug, Name: o.Name, City: o.City, Country: o.Country, Type: o.Type, Status: OrgPending, CreatedAt: now, UpdatedAt: now}
		row.SearchText = row.searchText()
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

// reservedSlugs are the words the routes use after a collection's path
// (/practices/new, /practices/coverage, /admin/consultations/new,
// /pathways/booklet ...) and the actions after an item's: an entity named
// so would be hidden by the route, or shadow it.
var reservedSlugs = map[string]bool{
	"new": true, "edit": true, "delete": true, "export": true, "import": true, "preview": true,
	"coverage": true, "booklet": true, "feed": true, "feeds": true, "atom": true, "sitemap": true,
	"search": true, "api": true, "admin": true, "history": true, "results": true, "response": true,
	"responses": true, "report": true, "questions": true, "publish": true, "unpublish": true,
	"withdraw": true, "members": true, "note": true, "suspend": true, "reinstate": true,
}

// ReservedSlug reports whether slug is a word of the routes, never given to
// a consultation, a note or an organisation.
func ReservedSlug(slug string) bool { return reservedSlugs[slug] }

// freeSlug returns slug, or slug-N with the smallest N ≥ 2 not in taken
// (a reserved word counts as taken).
func freeSlug(slug string, taken []string) string {
	slug = base(slug)
	used := make(map[string]bool, len(taken))
	for _, t := range taken {
		used[t] = true
	}
	if !used[slug] && !reservedSlugs[slug] {
		return slug
	}
	for n := 2; ; n++ {
		if c := slug + "-" + strconv.Itoa(n); !used[c] {
			return c
		}
	}
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
			"contact_phone": o.ContactPhone, "updated_at": o.UpdatedAt, "search_text": o.searchText(),
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

// SetOrganisationStatus approves, suspends or reinstates an organisation.
// Suspension stops its members' writing at once: every write checks it.
func (s *Store) SetOrganisationStatus(ctx context.Context, id uint, status, reason string) error {
	return s.WithTx(ctx, func(tx *Store) error {
		res := tx.conn(ctx).Model(&Organisation{}).Where("id = ?", id).
			Updates(map[string]any{"status": status, "suspended_reason": reason, "updated_at": tx.now()})
		if res.Error != nil {
			return fmt.Errorf("models: unable to change organisation %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return tx.enqueue(ctx, KindOrganisation, id, OpUpsert)
	})
}

// saveOrganisationLinks replaces an organisation's terms and referrals and
// records the change in the outbox; call it inside the transaction.
func (s *Store) saveOrganisationLinks(ctx context.Context, o *Organisation) error {
	if err := s.conn(ctx).Where("organisation_id = ?", o.ID).Delete(&OrganisationTerm{}).Error; err != nil {
		return fmt.Errorf("models: unable to save organisation terms: %w", err)
	}
	var terms []OrganisationTerm
	for vocab, set := range o.termSets() {
		for _, t := range uniq(*set) {
			terms = append(terms, OrganisationTerm{OrganisationID: o.ID, Vocab: vocab, Term: t})
		}
	}
	if len(terms) > 0 {
		if err := s.conn(ctx).Create(&terms).Error; err != nil {
			return fmt.Errorf("models: unable to save organisation terms: %w", err)
		}
	}
	if err := s.saveReferrals(ctx, o); err != nil {
		return err
	}
	return s.enqueue(ctx, KindOrganisation, o.ID, OpUpsert)
}

// saveReferrals replaces the organisations o refers people to; slugs that
// name no organisation (or o itself) are ignored.
func (s *Store) saveReferrals(ctx context.Context, o *Organisation) error {
	if err := s.conn(ctx).Where("organisation_id = ?", o.ID).Delete(&referral{}).Error; err != nil {
		return fmt.Errorf("models: unable to save referrals: %w", err)
	}
	if len(o.RefersTo) == 0 {
		return nil
	}
	var ids []uint
	if err := s.conn(ctx).Model(&Organisation{}).Where("slug IN ? AND id <> ?", uniq(o.RefersTo), o.ID).Pluck("id", &ids).Error; err != nil {
		return fmt.Errorf("models: unable to save referrals: %w", err)
	}
	rows := make([]referral, len(ids))
	for i, id := range ids {
		rows[i] = referral{OrganisationID: o.ID, RefersToID: id}
	}
	if len(rows) == 0 {
		return nil
	}
	if err := s.conn(ctx).Create(&rows).Error; err != nil {
		return fmt.Errorf("models: unable to save referrals: %w", err)
	}
	return nil
}
