package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Referral pathways: each country's chain of organisations from the first
// signal to inclusion or return, drawn from the directory (the referral
// stages organisations cover and the organisations they refer people to),
// headed by the moderators' national note. Only approved organisations take
// part; their members-only contact is cleared here for viewers who may not
// see it, so no page, chart or booklet built on a Pathway can show it.

// KindNationalNote is the outbox kind of a national note.
const KindNationalNote = "national_note"

// Audit actions of the national notes.
const (
	AuditNationalNoteSaved   = "pathway.note_saved"
	AuditNationalNoteDeleted = "pathway.note_deleted"
)

// Referral is one "refers people to" link, by organisation slug.
type Referral struct {
	From string
	To   string
}

// Pathway is a country's referral pathway.
type Pathway struct {
	Country string
	// Organisations are the approved organisations based in the country, by
	// name, with their terms. RefersTo holds the approved ones they refer to.
	Organisations []Organisation
	// Abroad are the approved organisations of other countries that the
	// country's organisations refer people to, or that refer people to them,
	// by country and name. Their RefersTo holds only links into the country.
	Abroad []Organisation
	// Referrals are the links with at least one end in the country, between
	// approved organisations, by source and target slug.
	Referrals []Referral
}

// Covers counts, for each referral stage, the country's organisations that
// cover it; a stage nobody covers counts 0.
func (p *Pathway) Covers() map[string]int {
	out := make(map[string]int, len(ReferralStages().Terms()))
	for _, st := range ReferralStages().Terms() {
		out[st] = 0
	}
	for _, o := range p.Organisations {
		for _, st := range o.ReferralStages {
			if _, ok := out[st]; ok {
				out[st]++
			}
		}
	}
	return out
}

// Gaps lists the referral stages that none of the country's organisations
// covers, in pathway order.
func (p *Pathway) Gaps() []string {
	covers := p.Covers()
	var out []string
	for _, st := range ReferralStages().Terms() {
		if covers[st] == 0 {
			out = append(out, st)
		}
	}
	return out
}

// approvedReferral is a referral row between two approved organisations.
type approvedReferral struct {
	FromID, ToID           uint
	FromSlug, ToSlug       string
	FromCountry, ToCountry string
}

// approvedReferrals lists the referrals between approved organisations; with
// a country, only those with at least one end in it.
func (s *Store) approvedReferrals(ctx context.Context, country string) ([]approvedReferral, error) {
	q := s.conn(ctx).Table("organisation_referrals r").
		Select("a.id AS from_id, b.id AS to_id, a.slug AS from_slug, b.slug AS to_slug, a.country AS from_country, b.country AS to_country").
		Joins("JOIN organisations a ON a.id = r.organisation_id").
		Joins("JOIN organisations b ON b.id = r.refers_to_id").
		Where("a.status = ? AND b.status = ?", OrgApproved, OrgApproved)
	if country != "" {
		q = q.Where("(a.country = ? OR b.country = ?)", country, country)
	}
	var out []approvedReferral
	if err := q.Order("a.slug, b.slug").Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load referrals: %w", err)
	}
	return out, nil
}

// approvedOrganisations loads approved organisations with their terms: those
// of a country, or those with the given ids.
func (s *Store) approvedOrganisations(ctx context.Context, country string, ids []uint) ([]Organisation, error) {
	q := s.conn(ctx).Where("status = ?", OrgApproved)
	switch {
	case country != "":
		q = q.Where("country = ?", country)
	case ids != nil:
		if len(ids) == 0 {
			return nil, nil
		}
		q = q.Where("id IN ?", ids)
	}
	var list []Organisation
	if err := q.Order("name, id").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: unable to list organisations: %w", err)
	}
	if err := s.loadOrganisationTerms(ctx, list); err != nil {
		return nil, err
	}
	return list, nil
}

// Pathway draws the referral pathway of a country (a code of Countries) for
// the viewer. A country without any member organisation gives an empty
// pathway, every stage a gap.
func (s *Store) Pathway(ctx context.Context, v Viewer, country string) (*Pathway, error) {
	if !Countries().Has(country) {
		return nil, ErrNotFound
	}
	home, err := s.approvedOrganisations(ctx, country, nil)
	if err != nil {
		return nil, err
	}
	refs, err := s.approvedReferrals(ctx, country)
	if err != nil {
		return nil, err
	}
	abroadIDs := []uint{}
	for _, r := range refs {
		if r.FromCountry != country && !slices.Contains(abroadIDs, r.FromID) {
			abroadIDs = append(abroadIDs, r.FromID)
		}
		if r.ToCountry != country && !slices.Contains(abroadIDs, r.ToID) {
			abroadIDs = append(abroadIDs, r.ToID)
		}
	}
	abroad, err := s.approvedOrganisations(ctx, "", abroadIDs)
	if err != nil {
		return nil, err
	}
	return buildPathway(v, country, home, abroad, refs), nil
}

