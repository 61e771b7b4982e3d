package server

import (
	"errors"
	"io"
	"net"
	"os"
	"runtime/debug"
	"sync/atomic"
	"time"

	"ferry/internal/http1"
)

// conn is one client connection. Everything in it is owned by its serve
// goroutine, except state, which Shutdown reads to close idle connections.
type conn struct {
	srv   *Server
	nc    net.Conn
	rd    *http1.Reader
	req   http1.Request
	body  *http1.Body
	resp  *http1.Response
	state atomic.Int32
	// fd is the socket's descriptor, for the parker: fdUnknown until the
	// connection is first parked (most never are), -1 when it has none.
	fd int
	// idleSince is when the connection last began to wait for a request:
	// the idle timeout of a parked connection counts from it, not from
	// when the parker took it (parkDelay later).
	idleSince time.Time
	// logLine is the scratch buffer the access-log line is built in.
	logLine []byte
	// strayLines is set once empty lines have arrived since the last
	// request (see serveRequests).
	strayLines bool
}

const (
	stateActive int32 = iota
	stateIdle
	stateClosed
)

// lingerTimeout bounds the read-and-drop after the server closed its side:
// closing with unread input would make the kernel send a reset, which can
// destroy the response before the client reads it.
const lingerTimeout = 500 * time.Millisecond

// fdUnknown marks a conn whose descriptor has not been looked up yet.
const fdUnknown = -2

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{srv: s, nc: nc, rd: http1.NewReader(nc), fd: fdUnknown}
	c.body = http1.NewBody(c.rd)
	c.resp = http1.NewResponse(nc, s.cfg.WriteTimeout)
	c.req.Body = c.body
	c.req.RemoteAddr = nc.RemoteAddr().String()
	return c
}

// serve is the life of a connection. For each request:
//  1. Wait for its first byte under the idle timeout. A connection quiet
//     for parkDelay drops its buffers and is parked without a goroutine;
//     idle connections are what Shutdown closes at once.
//  2. Read and parse the head under the header timeout, counted from the
//     first byte (a head that arrived whole needs no deadline). A bad head is answered with its status and the connection
//     closes (a framing error leaves no way to find the next request).
//  3. Run the handler, with the body readable under the per-read body
//     timeout; the first body read sends "100 Continue" when asked for.
//  4. Finish the response. A body the handler did not read is drained (up to
//     http1.MaxDrainBytes) or the connection closes; a client still waiting for
//     "100 Continue" is answered and closed.
//  5. Flush, unless the next pipelined request is already buffered whole:
//     the responses then go out together in one write.
//
// The connection closes after a response that says "Connection: close",
// with a lingering close so the client reads the whole response, unless
// the client itself asked to close and has sent all it will (clientDone).
func (c *conn) serve() {
	if !c.serveRequests() {
		c.finish()
	}
}

// finish closes the connection, gives its slot back, and its buffers to
// their pools for the next connection.
func (c *conn) finish() {
	c.nc.Close()
	c.rd.Release()
	c.resp.Release()
	c.srv.untrack(c)
}

// serveRequests runs the loop above until the connection must close, or
// until it idles long enough to be parked, which it reports as true.
func (c *conn) serveRequests() (parked bool) {
	cfg := &c.srv.cfg
	for {
		// One arrival of empty lines between requests is ignored and the
		// wait goes on under the idle timeout; more count as the start of
		// a request that must come whole within the header timeout, or a
		// client sending a CRLF now and then would hold the connection
		// forever.
		skipped := c.rd.SkipEmptyLines()
		if c.rd.Buffered() == 0 && !(skipped && c.strayLines) {
			c.strayLines = c.strayLines || skipped
			if c.resp.Flush() != nil || !c.setIdle() {
				return false
			}
			parked, ok := c.awaitRequest()
			if parked || !ok {
				return parked
			}
			// What arrived may be only empty lines: look again.
			continue
		}
		var start time.Time
		if c.srv.log != nil {
			// Only the access log needs the request's start time.
			start = time.Now()
		}
		if !c.rd.HeadBuffered() {
			// A zero header timeout is no deadline, rather than the one
			// the wait for the first byte left behind.
			var deadline time.Time
			if cfg.HeaderTimeout > 0 {
				deadline = time.Now().Add(cfg.HeaderTimeout)
			}
			c.rd.SetDeadline(deadline)
		}
		c.rd.SetTimeout(0)
		if err := c.rd.ReadHead(&c.req, &cfg.Limits); err != nil {
			c.refuse(err, start)
			return false
		}
		c.strayLines = false
		if cfg.BodyTimeout > 0 {
			c.rd.SetTimeout(cfg.BodyTimeout)
		} else {
			c.rd.SetDeadline(time.Time{})
		}
		c.body.Reset(&c.req, c.resp)
		c.body.SetPace(cfg.BodyTimeout)
		c.resp.Reset(&c.req)
		if !c.runHandler() {
			// The handler panicked after its response's head went out.
			// Ending the body properly (the last chunk) would pass a
			// truncated response off as whole, so the connection is cut
			// after what was written.
			c.resp.Flush()
			c.logRequest(start)
			return false
		}
		if c.srv.closing.Load() {
			c.resp.SetClose()
		}
		drain := false
		if !c.body.Done() {
			switch {
			case c.resp.CloseAfter() || !c.body.Drainable():
				c.resp.SetClose()
			case c.body.Unread() <= int64(c.rd.Buffered()):
				// All of it is here: dropping it cannot wait on the client.
				c.body.Discard(http1.MaxDrainBytes)
			default:
				drain = true
			}
		}
		finishErr := c.resp.Finish()
		c.logRequest(start)
		if finishErr != nil {
			return false
		}
		if drain {
			// The answer goes out first: a client that has not sent the
			// body yet, or never will, must not wait for it.
			if c.resp.Flush() != nil {
				return false
			}
			if !c.body.Discard(http1.MaxDrainBytes) {
				c.lingeringClose()
				return false
			}
		}
		if c.resp.CloseAfter() || !c.body.Done() {
			if c.resp.Flush() == nil && !c.clientDone() {
				c.lingeringClose()
			}
			return false
		}
		if c.resp.Pending() >= flushBatch || !c.rd.HeadBuffered() {
			if c.resp.Flush() != nil {
				return false
			}
		}
	}
}

