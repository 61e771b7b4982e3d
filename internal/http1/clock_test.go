package http1

import (
	"testing"
	"time"
)

// TestCoarseNowFollowsTheClock: the coarse clock moves with the real one
// and stays close to it (within a second here, a loose bound so a loaded
// machine that delays the ticker does not fail the test).
func TestCoarseNowFollowsTheClock(t *testing.T) {
	first := coarseNow()
	if d := time.Since(first); d < -time.Second || d > time.Second {
		t.Fatalf("coarse clock %v off the real one", d)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !coarseNow().After(first) {
		if time.Now().After(deadline) {
			t.Fatal("the coarse clock did not move in 10 s")
		}
		time.Sleep(clockResolution)
	}
}
