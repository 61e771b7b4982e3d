package http1

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

var benchRequests = []struct{ name, raw string }{
	{"curl", curlRequest},
	{"browser", browserRequest},
}

func BenchmarkParseHead(b *testing.B) {
	for _, bc := range benchRequests {
		b.Run(bc.name, func(b *testing.B) {
			buf := []byte(bc.raw)
			var req Request
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				if _, err := ParseHead(buf, &req, &DefaultLimits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseHeadNetHTTP is the standard library's parser on the same
// bytes, for comparison in the same run.
func BenchmarkParseHeadNetHTTP(b *testing.B) {
	for _, bc := range benchRequests {
		b.Run(bc.name, func(b *testing.B) {
			src := bytes.NewReader([]byte(bc.raw))
			br := bufio.NewReader(src)
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.raw)))
			for b.Loop() {
				src.Reset([]byte(bc.raw))
				br.Reset(src)
				if _, err := http.ReadRequest(br); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestParseHeadAllocs guards the parser's promise: a reused Request parses
// the requests real clients send without allocating.
func TestParseHeadAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	reqs := append(benchRequests[:len(benchRequests):len(benchRequests)],
		struct{ name, raw string }{"wrk", wrkRequest},
		struct{ name, raw string }{"chunked_post", "POST /files/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"},
		struct{ name, raw string }{"absolute_form_http10", "HEAD http://a/b?c HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 5, 5\r\n\r\n"},
	)
	for _, tc := range reqs {
		buf := []byte(tc.raw)
		var req Request
		if _, err := ParseHead(buf, &req, &DefaultLimits); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if n := testing.AllocsPerRun(100, func() { ParseHead(buf, &req, &DefaultLimits) }); n != 0 {
			t.Errorf("%s: %v allocations per parse", tc.name, n)
		}
	}
}

// loopConn serves the same request bytes forever and discards writes, so a
// whole request-response cycle can be measured without the network.
type loopConn struct {
	memConn
	raw []byte
}

func (c *loopConn) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		c.data = c.raw
	}
	return c.memConn.Read(p)
}

// TestServeCycleAllocs runs what the server does for one keep-alive request
// (read the head, read the body, answer with a small body, flush) and
// asserts it allocates nothing once the connection is warm.
func TestServeCycleAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	raw := []byte("POST /echo/abc HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")
	conn := &loopConn{memConn: memConn{step: 1 << 20}, raw: raw}
	rd := NewReader(conn)
	req := Request{Body: NewBody(rd)}
	w := NewResponse(conn, 0)
	var scratch [16]byte
	cycle := func() {
		if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
			t.Fatal(err)
		}
		req.Body.Reset(&req, w)
		w.Reset(&req)
		n, _ := req.Body.Read(scratch[:])
		w.Header().Set("Content-Type", "text/plain")
		w.Write(scratch[:n])
		if err := w.Finish(); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	cycle()
	if n := testing.AllocsPerRun(100, cycle); n != 0 {
		t.Errorf("%v allocations per request", n)
	}
}

// TestBodyPastBufferAllocs: a body read in small pieces past the end of the
// read buffer, while the head must stay intact, swaps in a pooled buffer
// rather than allocating one per request.
func TestBodyPastBufferAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	raw := append([]byte("PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 10000\r\n\r\n"), bytes.Repeat([]byte("x"), 10000)...)
	conn := &loopConn{memConn: memConn{step: 1 << 20}, raw: raw}
	rd := NewReader(conn)
	req := Request{Body: NewBody(rd)}
	var scratch [100]byte
	cycle := func() {
		if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
			t.Fatal(err)
		}
		req.Body.Reset(&req, nil)
		for !req.Body.Done() {
			if _, err := req.Body.Read(scratch[:]); err != nil && err != io.EOF {
				t.Fatal(err)
			}
		}
		if string(req.Target) != "/f" {
			t.Fatalf("target %q after the body", req.Target)
		}
	}
	cycle()
	if n := testing.AllocsPerRun(100, cycle); n != 0 {
		t.Errorf("%v allocations per request", n)
	}
}

// trickledHeads are heads of about 60 KiB, under the 64 KiB limit, shaped
// to make a parser that rescans what it has seen on every read do work in
// the square of their length when they arrive a byte at a time: one long
// field line, and a run of empty lines before the request line. Short
// lines of the same total are the baseline.
var trickledHeads = []struct{ name, raw string }{
	{"short_lines", "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-Line: "+strings.Repeat("v", 590)+"\r\n", 99) + "\r\n"},
	{"one_long_line", "GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + strings.Repeat("v", 60000) + "\r\n\r\n"},
	{"empty_lines_first", strings.Repeat("\r\n", 30000) + "GET / HTTP/1.1\r\nHost: x\r\n\r\n"},
}

// BenchmarkReadHeadTrickled reads each of trickledHeads delivered one byte
// per read: the time per head should not depend much on its shape.
func BenchmarkReadHeadTrickled(b *testing.B) {
	for _, tc := range trickledHeads {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.raw)))
			for b.Loop() {
				rd := NewReader(&memConn{data: []byte(tc.raw), step: 1})
				var req Request
				if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