// NetworkPathways draws the pathway of every country with at least one
// approved organisation, in the order of the country codes: the network's
// booklet. Everything is loaded in a few queries, whatever the number of
// countries.
func (s *Store) NetworkPathways(ctx context.Context, v Viewer) ([]Pathway, error) {
	all, err := s.approvedOrganisations(ctx, "", nil)
	if err != nil {
		return nil, err
	}
	refs, err := s.approvedReferrals(ctx, "")
	if err != nil {
		return nil, err
	}
	byCountry := map[string][]Organisation{}
	var countries []string
	for _, o := range all {
		if _, ok := byCountry[o.Country]; !ok {
			countries = append(countries, o.Country)
		}
		byCountry[o.Country] = append(byCountry[o.Country], o)
	}
	slices.Sort(countries)
	out := make([]Pathway, 0, len(countries))
	for _, c := range countries {
		var mine []approvedReferral
		abroad := []Organisation{}
		for _, r := range refs {
			if r.FromCountry != c && r.ToCountry != c {
				continue
			}
			mine = append(mine, r)
			for _, end := range []struct {
				id      uint
				country string
			}{{r.FromID, r.FromCountry}, {r.ToID, r.ToCountry}} {
				if end.country == c || slices.ContainsFunc(abroad, func(o Organisation) bool { return o.ID == end.id }) {
					continue
				}
				if i := slices.IndexFunc(all, func(o Organisation) bool { return o.ID == end.id }); i >= 0 {
					abroad = append(abroad, all[i])
				}
			}
		}
		out = append(out, *buildPathway(v, c, byCountry[c], abroad, mine))
	}
	return out, nil
}

// buildPathway puts the pieces together: copies of the organisations (the
// callers' slices are shared between countries), with RefersTo set from the
// approved referrals and the contact cleared for those who may not see it.
func buildPathway(v Viewer, country string, home, abroad []Organisation, refs []approvedReferral) *Pathway {
	p := &Pathway{Country: country}
	prepare := func(list []Organisation) []Organisation {
		out := make([]Organisation, len(list))
		for i, o := range list {
			o.RefersTo = nil
			for _, r := range refs {
				if r.FromID == o.ID {
					o.RefersTo = append(o.RefersTo, r.ToSlug)
				}
			}
			if !v.SeesMembersOnly() {
				o.ContactName, o.ContactEmail, o.ContactPhone = "", "", ""
			}
			out[i] = o
		}
		return out
	}
	p.Organisations = prepare(home)
	p.Abroad = prepare(abroad)
	slices.SortStableFunc(p.Abroad, func(a, b Organisation) int {
		if c := strings.Compare(a.Country, b.Country); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	for _, r := range refs {
		p.Referrals = append(p.Referrals, Referral{From: r.FromSlug, To: r.ToSlug})
	}
	return p
}

// CountryCoverage is one country of the pathways overview.
type CountryCoverage struct {
	Country       string
	Organisations int64
	// Stages counts the approved organisations covering each referral stage.
	Stages map[string]int64
	// Referrals counts the referrals from the country's organisations.
	Referrals int64
	// Notes lists the languages of the country's national notes.
	Notes []string
}

// Gaps lists the referral stages no organisation of the country covers.
func (c CountryCoverage) Gaps() []string {
	var out []string
	for _, st := range ReferralStages().Terms() {
		if c.Stages[st] == 0 {
			out = append(out, st)
		}
	}
	return out
}

// PathwayOverview counts, for every country with an approved organisation or
// a national note, the organisations per referral stage, in the order of the
// country codes.
func (s *Store) PathwayOverview(ctx context.Context) ([]CountryCoverage, error) {
	byCountry := map[string]*CountryCoverage{}
	get := func(c string) *CountryCoverage {
		if cc, ok := byCountry[c]; ok {
			return cc
		}
		cc := &CountryCoverage{Country: c, Stages: map[string]int64{}}
		byCountry[c] = cc
		return cc
	}
	orgs, err := s.OrganisationCountries(ctx)
	if err != nil {
		return nil, err
	}
	for _, tc := range orgs {
		get(tc.Term).Organisations = tc.Count
	}
	var stages []struct {
		Country string
		Term    string
		Count   int64
	}
	err = s.conn(ctx).Table("organisation_terms t").
		Select("o.country AS country, t.term AS term, COUNT(*) AS count").
		Joins("JOIN organisations o ON o.id = t.organisation_id").
		Where("t.vocab = ? AND o.status = ?", ReferralStages().Name(), OrgApproved).
		Group("o.country, t.term").Scan(&stages).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to count referral stages: %w", err)
	}
	for _, r := range stages {
		if ReferralStages().Has(r.Term) {
			get(r.Country).Stages[r.Term] = r.Count
		}
	}
	var refs []TermCount
	err = s.conn(ctx).Table("organisation_referrals r").
		Select("a.country AS term, COUNT(*) AS count").
		Joins("JOIN organisations a ON a.id = r.organisation_id").
		Joins("JOIN organisations b ON b.id = r.refers_to_id").
		Where("a.status = ? AND b.status = ?", OrgApproved, OrgApproved).
		Group("a.country").Scan(&refs).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to count referrals: %w", err)
	}
	for _, r := range refs {
		get(r.Term).Referrals = r.Count
	}
	var notes []NationalNote
	if err := s.conn(ctx).Select("country", "language").Order("country, language").Find(&notes).Error; err != nil {
		return nil, fmt.Errorf("models: unable to list national notes: %w", err)
	}
	for _, n := range notes {
		cc := get(n.Country)
		cc.Notes = append(cc.Notes, n.Language)
	}
	out := make([]CountryCoverage, 0, len(byCountry))
	for _, cc := range byCountry {
		out = append(out, *cc)
	}
	slices.SortFunc(out, func(a, b CountryCoverage) int { return strings.Compare(a.Country, b.Country) })
	return out, nil
}

