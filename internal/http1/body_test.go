package http1

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

const chunkedHead = "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"

// readBody sends head+body(+after) over loopback, reads the head and then
// the whole body through a Body, and returns what it decoded.
func readBody(t *testing.T, conn func(*Reader) *Reader, raw string) (*Reader, *Request, []byte, error) {
	t.Helper()
	rd := readerFor(t, []byte(raw))
	if conn != nil {
		rd = conn(rd)
	}
	req := Request{Body: NewBody(rd)}
	if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
		t.Fatalf("ReadHead: %v", err)
	}
	req.Body.Reset(&req, nil)
	got, err := io.ReadAll(req.Body)
	return rd, &req, got, err
}

var chunkedTests = []struct {
	name string
	body string
	want string
	// status is the *ProtocolError status expected, 0 for success; eof
	// marks a body cut short (io.ErrUnexpectedEOF).
	status int
	eof    bool
}{
	{name: "one_chunk", body: "5\r\nhello\r\n0\r\n\r\n", want: "hello"},
	{name: "several_chunks", body: "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n", want: "hello world"},
	{name: "empty_body", body: "0\r\n\r\n", want: ""},
	{name: "uppercase_hex", body: "A\r\n0123456789\r\n0\r\n\r\n", want: "0123456789"},
	{name: "lowercase_hex", body: "a\r\n0123456789\r\n0\r\n\r\n", want: "0123456789"},
	{name: "leading_zeros", body: "0005\r\nhello\r\n000\r\n\r\n", want: "hello"},
	{name: "max_digits", body: "00000000000000f\r\n0123456789abcde\r\n0\r\n\r\n", want: "0123456789abcde"},
	{name: "leading_zeros_many", body: "00000000000000000000000f\r\n0123456789abcde\r\n00000000000000000000\r\n\r\n", want: "0123456789abcde"},
	{name: "extension", body: "5;name=value\r\nhello\r\n0\r\n\r\n", want: "hello"},
	{name: "extension_no_value", body: "5;flag\r\nhello\r\n0\r\n\r\n", want: "hello"},
	{name: "extensions_several", body: "5;a=1;b;c=x\r\nhello\r\n0;last=yes\r\n\r\n", want: "hello"},
	{name: "extension_quoted", body: "5;a=\"b c;d=e\"\r\nhello\r\n0\r\n\r\n", want: "hello"},
	{name: "extension_quoted_escape", body: "5;a=\"x\\\"y\"\r\nhello\r\n0\r\n\r\n", want: "hello"},
	{name: "extension_bws", body: "5 ; a = b\r\nhello\r\n0\r\n\r\n", want: "hello"},
	{name: "trailers", body: "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nOther: w\r\n\r\n", want: "hello"},
	{name: "large_chunk", body: "2000\r\n" + strings.Repeat("z", 0x2000) + "\r\n0\r\n\r\n", want: strings.Repeat("z", 0x2000)},

	{name: "size_overflow", body: "1000000000000000\r\nx\r\n0\r\n\r\n", status: 400},
	{name: "size_overflow_huge", body: "ffffffffffffffffffffffff\r\nx\r\n0\r\n\r\n", status: 400},
	{name: "size_hex_prefix", body: "0x5\r\nhello\r\n0\r\n\r\n", status: 400},
	{name: "size_negative", body: "-1\r\nx\r\n0\r\n\r\n", status: 400},
	{name: "size_plus", body: "+5\r\nhello\r\n0\r\n\r\n", status: 400},
	{name: "size_empty", body: "\r\nhello\r\n0\r\n\r\n", status: 400},
	{name: "size_leading_space", body: " 5\r\nhello\r\n0\r\n\r\n", status: 400},
	{name: "size_not_hex", body: "g\r\nx\r\n0\r\n\r\n", status: 400},
	{name: "size_underscore", body: "1_0\r\nx\r\n0\r\n\r\n", status: 400},
	{name: "data_longer_than_size", body: "5\r\nhelloX\r\n0\r\n\r\n", status: 400},
	{name: "missing_crlf_after_data", body: "5\r\nhello0\r\n\r\n", status: 400},
	{name: "lf_after_data", body: "5\r\nhello\n0\r\n\r\n", status: 400},
	{name: "bare_lf_size_line", body: "5\nhello\r\n0\r\n\r\n", status: 400},
	{name: "bare_lf_last_chunk", body: "5\r\nhello\r\n0\n\n", status: 400},
	{name: "bare_lf_inside_extension", body: "2;\nxx\r\n0\r\n\r\n", status: 400},
	{name: "bare_cr_size_line", body: "5\r\r\nhello\r\n0\r\n\r\n", status: 400},
	{name: "bare_cr_after_data", body: "5\r\nhello\r0\r\n\r\n", status: 400},
	{name: "extension_empty", body: "5;\r\nhello\r\n0\r\n\r\n", status: 400},
	{name: "extension_no_name", body: "5;=x\r\nhello\r\n0\r\n\r\n", status: 400},
	{name: "extension_no_value_after_eq", body: "5;a=\r\nhello\r\n0\r\n\r\n", status: 400},
	{name: "extension_unclosed_quote", body: "1;ext=\"a\r\nx\r\n0\r\n\r\n", status: 400},
	{name: "extension_space_in_value", body: "5;a=b c\r\nhello\r\n0\r\n\r\n", status: 400},
	{name: "extension_no_semicolon", body: "5 a\r\nhello\r\n0\r\n\r\n", status: 400},
	{name: "extension_ctl_in_quoted", body: "5;a=\"\x00\"\r\nhello\r\n0\r\n\r\n", status: 400},
	{name: "extension_too_long", body: "5;a=" + strings.Repeat("b", 5000) + "\r\nhello\r\n0\r\n\r\n", status: 400},
	{name: "trailer_malformed", body: "0\r\nNo colon\r\n\r\n", status: 400},
	{name: "trailer_folded", body: "0\r\nX: a\r\n b\r\n\r\n", status: 400},
	{name: "trailer_space_before_colon", body: "0\r\nX : a\r\n\r\n", status: 400},
	{name: "trailer_ctl", body: "0\r\nX: a\x01\r\n\r\n", status: 400},
	{name: "trailers_too_large", body: "0\r\n" + strings.Repeat("X: "+strings.Repeat("t", 1000)+"\r\n", 20) + "\r\n", status: 400},

	{name: "eof_in_size", body: "5", eof: true},
	{name: "eof_in_data", body: "5\r\nhel", eof: true},
	{name: "eof_before_data_crlf", body: "5\r\nhello", eof: true},
	{name: "eof_no_last_chunk", body: "5\r\nhello\r\n", eof: true},
	{name: "eof_in_trailers", body: "5\r\nhello\r\n0\r\n", eof: true},
	{name: "eof_in_trailer_field", body: "0\r\nX: y\r\n", eof: true},
	{name: "eof_in_huge_chunk", body: "fffffffffffffff\r\nabc", eof: true},
}

