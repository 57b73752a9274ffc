package modelstest

import "os"

// ThoroughEnv asks for every repetition of the suite's heaviest checks:
// PROACT_THOROUGH=1. CI (CI=true, which .ci/run sets) runs them all too.
//
// By default (a developer's `go test ./...`) every test runs and every kind
// of assertion is made, but a heavy check repeated over many pages is made on
// a fixed, representative part of them (Sampled): the browser tours run
// axe-core on part of the pages they open, open part of the pages in the
// second language, and the facet-count check follows part of the options.
// Thorough says which of the two a run is; the README's test section lists
// what it changes.
const ThoroughEnv = "PROACT_THOROUGH"

// Thorough reports whether the run must make every repetition of the heavy
// checks: in CI (CI=true), with PROACT_THOROUGH=1, or with
// PROACT_FULL_ATTACKS=1 (which asks for everything).
func Thorough() bool {
	return os.Getenv("CI") == "true" || os.Getenv(ThoroughEnv) == "1" || FullAttacks()
}

// Sampled reports whether repetition i (from 0) of a heavy check is made in
// this run: every one in a thorough run, else one in every n, those with
// i%n == at. Choose at so that two samples of the same pages complement each
// other where they can.
func Sampled(i, n, at int) bool {
	return Thorough() || n <= 1 || i%n == at%n
}
