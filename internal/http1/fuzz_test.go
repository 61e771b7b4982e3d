package http1

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// FuzzParseHead feeds arbitrary bytes to the head parser: it must never
// panic, and whatever it accepts must be a well-formed head that parses the
// same way again and that the Reader would find the end of.
func FuzzParseHead(f *testing.F) {
	for _, tc := range goodRequests {
		f.Add([]byte(tc.raw))
	}
	for _, tc := range badRequests {
		if len(tc.raw) < 4096 {
			f.Add([]byte(tc.raw))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var req Request
		n, err := ParseHead(data, &req, &DefaultLimits)
		if err != nil {
			if err != ErrIncomplete && statusOf(err) == 0 {
				t.Fatalf("error %v is neither ErrIncomplete nor a *ProtocolError", err)
			}
			if err == ErrIncomplete && headEnd(data, 0) > 0 {
				t.Fatalf("ErrIncomplete although the Reader sees a whole head ending at %d", headEnd(data, 0))
			}
			if err == ErrIncomplete && len(data) > DefaultLimits.MaxHeaderBytes {
				t.Fatalf("ErrIncomplete for %d bytes, past the head limit", len(data))
			}
			return
		}
		checkAccepted(t, data, n, &req)

		// The same head again, and with bytes after it, parses the same.
		var again Request
		if n2, err := ParseHead(append(data[:n:n], "XYZ\r\n\r\n"...), &again, &DefaultLimits); err != nil || n2 != n ||
			again.Method != req.Method || !bytes.Equal(again.Target, req.Target) || again.Header.Len() != req.Header.Len() ||
			again.ContentLength != req.ContentLength || again.Chunked != req.Chunked || again.Close != req.Close {
			t.Fatalf("re-parse differs: n %d vs %d, err %v", n2, n, err)
		}
		// The head is not complete before its last byte.
		for _, cut := range []int{n - 1, n / 2, 1} {
			if cut < n {
				if _, err := ParseHead(data[:cut], &again, &DefaultLimits); err != ErrIncomplete {
					t.Fatalf("prefix of %d of an accepted %d-byte head: %v", cut, n, err)
				}
			}
		}
	})
}

// checkAccepted asserts what must hold of every head ParseHead accepts.
func checkAccepted(t *testing.T, data []byte, n int, req *Request) {
	t.Helper()
	if n <= 0 || n > len(data) || n > DefaultLimits.MaxHeaderBytes {
		t.Fatalf("consumed %d of %d", n, len(data))
	}
	if end := headEnd(data, 0); end != n {
		t.Fatalf("the Reader would end this head at %d, the parser at %d", end, n)
	}
	if !IsToken([]byte(req.Method)) {
		t.Fatalf("method %q is not a token", req.Method)
	}
	if len(req.Target) == 0 || len(req.Target) > DefaultLimits.MaxTargetBytes || bytes.IndexByte(req.Target, '#') >= 0 {
		t.Fatalf("target %q", req.Target)
	}
	for _, c := range req.Target {
		if c <= ' ' || c >= 0x7f {
			t.Fatalf("target %q holds byte %#x", req.Target, c)
		}
	}
	switch {
	case string(req.Path) == "*":
		if req.Method != "OPTIONS" || string(req.Target) != "*" {
			t.Fatalf("asterisk-form on %s %q", req.Method, req.Target)
		}
	case len(req.Path) == 0 || req.Path[0] != '/':
		t.Fatalf("path %q", req.Path)
	case !bytes.Contains(req.Target, req.Path) || !bytes.HasSuffix(req.Target, req.Query):
		t.Fatalf("path %q / query %q are not from target %q", req.Path, req.Query, req.Target)
	}
	if req.ProtoMinor != 0 && req.ProtoMinor != 1 {
		t.Fatalf("ProtoMinor %d", req.ProtoMinor)
	}
	if req.Header.Len() > DefaultLimits.MaxHeaderFields {
		t.Fatalf("%d fields", req.Header.Len())
	}
	hosts := 0
	for name, value := range req.Header.All() {
		if !IsToken(name) {
			t.Fatalf("field name %q", name)
		}
		if len(value) > 0 && (value[0] == ' ' || value[0] == '\t' || value[len(value)-1] == ' ' || value[len(value)-1] == '\t') {
			t.Fatalf("field value %q keeps its whitespace", value)
		}
		for _, c := range value {
			if c < ' ' && c != '\t' || c == 0x7f {
				t.Fatalf("field value %q holds %#x", value, c)
			}
		}
		if EqualFold(name, "host") {
			hosts++
		}
	}
	if hosts > 1 || req.ProtoMinor == 1 && hosts == 0 {
		t.Fatalf("%d Host fields on HTTP/1.%d", hosts, req.ProtoMinor)
	}
	switch {
	case req.Chunked:
		if req.ContentLength != -1 || req.ProtoMinor != 1 || req.Header.Has("Content-Length") {
			t.Fatalf("chunked with ContentLength %d on HTTP/1.%d", req.ContentLength, req.ProtoMinor)
		}
	case req.ContentLength < 0 || req.Header.Has("Transfer-Encoding"):
		t.Fatalf("ContentLength %d, Transfer-Encoding %q", req.ContentLength, req.Header.Peek("Transfer-Encoding"))
	}
}

