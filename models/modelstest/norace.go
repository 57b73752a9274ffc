//go:build !race

package modelstest

// RaceEnabled says the race detector is on; see race.go.
const RaceEnabled = false
