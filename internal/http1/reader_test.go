package http1

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func TestReadHeadPipelined(t *testing.T) {
	rd := readerFor(t, []byte(curlRequest+wrkRequest+"\r\n"+browserRequest))
	var req Request
	for _, want := range []string{"/echo/abc", "/", "/files/"} {
		if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
			t.Fatalf("ReadHead for %s: %v", want, err)
		}
		if string(req.Path) != want {
			t.Fatalf("path %q, want %q", req.Path, want)
		}
	}
	if err := rd.ReadHead(&req, &DefaultLimits); err != io.EOF {
		t.Fatalf("after the last request: %v, want io.EOF", err)
	}
}

// TestReadHeadTrickle delivers each good request one byte per read, so that
// every read boundary falls at every position of the head.
func TestReadHeadTrickle(t *testing.T) {
	var all strings.Builder
	for _, tc := range goodRequests {
		all.WriteString(tc.raw)
	}
	c, s := tcpPair(t)
	sendAndClose(c, []byte(all.String()))
	rd := NewReader(trickleConn{s})
	var req Request
	for _, tc := range goodRequests {
		if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		checkHead(t, &req, tc.want)
	}
	if err := rd.ReadHead(&req, &DefaultLimits); err != io.EOF {
		t.Fatalf("after the last request: %v, want io.EOF", err)
	}
}

func TestReadHeadEnd(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want error
	}{
		{"nothing", "", io.EOF},
		{"part_of_request_line", "GET / HT", io.ErrUnexpectedEOF},
		{"head_without_end", "GET / HTTP/1.1\r\nHost: a\r\n", io.ErrUnexpectedEOF},
		{"only_crlf", "\r\n", io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var req Request
			if err := readerFor(t, []byte(tc.raw)).ReadHead(&req, &DefaultLimits); err != tc.want {
				t.Fatalf("ReadHead: %v, want %v", err, tc.want)
			}
		})
	}
}

// TestReadHeadLimits checks the statuses a Reader gives when a head does
// not fit the limits, whether or not its end has arrived.
func TestReadHeadLimits(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		status int
	}{
		{"target_without_end", "GET /" + strings.Repeat("a", 100<<10), 414},
		{"target_with_end", "GET /" + strings.Repeat("a", 9<<10) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414},
		{"field_without_end", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", 200<<10), 431},
		{"head_with_end", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", 65<<10) + "\r\n\r\n", 431},
		{"many_fields", "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: y\r\n", 200) + "\r\n", 431},
		{"endless_crlf", strings.Repeat("\r\n", 100<<10), 431},
		{"bad_head_refused_whole", "GET / HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\n", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var req Request
			err := readerFor(t, []byte(tc.raw)).ReadHead(&req, &DefaultLimits)
			if got := statusOf(err); got != tc.status {
				t.Fatalf("ReadHead: %v: status %d, want %d", err, got, tc.status)
			}
		})
	}
}

// TestReadHeadRefusesEarly: a head whose start is already wrong is refused
// as soon as that part has arrived, while the client still holds its
// connection open, rather than by the header timeout: a TLS handshake sent
// to the plain port, a line of junk, a bad header line. A head that is only
// unfinished is waited for.
func TestReadHeadRefusesEarly(t *testing.T) {
	tests := []struct {
		name, raw string
		status    int // 0: no refusal, the read runs into its deadline
	}{
		{"tls_client_hello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400},
		{"junk_line", "hello\r\n", 400},
		{"lower_case_version", "GET / http/1.1\r\n", 400},
		{"bad_field_line", "GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n", 400},
		{"obs_fold", "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n", 400},
		{"space_before_colon", "GET / HTTP/1.1\r\nHost : x\r\n", 400},
		{"bare_cr", "GET /a\rb HTTP/1.1", 400},
		{"bare_cr_in_unended_field", "GET / HTTP/1.1\r\nHost: x\r\nX: a\rb", 400},
		{"bare_cr_starting_a_line", "GET / HTTP/1.1\r\nHost: x\r\n\rX", 400},
		{"http2", "GET / HTTP/2.0\r\n", 505},
		// One field too many is found before the bad line after it, as
		// ParseHead finds it in a whole head.
		{"too_many_fields", "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X: y\r\n", 99) + "bad\r\n", 431},
		{"long_target", "GET /" + strings.Repeat("a", 9<<10), 414},
		{"unfinished_request_line", "GET /index.ht", 0},
		{"unfinished_field", "GET / HTTP/1.1\r\nHost: x\r\nAccept: te", 0},
		{"unfinished_after_empty_line", "\r\nGET / HTTP/1.1\r\nHost: x\r\n", 0},
		{"cr_at_the_end", "GET / HTTP/1.1\r", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, s := tcpPair(t)
			if _, err := c.Write([]byte(tc.raw)); err != nil {
				t.Fatal(err)
			}
			rd := NewReader(s)
			wait := 10 * time.Second
			if tc.status == 0 {
				wait = 200 * time.Millisecond
			}
			rd.SetDeadline(time.Now().Add(wait))
			var req Request
			err := rd.ReadHead(&req, &DefaultLimits)
			if tc.status == 0 {
				if !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("ReadHead: %v, want to wait for the rest", err)
				}
				return
			}
			if got := statusOf(err); got != tc.status {
				t.Fatalf("ReadHead: %v: status %d, want %d", err, got, tc.status)
			}
		})
	}
}

