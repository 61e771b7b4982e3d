package http1

// How a body is copied from a reader (a file, most often) to the
// connection: small ones behind the head, larger ones by sendfile, corked
// from 256 KiB. Each path re-arms the write deadline as it goes, so a slow
// but moving client is not cut off.

import (
	"io"
	"slices"
	"sync"
)

// ReadFrom copies src to the body. When the length is declared and nothing
// else stands in the way, the bytes go from src to the socket directly,
// which for an *os.File means sendfile(2), re-arming the write deadline for
// each slice so a slow but moving client is not cut off. With a declared
// length it copies until src ends or the length is reached, whichever
// comes first, and leaves the rest of src unread.
func (w *Response) ReadFrom(src io.Reader) (int64, error) {
	w.WriteHeader(StatusOK)
	if w.err != nil {
		return 0, w.err
	}
	if !w.committed && w.header.contentLength >= 0 {
		w.commit(w.header.contentLength)
	} else if !w.committed && w.header.stream {
		w.commit(-1)
	}
	if w.committed && w.noBody {
		return 0, nil
	}
	if !w.committed || w.chunked || w.header.contentLength < 0 {
		return copyBuffered(w, src)
	}
	if left := w.header.contentLength - w.sentBody; left <= inlineBodyBytes {
		return w.readInline(src, int(left))
	}
	left := w.header.contentLength - w.sentBody
	if left >= corkBodyBytes {
		cork(w.conn, true)
		defer cork(w.conn, false)
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	var total int64
	for left > 0 {
		w.armWriteDeadline()
		n, err := io.CopyN(w.conn, src, min(left, sendfileSlice))
		total += n
		left -= n
		w.sentBody += n
		if err == io.EOF {
			// src ended before the declared length. Like any ReaderFrom
			// this copies until EOF, and the rest of the body may come
			// from other writes (the parts of a multipart body); Finish
			// closes the connection if it never does.
			return total, nil
		}
		if err != nil && !w.stillReading(err) {
			w.fail(err)
			return total, err
		}
	}
	return total, nil
}

// inlineBodyBytes is the largest declared body ReadFrom reads into the
// output buffer behind the head instead of handing it to sendfile: for a
// small file one read and one write of head and body together cost less
// than a write of the head and a sendfile, and pipelined responses batch.
const inlineBodyBytes = 16 << 10

// readInline reads n body bytes from src into the output buffer. A source
// shorter than n ends the copy, as for any ReaderFrom; Finish closes the
// connection if the body stays short.
func (w *Response) readInline(src io.Reader, n int) (int64, error) {
	start := len(w.out)
	w.out = slices.Grow(w.out, n)[:start+n]
	got, err := io.ReadFull(src, w.out[start:])
	w.out = w.out[:start+got]
	w.sentBody += int64(got)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	if err == nil && len(w.out) >= flushThreshold {
		err = w.Flush()
	}
	return int64(got), err
}

// corkBodyBytes is the smallest body sent corked (see cork). The head is
// written under the cork too, so that it leaves in the body's first full
// segment, as nginx's tcp_nopush does. Which is faster depends on the
// machine, and is decided by where the kernel's loopback work lands: with
// wrk fetching a 1 MiB file at 50 connections on an AMD machine, 1553-1790
// req/s against 831-1231 with the head sent ahead (nginx 1558-1761); on an
// Intel machine 1160-1464 against 1374-1981 (nginx 1181-1433). Sent
// ahead, the client's receive window stays small and most segments are
// sent from its own core as its acknowledgements come in, which the Intel
// machine does for less than the server's core (no cross-core wakeup per
// segment) and the AMD one, whose client core was already the busy one,
// for more. Doing as nginx does keeps the two at par on both.
// Below this size the two setsockopt calls cost more than they save.
const corkBodyBytes = 256 << 10

// sendfileSlice is how much one sendfile run may send before the write
// deadline is re-armed: a client must take this much per write timeout
// (17 KB/s under the default 30 s). Sizing runs from the rate the last one
// went at does not work: the first runs only fill the socket buffers (a
// few MiB on loopback), so the rate they show says nothing of the client,
// and a larger run then cut off slow readers.
const sendfileSlice = 512 << 10

var copyBufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func copyBuffered(dst io.Writer, src io.Reader) (int64, error) {
	bp := copyBufPool.Get().(*[]byte)
	defer copyBufPool.Put(bp)
	return io.CopyBuffer(onlyWriter{dst}, src, *bp)
}

// onlyWriter hides ReadFrom so io.CopyBuffer uses the buffer it is given.
type onlyWriter struct{ io.Writer }
