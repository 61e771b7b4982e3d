package server

import (
	"sync"
	"sync/atomic"
)

// workers runs connections on goroutines that outlive them: a goroutine
// whose connection ended (or was parked) waits for the next one instead
// of exiting. A goroutine starts on a 2 KiB stack and serving a request
// needs more, so on a fresh goroutine every connection paid for a stack
// copy (copystack walks every frame): with wrk opening a connection per
// request, a tenth of the server's time. Reused goroutines keep the stack
// they grew, as fasthttp's worker pool does.
type workers struct {
	// handoff passes a connection to a waiting goroutine; unbuffered, so
	// a send succeeds only when one is there to take it.
	handoff chan *conn
	// waiting counts the goroutines waiting on handoff, at most
	// maxWaitingWorkers: more exit, so a burst leaves only a few behind.
	waiting atomic.Int32
	// quit ends the waits once the server shuts down.
	quit     chan struct{}
	quitOnce sync.Once
}

// maxWaitingWorkers bounds the goroutines kept waiting for a connection.
// A handful is enough to take each new connection as it comes; more only
// hold memory after a burst (with 64, the bench's 10,000 idle connections
// cost 3.3 to 3.4 KiB each, 3.1 without waiting goroutines, 3.2 with 8).
const maxWaitingWorkers = 16

func newWorkers() *workers {
	return &workers{handoff: make(chan *conn), quit: make(chan struct{})}
}

// run serves c on a waiting goroutine, or on a new one when none waits.
func (w *workers) run(c *conn) {
	select {
	case w.handoff <- c:
	default:
		go w.serve(c)
	}
}

func (w *workers) serve(c *conn) {
	for {
		c.serve()
		if w.waiting.Add(1) > maxWaitingWorkers {
			w.waiting.Add(-1)
			return
		}
		select {
		case c = <-w.handoff:
			w.waiting.Add(-1)
		case <-w.quit:
			w.waiting.Add(-1)
			return
		}
	}
}

// stop ends the waits; connections still being served finish first. It
// may be called more than once (Close after Shutdown).
func (w *workers) stop() { w.quitOnce.Do(func() { close(w.quit) }) }
