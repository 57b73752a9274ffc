package models

import "context"

// Exported for the tests of package models_test: the counts made from the
// notes themselves, which the kept counts must equal.
var (
	CountPracticeFacets = (*Store).countPracticeFacets
	CountPracticeStats  = (*Store).countPracticeStats
	// CountedPractices lists from the notes, not the kept families.
	CountedPractices = (*Store).countedPractices
)

// CountFilteredFacets counts every facet from the notes, none from the
// kept counts.
func CountFilteredFacets(s *Store, ctx context.Context, v Viewer, f PracticeFilter, vocabs ...string) (map[string][]TermCount, error) {
	return s.filteredFacetsCounting(ctx, v, f.Normalise(), true, vocabs...)
}
