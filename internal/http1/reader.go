package http1

import (
	"io"
	"net"
	"time"
)

// Reader is a connection's buffered reader: request heads are parsed in
// place from its buffer, and bodies are read through it so that bytes
// already buffered (a pipelined request, the start of a body) are never lost.
type Reader struct {
	conn    net.Conn
	buf     []byte
	pooled  *[]byte // buf's pool handle, nil once buf has grown past the pooled size
	r, w    int
	timeout time.Duration
	// deadline is the read deadline last set on conn.
	deadline lazyDeadline
	err      error
	// drained is set when the last read from conn left no data in the
	// socket (it did not fill the space it was given), so that the wait
	// for the next request need not read first (see readWaiter); waiter
	// is made for the first such wait, and noWaiter is set when conn
	// cannot have one.
	drained  bool
	waiter   *readWaiter
	noWaiter bool
	// stamped reads conn, reporting when the bytes read arrived, from the
	// first read after a handler asked the arrival of last, the request
	// ReadHead parsed last (stampsAsked); arrival is when those of the
	// latest read did, in Unix nanoseconds, 0 when unknown.
	stamped     *stampedReader
	last        *Request
	stampsAsked bool
	arrival     int64
	// headPinned is set while a parsed request's head (its Target, Header
	// and the like) points into buf[:r]: until the next ReadHead, body reads
	// must not compact those bytes away. A buffer that fills up meanwhile
	// is swapped for a fresh one and kept in retired, to go back to the
	// pool once the request is done.
	headPinned bool
	retired    *[]byte
}

// readBufferSize is the initial read buffer: a typical request head (curl's
// is ~80 bytes, a browser's ~500 bytes to 2 KiB) fits, and 4 KiB keeps
// thousands of connections cheap. It grows only for larger heads.
const readBufferSize = 4 << 10

// NewReader returns a Reader for conn.
func NewReader(conn net.Conn) *Reader {
	return &Reader{conn: conn}
}

// SetTimeout sets how long each read from the network may block; zero
// means no limit. The server switches it between the idle, header and body
// timeouts.
func (rd *Reader) SetTimeout(d time.Duration) { rd.timeout = d }

// SetDeadline sets an absolute read deadline (the zero time: none) in place
// of the per-read timeout, as the header timeout needs.
func (rd *Reader) SetDeadline(t time.Time) {
	rd.timeout = 0
	rd.conn.SetReadDeadline(t)
	rd.deadline.at = t
}

// armTimeout moves the read deadline to timeout from now before a read,
// lazily (see lazyDeadline).
func (rd *Reader) armTimeout() {
	if rd.timeout <= 0 {
		return
	}
	if t, move := rd.deadline.next(rd.timeout); move {
		rd.conn.SetReadDeadline(t)
	}
}

// Buffered is the number of bytes read from the network and not yet consumed.
func (rd *Reader) Buffered() int { return rd.w - rd.r }

// Release drops the read buffer when it holds nothing, so that an idle
// connection pins no buffer memory; the next read allocates a fresh one.
// That read goes to the socket without waiting first: a parked connection
// is handed back when the parker has seen data for it.
func (rd *Reader) Release() {
	rd.unpin()
	rd.drained = false
	if rd.r == rd.w && rd.buf != nil {
		if rd.pooled != nil {
			bufferPool.Put(rd.pooled)
		}
		rd.buf, rd.pooled, rd.r, rd.w = nil, nil, 0, 0
	}
}

// fill reads more bytes from the network into the buffer, compacting or
// growing it up to max bytes when full.
func (rd *Reader) fill(max int) error {
	if rd.err != nil {
		return rd.err
	}
	if rd.buf == nil {
		rd.pooled = bufferPool.Get().(*[]byte)
		rd.buf = *rd.pooled
	}
	if !rd.headPinned && (rd.r > 0 && rd.w == len(rd.buf) || rd.r == rd.w) {
		copy(rd.buf, rd.buf[rd.r:rd.w])
		rd.w -= rd.r
		rd.r = 0
	}
	if rd.w == len(rd.buf) {
		unread := rd.w - rd.r
		if unread >= max {
			return errBufferFull
		}
		var next []byte
		var nextPooled *[]byte
		if unread < readBufferSize {
			nextPooled = bufferPool.Get().(*[]byte)
			next = *nextPooled
		} else {
			next = make([]byte, min(2*unread, max))
		}
		copy(next, rd.buf[rd.r:rd.w])
		if rd.headPinned {
			rd.retired, rd.headPinned = rd.pooled, false
		} else if rd.pooled != nil {
			bufferPool.Put(rd.pooled)
		}
		rd.buf, rd.pooled, rd.r, rd.w = next, nextPooled, 0, unread
	}
	n, err := rd.read(rd.buf[rd.w:])
	rd.w += n
	if err != nil && n == 0 {
		rd.err = err
		return err
	}
	return nil
}

