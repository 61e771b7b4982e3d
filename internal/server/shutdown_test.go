package server_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"ferry/internal/http1"
	"ferry/internal/server"
	"ferry/internal/servertest"
)

// slowHandler answers GET /slow once release is closed, telling entered
// when it starts; every other request goes to the test handler.
type slowHandler struct {
	entered chan struct{}
	release chan struct{}
	next    http1.Handler
}

func newSlowHandler() *slowHandler {
	return &slowHandler{entered: make(chan struct{}, 1), release: make(chan struct{}), next: newTestHandler()}
}

func (h *slowHandler) ServeHTTP(w http1.ResponseWriter, r *http1.Request) {
	if string(r.Path) != "/slow" {
		h.next.ServeHTTP(w, r)
		return
	}
	h.entered <- struct{}{}
	<-h.release
	io.WriteString(w, "slow done")
}

// TestShutdown: Shutdown closes idle connections at once and refuses new
// ones, while the request in flight finishes and is told the connection
// closes.
func TestShutdown(t *testing.T) {
	h := newSlowHandler()
	srv, addr, served := startServer(t, server.DefaultConfig(h))
	idle := dial(t, addr)
	idle.expectUsable()
	busy := dial(t, addr)
	busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	<-h.entered

	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*servertest.Timeout)
		defer cancel()
		stopped <- srv.Shutdown(ctx)
	}()
	idle.expectEOF()
	if c, err := net.DialTimeout("tcp", addr, servertest.Timeout); err == nil {
		c.Close()
		t.Fatal("a new connection was accepted after Shutdown began")
	}
	select {
	case err := <-stopped:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	default:
	}

	close(h.release)
	resp := busy.read("GET")
	if resp.Status != 200 || string(resp.Body) != "slow done" {
		t.Fatalf("request in flight: %d %q", resp.Status, resp.Body)
	}
	checkFraming(t, resp, true)
	busy.expectEOF()
	if err := <-stopped; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, server.ErrServerClosed) {
		t.Fatalf("Serve returned %v, want ErrServerClosed", err)
	}
}

// TestShutdownGraceOver: a request still in flight when the grace period
// ends has its connection closed, and Shutdown reports the context's error.
func TestShutdownGraceOver(t *testing.T) {
	srv, addr, _ := startServer(t, server.DefaultConfig(newTestHandler()))
	stuck := dial(t, addr)
	// "100 Continue" shows the handler reading the body, which then
	// stops short: the handler waits for the rest.
	stuck.send("POST /body HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 100\r\n\r\n")
	servertest.ReadContinue(t, stuck.br)
	stuck.send("partial")

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want DeadlineExceeded", err)
	}
	stuck.c.SetReadDeadline(time.Now().Add(servertest.Timeout))
	if _, err := io.ReadAll(stuck.br); errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		t.Fatalf("the stuck connection was not closed: %v", err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestShutdownPipelined: the request in flight when Shutdown begins is
// answered and told the connection closes; one pipelined behind it is not
// started (its client sees the close and may retry it elsewhere).
func TestShutdownPipelined(t *testing.T) {
	h := newSlowHandler()
	srv, addr, _ := startServer(t, server.DefaultConfig(h))
	cl := dial(t, addr)
	cl.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /echo/after HTTP/1.1\r\nHost: x\r\n\r\n")
	<-h.entered
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Shutdown(context.Background()) }()
	// Let Shutdown mark the server closing before the handler returns: a
	// new connection is refused once it has.
	for {
		c, err := net.DialTimeout("tcp", addr, servertest.Timeout)
		if err != nil {
			break
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	close(h.release)
	resp := cl.read("GET")
	if resp.Status != 200 || string(resp.Body) != "slow done" {
		t.Fatalf("%d %q", resp.Status, resp.Body)
	}
	checkFraming(t, resp, true)
	cl.expectEOF()
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}

// TestServeAfterShutdown: a server that was shut down serves no more.
func TestServeAfterShutdown(t *testing.T) {
	srv := server.New(server.DefaultConfig(newTestHandler()))
	srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := srv.Serve(ln); !errors.Is(err, server.ErrServerClosed) {
		t.Fatalf("Serve after Shutdown: %v", err)
	}
}

// TestShutdownWhileParking shuts servers down while their idle connections
// are at every stage of being parked (waiting, parked, just parked): each
// connection is closed and Shutdown does not wait for any of them.
func TestShutdownWhileParking(t *testing.T) {
	for round := range 10 {
		srv, addr, _ := startServer(t, server.DefaultConfig(newTestHandler()))
		var conns []*client
		for range 20 {
			cl := dial(t, addr)
			cl.expectUsable()
			conns = append(conns, cl)
		}
		// Around the time the connections are parked.
		time.Sleep(time.Duration(round*10) * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), servertest.Timeout)
		if err := srv.Shutdown(ctx); err != nil {
			t.Fatalf("round %d: Shutdown: %v", round, err)
		}
		cancel()
		for _, cl := range conns {
			cl.expectEOF()
		}
	}
}
