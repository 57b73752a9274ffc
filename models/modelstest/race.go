//go:build race

package modelstest

// RaceEnabled says the race detector is on: CPU-bound checks that measure a
// rate over a whole corpus (not concurrency) may take a sample instead, since
// the detector makes them 30 times slower and the plain run covers them whole.
const RaceEnabled = true
