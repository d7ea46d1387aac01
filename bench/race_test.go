//go:build race

package bench

// The race detector drops a share of sync.Pool puts on purpose, so
// allocation totals under -race say nothing about the verifier.
const raceEnabled = true
