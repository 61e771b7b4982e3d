package server_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"ferry/internal/servertest"
)

// TestExpectContinueRead: the interim response goes out once the handler
// reads the body, and only then does the client send it.
func TestExpectContinueRead(t *testing.T) {
	addr := start(t)
	for _, tt := range []struct {
		name, head, body, want string
	}{
		{"content_length", "POST /body HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n", "hello", "hello"},
		{"chunked", "POST /body HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nTransfer-Encoding: chunked\r\n\r\n", "2\r\nhe\r\n3;x=y\r\nllo\r\n0\r\nT: 1\r\n\r\n", "hello"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cl := dial(t, addr)
			cl.send(tt.head)
			servertest.ReadContinue(t, cl.br)
			cl.send(tt.body)
			resp := cl.read("POST")
			if resp.Status != 200 || string(resp.Body) != tt.want {
				t.Fatalf("%d %q, want 200 %q", resp.Status, resp.Body, tt.want)
			}
			checkFraming(t, resp, false)
			cl.expectUsable()
		})
	}
}

// TestExpectContinueRefused: a handler that answers before reading gets no
// "100 Continue" sent; the client, still holding its body, must see the
// final status and the connection closed, since the server cannot know
// whether the body will follow.
func TestExpectContinueRefused(t *testing.T) {
	addr := start(t)
	for _, tt := range []struct {
		name, head string
		status     int
	}{
		{"413", "POST /toolarge HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n", 413},
		{"404", "POST /nowhere HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n", 404},
		{"405", "POST /echo/x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n", 405},
		{"ignored", "POST /ignore HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n", 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cl := dial(t, addr)
			cl.send(tt.head)
			want := fmt.Sprintf("HTTP/1.1 %d ", tt.status)
			got, err := cl.br.Peek(len(want))
			if err != nil || string(got) != want {
				t.Fatalf("response starts %q, %v; want %q", got, err, want)
			}
			resp := cl.read("POST")
			checkFraming(t, resp, true)
			cl.expectEOF()
		})
	}
}

// TestExpectContinueNoBody: an expectation on a request without a body, or
// on HTTP/1.0, is no reason to send "100 Continue" nor to close.
func TestExpectContinueNoBody(t *testing.T) {
	addr := start(t)
	cl := dial(t, addr)
	cl.send("GET /echo/a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n")
	if got, err := cl.br.Peek(12); err != nil || string(got) != "HTTP/1.1 200" {
		t.Fatalf("response starts %q, %v", got, err)
	}
	resp := cl.read("GET")
	checkFraming(t, resp, false)
	cl.expectUsable()

	cl = dial(t, addr)
	cl.send("POST /body HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nhi")
	if got, err := cl.br.Peek(12); err != nil || string(got) != "HTTP/1.1 200" {
		t.Fatalf("HTTP/1.0: response starts %q, %v", got, err)
	}
	if resp := cl.read("POST"); string(resp.Body) != "hi" {
		t.Fatalf("HTTP/1.0: body %q", resp.Body)
	}
	cl.expectUsable()
}

// TestExpectContinueBodySentAnyway: a client that tires of waiting and
// sends its body still gets it read (a 100 may or may not precede the
// final response).
func TestExpectContinueBodySentAnyway(t *testing.T) {
	addr := start(t)
	cl := dial(t, addr)
	resp := cl.do("POST /body HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello")
	if resp.Status != 200 || string(resp.Body) != "hello" {
		t.Fatalf("%d %q", resp.Status, resp.Body)
	}
	cl.expectUsable()
}

// TestPipeline writes several requests in one write; the answers come in
// order, including a HEAD (no body), POSTs between GETs and a POST whose
// body the handler leaves unread (drained, so the next request is found).
func TestPipeline(t *testing.T) {
	addr := start(t)
	cl := dial(t, addr)
	cl.send("GET /echo/one HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo" +
		"HEAD /echo/three HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + strings.Repeat("u", 1000) +
		"POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nfour\r\n0\r\n\r\n" +
		"GET /echo/five HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" +
		"GET /echo/never HTTP/1.1\r\nHost: x\r\n\r\n")
	for i, want := range []struct {
		method, body, length string
	}{
		{"GET", "one", "3"}, {"POST", "two", "3"}, {"HEAD", "", "5"}, {"POST", "ignored\n", "8"}, {"POST", "four", "4"}, {"GET", "five", "4"},
	} {
		resp := cl.read(want.method)
		if resp.Status != 200 || string(resp.Body) != want.body || resp.Get("Content-Length") != want.length {
			t.Fatalf("response %d: %d %q Content-Length %q, want 200 %q %s", i, resp.Status, resp.Body, resp.Get("Content-Length"), want.body, want.length)
		}
		checkFraming(t, resp, i == 5)
	}
	cl.expectEOF()
}

