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
