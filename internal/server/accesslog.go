package server

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// accessLog writes one line per request. Requests only append their line
// to a buffer, under a lock held for a copy; a goroutine of its own writes
// what has gathered. Woken by a line, it waits accessLogGather for more
// before it writes (or less, once accessLogFlushBytes are waiting): a busy
// server then writes its log in a few large writes a second instead of
// about one per request, each of which also wakes whatever reads the log.
// A line reaches the output at most that long after its request.
// The output is best effort: when it stops taking lines (a full pipe
// nobody reads, a terminal on hold), lines past maxPending are dropped and
// counted rather than blocking requests, and a line then says how many; a
// reader that went away (EPIPE) ends the log.
type accessLog struct {
	out io.Writer
	// gather and flushAt are accessLogGather and accessLogFlushBytes
	// outside tests.
	gather  time.Duration
	flushAt int
	// wake is signalled by the line that finds the buffer empty, full by
	// the one that fills it past flushAt.
	wake chan struct{}
	full chan struct{}
	quit chan struct{}
	done chan struct{}
	stop sync.Once

	mu      sync.Mutex
	pending []byte
	spare   []byte
	dropped int
}

// accessLogMaxPending bounds the lines held while the output is blocked.
const accessLogMaxPending = 1 << 20

// accessLogGather is how long the log gathers lines before it writes them,
// unless accessLogFlushBytes of them are waiting sooner.
const (
	accessLogGather     = 20 * time.Millisecond
	accessLogFlushBytes = 64 << 10
)

// accessLogStopWait bounds how long stopping waits for the last lines to
// go out: a blocked output must not hold up the exit.
const accessLogStopWait = time.Second

func newAccessLog(w io.Writer) *accessLog {
	if w == nil {
		return nil
	}
	return startAccessLog(w, accessLogGather, accessLogFlushBytes)
}

// startAccessLog starts a log that gathers lines for gather, or until
// flushAt bytes of them wait.
func startAccessLog(w io.Writer, gather time.Duration, flushAt int) *accessLog {
	l := &accessLog{out: w, gather: gather, flushAt: flushAt,
		wake: make(chan struct{}, 1), full: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go l.run()
	return l
}

func (l *accessLog) write(line []byte) {
	l.mu.Lock()
	first := len(l.pending) == 0
	if len(l.pending)+len(line) > accessLogMaxPending {
		l.dropped++
	} else {
		l.pending = append(l.pending, line...)
	}
	full := len(l.pending) >= l.flushAt
	l.mu.Unlock()
	// Every line after the first of a batch finds the writer already
	// woken: it will take them all.
	if first {
		signal(l.wake)
	}
	if full {
		signal(l.full)
	}
}

// signal wakes whoever waits on c, or leaves it as it is if it is already
// signalled.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func (l *accessLog) run() {
	defer close(l.done)
	gathering := time.NewTimer(l.gather)
	for {
		gathering.Stop()
		select {
		case <-l.wake:
		case <-l.quit:
			l.writeOut()
			return
		}
		gathering.Reset(l.gather)
		select {
		case <-gathering.C:
		case <-l.full:
		case <-l.quit:
			l.writeOut()
			return
		}
		if !l.writeOut() {
			return
		}
	}
}

// writeOut writes the lines gathered so far; false means the output is
// gone for good.
func (l *accessLog) writeOut() bool {
	l.mu.Lock()
	batch, dropped := l.pending, l.dropped
	l.pending, l.spare, l.dropped = l.spare[:0], nil, 0
	l.mu.Unlock()
	if dropped > 0 {
		batch = fmt.Appendf(batch, "ferry: %d access-log lines dropped: the output was not taking them\n", dropped)
	}
	var err error
	if len(batch) > 0 {
		_, err = l.out.Write(batch)
	}
	l.mu.Lock()
	l.spare = batch[:0]
	l.mu.Unlock()
	return !errors.Is(err, syscall.EPIPE)
}

// close writes what is left, waiting at most accessLogStopWait.
func (l *accessLog) close() {
	if l == nil {
		return
	}
	l.stop.Do(func() { close(l.quit) })
	select {
	case <-l.done:
	case <-time.After(accessLogStopWait):
	}
}

// logRequest logs the request just answered.
func (c *conn) logRequest(start time.Time) {
	c.logStatus(start, c.req.ProtoString(), c.resp.Status())
}

// logStatus appends "remote method target proto status bytes duration".
func (c *conn) logStatus(start time.Time, proto string, status int) {
	l := c.srv.log
	if l == nil {
		return
	}
	b := c.logLine[:0]
	b = time.Now().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	b = append(b, ' ')
	b = append(b, c.req.RemoteAddr...)
	b = append(b, ' ')
	b = append(b, c.req.Method...)
	b = append(b, ' ')
	if len(c.req.Target) == 0 {
		b = append(b, '-')
	}
	b = append(b, c.req.Target...)
	b = append(b, ' ')
	b = append(b, proto...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, c.resp.BodyBytes(), 10)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, float64(time.Since(start).Microseconds())/1000, 'f', 3, 64)
	b = append(b, "ms\n"...)
	c.logLine = b
	l.write(b)
}
