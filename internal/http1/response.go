package http1

import (
	"errors"
	"net"
	"os"
	"strconv"
	"sync"
	"time"
)

// ResponseWriter is what a handler answers through. The compressing writer
// of internal/compress wraps it; the Response below is the one that writes
// to the connection.
type ResponseWriter interface {
	// Header is the response header, to be filled before the first Write.
	Header() *ResponseHeader
	// WriteHeader sets the status code; only the first call counts.
	WriteHeader(status int)
	// Write appends body bytes; the first Write fixes the status (200 by
	// default) and the header.
	Write(p []byte) (int, error)
}

// Handler answers one request.
type Handler interface {
	ServeHTTP(w ResponseWriter, r *Request)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(w ResponseWriter, r *Request)

// ServeHTTP calls f.
func (f HandlerFunc) ServeHTTP(w ResponseWriter, r *Request) { f(w, r) }

// Life of a write: a handler's bytes go to the Response, which decides the
// framing once, when the head is committed:
//   - a declared Content-Length commits the head at the first Write, and the
//     body follows as is (ReadFrom hands a file to sendfile);
//   - otherwise the body is held in memory up to maxBufferedBody, so that a
//     body known in full goes out with Content-Length when the handler
//     returns (Finish);
//   - past that it is a stream: chunked on HTTP/1.1, close-delimited on
//     HTTP/1.0.
//
// Heads and small bodies are appended to out, which is written to the
// connection when the server flushes it: after the last buffered pipelined
// request, or when out grows past flushThreshold.
type Response struct {
	conn         net.Conn
	writeTimeout time.Duration

	req         *Request
	header      ResponseHeader
	status      int
	committed   bool
	chunked     bool
	closeAfter  bool
	noBody      bool
	sentBody    int64 // body bytes written after the head was committed
	heldBody    []byte
	heldLen     int64 // body length of a HEAD response, counted not kept
	out         []byte
	outPooled   *[]byte
	err         error
	sentAnyHead bool
	// deadline is the write deadline last set on conn.
	deadline lazyDeadline
	// ackedMark is the client's acknowledged byte count at the last write
	// timeout (see stillReading).
	ackedMark int64
}

// maxBufferedBody is the largest body held back to compute its
// Content-Length: the endpoints, error pages and listings fit, and a stream
// longer than this costs chunked framing rather than memory.
const maxBufferedBody = 64 << 10

// flushThreshold is the amount of pending output written at once even when
// more pipelined requests wait: large enough to batch 16 pipelined small
// responses into one write, small enough to bound memory.
const flushThreshold = 64 << 10

// directWriteSize is the body write size above which bytes skip the out
// buffer and go to the connection directly, to avoid a copy.
const directWriteSize = 16 << 10

var outPool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// NewResponse returns a Response writing to conn; each write to the network
// must finish within writeTimeout (zero: no limit).
func NewResponse(conn net.Conn, writeTimeout time.Duration) *Response {
	return &Response{conn: conn, writeTimeout: writeTimeout}
}

// Reset prepares w to answer req.
func (w *Response) Reset(req *Request) {
	w.req = req
	w.header.reset()
	w.status = 0
	w.committed, w.chunked, w.closeAfter, w.sentAnyHead = false, false, false, false
	w.noBody = req.Method == "HEAD"
	w.sentBody, w.heldLen = 0, 0
	w.heldBody = w.heldBody[:0]
	if req.Close {
		w.closeAfter = true
	}
}

// Header implements ResponseWriter.
func (w *Response) Header() *ResponseHeader { return &w.header }

// WriteHeader implements ResponseWriter.
func (w *Response) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
		if !bodyAllowed(status) {
			w.noBody = true
		}
	}
}

// Status is the status sent or to be sent (200 when none was set).
func (w *Response) Status() int {
	if w.status == 0 {
		return StatusOK
	}
	return w.status
}

// Committed reports whether the head has been written (or queued).
func (w *Response) Committed() bool { return w.committed }

// Started reports whether the handler wrote a status or a byte yet.
func (w *Response) Started() bool { return w.status != 0 || w.committed }

// BodyBytes is the number of body bytes sent, for the access log.
func (w *Response) BodyBytes() int64 { return w.sentBody }

// CloseAfter reports whether the connection must close after this
// response: because it was set to, or because the header, not committed
// yet, will say "Connection: close".
func (w *Response) CloseAfter() bool { return w.closeAfter || w.header.close }

// SetClose makes the connection close after this response; before the head
// is committed the response will say "Connection: close".
func (w *Response) SetClose() { w.closeAfter = true }

