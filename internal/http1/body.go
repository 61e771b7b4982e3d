package http1

import (
	"fmt"
	"io"
	"os"
	"time"
)

// Body reads a request body framed by Content-Length or by the chunked
// transfer coding (RFC 9112 §7.1); handlers see the payload either way.
type Body struct {
	rd *Reader
	// remaining is what is left of a Content-Length body, or of the current
	// chunk of a chunked one.
	remaining int64
	chunked   bool
	done      bool
	err       error
	// beforeRead, when set, runs once before the first read: the server uses
	// it to send "100 Continue" only when the handler wants the body.
	beforeRead interface{ SendContinue() error }
	// queued holds the answers to earlier pipelined requests not yet
	// written: they are flushed before a body read, which may block, so a
	// client that waits for them before sending this body is not stalled.
	queued interface {
		Pending() int
		Flush() error
	}
	read int64
	// paceGrace is how long the body may take before it must keep
	// minBodyRate on average, 0 for no pace; paceStart is when its first
	// network read began.
	paceGrace time.Duration
	paceStart time.Time
}

// minBodyRate is the pace, in bytes a second, that a request body must
// keep on average once it has taken longer than its grace period. The
// per-read body timeout drops a client that stalls, but not one that
// sends a byte now and then to hold its connection, and a connection
// slot, for as long as it likes. A kilobyte a second is far below any
// real link.
const minBodyRate = 1 << 10

// errBodyTooSlow is a timeout, answered as one (408).
var errBodyTooSlow = fmt.Errorf("request body slower than %d bytes a second: %w", minBodyRate, os.ErrDeadlineExceeded)

// Responder is what a Body needs of the connection's response writer.
type Responder interface {
	SendContinue() error
	Pending() int
	Flush() error
}

// NewBody returns a reusable Body reading from rd.
func NewBody(rd *Reader) *Body { return &Body{rd: rd} }

// Reset prepares b for the body of req, answered through w.
func (b *Body) Reset(req *Request, w Responder) {
	*b = Body{rd: b.rd, chunked: req.Chunked, remaining: max(req.ContentLength, 0), beforeRead: w, queued: w}
	b.done = !req.Chunked && req.ContentLength <= 0
	if b.done || !req.ExpectContinue {
		b.beforeRead = nil
	}
}

// SetPace has the body keep minBodyRate on average once it has taken
// longer than grace, counted from its first read; past that it reads
// errBodyTooSlow. The server gives it the body timeout.
func (b *Body) SetPace(grace time.Duration) { b.paceGrace = grace }

// tooSlow reports whether the body fell behind its pace.
func (b *Body) tooSlow() bool {
	if b.paceGrace <= 0 || b.done {
		return false
	}
	late := coarseNow().Sub(b.paceStart) - b.paceGrace
	return late > 0 && b.read < int64(late.Seconds()*minBodyRate)
}

// Done reports whether the whole body has been read (or there was none).
func (b *Body) Done() bool { return b.done }

// BytesRead is how many payload bytes the handler has read.
func (b *Body) BytesRead() int64 { return b.read }

// Drainable reports whether a body the handler left unread can be read
// and dropped to keep the connection: a Content-Length body of at most
// MaxDrainBytes that has not failed, from a client not waiting for "100
// Continue" (it would send the body only to have it dropped). A chunked
// body's size is unknown until it ends, so it is not drained.
func (b *Body) Drainable() bool {
	return !b.done && b.err == nil && b.beforeRead == nil && !b.chunked && b.remaining <= MaxDrainBytes
}

// Unread is how many bytes of a Content-Length body are left to read.
func (b *Body) Unread() int64 { return b.remaining }

// ContinuePending reports that the client waits for "100 Continue" before
// sending a body nobody has asked to read yet.
func (b *Body) ContinuePending() bool { return b.beforeRead != nil }

// Read reads payload bytes. A body cut short by the peer reads
// io.ErrUnexpectedEOF; malformed chunked framing reads a *ProtocolError.
func (b *Body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.done {
		return 0, io.EOF
	}
	if len(p) == 0 {
		// Nothing asked for: no network read to block on, no 100 Continue.
		return 0, nil
	}
	if b.beforeRead != nil {
		hook := b.beforeRead
		b.beforeRead = nil
		if err := hook.SendContinue(); err != nil {
			b.err = err
			return 0, err
		}
	}
	if b.queued != nil && b.queued.Pending() > 0 {
		if err := b.queued.Flush(); err != nil {
			b.err = err
			return 0, err
		}
	}
	if b.paceStart.IsZero() {
		b.paceStart = coarseNow()
	}
	if b.tooSlow() {
		b.err = errBodyTooSlow
		return 0, b.err
	}
	if b.chunked && b.remaining == 0 {
		if err := b.nextChunk(); err != nil {
			b.err = err
			return 0, err
		}
		if b.done {
			return 0, io.EOF
		}
	}
	if int64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	n, err := b.rd.Read(p)
	b.remaining -= int64(n)
	b.read += int64(n)
	if err == io.EOF && n > 0 {
		// A connection may return the last bytes together with io.EOF;
		// whether the body was cut short is for the next read to tell.
		err = nil
	}
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		b.err = err
		return n, err
	}
	if b.remaining == 0 {
		if b.chunked {
			if err := b.chunkEnd(); err != nil {
				b.err = err
				return n, err
			}
		} else {
			b.done = true
		}
	}
	if b.tooSlow() {
		b.err = errBodyTooSlow
		return n, b.err
	}
	return n, nil
}

