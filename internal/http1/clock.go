package http1

import (
	"sync/atomic"
	"time"
)

// coarseNow is the current time to within clockResolution. Every request
// needs the time three times (its read and write deadlines and its Date),
// and reading the clock was the largest single user-space cost of a
// keep-alive request in the profile; a ticker reads it once per tick
// instead. Deadlines come out up to one tick early, far inside their slack.
//
// The ticker runs only while the clock is read: after idleTicks ticks with
// no reader it stops, so an idle server is not woken a hundred times a
// second, and the next reader starts it again. The first reader after each
// tick reads the real clock itself, so a clock restarted after a pause is
// never stale.
func coarseNow() time.Time {
	if !clock.used.Load() {
		clock.advance(time.Now().UnixNano())
		clock.used.Store(true)
		if clock.running.CompareAndSwap(false, true) {
			go runClock()
		}
	}
	return time.Unix(0, clock.nanos.Load())
}

// Now is the clock a response sent now is dated by (the Date field), to
// within clockResolution and never ahead of the system clock. A handler
// that compares a time it sends with the present, such as a Last-Modified
// that must not be later than the Date (RFC 9110 §8.8.2.1), uses it so that
// it agrees with the Date.
func Now() time.Time {
	return coarseNow()
}

// clockResolution is how often the ticker reads the clock, and idleTicks
// how many ticks without a reader stop it.
const (
	clockResolution = 10 * time.Millisecond
	idleTicks       = 100
)

// coarseClock is the time coarseNow reads, in Unix nanoseconds.
type coarseClock struct {
	nanos atomic.Int64
	// used is set by a reader and cleared by each tick; running is set
	// while a ticker goroutine runs.
	used, running atomic.Bool
}

var clock coarseClock

// advance moves the clock to n, but not back by less than a second: a tick
// delivered late must not undo a reader's fresher reading (a Date could go
// back a second). A step of the system clock back by more is followed, or
// every Date would stay ahead, and every deadline late, until the system
// clock caught up.
func (c *coarseClock) advance(n int64) {
	for {
		old := c.nanos.Load()
		if (n <= old && old-n < int64(time.Second)) || c.nanos.CompareAndSwap(old, n) {
			return
		}
	}
}

// runClock is the ticker. Before it stops it looks once more for a reader
// that came after its last tick but saw it still running, and if there is
// one, runs on.
func runClock() {
	tick := time.NewTicker(clockResolution)
	defer tick.Stop()
	idle := 0
	for t := range tick.C {
		clock.advance(t.UnixNano())
		if clock.used.Swap(false) {
			idle = 0
			continue
		}
		if idle++; idle < idleTicks {
			continue
		}
		clock.running.Store(false)
		if !clock.used.Load() || !clock.running.CompareAndSwap(false, true) {
			return
		}
		idle = 0
	}
}

// lazyDeadline remembers the deadline last set on a connection. Moving a
// deadline costs a timer update in the runtime, so a deadline that would
// move later by less than a sixteenth of its timeout (at most a second) is
// left as it is: on a busy keep-alive connection the deadline then moves
// about once per slack rather than for every request, at the price of a
// timeout up to one slack shorter than configured.
type lazyDeadline struct {
	at time.Time
}

// next returns the deadline timeout from now, and whether it must be set.
func (d *lazyDeadline) next(timeout time.Duration) (time.Time, bool) {
	t := coarseNow().Add(timeout)
	slack := min(timeout/16, time.Second)
	if !d.at.IsZero() && !t.Before(d.at) && t.Sub(d.at) < slack {
		return time.Time{}, false
	}
	d.at = t
	return t, true
}