// read reads from the network into p under the read timeout, and notes
// whether the read drained the socket and when what it read arrived.
func (rd *Reader) read(p []byte) (int, error) {
	rd.armTimeout()
	// Checked here rather than when the next head is parsed: the read
	// that waits for the next request comes before that, and what it
	// reads must be stamped too.
	if !rd.stampsAsked && rd.last != nil && rd.last.arrivalAsked {
		rd.stampsAsked = true
		rd.stamped = newStampedReader(rd.conn)
	}
	var n int
	var err error
	if rd.stamped != nil {
		n, rd.arrival, err = rd.stamped.read(p)
	} else {
		n, err = rd.conn.Read(p)
	}
	rd.drained = err == nil && n < len(p)
	return n, err
}

// unpin ends a request's claim on the buffer: the server calls ReadHead,
// WaitFor or Release only once the handler has returned.
func (rd *Reader) unpin() {
	rd.headPinned = false
	if rd.retired != nil {
		bufferPool.Put(rd.retired)
		rd.retired = nil
	}
}

var errBufferFull = &ProtocolError{Status: StatusRequestHeaderFieldsTooLarge, Reason: "request head too large"}

// ReadHead reads and parses the next request head into req. It returns
// io.EOF when the connection ended cleanly between requests, a
// *ProtocolError for a request to refuse, or the network error.
func (rd *Reader) ReadHead(req *Request, lim *Limits) error {
	rd.unpin()
	rd.last = req
	// The method a refused head leaves in req is its own, never the last
	// request's: the server answers a refused HEAD without a body, and
	// logs it with its method and, when the refusal came from parsing the
	// whole head, its target. ParseHead resets the rest.
	req.Method, req.Target = "", nil
	scanned, dropped := 0, 0
	var early partialHead
	maxHead := lim.MaxHeaderBytes + lim.MaxTargetBytes + 64
	for {
		// Empty lines before the request line carry nothing (ParseHead
		// skips them): they are dropped as they arrive, so that a client
		// trickling them cannot make every read rescan all of them. They
		// still count against the head's size.
		if start := rd.r; rd.SkipEmptyLines() {
			dropped += rd.r - start
			scanned = max(0, scanned-(rd.r-start))
			// Nothing but empty lines came before: early has seen
			// no request line, and its offsets moved.
			early = partialHead{}
		}
		end := headEnd(rd.buf[rd.r:rd.w], scanned)
		if dropped > 0 {
			size := end
			if end < 0 {
				size = rd.w - rd.r
			}
			if dropped+size > lim.MaxHeaderBytes {
				return &ProtocolError{Status: StatusRequestHeaderFieldsTooLarge, Reason: "header section too large"}
			}
		}
		// Past MaxHeaderBytes without an end, ParseHead refuses the head
		// at once (431, or 400 for what it cannot parse), rather than the
		// header timeout answering 408 later; before that, so does
		// partialHead when what has arrived is already wrong.
		if end > 0 || rd.w-rd.r > lim.MaxHeaderBytes {
			n, err := ParseHead(rd.buf[rd.r:rd.w], req, lim)
			if err == ErrIncomplete {
				err = errBufferFull
			}
			if err != nil {
				return err
			}
			rd.r += n
			rd.headPinned = true
			// The latest read held this head's last bytes, or bytes sent
			// after them.
			req.arrival = rd.arrival
			return nil
		}
		if err := early.check(rd.buf[rd.r:rd.w], req, lim, false); err != nil {
			return err
		}
		scanned = max(0, rd.w-rd.r-3)
		start := rd.w - rd.r
		if err := rd.fill(maxHead + 1); err != nil {
			if err == errBufferFull {
				continue
			}
			if start == 0 && dropped == 0 && err == io.EOF {
				return io.EOF
			}
			// What did arrive is refused as it would have been had it
			// arrived at once.
			if perr := early.check(rd.buf[rd.r:rd.w], req, lim, true); perr != nil {
				return perr
			}
			if err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		if start != rd.w-rd.r {
			scanned = max(0, start-3)
		}
	}
}

// headEnd returns the index just past the empty line that ends a request
// head in b (CRLF CRLF, or bare LFs), searching from from, or -1. Leading
// empty lines do not count: ParseHead skips them.
func headEnd(b []byte, from int) int {
	lead := 0
	for lead < len(b) && (b[lead] == '\r' || b[lead] == '\n') {
		lead++
	}
	for i := max(from, lead); i < len(b); i++ {
		if b[i] != '\n' {
			continue
		}
		j := i + 1
		if j < len(b) && b[j] == '\r' {
			j++
		}
		if j < len(b) && b[j] == '\n' {
			return j + 1
		}
	}
	return -1
}

// Read reads body bytes: buffered ones first, then straight from the
// network. Large reads bypass the buffer so uploads are copied once.
func (rd *Reader) Read(p []byte) (int, error) {
	if rd.r == rd.w {
		if rd.err != nil {
			return 0, rd.err
		}
		if len(p) >= readBufferSize {
			n, err := rd.read(p)
			if err != nil && n == 0 {
				rd.err = err
			}
			return n, err
		}
		if err := rd.fill(readBufferSize); err != nil {
			return 0, err
		}
	}
	n := copy(p, rd.buf[rd.r:rd.w])
	rd.r += n
	return n, nil
}

// readLine returns the next CRLF-terminated line (without the CRLF) of at
// most max bytes, for the chunked coding's size lines and trailers. The
// slice is valid until the next read.
func (rd *Reader) readLine(max int) ([]byte, error) {
	scanned := 0
	for {
		if i := indexByte(rd.buf[rd.r+scanned:rd.w], '\n'); i >= 0 {
			end := rd.r + scanned + i
			line := rd.buf[rd.r:end]
			rd.r = end + 1
			// Unlike the head's lines (RFC 9112 §2.2), chunked framing
			// lines end in CRLF only: a parser that also takes a bare LF
			// there disagrees with one that does not about where a chunk
			// ends (request smuggling, CVE-2025-22871 in net/http).
			if len(line) == 0 || line[len(line)-1] != '\r' {
				return nil, badRequest("bare LF in chunked framing")
			}
			line = line[:len(line)-1]
			if indexByte(line, '\r') >= 0 {
				return nil, badRequest("bare CR in chunked framing")
			}
			return line, nil
		}
		scanned = rd.w - rd.r
		if scanned > max {
			return nil, badRequest("chunk line too long")
		}
		if err := rd.fill(max + 2); err != nil {
			if err == errBufferFull {
				return nil, badRequest("chunk line too long")
			}
			if err == io.EOF {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// WaitFor blocks until at least one byte of the next request is buffered,
// or until d has passed, which it reports as false with the Reader still
// usable. The server waits between requests with it.
func (rd *Reader) WaitFor(d time.Duration) (bool, error) {
	rd.unpin()
	if rd.r < rd.w {
		return true, nil
	}
	rd.timeout = d
	err := rd.awaitData()
	if err == nil {
		err = rd.fill(readBufferSize)
	}
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			rd.err = nil
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// awaitData waits for the socket to report new data when the last read
// drained it, instead of reading first and finding it empty.
//
// It is used only between requests. A short read says no data was left,
// but not that no end of stream (or error) was: a FIN that came with the
// last bytes stays unread, and the poller's report of it may have been
// consumed. Here that costs nothing but time: the wait ends after
// parkDelay, the parker's own epoll sees the end at once, and the next read
// finds it. Inside a request the wait would last the header or body timeout.
func (rd *Reader) awaitData() error {
	if !rd.drained || rd.noWaiter {
		return nil
	}
	if rd.waiter == nil {
		rd.waiter = newReadWaiter(rd.conn)
		if rd.waiter == nil {
			rd.noWaiter = true
			return nil
		}
	}
	rd.armTimeout()
	return rd.waiter.waitReadable()
}

// HeadBuffered reports whether a whole request head is already buffered, so
// that reading it cannot block.
func (rd *Reader) HeadBuffered() bool {
	return rd.r < rd.w && headEnd(rd.buf[rd.r:rd.w], 0) > 0
}

// SkipEmptyLines consumes CRLFs (and bare LFs) buffered before the next
// request, and reports whether there were any: some clients send a CRLF
// after a body, and RFC 9112 §2.2 has a server ignore it. Without this,
// those bytes would look like the start of a request, which then waits
// under the header timeout, not the idle one.
func (rd *Reader) SkipEmptyLines() bool {
	start := rd.r
	for rd.r < rd.w {
		switch {
		case rd.buf[rd.r] == '\n':
			rd.r++
		case rd.buf[rd.r] == '\r' && rd.r+1 < rd.w && rd.buf[rd.r+1] == '\n':
			rd.r += 2
		default:
			return rd.r > start
		}
	}
	return rd.r > start
}