func TestChunkedBody(t *testing.T) {
	for _, tc := range chunkedTests {
		t.Run(tc.name, func(t *testing.T) {
			rd, req, got, err := readBody(t, nil, chunkedHead+tc.body)
			switch {
			case tc.eof:
				if err != io.ErrUnexpectedEOF {
					t.Fatalf("err %v, want io.ErrUnexpectedEOF", err)
				}
			case tc.status != 0:
				if statusOf(err) != tc.status {
					t.Fatalf("decoded %q, err %v, want status %d", got, err, tc.status)
				}
			default:
				if err != nil || string(got) != tc.want {
					t.Fatalf("decoded %q, err %v; want %q", got, err, tc.want)
				}
				if !req.Body.Done() || req.Body.BytesRead() != int64(len(tc.want)) {
					t.Errorf("Done %v, BytesRead %d", req.Body.Done(), req.Body.BytesRead())
				}
				// The framing consumed exactly the body.
				if err := rd.ReadHead(req, &DefaultLimits); err != io.EOF {
					t.Errorf("after the body: %v, want io.EOF", err)
				}
			}
			if tc.status != 0 || tc.eof {
				// An error is sticky.
				if n, again := req.Body.Read(make([]byte, 10)); n != 0 || again != err {
					t.Errorf("read after error: %d, %v; want 0, %v", n, again, err)
				}
			}
		})
	}
}

