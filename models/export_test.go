package models

import (
	"context"
	"fmt"
)

// Exported for the tests of package models_test: the counts made from the
// notes themselves, which the kept counts must equal.
var (
	CountPracticeFacets = (*Store).countPracticeFacets
	CountPracticeStats  = (*Store).countPracticeStats
	// CountedPractices lists from the notes, not the kept families.
	CountedPractices = (*Store).countedPractices
)

// ListenWith is Store.Listen with its own connect (tests hold a
// reconnection back).
var ListenWith = (*Store).listen

// OutboxWriterLock is the advisory lock of outbox writers (ContentVersion).
const OutboxWriterLock = outboxWriterLock

// ForceListening makes s use its kept request state as if a listener were
// connected, though none is: it hears only of its own writes.
func ForceListening(s *Store) { s.live.listening.Store(true) }

// CountFilteredFacets counts every facet from the notes, none from the
// kept counts.
func CountFilteredFacets(s *Store, ctx context.Context, v Viewer, f PracticeFilter, vocabs ...string) (map[string][]TermCount, error) {
	return s.filteredFacetsCounting(ctx, v, f.Normalise(), true, vocabs...)
}

// RollBack undoes one migration (its Down section): for the tests of a
// migration's backfill.
func RollBack(ctx context.Context, s *Store, version int64) error {
	p, _, err := provider(s.db, s.dialect)
	if err != nil {
		return err
	}
	_, err = p.ApplyVersion(ctx, version, false)
	return err
}

// KeptFamilies is what the kept family tables hold, in a comparable form
// (counts of zero left out: a family counted and then gone leaves one).
func KeptFamilies(s *Store, ctx context.Context) ([]string, error) {
	var out []string
	var members []familyMember
	if err := s.conn(ctx).Order("practice_id").Find(&members).Error; err != nil {
		return nil, err
	}
	for _, m := range members {
		out = append(out, fmt.Sprintf("member %d %s", m.PracticeID, m.Root))
	}
	var contributions []familyContribution
	if err := s.conn(ctx).Order("root, vocab, term").Find(&contributions).Error; err != nil {
		return nil, err
	}
	for _, c := range contributions {
		out = append(out, fmt.Sprintf("contribution %+v", c))
	}
	var counts []facetCount
	if err := s.conn(ctx).Table("family_counts").Where("count <> 0").Order("audience, vocab, term").Scan(&counts).Error; err != nil {
		return nil, err
	}
	for _, c := range counts {
		out = append(out, fmt.Sprintf("count %+v", c))
	}
	var rows []practiceFamily
	if err := s.conn(ctx).Order("root, audience, language").Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out = append(out, fmt.Sprintf("shown %s %s %s %d %q %d", r.Root, r.Audience, r.Language, r.PracticeID, r.Title, r.PublishedAt.Unix()))
	}
	return out, nil
}
