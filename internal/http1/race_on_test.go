//go:build race

package http1

// raceEnabled reports that the race detector is on: it adds allocations, so
// the allocation guards skip themselves.
const raceEnabled = true
