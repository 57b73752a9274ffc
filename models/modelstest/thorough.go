package modelstest

import "os"

// ThoroughEnv asks for every repetition of the suite's heaviest checks:
// PROACT_THOROUGH=1. CI (CI=true, which .ci/run sets) runs them all too.
//
// By default (a developer's `go test ./...`) every test runs and every
// assertion is made, but a heavy check repeated over many pages is made on
// a fixed, representative part of them: the phone tours run axe-core on
// every page in English and on one page in four in the second language
// (every page is still opened and measured in both). Thorough says which
// of the two a test is in; the README's test section lists what it changes.
const ThoroughEnv = "PROACT_THOROUGH"

// Thorough reports whether the run must make every repetition of the heavy
// checks: in CI (CI=true), with PROACT_THOROUGH=1, or with
// PROACT_FULL_ATTACKS=1 (which asks for everything).
func Thorough() bool {
	return os.Getenv("CI") == "true" || os.Getenv(ThoroughEnv) == "1" || FullAttacks()
}
