package server_test

import (
	"errors"
	"io"
	"log"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"ferry/internal/server"
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
	})
}

func truncate(b []byte) []byte {
	if len(b) > 200 {
		return b[:200]
	}
	return b
}
