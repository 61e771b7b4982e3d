//go:build linux

package server_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"ferry/internal/handlers"
	"ferry/internal/http1"
	"ferry/internal/server"
	"ferry/internal/servertest"
)

// emfileListener, once armed, fails an Accept with EMFILE, as a listener
// does when the process is out of descriptors, keeping the connection it
// took for the next Accept.
type emfileListener struct {
	net.Listener
	armed atomic.Bool
	mu    sync.Mutex
	held  net.Conn
}

func (l *emfileListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	held := l.held
	l.held = nil
	l.mu.Unlock()
	if held != nil {
		return held, nil
	}
	c, err := l.Listener.Accept()
	if err == nil && l.armed.CompareAndSwap(true, false) {
		l.mu.Lock()
		l.held = c
		l.mu.Unlock()
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return c, err
}

// TestOutOfDescriptorsEvictsIdlest: when accept fails for lack of
// descriptors, the connection parked longest is closed to give its own
// back, and the new client is served.
func TestOutOfDescriptorsEvictsIdlest(t *testing.T) {
	srv := server.New(server.DefaultConfig(http1.HandlerFunc(handlers.Echo)))
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &emfileListener{Listener: inner}
	go srv.Serve(ln)
	t.Cleanup(srv.Close)
	addr := inner.Addr().String()

	idle := servertest.Dial(t, addr)
	fmt.Fprintf(idle, "GET /echo/idle HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(idle)
	if _, err := servertest.ReadResponse(br, "GET"); err != nil {
		t.Fatal(err)
	}
	// Long enough past the park delay (50 ms) for the parker to hold it.
	time.Sleep(300 * time.Millisecond)
	ln.armed.Store(true)
	fresh := servertest.Dial(t, addr)
	fmt.Fprintf(fresh, "GET /echo/fresh HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := servertest.ReadResponse(bufio.NewReader(fresh), "GET")
	if err != nil || string(resp.Body) != "fresh" {
		t.Fatalf("the new client: %v %v", resp, err)
	}
	servertest.ExpectEOF(t, connReader{idle, br})
}