// NationalNote is the moderators' text on how a country's national referral
// mechanism works and who formally identifies victims, in one language.
// Everyone may read it.
type NationalNote struct {
	ID           uint
	Country      string
	Language     string
	IdentifiedBy string
	BodyMD       string `gorm:"column:body_md"`
	BodyHTML     string `gorm:"column:body_html"`
	// Version counts the saves; a save names the version it started from, so
	// that two moderators editing at once cannot overwrite each other.
	Version       int
	UpdatedBy     *uint
	UpdatedByName string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TableName names the table.
func (NationalNote) TableName() string { return "national_notes" }

// NationalNoteRevision is one saved text of a national note: who wrote what, when.
type NationalNoteRevision struct {
	ID           uint
	NoteID       uint
	Version      int
	IdentifiedBy string
	BodyMD       string `gorm:"column:body_md"`
	AuthorID     *uint
	AuthorName   string
	CreatedAt    time.Time
}

// TableName names the table.
func (NationalNoteRevision) TableName() string { return "national_note_revisions" }

// NationalNotes returns a country's national notes, one per language, by language.
func (s *Store) NationalNotes(ctx context.Context, country string) ([]NationalNote, error) {
	var list []NationalNote
	if err := s.conn(ctx).Where("country = ?", country).Order("language").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load the national notes of %q: %w", country, err)
	}
	return list, nil
}

// NationalNote returns a country's note in one language, or ErrNotFound.
func (s *Store) NationalNote(ctx context.Context, country, language string) (*NationalNote, error) {
	var n NationalNote
	if err := s.conn(ctx).Where("country = ? AND language = ?", country, language).Take(&n).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load the national note %s/%s: %w", country, language, notFound(err))
	}
	return &n, nil
}

// NationalNoteRevisions returns the latest saves of a note, newest first.
func (s *Store) NationalNoteRevisions(ctx context.Context, noteID uint, limit int) ([]NationalNoteRevision, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	var list []NationalNoteRevision
	if err := s.conn(ctx).Where("note_id = ?", noteID).Order("version DESC").Limit(limit).Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load the revisions of national note %d: %w", noteID, err)
	}
	return list, nil
}

// PublicName is a name as a byline may show it to everyone: never an
// e-mail address (a name typed as one gives "", which pages show as the
// network's moderators).
func PublicName(name string) string {
	name = strings.TrimSpace(name)
	if strings.Contains(name, "@") {
		return ""
	}
	return name
}