// TestChunkedBodyTrickle decodes the good chunked bodies with one byte per
// network read, so every framing state meets a read boundary.
func TestChunkedBodyTrickle(t *testing.T) {
	for _, tc := range chunkedTests {
		if tc.status != 0 || tc.eof {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			c, s := tcpPair(t)
			sendAndClose(c, []byte(chunkedHead+tc.body+wrkRequest))
			rd := NewReader(trickleConn{s})
			req := Request{Body: NewBody(rd)}
			if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
				t.Fatal(err)
			}
			req.Body.Reset(&req, nil)
			got, err := io.ReadAll(req.Body)
			if err != nil || string(got) != tc.want {
				t.Fatalf("decoded %q, %v", got, err)
			}
			if err := rd.ReadHead(&req, &DefaultLimits); err != nil || string(req.Path) != "/" {
				t.Fatalf("next request: %v", err)
			}
		})
	}
}

func TestContentLengthBody(t *testing.T) {
	head := func(n int) string {
		return "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: " + itoa(n) + "\r\n\r\n"
	}
	big := strings.Repeat("0123456789", 10000)
	tests := []struct {
		name, raw, want string
		err             error
	}{
		{"exact", head(5) + "hello", "hello", nil},
		{"zero", head(0), "", nil},
		{"large", head(len(big)) + big, big, nil},
		{"pipelined_after", head(5) + "hello" + wrkRequest, "hello", nil},
		{"truncated", head(10) + "hello", "hello", io.ErrUnexpectedEOF},
		{"truncated_large", head(len(big)+1) + big, big, io.ErrUnexpectedEOF},
		{"nothing_sent", head(3), "", io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, size := range []int{1, 7, 512, 64 << 10} {
				rd := readerFor(t, []byte(tc.raw))
				req := Request{Body: NewBody(rd)}
				if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
					t.Fatal(err)
				}
				req.Body.Reset(&req, nil)
				var got bytes.Buffer
				_, err := io.CopyBuffer(onlyWriter{&got}, onlyReader{req.Body}, make([]byte, size))
				if err != tc.err || got.String() != tc.want {
					t.Fatalf("read size %d: %d bytes, err %v; want %d bytes, %v", size, got.Len(), err, len(tc.want), tc.err)
				}
				if tc.err == nil {
					if !req.Body.Done() || req.Body.BytesRead() != int64(len(tc.want)) {
						t.Fatalf("Done %v BytesRead %d", req.Body.Done(), req.Body.BytesRead())
					}
					// The bytes after the body are the next request's.
					next := rd.ReadHead(&req, &DefaultLimits)
					if strings.HasSuffix(tc.raw, wrkRequest) != (next == nil) {
						t.Fatalf("next ReadHead: %v", next)
					}
				}
			}
		})
	}
}