// errBodyTooLong is returned by Write when a handler writes more than the
// Content-Length it declared.
var errBodyTooLong = errors.New("http1: body longer than the declared Content-Length")

// Write implements ResponseWriter.
func (w *Response) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.WriteHeader(StatusOK)
	if !w.committed {
		if w.header.contentLength < 0 && w.header.stream {
			w.commit(-1)
		} else if w.header.contentLength < 0 {
			if w.noBody {
				// A HEAD's body is counted as its GET's would be held:
				// past the held buffer its GET is chunked, and so is it.
				w.heldLen += int64(len(p))
				if w.heldLen > maxBufferedBody {
					w.commit(-1)
				}
				return len(p), nil
			}
			if len(w.heldBody)+len(p) <= maxBufferedBody {
				w.heldBody = append(w.heldBody, p...)
				return len(p), nil
			}
			w.commit(-1)
			held := w.heldBody
			w.heldBody = w.heldBody[:0]
			if _, err := w.writeBody(held); err != nil {
				return 0, err
			}
		} else {
			w.commit(w.header.contentLength)
		}
	}
	return w.writeBody(p)
}

func (w *Response) writeBody(p []byte) (int, error) {
	if w.noBody || len(p) == 0 {
		return len(p), nil
	}
	if !w.chunked && w.header.contentLength >= 0 && w.sentBody+int64(len(p)) > w.header.contentLength {
		return 0, errBodyTooLong
	}
	if w.chunked {
		w.out = strconv.AppendInt(w.out, int64(len(p)), 16)
		w.out = append(w.out, "\r\n"...)
	}
	if len(p) >= directWriteSize {
		bufs := net.Buffers{w.out, p}
		if w.chunked {
			bufs = append(bufs, crlf)
		}
		if err := w.writeBuffers(&bufs); err != nil {
			return 0, err
		}
		w.out = w.out[:0]
	} else {
		w.out = append(w.out, p...)
		if w.chunked {
			w.out = append(w.out, crlf...)
		}
		if len(w.out) >= flushThreshold {
			if err := w.Flush(); err != nil {
				return 0, err
			}
		}
	}
	w.sentBody += int64(len(p))
	return len(p), nil
}

var crlf = []byte("\r\n")

// commit appends the head to out. length is the body's length, or -1 for a
// stream of unknown length.
func (w *Response) commit(length int64) {
	w.committed, w.sentAnyHead = true, true
	status := w.Status()
	if w.out == nil {
		w.outPooled = outPool.Get().(*[]byte)
		w.out = (*w.outPooled)[:0]
	}
	if w.header.close || w.unreadBodyCloses() {
		w.closeAfter = true
	}
	b := appendStatusLine(w.out, status)
	b = append(b, "Server: ferry\r\nDate: "...)
	b = appendDate(b)
	b = append(b, "\r\n"...)
	for _, f := range w.header.fields {
		if status == StatusNotModified && EqualFold(f.name, "Content-Type") {
			// A handler may describe on a 304 the representation it
			// validates; the 304 itself carries no such metadata (RFC
			// 9110 §15.4.5), as it carries no Content-Length.
			continue
		}
		b = append(b, f.name...)
		b = append(b, ": "...)
		b = appendFieldValue(b, f.value)
		b = append(b, "\r\n"...)
	}
	switch {
	case status < 200 || status == StatusNoContent:
	case status == StatusNotModified:
	case length >= 0:
		w.header.contentLength = length
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, length, 10)
		b = append(b, "\r\n"...)
	case w.req.ProtoMinor >= 1:
		w.chunked = true
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	default:
		w.closeAfter = true
	}
	if w.closeAfter {
		b = append(b, "Connection: close\r\n"...)
	} else if w.req.ProtoMinor == 0 {
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	w.out = append(b, "\r\n"...)
}

// appendFieldValue appends a header value with CR and LF turned into
// spaces, as net/http does: a value built from request data (a Location, a
// file name) must not be able to end the field and inject another one
// (response splitting).
func appendFieldValue(b []byte, v string) []byte {
	start := len(b)
	b = append(b, v...)
	for i := start; i < len(b); i++ {
		if b[i] == '\r' || b[i] == '\n' {
			b[i] = ' '
		}
	}
	return b
}

// MaxDrainBytes is how much of a request body its handler left unread the
// server reads and drops to keep the connection; past it, closing is
// cheaper.
const MaxDrainBytes = 256 << 10