// bylineOf is how a national note names its author to everyone: the
// author's name and organisation, or "" (never the e-mail address, which
// is no one's business but the portal's).
func (s *Store) bylineOf(ctx context.Context, u *User) (string, error) {
	parts := []string{}
	if name := PublicName(u.Name); name != "" {
		parts = append(parts, name)
	}
	if u.OrganisationID != nil {
		var org Organisation
		err := s.conn(ctx).Select("name").Take(&org, "id = ?", *u.OrganisationID).Error
		if err != nil && notFound(err) != ErrNotFound {
			return "", fmt.Errorf("models: unable to load the author's organisation: %w", err)
		}
		if name := PublicName(org.Name); name != "" {
			parts = append(parts, name)
		}
	}
	return strings.Join(parts, ", "), nil
}

// SaveNationalNote writes a national note as its author typed it: a new one
// when n.Version is 0, otherwise the next version of the one saved as
// n.Version. The text, its revision, the outbox row and the audit entry
// commit together. A note saved meanwhile by someone else (or created twice)
// gives ErrConflict and nothing is written; on success n holds what was saved.
func (s *Store) SaveNationalNote(ctx context.Context, n *NationalNote, author *User, audit AuditEntry) error {
	return s.WithTx(ctx, func(tx *Store) error {
		now := tx.now()
		name, err := tx.bylineOf(ctx, author)
		if err != nil {
			return err
		}
		n.UpdatedBy, n.UpdatedByName, n.UpdatedAt = &author.ID, name, now
		if n.Version == 0 {
			n.ID, n.Version, n.CreatedAt = 0, 1, now
			if err := tx.conn(ctx).Create(n).Error; err != nil {
				return fmt.Errorf("models: unable to create the national note %s/%s: %w", n.Country, n.Language, conflict(err))
			}
		} else {
			var current NationalNote
			err := tx.conn(ctx).Select("id", "created_at").Where("country = ? AND language = ?", n.Country, n.Language).Take(&current).Error
			if err != nil {
				return fmt.Errorf("models: unable to save the national note %s/%s: %w", n.Country, n.Language, notFound(err))
			}
			res := tx.conn(ctx).Model(&NationalNote{}).Where("id = ? AND version = ?", current.ID, n.Version).Updates(map[string]any{
				"identified_by": n.IdentifiedBy, "body_md": n.BodyMD, "body_html": n.BodyHTML, "version": n.Version + 1,
				"updated_by": author.ID, "updated_by_name": name, "updated_at": now,
			})
			if res.Error != nil {
				return fmt.Errorf("models: unable to save the national note %s/%s: %w", n.Country, n.Language, res.Error)
			}
			if res.RowsAffected == 0 {
				return ErrConflict
			}
			n.ID, n.Version, n.CreatedAt = current.ID, n.Version+1, current.CreatedAt
		}
		rev := NationalNoteRevision{NoteID: n.ID, Version: n.Version, IdentifiedBy: n.IdentifiedBy, BodyMD: n.BodyMD,
			AuthorID: &author.ID, AuthorName: name, CreatedAt: now}
		if err := tx.conn(ctx).Create(&rev).Error; err != nil {
			return fmt.Errorf("models: unable to keep the revision of national note %d: %w", n.ID, err)
		}
		if err := tx.enqueue(ctx, KindNationalNote, n.ID, OpUpsert); err != nil {
			return err
		}
		audit.Action, audit.TargetKind, audit.TargetID = AuditNationalNoteSaved, KindNationalNote, &n.ID
		audit.Detail = fmt.Sprintf("%s/%s v%d", n.Country, n.Language, n.Version)
		return tx.Audit(ctx, audit)
	})
}

