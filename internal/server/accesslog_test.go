package server_test

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"ferry/internal/server"
	"ferry/internal/servertest"
)

// stuckWriter stands for an access-log output nobody reads: its writes
// block until release is closed, then land in buf.
type stuckWriter struct {
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func (w *stuckWriter) Write(p []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *stuckWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestAccessLogBlockedOutput: an access-log output that stops taking lines
// holds up neither requests nor Shutdown; once it takes them again, the
// lines arrive.
func TestAccessLogBlockedOutput(t *testing.T) {
	out := &stuckWriter{release: make(chan struct{})}
	cfg := server.DefaultConfig(newTestHandler())
	cfg.AccessLog = out
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(cfg)
	go srv.Serve(ln)
	cl := dial(t, ln.Addr().String())
	// More lines than any write buffer in front of a blocked output holds.
	const requests = 2000
	for i := range requests {
		if resp := cl.do("GET /echo/logged HTTP/1.1\r\nHost: x\r\n\r\n"); resp.Status != 200 {
			t.Fatalf("request %d: %d", i, resp.Status)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), servertest.Timeout)
	defer cancel()
	cl.c.Close()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with the log output blocked: %v", err)
	}
	close(out.release)
	deadline := time.Now().Add(servertest.Timeout)
	for strings.Count(out.String(), "/echo/logged") < requests && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := strings.Count(out.String(), "/echo/logged"); n != requests {
		t.Fatalf("%d of %d lines logged once the output took them", n, requests)
	}
}

// brokenPipe is an output whose reader went away.
type brokenPipe struct{}

func (brokenPipe) Write([]byte) (int, error) { return 0, syscall.EPIPE }

// TestAccessLogBrokenPipe: a log output that is gone ends the log, not the
// serving.
func TestAccessLogBrokenPipe(t *testing.T) {
	cfg := server.DefaultConfig(newTestHandler())
	cfg.AccessLog = brokenPipe{}
	addr := servertest.StartConfig(t, cfg)
	cl := dial(t, addr)
	for range 100 {
		cl.expectUsable()
	}
}
