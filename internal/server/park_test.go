package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"ferry/internal/handlers"
	"ferry/internal/http1"
	"ferry/internal/server"
	"ferry/internal/servertest"
)

// TestParkedConnectionResumes idles a keep-alive connection past the park
// delay between requests: each request must still be answered.
func TestParkedConnectionResumes(t *testing.T) {
	addr := servertest.Start(t, http1.HandlerFunc(handlers.Echo))
	c := servertest.Dial(t, addr)
	br := bufio.NewReader(c)
	for i := range 3 {
		fmt.Fprintf(c, "GET /echo/r%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
		resp, err := servertest.ReadResponse(br, "GET")
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("r%d", i); string(resp.Body) != want {
			t.Fatalf("body %q, want %q", resp.Body, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestParkedConnectionIdleTimeout checks that a parked connection is closed
// once the idle timeout passes.
func TestParkedConnectionIdleTimeout(t *testing.T) {
	cfg := server.DefaultConfig(http1.HandlerFunc(handlers.Echo))
	cfg.IdleTimeout = 300 * time.Millisecond
	addr := servertest.StartConfig(t, cfg)
	c := servertest.Dial(t, addr)
	fmt.Fprintf(c, "GET /echo/x HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	if _, err := servertest.ReadResponse(br, "GET"); err != nil {
		t.Fatal(err)
	}
	servertest.ExpectEOF(t, connReader{c, br})
}

// TestShutdownClosesParkedConnections: idle connections, parked or not,
// are closed at once by Shutdown, which then returns without waiting for
// the grace period.
func TestShutdownClosesParkedConnections(t *testing.T) {
	srv := server.New(server.DefaultConfig(http1.HandlerFunc(handlers.Echo)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	var conns []net.Conn
	var readers []*bufio.Reader
	for range 20 {
		c := servertest.Dial(t, ln.Addr().String())
		fmt.Fprintf(c, "GET /echo/x HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		if _, err := servertest.ReadResponse(br, "GET"); err != nil {
			t.Fatal(err)
		}
		conns, readers = append(conns, c), append(readers, br)
	}
	time.Sleep(300 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown waited for idle connections")
	}
	for i, c := range conns {
		servertest.ExpectEOF(t, connReader{c, readers[i]})
	}
}

// connReader reads through the bufio.Reader that already consumed part of
// the connection.
type connReader struct {
	net.Conn
	br *bufio.Reader
}

func (c connReader) Read(p []byte) (int, error) { return c.br.Read(p) }

// TestStrayCRLFAfterBody sends the CRLF some clients add after a POST body:
// it must be ignored as RFC 9112 §2.2 says, so the connection waits for its
// next request as an idle one (no unprompted 408 after the header
// timeout) and serves it.
func TestStrayCRLFAfterBody(t *testing.T) {
	cfg := server.DefaultConfig(http1.HandlerFunc(handlers.Echo))
	cfg.HeaderTimeout = 200 * time.Millisecond
	addr := servertest.StartConfig(t, cfg)
	c := servertest.Dial(t, addr)
	br := bufio.NewReader(c)
	fmt.Fprintf(c, "GET /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi\r\n")
	if resp, err := servertest.ReadResponse(br, "GET"); err != nil || string(resp.Body) != "a" {
		t.Fatalf("first response: %v", err)
	}
	time.Sleep(600 * time.Millisecond)
	fmt.Fprintf(c, "GET /echo/b HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := servertest.ReadResponse(br, "GET")
	if err != nil || resp.Status != 200 || string(resp.Body) != "b" {
		t.Fatalf("after a stray CRLF and a pause: %v %+v", err, resp)
	}
}