// DeleteNationalNote removes a country's note in one language, with its
// revisions, if it is still at version; the audit log keeps who did it. A
// note changed meanwhile gives ErrConflict, a missing one ErrNotFound.
func (s *Store) DeleteNationalNote(ctx context.Context, country, language string, version int, audit AuditEntry) error {
	return s.WithTx(ctx, func(tx *Store) error {
		current, err := tx.NationalNote(ctx, country, language)
		if err != nil {
			return err
		}
		if current.Version != version {
			return ErrConflict
		}
		if err := tx.conn(ctx).Where("note_id = ?", current.ID).Delete(&NationalNoteRevision{}).Error; err != nil {
			return fmt.Errorf("models: unable to delete the national note %d: %w", current.ID, err)
		}
		res := tx.conn(ctx).Where("id = ? AND version = ?", current.ID, version).Delete(&NationalNote{})
		if res.Error != nil {
			return fmt.Errorf("models: unable to delete the national note %d: %w", current.ID, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrConflict
		}
		if err := tx.enqueue(ctx, KindNationalNote, current.ID, OpDelete); err != nil {
			return err
		}
		audit.Action, audit.TargetKind, audit.TargetID = AuditNationalNoteDeleted, KindNationalNote, &current.ID
		audit.Detail = fmt.Sprintf("%s/%s v%d", country, language, version)
		return tx.Audit(ctx, audit)
	})
}

// CoverageVocabularies are the vocabularies a coverage matrix may cross:
// nothing else reaches its query.
var coverageVocabularies = map[string]bool{
	Countries().Name(): true, Topics().Name(): true, Sectors().Name(): true, Indicators().Name(): true, TargetGroups().Name(): true,
}

// CoverageCount is one cell of a coverage matrix: how many published notes
// the viewer may read carry both terms.
type CoverageCount struct {
	Row   string `gorm:"column:row_term"`
	Col   string `gorm:"column:col_term"`
	Count int64
}

// PracticeCoverage crosses two vocabularies of the practice notes (countries ×
// topics, sectors × indicators ...) and counts, in each cell, the published
// notes the viewer may read that carry both terms; empty cells are left out.
// Members-only notes are never counted for visitors.
func (s *Store) PracticeCoverage(ctx context.Context, v Viewer, rows, cols Vocabulary) ([]CoverageCount, error) {
	if !coverageVocabularies[rows.Name()] || !coverageVocabularies[cols.Name()] || rows.Name() == cols.Name() {
		return nil, fmt.Errorf("models: no coverage of %q × %q", rows.Name(), cols.Name())
	}
	var out []CoverageCount
	err := s.conn(ctx).Table("practice_terms a").
		Select("a.term AS row_term, b.term AS col_term, COUNT(*) AS count").
		Joins("JOIN practice_terms b ON b.practice_id = a.practice_id AND b.vocab = ?", cols.Name()).
		Where("a.vocab = ? AND a.practice_id IN (?)", rows.Name(), s.visiblePractices(ctx, v).Select("practices.id")).
		Group("a.term, b.term").Order("a.term, b.term").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to count the coverage of %s × %s: %w", rows.Name(), cols.Name(), err)
	}
	return out, nil
}

// AllNationalNotes returns every national note, by country and language: for export.
func (s *Store) AllNationalNotes(ctx context.Context) ([]NationalNote, error) {
	var list []NationalNote
	if err := s.conn(ctx).Order("country, language").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: unable to list the national notes: %w", err)
	}
	return list, nil
}

// ImportNationalNote writes a national note from an import: a new one, or
// the next version of the one of the same country and language, whoever
// saved it last. The author is n.UpdatedByName (no account); a zero
// UpdatedAt means now. Its revision and outbox row are in the same transaction.
func (s *Store) ImportNationalNote(ctx context.Context, n *NationalNote) error {
	return s.WithTx(ctx, func(tx *Store) error {
		now := tx.now()
		if n.UpdatedAt.IsZero() {
			n.UpdatedAt = now
		}
		n.UpdatedBy, n.UpdatedByName = nil, PublicName(n.UpdatedByName)
		var current NationalNote
		err := tx.conn(ctx).Select("id", "version", "created_at").Where("country = ? AND language = ?", n.Country, n.Language).Take(&current).Error
		switch {
		case err == nil:
			n.ID, n.Version, n.CreatedAt = current.ID, current.Version+1, current.CreatedAt
			err = tx.conn(ctx).Model(&NationalNote{}).Where("id = ?", n.ID).Updates(map[string]any{
				"identified_by": n.IdentifiedBy, "body_md": n.BodyMD, "body_html": n.BodyHTML, "version": n.Version,
				"updated_by": nil, "updated_by_name": n.UpdatedByName, "updated_at": n.UpdatedAt,
			}).Error
		case notFound(err) == ErrNotFound:
			n.ID, n.Version, n.CreatedAt = 0, 1, n.UpdatedAt
			err = tx.conn(ctx).Create(n).Error
		}
		if err != nil {
			return fmt.Errorf("models: unable to import the national note %s/%s: %w", n.Country, n.Language, err)
		}
		rev := NationalNoteRevision{NoteID: n.ID, Version: n.Version, IdentifiedBy: n.IdentifiedBy, BodyMD: n.BodyMD,
			AuthorName: n.UpdatedByName, CreatedAt: n.UpdatedAt}
		if err := tx.conn(ctx).Create(&rev).Error; err != nil {
			return fmt.Errorf("models: unable to keep the revision of national note %d: %w", n.ID, err)
		}
		return tx.enqueue(ctx, KindNationalNote, n.ID, OpUpsert)
	})
}