// parkDelay is how long a connection waits for its next request on its own
// goroutine before it is parked. Busy keep-alive clients never wait that
// long, so they keep their goroutine and buffers; idle ones give them up.
const parkDelay = 50 * time.Millisecond

// awaitRequest waits for the first byte of the next request under the idle
// timeout. It reports parked when the parker took the connection, and ok
// when a request is arriving.
func (c *conn) awaitRequest() (parked, ok bool) {
	idle := c.srv.cfg.IdleTimeout
	first := parkDelay
	if idle > 0 {
		first = min(first, idle)
	}
	c.idleSince = http1.Now()
	ready, err := c.rd.WaitFor(first)
	if ready || err != nil {
		return false, ready && c.setActive()
	}
	c.rd.Release()
	c.resp.Release()
	if c.srv.parker.park(c) {
		return true, false
	}
	if idle <= 0 {
		c.rd.SetDeadline(time.Time{})
	} else if idle -= first; idle <= 0 {
		return false, false
	}
	ready, _ = c.rd.WaitFor(idle)
	return false, ready && c.setActive()
}

// flushBatch is the amount of queued pipelined output written even when
// more requests are buffered.
const flushBatch = 32 << 10

// runHandler calls the handler and turns a panic into a 500, logging the
// stack once. It reports false when the panic came after the head went
// out: the response cannot be completed, and the connection must be cut.
func (c *conn) runHandler() (ok bool) {
	defer func() {
		if v := recover(); v != nil {
			if v != http1.ErrAbortHandler {
				c.srv.cfg.ErrorLog.Printf("panic serving %s %s: %v\n%s", c.req.Method, c.req.Target, v, debug.Stack())
			}
			c.resp.SetClose()
			if c.resp.Committed() {
				return
			}
			ok = true
			c.resp.Reset(&c.req)
			c.resp.SetClose()
			http1.Error(c.resp, http1.StatusInternalServerError)
		}
	}()
	c.srv.cfg.Handler.ServeHTTP(c.resp, &c.req)
	return true
}

// refuse answers a request head that could not be served. This switch is
// where errors become statuses: a protocol error carries its own, a head
// cut off by the header timeout is 408, and a connection that ended or
// failed gets no answer at all. Its access-log line names the method and
// target when the request line was parsed (their bytes were checked then:
// tokens, and a target of visible ASCII, which cannot forge a line), and
// times the request from start, its first byte.
func (c *conn) refuse(err error, start time.Time) {
	var status int
	var pe *http1.ProtocolError
	var ne net.Error
	switch {
	case errors.As(err, &pe):
		status = pe.Status
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, os.ErrDeadlineExceeded):
		status = http1.StatusRequestTimeout
	default:
		return
	}
	// The refused head's method is known when its request line was
	// parsed: a HEAD gets its answer without a body (RFC 9110 §9.3.2).
	method := "GET"
	if c.req.Method == "HEAD" {
		method = "HEAD"
	}
	errReq := http1.Request{Method: method, ProtoMinor: 1, Close: true}
	c.resp.Reset(&errReq)
	http1.Error(c.resp, status)
	if c.resp.Finish() != nil {
		return
	}
	if c.req.Method == "" {
		c.req.Method, c.req.Target = "-", nil
	}
	c.logStatus(start, "-", status)
	if c.resp.Flush() == nil {
		c.lingeringClose()
	}
}

// clientDone reports that the client has sent all it will: it asked for
// the connection to close (RFC 9112 §9.6: it sends no more requests on
// it), its body was read whole and nothing more is buffered. Closing at
// once then leaves no unread input to turn the close into a reset, and
// saves the lingering close its read and wait (nginx lingers only when
// the client may still be sending, too).
func (c *conn) clientDone() bool {
	return c.req.Close && c.body.Done() && c.rd.Buffered() == 0
}

// lingeringClose sends FIN, so the client sees end-of-file right after the
// response, then reads and drops what the client still sends for a short
// while before closing.
func (c *conn) lingeringClose() {
	if tc, ok := c.nc.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	c.nc.SetReadDeadline(time.Now().Add(lingerTimeout))
	io.CopyN(io.Discard, c.nc, http1.MaxDrainBytes)
}

func (c *conn) setIdle() bool {
	c.state.Store(stateIdle)
	return !c.srv.closing.Load()
}

func (c *conn) setActive() bool {
	return c.state.CompareAndSwap(stateIdle, stateActive)
}

// closeIfIdle closes the connection if it waits between requests; an active
// one sees the server closing when its request ends. A parked connection
// has no goroutine, so closing it here also gives its slot back; one
// waiting on its goroutine is finished by that goroutine.
func (c *conn) closeIfIdle() {
	if c.srv.parker.take(c) {
		c.state.Store(stateClosed)
		c.finish()
		return
	}
	if c.state.CompareAndSwap(stateIdle, stateClosed) {
		c.nc.Close()
	}
}
