package server_test

import (
	"bytes"
	"context"
	"net"
	"strconv"
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

// TestAccessLogRefused: a refused head is logged with its method when its
// request line was parsed and its target when the whole head was, "-" for
// what was not (never what an earlier request on the connection left),
// and timed from its first byte, so a head the header timeout cut off
// shows the time it held the connection.
func TestAccessLogRefused(t *testing.T) {
	out := &servertest.Buffer{}
	cfg := server.DefaultConfig(newTestHandler())
	cfg.AccessLog = out
	cfg.HeaderTimeout = 300 * time.Millisecond
	addr := servertest.StartConfig(t, cfg)
	for _, tt := range []struct {
		before, raw, logged string
		status              int
	}{
		{"", "GET /echo/no-host HTTP/1.1\r\n\r\n", " GET /echo/no-host - 400 ", 400},
		{"", "G\x01T / HTTP/1.1\r\nHost: x\r\n\r\n", " - - - 400 ", 400},
		{"", "PRI * HTTP/2.0\r\n\r\n", " PRI * - 505 ", 505},
		{"", "GET /slow HTTP/1.1\r\nHost: x\r\n", " GET - - 408 ", 408},
		{"GET /echo/earlier HTTP/1.1\r\nHost: x\r\n\r\n", "GET /echo/cut-off", " GET - - 408 ", 408},
	} {
		cl := dial(t, addr)
		if tt.before != "" {
			if resp := cl.do(tt.before); resp.Status != 200 {
				t.Fatalf("%q: status %d", tt.before, resp.Status)
			}
		}
		cl.send(tt.raw)
		if resp := cl.read("GET"); resp.Status != tt.status {
			t.Fatalf("%q: status %d, want %d", tt.raw, resp.Status, tt.status)
		}
		cl.c.Close()
		var line string
		deadline := time.Now().Add(servertest.Timeout)
		for line == "" && time.Now().Before(deadline) {
			for l := range strings.Lines(out.String()) {
				if strings.Contains(l, " "+strconv.Itoa(tt.status)+" ") && !strings.Contains(l, " 200 ") {
					line = l
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		if !strings.Contains(line, tt.logged) {
			t.Fatalf("%q: logged %q, want a line with %q; the log:\n%s", tt.raw, line, tt.logged, out)
		}
		out.Reset()
		if tt.status != 408 {
			continue
		}
		f := strings.Fields(line)
		ms, err := strconv.ParseFloat(strings.TrimSuffix(f[len(f)-1], "ms"), 64)
		if err != nil || ms < 250 {
			t.Errorf("408 logged as taking %q, want the header timeout's 300ms or more", f[len(f)-1])
		}
	}
}
