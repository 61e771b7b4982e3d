package compress

import (
	"bufio"
	"errors"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"

	"ferry/internal/http1"
)

// Life of a compressed write: the handler writes to a writer, which decides
// once, at the handler's first Write or ReadFrom (or when it returns without
// writing), what the response will be, from the status and the header the
// handler set:
//   - identity: the bytes go to the underlying ResponseWriter untouched (and
//     ReadFrom to its ReadFrom, which keeps sendfile);
//   - cached: the compressed form of this very file is in the cache; it is
//     sent at once with its exact Content-Length, and the handler's bytes
//     are counted and dropped without reading its file;
//   - filling: a body of known length up to 1 MiB is compressed into
//     memory, then sent with its Content-Length as soon as its last byte
//     is written, while the handler still runs (so that what the handler
//     accounts for, such as the listing budget, covers the send too), and
//     with the compressor already given back; a file (a strong ETag) is
//     compressed well and stored for the next request, anything else (a
//     listing) compressed fast for this response only;
//   - streaming: anything else compressible is compressed fast, through a
//     buffer, to the underlying writer, which sends Content-Length when the
//     whole compressed body fits its 64 KiB, else chunked framing; a file
//     too large to cache is chunked from the start. A stream holds its
//     compressor until its client has read it all, so at most maxStreams
//     run at once; past that, the body goes out as identity;
//   - skipped: a HEAD for such a file gets the GET's head, chunked, and the
//     handler's bytes are counted and dropped without reading its file.
type writer struct {
	w      http1.ResponseWriter
	req    *http1.Request
	coding Coding
	cache  *cache
	// streams are the stream slots (see maxStreams); holding reports that
	// this writer took one.
	streams chan struct{}
	holding bool
	// inmCoded reports that If-None-Match named a compressed form's tag,
	// identityTags that it named only identity tags (onlyIdentityTags).
	inmCoded, identityTags bool

	status int
	state  state
	// declared is the identity length the handler declared, or -1.
	declared int64
	// written counts the identity bytes taken from the handler.
	written int64

	gz    *gzip.Writer
	level int
	bw    *bufio.Writer
	fill  sink
	key   []byte
	// etag, etagOut and ctype describe the body being filled, to store it
	// in the cache when store is set.
	etag, etagOut, ctype string
	store                bool
}

type state uint8

const (
	undecided state = iota
	identity
	cached
	// skipped is a HEAD whose head was decided without the body.
	skipped
	filling
	// sent is a filled body whose compressed form went out.
	sent
	streaming
	// withheld is a 304 not sent: the handler answers again (see
	// decide).
	withheld
)

// Compression levels. Streams favour speed: they are compressed for every
// request. Cached bodies are compressed once and sent many times, so a
// better ratio pays for itself.
const (
	streamLevel = gzip.BestSpeed
	cacheLevel  = 6
)

// streamBufferSize is the buffer between the gzip writer, which emits a few
// hundred bytes at a time, and the response: each write past the response's
// own 64 KiB becomes a chunk, and 32 KiB chunks keep framing overhead and
// system calls low.
const streamBufferSize = 32 << 10

// maxStreams bounds the responses compressed as they are sent (streaming).
// Each holds a compressor and a buffer, about 0.8 MiB, for as long as its
// client takes to read: a few thousand clients that stop reading would
// otherwise pin gigabytes. Past the bound, such a body goes out as
// identity, which costs bandwidth but no memory.
const maxStreams = 32

// copyBufferSize is the buffer ReadFrom reads the handler's source through
// when it compresses.
const copyBufferSize = 32 << 10

var (
	writerPool  = sync.Pool{New: func() any { return new(writer) }}
	gzipPools   [gzip.BestCompression + 1]sync.Pool
	bufioPool   = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, streamBufferSize) }}
	copyBufPool = sync.Pool{New: func() any { b := make([]byte, copyBufferSize); return &b }}
)

// errBodyTooLong is returned when a handler writes more than the
// Content-Length it declared, as the underlying writer would.
var errBodyTooLong = errors.New("compress: body longer than the declared Content-Length")

func getGzip(level int, dst io.Writer) *gzip.Writer {
	if z, ok := gzipPools[level].Get().(*gzip.Writer); ok {
		z.Reset(dst)
		return z
	}
	z, err := gzip.NewWriterLevel(dst, level)
	if err != nil {
		panic(err) // the levels are constants known to be valid
	}
	return z
}