// Discard reads and drops up to limit remaining bytes, so that the next
// request on the connection can be read. It reports whether the body was
// consumed completely.
func (b *Body) Discard(limit int64) bool {
	var scratch [512]byte
	for !b.done && b.err == nil && limit > 0 {
		n, _ := b.Read(scratch[:min(int64(len(scratch)), limit)])
		limit -= int64(n)
	}
	return b.done
}

// maxChunkSizeDigits keeps a chunk size inside int64 (15 hex digits < 2^60).
// Leading zeros do not count: 1*HEXDIG allows any number of them (RFC 9112
// §7.1), up to the line's own bound.
const maxChunkSizeDigits = 15

// nextChunk reads a chunk-size line: chunk-size [ chunk-ext ] CRLF. A last
// chunk is followed by the trailer section, which is read and dropped: ferry
// has no use for trailer fields and RFC 9112 §7.1.2 lets it ignore them.
func (b *Body) nextChunk() error {
	line, err := b.rd.readLine(maxChunkLineBytes)
	if err != nil {
		return err
	}
	size, err := parseChunkSize(line)
	if err != nil {
		return err
	}
	if size > 0 {
		b.remaining = size
		return nil
	}
	total := 0
	for {
		line, err := b.rd.readLine(maxTrailerBytes)
		if err != nil {
			return err
		}
		if len(line) == 0 {
			b.done = true
			return nil
		}
		total += len(line)
		if total > maxTrailerBytes {
			return badRequest("trailer section too large")
		}
		if _, err := parseField(line); err != nil {
			return err
		}
	}
}

// chunkEnd consumes the CRLF after a chunk's data.
func (b *Body) chunkEnd() error {
	line, err := b.rd.readLine(2)
	if err != nil {
		return err
	}
	if len(line) != 0 {
		return badRequest("chunk data longer than its size")
	}
	return nil
}

func parseChunkSize(line []byte) (int64, error) {
	var size int64
	i, digits := 0, 0
	for ; i < len(line); i++ {
		v := unhex(line[i])
		if v < 0 {
			break
		}
		if size == 0 && v == 0 {
			continue
		}
		if digits++; digits > maxChunkSizeDigits {
			return 0, badRequest("chunk size too large")
		}
		size = size<<4 | int64(v)
	}
	if i == 0 {
		return 0, badRequest("malformed chunk size")
	}
	if err := checkChunkExt(line[i:]); err != nil {
		return 0, err
	}
	return size, nil
}

// checkChunkExt validates chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS
// ext-val ] ) (RFC 9112 §7.1.1). Extensions are ignored, but a malformed one
// is refused: lenient parsers disagreeing here is how chunked smuggling works.
func checkChunkExt(ext []byte) error {
	for {
		ext = TrimOWS(ext)
		if len(ext) == 0 {
			return nil
		}
		if ext[0] != ';' {
			return badRequest("malformed chunk extension")
		}
		ext = TrimOWS(ext[1:])
		n := tokenLen(ext)
		if n == 0 {
			return badRequest("malformed chunk extension")
		}
		ext = TrimOWS(ext[n:])
		if len(ext) == 0 || ext[0] != '=' {
			continue
		}
		ext = TrimOWS(ext[1:])
		if len(ext) > 0 && ext[0] == '"' {
			end := quotedStringLen(ext)
			if end < 0 {
				return badRequest("malformed chunk extension")
			}
			ext = ext[end:]
			continue
		}
		n = tokenLen(ext)
		if n == 0 {
			return badRequest("malformed chunk extension")
		}
		ext = ext[n:]
	}
}

func tokenLen(b []byte) int {
	n := 0
	for n < len(b) && isTokenChar(b[n]) {
		n++
	}
	return n
}

// quotedStringLen returns the length of the quoted-string at the start of b
// (RFC 9110 §5.6.4), or -1 when it is not closed or holds a control
// character, which neither qdtext nor quoted-pair allows.
func quotedStringLen(b []byte) int {
	for i := 1; i < len(b); i++ {
		c := b[i]
		if c == '\\' && i+1 < len(b) {
			i++
			c = b[i]
		} else if c == '"' {
			return i + 1
		}
		if c < ' ' && c != '\t' || c == 0x7f {
			return -1
		}
	}
	return -1
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}
