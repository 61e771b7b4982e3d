package server

import (
	"bytes"
	"context"
	"io"
	"log"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"ferry/internal/http1"
)

// TestWorkersReuseGoroutines: connections opened one after another are
// served on the goroutine the first one ran on, which waited for the next
// instead of exiting; Shutdown ends its wait.
func TestWorkersReuseGoroutines(t *testing.T) {
	ids := make(chan string, 1)
	s, ln := serveWorkers(t, func() { ids <- goroutineID() })
	seen := map[string]bool{}
	reused := 0
	for range 5 {
		closeRequest(t, ln.Addr().String())
		id := <-ids
		if seen[id] {
			reused++
		}
		seen[id] = true
		waitUntil(t, "a goroutine waiting for the next connection", func() bool { return s.workers.waiting.Load() >= 1 })
	}
	// A goroutine counts itself waiting just before it waits, so a
	// connection may now and then come in between and start its own.
	if reused < 2 {
		t.Fatalf("%d of 4 connections were served on a goroutine that served one before", reused)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "Shutdown to end the wait", func() bool { return s.workers.waiting.Load() == 0 })
}

// TestWorkersBounded: after a burst of connections served at once, at most
// maxWaitingWorkers of their goroutines stay waiting; the rest exit.
func TestWorkersBounded(t *testing.T) {
	s, ln := serveWorkers(t, func() {})
	defer s.Close()
	// Each connection is served (and its answer read) before any ends, so
	// no goroutine is free to take another: each runs on its own.
	conns := make([]net.Conn, maxWaitingWorkers+4)
	for i := range conns {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range conns {
		buf := make([]byte, 256)
		if n, err := c.Read(buf); err != nil || !bytes.HasSuffix(buf[:n], []byte("\r\n\r\nok")) {
			t.Fatalf("response %q, %v", buf[:n], err)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	waitUntil(t, "the burst's goroutines to wait", func() bool { return s.workers.waiting.Load() >= maxWaitingWorkers })
	// Time for the goroutines beyond the bound to have counted themselves
	// in, had they been let wait.
	time.Sleep(100 * time.Millisecond)
	if n := s.workers.waiting.Load(); n != maxWaitingWorkers {
		t.Fatalf("%d goroutines wait after a burst of %d connections, want %d", n, len(conns), maxWaitingWorkers)
	}
}

// serveWorkers starts a Server on loopback whose handler calls each, then
// answers "ok".
func serveWorkers(t *testing.T, each func()) (*Server, net.Listener) {
	t.Helper()
	cfg := DefaultConfig(http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		each()
		io.WriteString(w, "ok")
	}))
	cfg.ErrorLog = log.New(io.Discard, "", 0)
	s := New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	return s, ln
}

// closeRequest makes one request on a new connection that asks to close,
// and reads the answer to its end.
func closeRequest(t *testing.T, addr string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := io.ReadAll(c)
	if err != nil || !bytes.HasPrefix(resp, []byte("HTTP/1.1 200 ")) || !bytes.HasSuffix(resp, []byte("\r\n\r\nok")) {
		t.Fatalf("response %q, %v", resp, err)
	}
}

// goroutineID is the number runtime.Stack shows for the calling goroutine:
// each goroutine started gets a new one.
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id, _, _ := strings.Cut(strings.TrimPrefix(string(buf), "goroutine "), " ")
	return id
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
