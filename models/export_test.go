package models

// Exported for the tests of package models_test: the counts made from the
// notes themselves, which the kept counts must equal.
var (
	CountPracticeFacets = (*Store).countPracticeFacets
	CountPracticeStats  = (*Store).countPracticeStats
)
