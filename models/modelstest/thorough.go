package modelstest

import "os"

// ThoroughEnv asks for every repetition of the suite's heaviest checks:
// PROACT_THOROUGH=1. CI (CI=true, which .ci/run sets) runs them all too.
//
// By default (a developer's `go test ./...`) every test runs and every
// assertion is made, but a heavy check repeated over many pages or sizes
// is made on a fixed, representative part of them: axe-core runs on every
// page in English and on one page of each template family in the second
// language (every page is still opened and measured in both), and the few
// tests that repeat a check over a range of sizes take the ends and the
// middle of the range. Thorough says which of the two a test is in.
const ThoroughEnv = "PROACT_THOROUGH"

// Thorough reports whether the run must make every repetition of the heavy
// checks: in CI (CI=true), with PROACT_THOROUGH=1, or with
// PROACT_FULL_ATTACKS=1 (which asks for everything).
func Thorough() bool {
	return os.Getenv("CI") == "true" || os.Getenv(ThoroughEnv) == "1" || FullAttacks()
}