// unreadBodyCloses reports, as the head goes out, that the request body is
// unread and will not be drained (see Body.Drainable). The connection will
// close after this response, and the head must say so.
func (w *Response) unreadBodyCloses() bool {
	b := w.req.Body
	return b != nil && !b.done && !b.Drainable()
}

// SendContinue writes "100 Continue" if the head is not committed yet; the
// request body calls it before its first read. It carries Server and Date
// like every other response ferry sends.
func (w *Response) SendContinue() error {
	if w.committed || w.req.ProtoMinor == 0 {
		return nil
	}
	if w.out == nil {
		w.outPooled = outPool.Get().(*[]byte)
		w.out = (*w.outPooled)[:0]
	}
	w.out = append(w.out, "HTTP/1.1 100 Continue\r\nServer: ferry\r\nDate: "...)
	w.out = appendDate(w.out)
	w.out = append(w.out, "\r\n\r\n"...)
	return w.Flush()
}

// Finish completes the response after the handler returned: it commits a
// held body with its Content-Length and ends a chunked stream. A body
// shorter than its declared length leaves the connection unusable, so it
// is marked to close.
func (w *Response) Finish() error {
	if w.err != nil {
		return w.err
	}
	if !w.committed {
		w.WriteHeader(StatusOK)
		length := int64(len(w.heldBody))
		if w.header.contentLength >= 0 {
			length = w.header.contentLength
		} else if w.header.stream {
			length = -1
		} else if w.req.Method == "HEAD" {
			length = w.heldLen
		}
		w.commit(length)
		held := w.heldBody
		w.heldBody = w.heldBody[:0]
		if _, err := w.writeBody(held); err != nil {
			return err
		}
	}
	if w.chunked && !w.noBody {
		w.out = append(w.out, "0\r\n\r\n"...)
	} else if !w.noBody && w.header.contentLength >= 0 && w.sentBody < w.header.contentLength {
		w.closeAfter = true
	}
	return nil
}

// Pending is the number of bytes queued and not yet written.
func (w *Response) Pending() int { return len(w.out) }

// Flush writes the queued bytes to the connection.
func (w *Response) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.out) == 0 {
		return nil
	}
	p := w.out
	var err error
	for {
		w.armWriteDeadline()
		var n int
		n, err = w.conn.Write(p)
		if p = p[n:]; err == nil || !w.stillReading(err) {
			break
		}
	}
	w.out = w.out[:0]
	if err != nil {
		w.fail(err)
	}
	return err
}

func (w *Response) writeBuffers(bufs *net.Buffers) error {
	for {
		w.armWriteDeadline()
		_, err := bufs.WriteTo(w.conn)
		if err == nil {
			return nil
		}
		if !w.stillReading(err) {
			w.fail(err)
			return err
		}
	}
}

// minWriteProgress is what a client must take per write timeout to be
// kept: the write timeout cuts off a client that stopped reading, not one
// that reads slowly.
const minWriteProgress = 512 << 10

// stillReading reports, for a write that failed with err, that err is the
// write timeout and the client acknowledged at least minWriteProgress
// bytes since the last such check: the write goes on under a new
// deadline. A write blocked on full socket buffers waits for the client to
// drain far more than the bytes it writes (Linux reports a full socket
// writable only once about half its buffer, megabytes on a fast path, has
// gone), so a deadline per write alone would cut off slow but steady
// readers. The first check counts from the connection's start: a client
// that stalls is cut off after at most two write timeouts.
func (w *Response) stillReading(err error) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	acked := ackedBytes(w.conn)
	if acked < 0 {
		return false
	}
	moved := acked - w.ackedMark
	w.ackedMark = acked
	return moved >= minWriteProgress
}

// armWriteDeadline moves the write deadline to writeTimeout from now,
// lazily (see lazyDeadline).
func (w *Response) armWriteDeadline() {
	if w.writeTimeout <= 0 {
		return
	}
	if t, move := w.deadline.next(w.writeTimeout); move {
		w.conn.SetWriteDeadline(t)
	}
}

func (w *Response) fail(err error) {
	w.err = err
	w.closeAfter = true
}

// Release gives back the output buffer (to its pool) and the held-body
// buffer while the connection idles: the server calls it only for a
// connection quiet long enough to be parked, so a busy one keeps reusing
// them.
func (w *Response) Release() {
	if len(w.out) == 0 && w.outPooled != nil {
		if cap(w.out) <= flushThreshold*2 {
			*w.outPooled = w.out[:0]
			outPool.Put(w.outPooled)
		}
		w.out, w.outPooled = nil, nil
	}
	w.heldBody = nil
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != StatusNoContent && status != StatusNotModified
}
