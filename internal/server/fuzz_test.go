package server_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"ferry/internal/server"
	"ferry/internal/servertest"
)

// fuzzReplyTimeout bounds how long the server may take to answer and close
// once the client has sent everything and half-closed. The server's own
// timeouts are far longer, so a server that keeps waiting after the
// client's end-of-file fails here instead of being rescued by a timeout.
const fuzzReplyTimeout = 5 * time.Second

// FuzzConn writes arbitrary bytes to a served connection, half-closes it,
// and requires the server to answer with responses (or nothing) and close
// within fuzzReplyTimeout: never hang, never crash the process, never write
// something that is not an HTTP/1.1 response. Seeds in testdata/fuzz/FuzzConn
// are known request-smuggling payloads, pipelines, chunked bodies and garbage.
func FuzzConn(f *testing.F) {
	for _, s := range badHeads {
		f.Add([]byte(s))
	}
	cfg := server.DefaultConfig(newTestHandler())
	// A panic's stack is expected here (GET /panic) and would flood the
	// output; the *F cannot log from inside the fuzz function anyway.
	cfg.ErrorLog = log.New(io.Discard, "", 0)
	_, addr, _ := startServerTB(f, cfg)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := net.DialTimeout("tcp", addr, fuzzReplyTimeout)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(fuzzReplyTimeout))
		// The server may answer and close before reading everything: a
		// failed write is not a failure.
		c.Write(data)
		c.(*net.TCPConn).CloseWrite()
		out, err := io.ReadAll(c)
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			t.Fatalf("no end-of-file within %v after sending %q; got %q", fuzzReplyTimeout, truncate(data), truncate(out))
		case err != nil && !errors.Is(err, syscall.ECONNRESET):
			t.Fatalf("reading: %v", err)
		}
		if len(out) > 0 && !strings.HasPrefix(string(out), "HTTP/1.1 ") {
			t.Fatalf("answer to %q is not a response: %q", truncate(data), truncate(out))
		}
		if err == nil && !bytes.Contains(data, []byte("HEAD")) && !bytes.Contains(data, []byte("stream-panic")) {
			checkResponses(t, data, out)
		}
	})
}

// checkResponses requires out to be a sequence of well-framed responses.
// It is called only when no request could be a HEAD (whose response has
// no body to frame) and none asked for a stream that is cut on purpose.
func checkResponses(t *testing.T, data, out []byte) {
	br := bufio.NewReader(bytes.NewReader(out))
	for i := 0; ; i++ {
		if _, err := br.Peek(1); err == io.EOF {
			return
		}
		if _, err := servertest.ReadResponse(br, "GET"); err != nil {
			t.Fatalf("answer to %q: response %d is malformed: %v; all: %q", truncate(data), i, err, truncate(out))
		}
	}
}

func truncate(b []byte) []byte {
	if len(b) > 200 {
		return b[:200]
	}
	return b
}