// onlyReader hides WriterTo, so that io.CopyBuffer reads with the given
// buffer size.
type onlyReader struct{ io.Reader }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestBodyDiscard(t *testing.T) {
	big := strings.Repeat("x", 100000)
	tests := []struct {
		name  string
		raw   string
		limit int64
		done  bool
		next  bool // the pipelined request after the body can be read
	}{
		{"length_within_limit", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n" + big + wrkRequest, 1 << 20, true, true},
		{"length_over_limit", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n" + big + wrkRequest, 1000, false, false},
		{"chunked_within_limit", chunkedHead + "186a0\r\n" + big + "\r\n0\r\nT: v\r\n\r\n" + wrkRequest, 1 << 20, true, true},
		{"chunked_over_limit", chunkedHead + "186a0\r\n" + big + "\r\n0\r\n\r\n" + wrkRequest, 1000, false, false},
		{"chunked_malformed", chunkedHead + "zz\r\n" + wrkRequest, 1 << 20, false, false},
		{"truncated", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc", 1 << 20, false, false},
		{"no_body", wrkRequest + wrkRequest, 0, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rd := readerFor(t, []byte(tc.raw))
			req := Request{Body: NewBody(rd)}
			if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
				t.Fatal(err)
			}
			req.Body.Reset(&req, nil)
			if got := req.Body.Discard(tc.limit); got != tc.done {
				t.Fatalf("Discard = %v, want %v", got, tc.done)
			}
			if tc.next {
				if err := rd.ReadHead(&req, &DefaultLimits); err != nil || string(req.Path) != "/" {
					t.Fatalf("next request: %v", err)
				}
			}
		})
	}
}

// continueRecorder counts SendContinue calls, and stands for a response
// writer with pending bytes queued.
type continueRecorder struct {
	calls   int
	err     error
	pending int
	flushes int
}

func (c *continueRecorder) SendContinue() error { c.calls++; return c.err }
func (c *continueRecorder) Pending() int        { return c.pending }
func (c *continueRecorder) Flush() error        { c.flushes++; c.pending = 0; return nil }

// TestBodyFlushesQueuedAnswers: answers to earlier pipelined requests
// still queued are written before a body read, which may block on a client
// that waits for them.
func TestBodyFlushesQueuedAnswers(t *testing.T) {
	for _, raw := range []string{
		"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
		"PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	} {
		rd := readerFor(t, []byte(raw))
		req := Request{Body: NewBody(rd)}
		if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
			t.Fatal(err)
		}
		hook := continueRecorder{pending: 40}
		req.Body.Reset(&req, &hook)
		if hook.flushes != 0 {
			t.Fatal("flushed before any read")
		}
		got, err := io.ReadAll(req.Body)
		if err != nil || string(got) != "hello" || hook.flushes != 1 || hook.calls != 0 {
			t.Fatalf("got %q %v: %d flushes (want 1), %d continues", got, err, hook.flushes, hook.calls)
		}
	}
}

func TestBodyContinueHook(t *testing.T) {
	t.Run("called_once_before_first_read", func(t *testing.T) {
		rd := readerFor(t, []byte("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello"))
		req := Request{Body: NewBody(rd)}
		if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
			t.Fatal(err)
		}
		var hook continueRecorder
		req.Body.Reset(&req, &hook)
		if !req.Body.ContinuePending() || hook.calls != 0 {
			t.Fatalf("before reading: pending %v, calls %d", req.Body.ContinuePending(), hook.calls)
		}
		got, err := io.ReadAll(req.Body)
		if err != nil || string(got) != "hello" || hook.calls != 1 || req.Body.ContinuePending() {
			t.Fatalf("got %q %v, calls %d, pending %v", got, err, hook.calls, req.Body.ContinuePending())
		}
	})
	t.Run("no_expectation_no_continue", func(t *testing.T) {
		rd := readerFor(t, []byte("PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"))
		req := Request{Body: NewBody(rd)}
		if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
			t.Fatal(err)
		}
		var hook continueRecorder
		req.Body.Reset(&req, &hook)
		got, err := io.ReadAll(req.Body)
		if req.Body.ContinuePending() || err != nil || string(got) != "hi" || hook.calls != 0 {
			t.Fatalf("got %q %v, calls %d", got, err, hook.calls)
		}
	})
	t.Run("no_body_no_continue", func(t *testing.T) {
		rd := readerFor(t, []byte("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n"))
		req := Request{Body: NewBody(rd)}
		if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
			t.Fatal(err)
		}
		var hook continueRecorder
		req.Body.Reset(&req, &hook)
		if req.Body.ContinuePending() {
			t.Fatal("pending for a request without a body")
		}
		if n, err := req.Body.Read(make([]byte, 1)); n != 0 || err != io.EOF || hook.calls != 0 {
			t.Fatalf("read %d %v, calls %d", n, err, hook.calls)
		}
	})
	t.Run("hook_error_is_the_read_error", func(t *testing.T) {
		rd := readerFor(t, []byte("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))
		req := Request{Body: NewBody(rd)}
		if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
			t.Fatal(err)
		}
		hook := continueRecorder{err: errors.New("write failed")}
		req.Body.Reset(&req, &hook)
		if _, err := req.Body.Read(make([]byte, 1)); err != hook.err {
			t.Fatalf("read error %v", err)
		}
		if _, err := req.Body.Read(make([]byte, 1)); err != hook.err || hook.calls != 1 {
			t.Fatalf("second read %v, calls %d", err, hook.calls)
		}
	})
}

