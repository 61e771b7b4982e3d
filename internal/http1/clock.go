package http1

import (
	"sync"
	"sync/atomic"
	"time"
)

// coarseNow is the current time to within clockResolution. Every request
// needs the time three times (its read and write deadlines and its Date),
// and reading the clock was the largest single user-space cost of a
// keep-alive request in the profile; a ticker reads it once per tick
// instead. Deadlines come out up to one tick early, far inside their slack.
func coarseNow() time.Time {
	clock.once.Do(startClock)
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

// clockResolution is how often the ticker reads the clock.
const clockResolution = 10 * time.Millisecond

var clock struct {
	once  sync.Once
	nanos atomic.Int64
}

func startClock() {
	clock.nanos.Store(time.Now().UnixNano())
	go func() {
		for t := range time.Tick(clockResolution) {
			clock.nanos.Store(t.UnixNano())
		}
	}()
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