func (cw *writer) reset(w http1.ResponseWriter, r *http1.Request, c Coding, h *Handler, inmCoded, identityTags bool) {
	cw.w, cw.req, cw.coding, cw.cache, cw.streams = w, r, c, h.cache, h.streams
	cw.inmCoded, cw.identityTags = inmCoded, identityTags
	cw.status, cw.state, cw.declared, cw.written = 0, undecided, -1, 0
}

// takeStream takes a stream slot if one is free.
func (cw *writer) takeStream() bool {
	select {
	case cw.streams <- struct{}{}:
		cw.holding = true
		return true
	default:
		return false
	}
}

// freeStream gives back the stream slot the writer holds, if any. It is
// the one part of release that must run even when the handler panicked.
func (cw *writer) freeStream() {
	if cw.holding {
		<-cw.streams
		cw.holding = false
	}
}

// releaseGzip returns the compressor to its pool.
func (cw *writer) releaseGzip() {
	if cw.gz != nil {
		cw.gz.Reset(io.Discard)
		gzipPools[cw.level].Put(cw.gz)
		cw.gz = nil
	}
}

// release returns the writer's pooled parts and stream slot and forgets
// the request, so that the pooled writer pins nothing.
func (cw *writer) release() {
	cw.releaseGzip()
	cw.freeStream()
	if cw.bw != nil {
		cw.bw.Reset(nil)
		bufioPool.Put(cw.bw)
		cw.bw = nil
	}
	cw.w, cw.req, cw.cache, cw.streams, cw.fill.b = nil, nil, nil, nil, nil
	cw.etag, cw.etagOut, cw.ctype, cw.store = "", "", "", false
}

// Header implements http1.ResponseWriter.
func (cw *writer) Header() *http1.ResponseHeader { return cw.w.Header() }

// WriteHeader implements http1.ResponseWriter. The status is kept until
// the decision, which depends on it.
func (cw *writer) WriteHeader(status int) {
	if cw.status == 0 {
		cw.status = status
	}
}

// Write implements http1.ResponseWriter.
func (cw *writer) Write(p []byte) (int, error) {
	if cw.state == undecided {
		if err := cw.decide(false, int64(len(p))); err != nil {
			return 0, err
		}
	}
	switch cw.state {
	case identity:
		return cw.w.Write(p)
	case cached, skipped, withheld:
		cw.written += int64(len(p))
		return len(p), nil
	}
	if cw.declared >= 0 && cw.written+int64(len(p)) > cw.declared {
		return 0, errBodyTooLong
	}
	if cw.state == sent {
		return 0, nil
	}
	cw.written += int64(len(p))
	n, err := cw.gz.Write(p)
	if err == nil && cw.state == filling && cw.written == cw.declared {
		err = cw.sendFilled()
	}
	return n, err
}

// ReadFrom copies src to the body, stopping at the declared length as
// http1.Response does, so a handler may pass a whole *os.File. Uncompressed,
// it is the underlying writer's ReadFrom, so a file still goes out by
// sendfile. When the cached form was sent, or a HEAD's head was decided
// without the body, src is not read at all: the handler is told the length
// it declared was copied.
func (cw *writer) ReadFrom(src io.Reader) (int64, error) {
	if cw.state == undecided {
		if err := cw.decide(false, -1); err != nil {
			return 0, err
		}
	}
	switch cw.state {
	case identity:
		if rf, ok := cw.w.(io.ReaderFrom); ok {
			return rf.ReadFrom(src)
		}
		return copyThrough(cw.w, src, -1)
	case cached, skipped, sent, withheld:
		n := max(cw.declared-cw.written, 0)
		cw.written += n
		return n, nil
	}
	limit := int64(-1)
	if cw.declared >= 0 {
		limit = cw.declared - cw.written
	}
	return copyThrough(cw, src, limit)
}

