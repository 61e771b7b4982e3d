package fileserver

import (
	"crypto/rand"
	"io"
	"io/fs"
	"strconv"
	"time"

	"ferry/internal/http1"
)

// fileContent is what a file is served from: the open *os.File, or the
// small-file cache's copy of its bytes.
type fileContent interface {
	io.Reader
	io.Seeker
	io.ReaderAt
}

// fileMeta are the header values describing a file, computed once per
// request, or once per cached file.
type fileMeta struct {
	etag, lastModified, contentType string
	// future reports that the modification time was later than the clock
	// when the meta was computed, so lastModified may not be sent as it
	// is (lastModifiedValue). A time that was past then stays past.
	future bool
}

// laterSecond reports whether t falls in a later second than now: a
// Last-Modified of t would then be later than a Date stamped at now.
func laterSecond(t, now time.Time) bool {
	return t.Unix() > now.Unix()
}

func metaOf(fi fs.FileInfo, name string) fileMeta {
	return fileMeta{
		etag:         etagOf(fi),
		lastModified: fi.ModTime().UTC().Format(http1.TimeFormat),
		contentType:  contentType(name),
		future:       laterSecond(fi.ModTime(), http1.Now()),
	}
}

// lastModifiedValue is the Last-Modified to send for a file. RFC 9110
// §8.8.2.1: a modification time later than the response's Date (a file
// unpacked from an archive, or copied from a machine whose clock is ahead)
// must be replaced by the Date. "Later" is judged against http1.Now, the
// clock the Date is stamped from, which ticks every few milliseconds: a
// file written in the first moments of a second, before that clock reached
// it, counts as future too. Such a time is no validator, and the date
// conditions treat the file as modified (modifiedSince).
func lastModifiedValue(fi fs.FileInfo, meta fileMeta) string {
	if meta.future {
		if now := http1.Now(); laterSecond(fi.ModTime(), now) {
			return now.UTC().Format(http1.TimeFormat)
		}
	}
	return meta.lastModified
}

// serveFile answers GET or HEAD for the open regular file f: preconditions
// first (RFC 9110 §13.2.2), then Range, then the whole file. Every body
// goes out with a Content-Length computed up front, so nothing is buffered
// and memory stays flat whatever the file's size.
func serveFile(w http1.ResponseWriter, r *http1.Request, f fileContent, fi fs.FileInfo, meta fileMeta) {
	st := preconditionState{exists: true, etag: meta.etag, modTime: fi.ModTime()}
	h := w.Header()
	h.Set("Last-Modified", lastModifiedValue(fi, meta))
	h.Set("ETag", st.etag)
	h.Set("Accept-Ranges", "bytes")
	switch checkPreconditions(r, st) {
	case http1.StatusNotModified:
		// Type and length tell a compressing writer which representation
		// the 304 validates, so it can name that one's ETag and Vary (RFC
		// 9110 §15.4.5); it removes the type, and http1 sends no length
		// on a 304.
		h.Set("Content-Type", meta.contentType)
		h.SetContentLength(fi.Size())
		w.WriteHeader(http1.StatusNotModified)
		return
	case http1.StatusPreconditionFailed:
		http1.Error(w, http1.StatusPreconditionFailed)
		return
	}
	ctype := meta.contentType
	size := fi.Size()
	// Range is defined for GET only (RFC 9110 §14.2); HEAD gets the head of
	// the whole file.
	if rangeValue, ok := singleField(r, "Range"); ok && r.Method == "GET" && checkIfRange(r, st) {
		if ranges, ok := parseRanges(rangeValue, size); ok {
			serveRanges(w, f, ranges, size, ctype)
			return
		}
	}
	h.Set("Content-Type", ctype)
	h.SetContentLength(size)
	w.WriteHeader(http1.StatusOK)
	// HEAD goes through sendBody too: the connection's writer sends no body
	// and reads nothing, while a compressing writer needs the bytes to give
	// HEAD the same Content-Encoding and Content-Length as GET.
	sendBody(w, f, size, r.Method == "HEAD")
}

