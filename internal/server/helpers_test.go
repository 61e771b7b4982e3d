package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"ferry/internal/handlers"
	"ferry/internal/http1"
	"ferry/internal/router"
	"ferry/internal/server"
	"ferry/internal/servertest"
)

// newTestHandler routes the paths the tests need through the real router,
// so 404, 405, 501 and OPTIONS are answered as ferry answers them:
//
//	GET  /            "root\n"
//	GET  /echo/{s}    the real echo endpoint
//	POST /body        reads the whole body and sends it back
//	POST /ignore      answers 200 "ignored\n" without reading the body
//	POST /toolarge    answers 413 without reading the body
//	GET  /panic       panics
//	GET  /stream      streamBytes in 1 KiB writes, no length declared
//	GET  /stream-panic the same, then panics
func newTestHandler() http1.Handler {
	rt := router.New()
	rt.Handle("/", []string{"GET"}, http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "root\n")
	}))
	rt.Handle("/echo/", []string{"GET"}, http1.HandlerFunc(handlers.Echo))
	rt.Handle("/body", []string{"POST", "PUT"}, http1.HandlerFunc(echoBody))
	rt.Handle("/ignore", []string{"POST"}, http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		io.WriteString(w, "ignored\n")
	}))
	rt.Handle("/toolarge", []string{"POST"}, http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		http1.Error(w, http1.StatusRequestEntityTooLarge)
	}))
	rt.Handle("/panic", []string{"GET"}, http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		panic("test handler panics on purpose")
	}))
	rt.Handle("/stream", []string{"GET"}, http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		writeStream(w)
	}))
	rt.Handle("/stream-panic", []string{"GET"}, http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		writeStream(w)
		panic("test handler panics mid-stream on purpose")
	}))
	return rt
}

// streamBytes is the length of /stream's body: more than the response
// writer holds back to compute a length, so it goes out as a stream.
const streamBytes = 256 << 10

func writeStream(w http1.ResponseWriter) {
	piece := []byte(strings.Repeat("0123456789abcdef", 64))
	for range streamBytes / len(piece) {
		w.Write(piece)
	}
}

// echoBody sends the request body back. A body that cannot be read is
// answered as the file server's uploads answer it: a framing error's own
// status, 408 for a stalled client, else 400.
func echoBody(w http1.ResponseWriter, r *http1.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var pe *http1.ProtocolError
		switch {
		case errors.As(err, &pe):
			http1.Error(w, pe.Status)
		case errors.Is(err, os.ErrDeadlineExceeded):
			http1.Error(w, http1.StatusRequestTimeout)
		default:
			http1.Error(w, http1.StatusBadRequest)
		}
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(b)
}

// start serves h with the default configuration (and quiet logs) through
// servertest.
func start(t *testing.T) string {
	t.Helper()
	return servertest.Start(t, newTestHandler())
}

// startServer runs a Server of the test's own, for tests that call
// Shutdown themselves. The server is closed when the test ends.
func startServer(t *testing.T, cfg server.Config) (*server.Server, string, <-chan error) {
	t.Helper()
	return startServerTB(t, cfg)
}

// startServerTB is startServer for fuzz targets too.
func startServerTB(t testing.TB, cfg server.Config) (*server.Server, string, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ErrorLog == nil {
		cfg.ErrorLog = log.New(io.Discard, "", 0)
	}
	srv := server.New(cfg)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv, ln.Addr().String(), served
}

// client is one raw connection and its reader.
type client struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c := servertest.Dial(t, addr)
	return &client{t: t, c: c, br: bufio.NewReader(c)}
}

// send writes raw in one write.
func (cl *client) send(raw string) {
	cl.t.Helper()
	if _, err := io.WriteString(cl.c, raw); err != nil {
		cl.t.Fatalf("writing %q: %v", firstLine(raw), err)
	}
}

// read reads one final response to a request of method.
func (cl *client) read(method string) *servertest.Response {
	cl.t.Helper()
	resp, err := servertest.ReadResponse(cl.br, method)
	if err != nil {
		cl.t.Fatalf("reading response: %v", err)
	}
	return resp
}

// do sends raw and reads the response.
func (cl *client) do(raw string) *servertest.Response {
	cl.t.Helper()
	cl.send(raw)
	method, _, _ := strings.Cut(raw, " ")
	return cl.read(method)
}

// expectEOF fails unless the server closes the connection without sending
// another byte.
func (cl *client) expectEOF() {
	cl.t.Helper()
	cl.c.SetReadDeadline(time.Now().Add(servertest.Timeout))
	b, err := cl.br.ReadByte()
	if err != io.EOF {
		cl.t.Fatalf("want end-of-file, got byte %q, %v", b, err)
	}
}

// expectUsable fails unless the connection still serves a request.
func (cl *client) expectUsable() {
	cl.t.Helper()
	resp := cl.do("GET /echo/next HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp.Status != 200 || string(resp.Body) != "next" {
		cl.t.Fatalf("follow-up request: %d %q, want 200 \"next\"", resp.Status, resp.Body)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	if len(line) > 80 {
		line = line[:80] + "..."
	}
	return line
}

// checkFraming asserts what every response carries: Date, Server: ferry,
// and Connection: close exactly when the server is about to close.
func checkFraming(t *testing.T, resp *servertest.Response, closing bool) {
	t.Helper()
	if resp.Get("Date") == "" || resp.Get("Server") != "ferry" {
		t.Errorf("status %d: Date %q, Server %q", resp.Status, resp.Get("Date"), resp.Get("Server"))
	}
	if got := strings.EqualFold(resp.Get("Connection"), "close"); got != closing {
		t.Errorf("status %d: Connection %q, want close=%v", resp.Status, resp.Get("Connection"), closing)
	}
}