// TestPipelineLong sends more pipelined requests than fit in one read or
// one batch of output, while reading the answers.
func TestPipelineLong(t *testing.T) {
	addr := start(t)
	cl := dial(t, addr)
	const n = 2000
	var reqs strings.Builder
	for i := range n {
		fmt.Fprintf(&reqs, "GET /echo/%d-%s HTTP/1.1\r\nHost: x\r\n\r\n", i, strings.Repeat("p", i%50))
	}
	errc := make(chan error, 1)
	go func() {
		_, err := io.WriteString(cl.c, reqs.String())
		errc <- err
	}()
	for i := range n {
		resp := cl.read("GET")
		want := fmt.Sprintf("%d-%s", i, strings.Repeat("p", i%50))
		if resp.Status != 200 || string(resp.Body) != want {
			t.Fatalf("response %d: %d %q, want %q", i, resp.Status, resp.Body, want)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	cl.expectUsable()
}

// TestUnreadHugeBody: a body far larger than the server drains is not
// read to its end: the response says the connection closes, and it does.
func TestUnreadHugeBody(t *testing.T) {
	addr := start(t)
	cl := dial(t, addr)
	cl.send("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
	errc := make(chan error, 1)
	go func() {
		// More than the server drains, far less than announced; then the
		// client waits, as one whose upload was refused would. It is less
		// than the server drains and drops on closing together, so the
		// close meets no unread input (which would make it a reset).
		_, err := cl.c.Write(make([]byte, 400<<10))
		errc <- err
	}()
	resp := cl.read("POST")
	if resp.Status != 200 || string(resp.Body) != "ignored\n" {
		t.Fatalf("%d %q", resp.Status, resp.Body)
	}
	checkFraming(t, resp, true)
	cl.expectEOF()
	<-errc
}

// TestHTTP10KeepAlive: an HTTP/1.0 client that asks to keep the connection
// is told so, and the connection serves again.
func TestHTTP10KeepAlive(t *testing.T) {
	addr := start(t)
	cl := dial(t, addr)
	for range 3 {
		resp := cl.do("GET /echo/ten HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		if resp.Status != 200 || string(resp.Body) != "ten" || !strings.EqualFold(resp.Get("Connection"), "keep-alive") {
			t.Fatalf("%d %q Connection %q", resp.Status, resp.Body, resp.Get("Connection"))
		}
	}
	resp := cl.do("GET /echo/last HTTP/1.0\r\n\r\n")
	if resp.Status != 200 || string(resp.Body) != "last" {
		t.Fatalf("%d %q", resp.Status, resp.Body)
	}
	checkFraming(t, resp, true)
	cl.expectEOF()
}

// TestPanicRecovered: a handler's panic becomes a 500 that closes its
// connection; the other connections, open before and after, are served.
func TestPanicRecovered(t *testing.T) {
	addr := start(t)
	before := dial(t, addr)
	before.expectUsable()
	for range 3 {
		cl := dial(t, addr)
		resp := cl.do("GET /panic HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp.Status != 500 || string(resp.Body) != "500 Internal Server Error\n" {
			t.Fatalf("%d %q", resp.Status, resp.Body)
		}
		checkFraming(t, resp, true)
		cl.expectEOF()
	}
	before.expectUsable()
	dial(t, addr).expectUsable()
}

// TestHeadMatchesGet: HEAD gets GET's status and headers, and no body,
// so a following request on the connection parses.
func TestHeadMatchesGet(t *testing.T) {
	addr := start(t)
	cl := dial(t, addr)
	for _, path := range []string{"/", "/echo/h%C3%A9llo", "/nowhere"} {
		get := cl.do("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")
		head := cl.do("HEAD " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")
		if get.Status != head.Status {
			t.Errorf("%s: HEAD %d, GET %d", path, head.Status, get.Status)
		}
		for _, h := range []string{"Content-Length", "Content-Type", "Connection", "Server"} {
			if get.Get(h) != head.Get(h) {
				t.Errorf("%s: %s: HEAD %q, GET %q", path, h, head.Get(h), get.Get(h))
			}
		}
	}
	cl.expectUsable()
}

// TestStreamFraming: a body of unknown length goes out chunked on
// HTTP/1.1 (the connection stays usable) and close-delimited on HTTP/1.0.
func TestStreamFraming(t *testing.T) {
	addr := start(t)
	cl := dial(t, addr)
	resp := cl.do("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp.Status != 200 || !resp.Chunked || len(resp.Body) != streamBytes || resp.Get("Content-Length") != "" {
		t.Fatalf("HTTP/1.1: %d chunked %v, %d bytes, Content-Length %q", resp.Status, resp.Chunked, len(resp.Body), resp.Get("Content-Length"))
	}
	checkFraming(t, resp, false)
	head := cl.do("HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n")
	if head.Status != 200 || len(head.Body) != 0 {
		t.Fatalf("HEAD: %d, %d bytes", head.Status, len(head.Body))
	}
	if cl := head.Get("Content-Length"); cl != "" && cl != fmt.Sprint(streamBytes) {
		t.Errorf("HEAD: Content-Length %q, but GET sends %d bytes", cl, streamBytes)
	}
	cl.expectUsable()

	cl = dial(t, addr)
	resp = cl.do("GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	if resp.Status != 200 || resp.Chunked || len(resp.Body) != streamBytes || resp.Get("Content-Length") != "" {
		t.Fatalf("HTTP/1.0: %d chunked %v, %d bytes, Content-Length %q", resp.Status, resp.Chunked, len(resp.Body), resp.Get("Content-Length"))
	}
	checkFraming(t, resp, true)
}

// TestPanicMidStream: a handler that panics after its response began must
// not have that response passed off as complete: the client sees the
// stream cut, not its last chunk.
func TestPanicMidStream(t *testing.T) {
	addr := start(t)
	cl := dial(t, addr)
	cl.send("GET /stream-panic HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := servertest.ReadResponse(cl.br, "GET")
	if err == nil {
		t.Fatalf("a stream cut by a panic read as a whole response of %d bytes", len(resp.Body))
	}
	dial(t, addr).expectUsable()
}

// TestEverySplit sends a pipelined pair of requests (a chunked upload with
// extensions and trailers, then a GET) split in two writes at every byte,
// on one keep-alive connection: however a request arrives in pieces, it
// is read the same.
func TestEverySplit(t *testing.T) {
	addr := start(t)
	cl := dial(t, addr)
	pair := "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"3;e=v\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n" +
		"GET /echo/%C3%A9 HTTP/1.1\r\nHost: x\r\nUser-Agent: split\r\n\r\n"
	for k := 1; k < len(pair); k++ {
		cl.send(pair[:k])
		// A pause, so the server most likely reads the first part alone.
		time.Sleep(time.Millisecond)
		cl.send(pair[k:])
		if resp := cl.read("POST"); resp.Status != 200 || string(resp.Body) != "abcde" {
			t.Fatalf("split at %d %q: POST %d %q", k, pair[:k], resp.Status, resp.Body)
		}
		if resp := cl.read("GET"); resp.Status != 200 || string(resp.Body) != "é" {
			t.Fatalf("split at %d %q: GET %d %q", k, pair[:k], resp.Status, resp.Body)
		}
	}
}

// TestByteAtATime sends a request one byte per write.
func TestByteAtATime(t *testing.T) {
	addr := start(t)
	cl := dial(t, addr)
	req := "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
	for i := range len(req) {
		cl.send(req[i : i+1])
	}
	if resp := cl.read("POST"); resp.Status != 200 || string(resp.Body) != "hello" {
		t.Fatalf("%d %q", resp.Status, resp.Body)
	}
	cl.expectUsable()
}