// serveRanges answers a satisfiable Range with 206 (one range as is,
// several as multipart/byteranges, RFC 9110 §14.6), or 416 when no range
// is satisfiable.
func serveRanges(w http1.ResponseWriter, f fileContent, ranges []httpRange, size int64, ctype string) {
	h := w.Header()
	switch len(ranges) {
	case 0:
		h.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		http1.Error(w, http1.StatusRequestedRangeNotSatisfiable)
	case 1:
		rg := ranges[0]
		h.Set("Content-Type", ctype)
		h.Set("Content-Range", rg.contentRange(size))
		h.SetContentLength(rg.length)
		w.WriteHeader(http1.StatusPartialContent)
		if _, err := f.Seek(rg.start, io.SeekStart); err == nil {
			sendBody(w, f, rg.length, false)
		}
	default:
		serveMultipart(w, f, ranges, size, ctype)
	}
}

// serveMultipart sends several ranges as multipart/byteranges. The part
// heads are built first so that the whole body's length is known before
// any byte is sent; the parts' bytes are then read from the file as they
// go.
func serveMultipart(w http1.ResponseWriter, f fileContent, ranges []httpRange, size int64, ctype string) {
	boundary := rand.Text()
	heads := make([]string, len(ranges))
	length := int64(0)
	for i, rg := range ranges {
		heads[i] = "\r\n--" + boundary + "\r\nContent-Type: " + ctype +
			"\r\nContent-Range: " + rg.contentRange(size) + "\r\n\r\n"
		length += int64(len(heads[i])) + rg.length
	}
	// The body starts with the first delimiter line itself, no preamble.
	heads[0] = heads[0][2:]
	length -= 2
	tail := "\r\n--" + boundary + "--\r\n"
	length += int64(len(tail))
	h := w.Header()
	h.Set("Content-Type", "multipart/byteranges; boundary="+boundary)
	h.SetContentLength(length)
	w.WriteHeader(http1.StatusPartialContent)
	// The writer's ReadFrom expects the rest of the whole body from one
	// reader, so the parts are copied through a buffer of our own instead.
	buf := make([]byte, multipartCopyBuffer)
	for i, rg := range ranges {
		if _, err := io.WriteString(w, heads[i]); err != nil {
			return
		}
		if _, err := io.CopyBuffer(onlyWriter{w}, io.NewSectionReader(f, rg.start, rg.length), buf); err != nil {
			return
		}
	}
	io.WriteString(w, tail)
}

// multipartCopyBuffer is the buffer the parts of a multipart/byteranges
// body are copied through: requests for several ranges are rare, so it is
// allocated per response rather than pooled.
const multipartCopyBuffer = 32 << 10

// onlyWriter hides a writer's ReadFrom, so io.CopyBuffer uses the buffer.
type onlyWriter struct{ io.Writer }

// sendBody sends the next n bytes of f as the body, whose Content-Length
// was declared as n. ferry's writers (http1.Response and the compressing
// writer) stop their ReadFrom at the declared length, so they get the bare
// file, which http1.Response hands to sendfile(2); wrapping it in a
// LimitReader would hide the file from sendfile. A writer without ReadFrom
// gets the file behind a LimitReader, since the file may grow while it is
// being sent. For a HEAD (head set), the writers take no body.
func sendBody(w http1.ResponseWriter, f io.Reader, n int64, head bool) {
	if m, ok := f.(*memContent); ok {
		// Cached bytes go out in one Write: http1.Response sends a large
		// one together with the head in a single writev, with no copy.
		off := m.Size() - int64(m.Len())
		w.Write(m.data[off : off+n])
		return
	}
	var sent int64
	if rf, ok := w.(io.ReaderFrom); ok {
		sent, _ = rf.ReadFrom(f)
	} else {
		sent, _ = io.Copy(w, io.LimitReader(f, n))
	}
	if sent < n && !head {
		// The file shrank under the copy, or the client left. Ending the
		// response properly (a chunked or gzip stream's end) would pass
		// the bytes sent off as the whole file: the connection is cut.
		panic(http1.ErrAbortHandler)
	}
}

// singleField returns the value of a field sent exactly once. A field that
// may hold a single value but was sent twice is ignored, since which one
// the sender meant cannot be told.
func singleField(r *http1.Request, name string) (string, bool) {
	var v []byte
	n := 0
	for fv := range r.Header.Values(name) {
		v = fv
		n++
	}
	return string(http1.TrimOWS(v)), n == 1
}
