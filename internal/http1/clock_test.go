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

// TestLazyDeadline: the first deadline is set, one that would move later by
// less than the slack is not, and an earlier one always is.
func TestLazyDeadline(t *testing.T) {
	var d lazyDeadline
	if _, move := d.next(time.Minute); !move {
		t.Fatal("first deadline not set")
	}
	if _, move := d.next(time.Minute); move {
		t.Fatal("a deadline within the slack was moved")
	}
	if at, move := d.next(time.Second); !move || !at.Before(coarseNow().Add(time.Minute)) {
		t.Fatal("an earlier deadline was not set")
	}
	if _, move := d.next(time.Minute); !move {
		t.Fatal("a deadline 59 s later (past the 1 s slack) was not moved")
	}
}

// TestCoarseClockStopsWhenIdle: unread, the ticker stops (an idle server
// is not woken every 10 ms); read again, the clock is current at once and
// the ticker runs again.
func TestCoarseClockStopsWhenIdle(t *testing.T) {
	coarseNow()
	deadline := time.Now().Add(10 * time.Second)
	for clock.running.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the ticker still runs 10 s after the clock was last read")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(3 * clockResolution)
	if d := time.Since(coarseNow()); d < 0 || d > time.Second {
		t.Fatalf("after a pause the clock is %v behind", d)
	}
	if !clock.running.Load() {
		t.Fatal("reading the clock did not start the ticker again")
	}
}

// TestCoarseClockAdvance: the clock moves forward, ignores a reading late
// by less than a second (a tick delivered after a fresher read), and
// follows the system clock stepped back by more.
func TestCoarseClockAdvance(t *testing.T) {
	var c coarseClock
	base := time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC).UnixNano()
	for _, step := range []struct {
		name     string
		to, want int64
	}{
		{"first", base, base},
		{"forward", base + int64(10*time.Millisecond), base + int64(10*time.Millisecond)},
		{"late_tick", base + int64(5*time.Millisecond), base + int64(10*time.Millisecond)},
		{"stepped_back", base - int64(time.Hour), base - int64(time.Hour)},
	} {
		c.advance(step.to)
		if got := c.nanos.Load(); got != step.want {
			t.Fatalf("%s: clock at %d, want %d", step.name, got, step.want)
		}
	}
}
