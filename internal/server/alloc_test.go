package server_test

import (
	"bytes"
	"io"
	"net"
	"testing"

	"ferry/internal/handlers"
	"ferry/internal/http1"
	"ferry/internal/servertest"
)

// echoRequest is what curl sends for /echo/hello.
var echoRequest = []byte("GET /echo/hello HTTP/1.1\r\nHost: 127.0.0.1:4221\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n")

// roundTrip sends one request on c and reads its whole response into buf,
// which must be exactly the response's size; it allocates nothing itself.
func roundTrip(c net.Conn, req, buf []byte) error {
	if _, err := c.Write(req); err != nil {
		return err
	}
	_, err := io.ReadFull(c, buf)
	return err
}

func startEcho(tb testing.TB) (net.Conn, []byte) {
	addr := servertest.Start(tb, http1.HandlerFunc(handlers.Echo))
	c := servertest.Dial(tb, addr)
	first := make([]byte, 4096)
	if _, err := c.Write(echoRequest); err != nil {
		tb.Fatal(err)
	}
	n, err := c.Read(first)
	if err != nil {
		tb.Fatal(err)
	}
	if !bytes.HasSuffix(first[:n], []byte("\r\n\r\nhello")) {
		tb.Fatalf("unexpected response %q", first[:n])
	}
	return c, make([]byte, n)
}

// TestKeepAliveEchoAllocs guards the hot path: a keep-alive request through
// the whole connection loop (read, parse, route, handler, write) allocates
// nothing, on the server or in this client.
func TestKeepAliveEchoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	c, buf := startEcho(t)
	allocs := testing.AllocsPerRun(200, func() {
		if err := roundTrip(c, echoRequest, buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Fatalf("%.2f allocations per keep-alive request, want 0", allocs)
	}
}

// BenchmarkKeepAliveEcho is a full /echo round trip over loopback.
func BenchmarkKeepAliveEcho(b *testing.B) {
	c, buf := startEcho(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := roundTrip(c, echoRequest, buf); err != nil {
			b.Fatal(err)
		}
	}
}