// memConn is a net.Conn reading from a byte slice at most step bytes at a
// time; it never blocks, so a decoder that waits for more input sees EOF.
type memConn struct {
	data []byte
	step int
}

func (c *memConn) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.step)], c.data)
	c.data = c.data[n:]
	return n, nil
}
func (c *memConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *memConn) Close() error                     { return nil }
func (c *memConn) LocalAddr() net.Addr              { return nil }
func (c *memConn) RemoteAddr() net.Addr             { return nil }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

// decodeWithBody decodes data as a chunked body through a Reader and a
// Body, reading readSize bytes at a time from a connection that delivers
// step bytes per read. It returns the payload, the bytes after the body
// and the error.
func decodeWithBody(t *testing.T, data []byte, step, readSize int) (payload, rest []byte, err error) {
	conn := &memConn{data: append([]byte(chunkedHead), data...), step: step}
	rd := NewReader(conn)
	req := Request{Body: NewBody(rd)}
	if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
		t.Fatalf("ReadHead: %v", err)
	}
	req.Body.Reset(&req, nil)
	var out []byte
	buf := make([]byte, readSize)
	for stalls := 0; ; {
		n, err := req.Body.Read(buf)
		out = append(out, buf[:n]...)
		if len(out) > len(data) {
			t.Fatalf("decoded %d bytes out of %d", len(out), len(data))
		}
		if err == io.EOF {
			if !req.Body.Done() {
				t.Fatal("io.EOF before the body is done")
			}
			rest, _ := io.ReadAll(rd)
			return out, rest, nil
		}
		if err != nil {
			if err != io.ErrUnexpectedEOF && statusOf(err) != StatusBadRequest {
				t.Fatalf("error %v", err)
			}
			return out, nil, err
		}
		if n == 0 {
			if stalls++; stalls > 3 {
				t.Fatal("reads make no progress")
			}
		}
	}
}

// FuzzChunkedBody decodes arbitrary bytes as a chunked request body: never a
// panic or a hang, never more bytes out than in, the same answer whatever
// the read sizes, and the same answer as a strict reference decoder of RFC
// 9112 §7.1.
func FuzzChunkedBody(f *testing.F) {
	for _, tc := range chunkedTests {
		if len(tc.body) < 4096 {
			f.Add([]byte(tc.body))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		small, smallRest, smallErr := decodeWithBody(t, data, 3, 5)
		big, bigRest, bigErr := decodeWithBody(t, data, 1<<20, 64<<10)
		if !bytes.Equal(small, big) || (smallErr == nil) != (bigErr == nil) || !bytes.Equal(smallRest, bigRest) {
			t.Fatalf("read sizes change the result: %q %v / %q %v", small, smallErr, big, bigErr)
		}
		want, consumed, ok := refDecodeChunked(data)
		if !ok {
			if bigErr == nil {
				t.Fatalf("accepted %q, which the reference refuses", data)
			}
			return
		}
		if bigErr != nil {
			if !withinLimits(data[:consumed]) {
				return
			}
			t.Fatalf("refused (%v) a body the reference decodes to %q", bigErr, want)
		}
		if !bytes.Equal(big, want) || !bytes.Equal(bigRest, data[consumed:]) {
			t.Fatalf("decoded %q with %q left, reference %q with %q left", big, bigRest, want, data[consumed:])
		}
	})
}

// withinLimits reports whether a chunked body stays inside the bounds ferry
// puts on chunk lines, chunk-size digits and trailers, past which it may
// refuse a well-formed body.
func withinLimits(body []byte) bool {
	lines := strings.Split(string(body), "\r\n")
	for _, l := range lines {
		if len(l) > 1024 {
			return false
		}
	}
	return len(body) < 8<<10 && !strings.Contains(string(body), "000000000000")
}

// refDecodeChunked is a plain reading of the chunked grammar:
//
//	chunked-body = *chunk last-chunk trailer-section CRLF
//	chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//	chunk-ext    = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )
//
// plus the one leniency ferry allows: whitespace after the size or the
// extensions. It returns the payload and the length of the body.
func refDecodeChunked(data []byte) (payload []byte, consumed int, ok bool) {
	s := string(data)
	pos := 0
	line := func() (string, bool) {
		i := strings.Index(s[pos:], "\r\n")
		if i < 0 {
			return "", false
		}
		l := s[pos : pos+i]
		if strings.ContainsAny(l, "\r\n") {
			return "", false
		}
		pos += i + 2
		return l, true
	}
	for {
		l, ok := line()
		if !ok {
			return nil, 0, false
		}
		i := 0
		var size uint64
		for i < len(l) && unhex(l[i]) >= 0 {
			if size > 1<<59 {
				return nil, 0, false
			}
			size = size*16 + uint64(unhex(l[i]))
			i++
		}
		if i == 0 || !refChunkExt(l[i:]) {
			return nil, 0, false
		}
		if size == 0 {
			break
		}
		if uint64(len(s)-pos) < size+2 || s[pos+int(size):pos+int(size)+2] != "\r\n" {
			return nil, 0, false
		}
		payload = append(payload, s[pos:pos+int(size)]...)
		pos += int(size) + 2
	}
	for {
		l, ok := line()
		if !ok {
			return nil, 0, false
		}
		if l == "" {
			return payload, pos, true
		}
		name, value, found := strings.Cut(l, ":")
		if !found || !IsToken([]byte(name)) {
			return nil, 0, false
		}
		for _, c := range []byte(value) {
			if c < ' ' && c != '\t' || c == 0x7f {
				return nil, 0, false
			}
		}
	}
}