// copyThrough copies src to dst with a pooled buffer, at most limit bytes
// when limit is not negative. It reads src itself rather than calling
// io.Copy, which would hand an *os.File's WriteTo a writer without ReadFrom
// and so allocate a buffer per call.
func copyThrough(dst io.Writer, src io.Reader, limit int64) (int64, error) {
	bp := copyBufPool.Get().(*[]byte)
	defer copyBufPool.Put(bp)
	buf := *bp
	var total int64
	for limit < 0 || total < limit {
		if limit >= 0 && int64(len(buf)) > limit-total {
			buf = buf[:limit-total]
		}
		n, err := src.Read(buf)
		if n > 0 {
			m, werr := dst.Write(buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// decide chooses how the response is sent, once. finishing is set when
// the handler returned without writing a byte of body; handed is the length
// of the handler's first Write, -1 for a body copied from a reader.
//
// A 304 to a request whose If-None-Match named only identity tags, for a
// representation that goes out compressed, is withheld: the selected
// representation's tag is the compressed form's, which no listed tag
// matches, so the handler answers again without them (Middleware). A cache
// holding only the identity body would otherwise be told that a
// compressed body it never stored is current.
func (cw *writer) decide(finishing bool, handed int64) error {
	h := cw.w.Header()
	if cw.status == http1.StatusNotModified && cw.identityTags && cw.compresses(h, http1.StatusOK) {
		cw.state = withheld
		return nil
	}
	cw.state = identity
	if cw.status != 0 {
		cw.w.WriteHeader(cw.status)
	}
	if cw.status == http1.StatusNotModified {
		cw.notModified(h)
		return nil
	}
	if !cw.compresses(h, cw.status) {
		return nil
	}
	ct := h.Get("Content-Type")
	cw.declared = h.ContentLength()
	etag := h.Get("ETag")
	if cw.declared > 0 && (cw.declared <= maxCachedFile || handed == cw.declared) {
		// A body of known length up to maxCachedFile is compressed whole
		// into memory and sent with its compressed length; one with a
		// strong ETag (a file) is kept in the cache too. So is a larger
		// body handed over whole in one Write (a listing): the handler
		// holds it in memory already, and with its compressed length it
		// goes out with Content-Length, as a body known in full must.
		cw.store = cw.cache != nil && isStrongETag(etag) && cw.declared <= maxCachedFile
		if cw.store {
			cw.key = cacheKey(cw.key[:0], cw.coding, cw.req.Path)
			if e := cw.cache.get(cw.key, etag, ct, cw.declared); e != nil {
				cw.state = cached
				cw.setCoded(h, e.etagOut)
				h.SetContentLength(int64(len(e.data)))
				_, err := cw.w.Write(e.data)
				return err
			}
		}
		if finishing {
			// A HEAD answered without copying the body: there is nothing
			// to compress, so the headers stay those of identity.
			return nil
		}
		cw.state = filling
		cw.etag, cw.ctype = etag, ct
		cw.etagOut = ""
		if etag != "" {
			cw.etagOut = markETag(etag, cw.coding)
		}
		cw.setCoded(h, cw.etagOut)
		cw.fill.b = make([]byte, 0, cw.declared/3+512)
		// A body compressed for this response only (a listing) gets the
		// fast level; one compressed once for the cache, the better one.
		cw.level = streamLevel
		if cw.store {
			cw.level = cacheLevel
		}
		cw.gz = getGzip(cw.level, &cw.fill)
		return nil
	}
	if etag != "" {
		etag = markETag(etag, cw.coding)
	}
	// An HTTP/1.0 client cannot take chunks: a stream would have to be
	// delimited by closing the connection, which a client cannot tell
	// from a cut, so a body whose length is known goes as identity with
	// it.
	if cw.req.ProtoMinor == 0 && cw.declared >= 0 {
		return nil
	}
	// Too large to cache, so its compressed length is learnt only by
	// compressing all of it: the body goes out chunked from its first
	// byte, and a HEAD announces just that, reading and compressing
	// nothing; or, when a GET now would find no stream free, identity.
	if cw.declared > maxCachedFile && cw.req.Method == "HEAD" {
		if len(cw.streams) == cap(cw.streams) {
			return nil
		}
		h.SetStream()
		cw.state = skipped
		cw.setCoded(h, etag)
		return nil
	}
	if finishing || !cw.takeStream() {
		return nil
	}
	if cw.declared > maxCachedFile {
		h.SetStream()
	}
	cw.state = streaming
	cw.setCoded(h, etag)
	cw.bw = bufioPool.Get().(*bufio.Writer)
	cw.bw.Reset(cw.w)
	cw.level, cw.gz = streamLevel, getGzip(streamLevel, cw.bw)
	return nil
}

// compresses reports whether the response the handler described in h, with
// status, goes out compressed. Every response whose body depends on
// Accept-Encoding, compressed or not, gets Vary: Accept-Encoding, so that
// caches know (RFC 9110 §12.5.5).
func (cw *writer) compresses(h *http1.ResponseHeader, status int) bool {
	if h.Get("Content-Encoding") != "" || !compressible(h.Get("Content-Type")) {
		return false
	}
	addVary(h)
	// 206 and every other status go out as the handler wrote them: ranges
	// are ranges of the identity body. An empty body gains nothing.
	return cw.coding != Identity && (status == 0 || status == http1.StatusOK) &&
		h.ContentLength() != 0 && h.Get("Content-Range") == ""
}

// notModified gives a 304 the ETag and Vary that the 200 to the same
// request would carry (RFC 9110 §15.4.5), and drops Accept-Ranges when that
// 200 would be compressed. A 304 has no body to judge by, so the handler
// describes the representation it validates by the Content-Type and
// Content-Length it sets, as for a 200; the connection's writer sends no
// Content-Length on a 304, and Content-Type is removed here, since a 304
// should carry no other representation metadata. A 304 without a
// Content-Type is taken to validate the compressed form when the client
// named that form's tag.
func (cw *writer) notModified(h *http1.ResponseHeader) {
	var coded bool
	if h.Get("Content-Type") != "" {
		coded = cw.compresses(h, http1.StatusOK)
		h.Del("Content-Type")
	} else if cw.inmCoded && cw.coding != Identity {
		coded = true
		addVary(h)
	}
	if coded {
		if etag := h.Get("ETag"); etag != "" {
			h.Set("ETag", markETag(etag, cw.coding))
		}
		h.Del("Accept-Ranges")
	}
}

func addVary(h *http1.ResponseHeader) {
	if v := h.Get("Vary"); !hasToken(v, "Accept-Encoding") && !hasToken(v, "*") {
		h.Add("Vary", "Accept-Encoding")
	}
}

// setCoded turns the header into that of the compressed representation.
// Its length is unknown until it is compressed, and ranges of it are not
// served, so Content-Length and Accept-Ranges go.
func (cw *writer) setCoded(h *http1.ResponseHeader, etag string) {
	h.Set("Content-Encoding", cw.coding.String())
	h.Del("Accept-Ranges")
	h.SetContentLength(-1)
	if etag != "" {
		h.Set("ETag", etag)
	}
}

// finish ends the compressed body after the handler returned. A body
// shorter than the handler declared (a file that could not be read to its
// end) is sent without the gzip trailer, so that the client's gzip reader
// reports it truncated, as the connection closing would for identity.
func (cw *writer) finish() error {
	if cw.state == undecided {
		return cw.decide(true, -1)
	}
	complete := cw.declared < 0 || cw.written == cw.declared
	switch cw.state {
	case streaming:
		if complete {
			if err := cw.gz.Close(); err != nil {
				return err
			}
		}
		return cw.bw.Flush()
	case filling:
		if complete {
			return cw.sendFilled()
		}
		// Short: sent as far as it got, without the gzip trailer.
		data := cw.fill.b
		cw.fill.b = nil
		cw.releaseGzip()
		cw.w.Header().SetContentLength(int64(len(data)))
		_, err := cw.w.Write(data)
		return err
	}
	return nil
}

// sendFilled ends a filled body, whole, and sends it with its compressed
// length, once the compressor is back in its pool: a client slow to read
// holds only the compressed bytes.
func (cw *writer) sendFilled() error {
	cw.state = sent
	err := cw.gz.Close()
	cw.releaseGzip()
	if err != nil {
		return err
	}
	data := cw.fill.b
	cw.fill.b = nil
	if cw.store {
		if cap(data)-len(data) > len(data)/4 {
			// The size was guessed before compressing; keep only what
			// the cache needs.
			data = append([]byte(nil), data...)
		}
		cw.cache.put(&entry{
			key:     string(cw.key),
			etag:    cw.etag,
			ctype:   cw.ctype,
			srcLen:  cw.declared,
			etagOut: cw.etagOut,
			data:    data,
		})
	}
	cw.w.Header().SetContentLength(int64(len(data)))
	_, err = cw.w.Write(data)
	return err
}

// cacheKey appends the cache key of a body in coding for the request
// path: the coding, then the path with its percent-encoding decoded, so
// that the spellings of one name ("/files/m.txt", "/files/%6D.txt") share
// one entry instead of each costing a compression and a place in the
// cache. A path that does not decode is kept as it is.
func cacheKey(dst []byte, coding Coding, path []byte) []byte {
	dst = append(dst, byte(coding))
	if decoded, ok := http1.AppendUnescaped(dst, path); ok {
		return decoded
	}
	return append(dst, path...)
}

// sink collects compressed bytes in memory.
type sink struct{ b []byte }

func (s *sink) Write(p []byte) (int, error) {
	s.b = append(s.b, p...)
	return len(p), nil
}