// TestBodyReset: a Body reused for the next request starts clean.
func TestBodyReset(t *testing.T) {
	raw := chunkedHead + "zz\r\n"
	rd := readerFor(t, []byte(raw))
	b := NewBody(rd)
	req := Request{Body: b}
	if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
		t.Fatal(err)
	}
	b.Reset(&req, nil)
	if _, err := io.ReadAll(b); statusOf(err) != 400 {
		t.Fatalf("err %v", err)
	}
	b.Reset(&Request{}, nil)
	if n, err := b.Read(make([]byte, 4)); n != 0 || err != io.EOF || !b.Done() || b.BytesRead() != 0 {
		t.Fatalf("after Reset: %d %v done=%v", n, err, b.Done())
	}
}

// eofConn returns its data in reads of step bytes, the last of them
// together with io.EOF, as the io.Reader contract allows.
type eofConn struct{ memConn }

func (c *eofConn) Read(p []byte) (int, error) {
	n, err := c.memConn.Read(p)
	if len(c.data) == 0 {
		err = io.EOF
	}
	return n, err
}

// TestBodyDataWithEOF: a body whose last bytes arrive together with io.EOF
// is complete, not cut short.
func TestBodyDataWithEOF(t *testing.T) {
	payload := strings.Repeat("b", 5000)
	for _, tc := range []struct {
		name, raw string
		err       error
	}{
		{"complete", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n" + payload, nil},
		{"short", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5001\r\n\r\n" + payload, io.ErrUnexpectedEOF},
		{"chunked_without_end", chunkedHead + "1388\r\n" + payload, io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head := strings.Index(tc.raw, "\r\n\r\n") + 4
			conn := &eofConn{memConn{data: []byte(tc.raw), step: head}}
			rd := NewReader(conn)
			req := Request{Body: NewBody(rd)}
			if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
				t.Fatal(err)
			}
			conn.step = 1 << 20
			req.Body.Reset(&req, nil)
			var got bytes.Buffer
			_, err := io.CopyBuffer(onlyWriter{&got}, onlyReader{req.Body}, make([]byte, 8<<10))
			if err != tc.err || got.String() != payload {
				t.Fatalf("%d bytes, %v; want %d bytes, %v", got.Len(), err, len(payload), tc.err)
			}
		})
	}
}

// TestBodyZeroLengthRead: a read of nothing returns at once, reading nothing
// from the network and sending no 100 Continue.
func TestBodyZeroLengthRead(t *testing.T) {
	for _, head := range []string{
		"PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
		"PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n",
	} {
		c, s := tcpPair(t)
		if _, err := c.Write([]byte(head)); err != nil {
			t.Fatal(err)
		}
		rd := NewReader(s)
		req := Request{Body: NewBody(rd)}
		if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
			t.Fatal(err)
		}
		var hook continueRecorder
		req.Body.Reset(&req, &hook)
		// The client sends nothing more: a read that went to the network
		// would block until the connection's deadline.
		if n, err := req.Body.Read(nil); n != 0 || err != nil || hook.calls != 0 || !req.Body.ContinuePending() {
			t.Fatalf("Read(nil) = %d, %v; calls %d", n, err, hook.calls)
		}
	}
}