func refChunkExt(ext string) bool {
	ows := func() {
		for len(ext) > 0 && (ext[0] == ' ' || ext[0] == '\t') {
			ext = ext[1:]
		}
	}
	token := func() bool {
		n := tokenLen([]byte(ext))
		ext = ext[n:]
		return n > 0
	}
	for {
		ows()
		if ext == "" {
			return true
		}
		if ext[0] != ';' {
			return false
		}
		ext = ext[1:]
		ows()
		if !token() {
			return false
		}
		ows()
		if ext == "" || ext[0] != '=' {
			continue
		}
		ext = ext[1:]
		ows()
		if ext != "" && ext[0] == '"' {
			i := 1
			for ; i < len(ext) && ext[i] != '"'; i++ {
				c := ext[i]
				if c == '\\' {
					i++
					if i == len(ext) {
						return false
					}
					c = ext[i]
				}
				if c < ' ' && c != '\t' || c == 0x7f {
					return false
				}
			}
			if i == len(ext) {
				return false
			}
			ext = ext[i+1:]
			continue
		}
		if !token() {
			return false
		}
	}
}

// reqRecord is what a Reader made of one request in a stream.
type reqRecord struct {
	method, target string
	fields         int
	body           string
	err            string
}

// readStream reads requests from data the way the server does (head, whole
// body, next head) over a connection delivering step bytes per read, and
// records each; it stops at the first error.
func readStream(t *testing.T, data []byte, step int) []reqRecord {
	rd := NewReader(&memConn{data: data, step: step})
	req := Request{Body: NewBody(rd)}
	var out []reqRecord
	decoded := 0
	for range len(data) + 1 {
		if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
			if err != io.EOF && err != io.ErrUnexpectedEOF && statusOf(err) == 0 {
				t.Fatalf("ReadHead error %v", err)
			}
			return append(out, reqRecord{err: errKind(err)})
		}
		rec := reqRecord{method: req.Method, target: string(req.Target), fields: req.Header.Len()}
		req.Body.Reset(&req, nil)
		body, err := io.ReadAll(req.Body)
		rec.body = string(body)
		if decoded += len(body); decoded > len(data) {
			t.Fatalf("decoded %d body bytes out of %d", decoded, len(data))
		}
		// The head is still intact after its body was read.
		if string(req.Target) != rec.target || req.Header.Len() != rec.fields {
			t.Fatalf("head changed while reading the body: %q became %q", rec.target, req.Target)
		}
		if err != nil {
			if err != io.ErrUnexpectedEOF && statusOf(err) == 0 {
				t.Fatalf("body error %v", err)
			}
			rec.err = errKind(err)
			return append(out, rec)
		}
		out = append(out, rec)
	}
	t.Fatal("more requests than bytes")
	return nil
}

// errKind is what must not depend on read boundaries about an error: its
// status, or for other errors the error itself. (The reason text may: a
// chunk line cut by a read is "too long" before it is seen to be bad.)
func errKind(err error) string {
	if s := statusOf(err); s != 0 {
		return fmt.Sprint("status ", s)
	}
	return err.Error()
}

// FuzzReadRequests feeds arbitrary bytes as a connection's input: the
// requests read from it, their bodies and the final error must not depend
// on how the bytes are split into reads, and nothing may panic or hang.
func FuzzReadRequests(f *testing.F) {
	f.Add([]byte(curlRequest + wrkRequest))
	f.Add([]byte(chunkedHead + "5\r\nhello\r\n0\r\n\r\n" + curlRequest))
	f.Add([]byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: a\r\n\r\n"))
	f.Add([]byte(post1CLTE))
	f.Add([]byte("\r\n" + browserRequest + "GET /x HTTP/1.0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		want := readStream(t, data, 1<<20)
		for _, step := range []int{1, 5} {
			got := readStream(t, data, step)
			if len(got) != len(want) {
				t.Fatalf("step %d: %d records, want %d:\n%+v\n%+v", step, len(got), len(want), got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("step %d, request %d: %+v, want %+v", step, i, got[i], want[i])
				}
			}
		}
	})
}

// post1CLTE is the classic CL.TE smuggling request.
const post1CLTE = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG"