// TestReadHeadGrowsForLargeHead: a head larger than the initial buffer but
// within the limits is read whole, and a pipelined request after it too.
func TestReadHeadGrowsForLargeHead(t *testing.T) {
	big := "GET /big HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("p", 500)+"\r\n", 60) + "\r\n"
	rd := readerFor(t, []byte(big+wrkRequest))
	var req Request
	if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
		t.Fatal(err)
	}
	if string(req.Path) != "/big" || req.Header.Len() != 61 {
		t.Fatalf("path %q, %d fields", req.Path, req.Header.Len())
	}
	if err := rd.ReadHead(&req, &DefaultLimits); err != nil || string(req.Path) != "/" {
		t.Fatalf("pipelined after a large head: %v, path %q", err, req.Path)
	}
}

// TestHeadSurvivesBodyRead checks the promise of Request: the head's slices
// stay valid until the handler returns, even after it read the whole body
// (the server logs the target afterwards; handlers read headers late).
func TestHeadSurvivesBodyRead(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	chunked := func(b []byte) string {
		var sb strings.Builder
		for len(b) > 0 {
			n := min(len(b), 100)
			sb.WriteString(strings.ToUpper(strings.TrimLeft(string([]byte{"0123456789abcdef"[n>>4], "0123456789abcdef"[n&15]}), "0")))
			sb.WriteString("\r\n")
			sb.Write(b[:n])
			sb.WriteString("\r\n")
			b = b[n:]
		}
		sb.WriteString("0\r\n\r\n")
		return sb.String()
	}
	tests := []struct {
		name, head, body string
		readSize         int
	}{
		{"length_small_reads", "POST /files/up?x=1 HTTP/1.1\r\nHost: example\r\nX-Check: intact\r\nContent-Length: 65536\r\n\r\n", string(payload), 100},
		{"length_large_reads", "POST /files/up?x=1 HTTP/1.1\r\nHost: example\r\nX-Check: intact\r\nContent-Length: 65536\r\n\r\n", string(payload), 32 << 10},
		{"chunked_small_reads", "POST /files/up?x=1 HTTP/1.1\r\nHost: example\r\nX-Check: intact\r\nTransfer-Encoding: chunked\r\n\r\n", chunked(payload), 100},
		{"chunked_large_reads", "POST /files/up?x=1 HTTP/1.1\r\nHost: example\r\nX-Check: intact\r\nTransfer-Encoding: chunked\r\n\r\n", chunked(payload), 32 << 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rd := readerFor(t, []byte(tc.head+tc.body+wrkRequest))
			req := Request{Body: NewBody(rd)}
			if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
				t.Fatal(err)
			}
			req.Body.Reset(&req, nil)
			got, err := io.ReadAll(&sizedReader{req.Body, tc.readSize})
			if err != nil || !bytes.Equal(got, payload) {
				t.Fatalf("body: %d bytes, err %v", len(got), err)
			}
			if string(req.Target) != "/files/up?x=1" || string(req.Path) != "/files/up" || string(req.Query) != "x=1" ||
				string(req.Host) != "example" || req.Header.Get("X-Check") != "intact" {
				t.Fatalf("head changed by the body read: target %q path %q query %q host %q X-Check %q",
					req.Target, req.Path, req.Query, req.Host, req.Header.Get("X-Check"))
			}
			if err := rd.ReadHead(&req, &DefaultLimits); err != nil || string(req.Path) != "/" {
				t.Fatalf("next request: %v, path %q", err, req.Path)
			}
		})
	}
}

// sizedReader reads through r at most n bytes at a time, like a handler
// with a small buffer.
type sizedReader struct {
	r io.Reader
	n int
}

func (s *sizedReader) Read(p []byte) (int, error) { return s.r.Read(p[:min(len(p), s.n)]) }

func TestReaderReleaseAndWait(t *testing.T) {
	c, s := tcpPair(t)
	rd := NewReader(s)
	rd.Release() // nothing buffered yet: a no-op
	go c.Write([]byte(wrkRequest))
	if ok, err := rd.WaitFor(10 * time.Second); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if rd.Buffered() == 0 {
		t.Fatal("WaitFor returned with nothing buffered")
	}
	var req Request
	if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
		t.Fatal(err)
	}
	if rd.Buffered() != 0 || rd.HeadBuffered() {
		t.Fatalf("Buffered %d after the only request", rd.Buffered())
	}
	rd.Release()
	go c.Write([]byte(curlRequest + wrkRequest))
	if err := rd.ReadHead(&req, &DefaultLimits); err != nil || string(req.Path) != "/echo/abc" {
		t.Fatalf("after Release: %v %q", err, req.Path)
	}
	if err := rd.ReadHead(&req, &DefaultLimits); err != nil || string(req.Path) != "/" {
		t.Fatalf("second: %v %q", err, req.Path)
	}
	c.CloseWrite()
	if _, err := rd.WaitFor(10 * time.Second); !errors.Is(err, io.EOF) {
		t.Fatalf("Wait at end of stream: %v", err)
	}
}

// TestReadHeadTrickledShapes reads heads shaped to be costly when trickled
// (trickledHeads) a byte per read, and the same heads one byte past the
// size limit: the first are read whole, the others refused with 431.
func TestReadHeadTrickledShapes(t *testing.T) {
	for _, tc := range trickledHeads {
		var req Request
		rd := NewReader(&memConn{data: []byte(tc.raw), step: 1})
		if err := rd.ReadHead(&req, &DefaultLimits); err != nil || string(req.Path) != "/" {
			t.Errorf("%s: %v, path %q", tc.name, err, req.Path)
		}
		over := strings.Repeat("\r\n", (DefaultLimits.MaxHeaderBytes-len(tc.raw))/2+1) + tc.raw
		rd = NewReader(&memConn{data: []byte(over), step: 1})
		if err := rd.ReadHead(&req, &DefaultLimits); statusOf(err) != StatusRequestHeaderFieldsTooLarge {
			t.Errorf("%s past the limit: %v, want 431", tc.name, err)
		}
	}
}
