package server_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"ferry/internal/server"
	"ferry/internal/servertest"
)

// shortTimeouts is a configuration whose timeouts end within a test, far
// shorter than servertest.Timeout, which bounds every read the tests make.
func shortTimeouts() server.Config {
	cfg := server.DefaultConfig(newTestHandler())
	cfg.HeaderTimeout = 300 * time.Millisecond
	cfg.BodyTimeout = 300 * time.Millisecond
	cfg.IdleTimeout = 300 * time.Millisecond
	return cfg
}

// trickle writes s piece bytes at a time, every interval, until s ends,
// a write fails or stop is closed.
func trickle(c net.Conn, s string, piece int, interval time.Duration, stop <-chan struct{}) {
	for i := 0; i < len(s); i += piece {
		select {
		case <-stop:
			return
		case <-time.After(interval):
		}
		if _, err := io.WriteString(c, s[i:min(i+piece, len(s))]); err != nil {
			return
		}
	}
}

// TestHeaderTimeout: a client trickling its head (slowloris) is answered
// 408 and closed, however steadily it trickles.
func TestHeaderTimeout(t *testing.T) {
	addr := servertest.StartConfig(t, shortTimeouts())
	cl := dial(t, addr)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		trickle(cl.c, "GET / HTTP/1.1\r\nHost: x\r\n"+strings.Repeat("X-Slow: 1\r\n", 1000), 1, 20*time.Millisecond, stop)
	}()
	// Stop trickling once the answer starts, so that the server's close
	// meets no unread input (which would turn it into a reset).
	_, err := cl.br.Peek(1)
	close(stop)
	<-done
	if err != nil {
		t.Fatalf("no answer to a trickled head: %v", err)
	}
	resp := cl.read("GET")
	if resp.Status != 408 {
		t.Fatalf("status %d, want 408", resp.Status)
	}
	checkFraming(t, resp, true)
	cl.expectEOF()
}

// TestHeaderTimeoutSilent: a client that connects and sends one byte
// then nothing is closed too.
func TestHeaderTimeoutSilent(t *testing.T) {
	addr := servertest.StartConfig(t, shortTimeouts())
	cl := dial(t, addr)
	cl.send("G")
	resp := cl.read("GET")
	if resp.Status != 408 {
		t.Fatalf("status %d, want 408", resp.Status)
	}
	cl.expectEOF()
}

// TestIdleTimeout: a keep-alive connection with no next request is closed
// without a word.
func TestIdleTimeout(t *testing.T) {
	addr := servertest.StartConfig(t, shortTimeouts())
	cl := dial(t, addr)
	cl.expectUsable()
	cl.expectEOF()

	// A connection that never sends anything is idle from the start.
	dial(t, addr).expectEOF()
}

// TestBodyTimeout: an upload that stalls is cut off.
func TestBodyTimeout(t *testing.T) {
	addr := servertest.StartConfig(t, shortTimeouts())
	cl := dial(t, addr)
	resp := cl.do("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten b")
	if resp.Status != 408 {
		t.Fatalf("status %d, want 408", resp.Status)
	}
	checkFraming(t, resp, true)
	cl.expectEOF()

	// Chunked, stalled inside a chunk-size line.
	cl = dial(t, addr)
	resp = cl.do("POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1")
	if resp.Status != 408 {
		t.Fatalf("chunked: status %d, want 408", resp.Status)
	}
	cl.expectEOF()
}

// TestBodyTimeoutPerRead: the body timeout bounds each read, not the whole
// upload, so a slow but moving upload that takes longer than the timeout
// is received whole (at 10 KiB/s, well above the minimum pace).
func TestBodyTimeoutPerRead(t *testing.T) {
	t.Parallel()
	cfg := server.DefaultConfig(newTestHandler())
	cfg.BodyTimeout = 2 * time.Second
	addr := servertest.StartConfig(t, cfg)
	cl := dial(t, addr)
	body := strings.Repeat("s", 25<<10)
	cl.send(fmt.Sprintf("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", len(body)))
	trickle(cl.c, body, 1<<10, 100*time.Millisecond, nil)
	resp := cl.read("POST")
	if resp.Status != 200 || string(resp.Body) != body {
		t.Fatalf("%d %q", resp.Status, resp.Body)
	}
	cl.expectUsable()
}

// TestBodyPace: a body that moves, but far below a kilobyte a second once
// the body timeout has passed, is answered 408 and the connection closed:
// sending a byte now and then does not hold a connection forever.
func TestBodyPace(t *testing.T) {
	t.Parallel()
	cfg := server.DefaultConfig(newTestHandler())
	cfg.BodyTimeout = 500 * time.Millisecond
	addr := servertest.StartConfig(t, cfg)
	for _, framing := range []string{"Content-Length: 100000", "Transfer-Encoding: chunked"} {
		cl := dial(t, addr)
		cl.send("POST /body HTTP/1.1\r\nHost: x\r\n" + framing + "\r\n\r\n")
		body := strings.Repeat("t", 1000)
		if strings.Contains(framing, "chunked") {
			body = strings.Repeat("1\r\nt\r\n", 1000)
		}
		stop := make(chan struct{})
		go trickle(cl.c, body, 1, 50*time.Millisecond, stop)
		resp := cl.read("POST")
		close(stop)
		if resp.Status != 408 {
			t.Fatalf("%s, trickled: %d, want 408", framing, resp.Status)
		}
		checkFraming(t, resp, true)
	}
}

// TestMaxConns: past the bound, a new client waits while every
// connection is busy with a request; once one of them has answered and sits
// idle, it is closed to make room, and the busy one is left alone.
func TestMaxConns(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("idle connections are parked, and so given up at the bound, only on Linux")
	}
	cfg := server.DefaultConfig(newTestHandler())
	cfg.MaxConns = 2
	addr := servertest.StartConfig(t, cfg)
	first, second := dial(t, addr), dial(t, addr)
	// Heads begun but not finished keep both connections busy.
	first.send("GET /echo/first HTTP/1.1\r\n")
	second.send("GET /echo/second HTTP/1.1\r\n")

	third := dial(t, addr)
	third.send("GET /echo/third HTTP/1.1\r\nHost: x\r\n\r\n")
	third.c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if b, err := third.br.Peek(1); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a third client was answered past MaxConns 2: %q, %v", b, err)
	}

	first.send("Host: x\r\n\r\n")
	if resp := first.read("GET"); resp.Status != 200 || string(resp.Body) != "first" {
		t.Fatalf("first client: %d %q", resp.Status, resp.Body)
	}
	third.c.SetReadDeadline(time.Now().Add(servertest.Timeout))
	if resp := third.read("GET"); resp.Status != 200 || string(resp.Body) != "third" {
		t.Fatalf("third client: %d %q", resp.Status, resp.Body)
	}
	servertest.ExpectEOF(t, connReader{first.c, first.br})
	second.send("Host: x\r\n\r\n")
	if resp := second.read("GET"); resp.Status != 200 || string(resp.Body) != "second" {
		t.Fatalf("second client: %d %q", resp.Status, resp.Body)
	}
	third.expectUsable()
}

// TestThousandConnections holds 1,000 keep-alive connections open at
// once, each making a request before all are open and one after.
func TestThousandConnections(t *testing.T) {
	const n = 1000
	raiseFileLimit(t, 2*n+200)
	addr := start(t)
	var opened, finished sync.WaitGroup
	allOpen := make(chan struct{})
	errs := make(chan error, n)
	opened.Add(n)
	finished.Add(n)
	for i := range n {
		go func() {
			defer finished.Done()
			err := twoRequests(addr, i, opened.Done, allOpen)
			if err != nil {
				errs <- fmt.Errorf("client %d: %w", i, err)
			}
		}()
	}
	opened.Wait()
	close(allOpen)
	finished.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// twoRequests makes one request, reports it with opened (whether it
// succeeded or not), waits for allOpen, and makes a second on the same
// connection.
func twoRequests(addr string, i int, opened func(), allOpen <-chan struct{}) error {
	once := sync.OnceFunc(opened)
	defer once()
	c, err := net.DialTimeout("tcp", addr, 2*servertest.Timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * servertest.Timeout))
	br := bufio.NewReader(c)
	for round := range 2 {
		fmt.Fprintf(c, "GET /echo/%d-%d HTTP/1.1\r\nHost: x\r\n\r\n", i, round)
		resp, err := servertest.ReadResponse(br, "GET")
		if err != nil {
			return err
		}
		if want := fmt.Sprintf("%d-%d", i, round); resp.Status != 200 || string(resp.Body) != want {
			return fmt.Errorf("%d %q, want 200 %q", resp.Status, resp.Body, want)
		}
		if round == 0 {
			once()
			<-allOpen
		}
	}
	return nil
}

// badHeads are malformed requests of every kind the parser refuses.
var badHeads = []string{
	"\x00\x00\x00\x00\r\n\r\n",
	"GET\r\n\r\n",
	"GET /\r\n\r\n",
	"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
	"GET / HTTP/1.1\r\nHost x\r\n\r\n",
	"GET / HTTP/1.1\r\n: empty\r\nHost: x\r\n\r\n",
	"GET / HTTP/1.1\r\nHo\x7fst: x\r\n\r\n",
	"G\x80T / HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /\x80 HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n",
	"GET / HTTP/1.1\r\n\tHost: x\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
	"POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nq\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
	"GET / HTTP/1.\r\nHost: x\r\n\r\n",
	"GET foo HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET http:/// HTTP/1.1\r\nHost: x\r\n\r\n",
	"\r\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n",
	"GET /" + strings.Repeat("x", 10000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\n" + manyFields(200) + "\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("y", 80000) + "\r\n\r\n",
}

// TestGarbage sends 200 malformed requests (the bad heads, then random
// bytes), each on its own connection, half-closing it; the server answers
// with an error status or nothing, and closes. After each, a valid request
// on a new connection is served.
func TestGarbage(t *testing.T) {
	addr := start(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		var raw string
		if i < len(badHeads) {
			raw = badHeads[i]
		} else {
			b := make([]byte, 1+rng.IntN(2000))
			for j := range b {
				b[j] = byte(rng.UintN(256))
			}
			if i%2 == 0 {
				// Half of them start like a request.
				copy(b, "GET / HTTP/1.1\r\n")
			}
			raw = string(b)
		}
		got := servertest.Exchange(t, addr, raw)
		if got != "" && !strings.HasPrefix(got, "HTTP/1.1 4") && !strings.HasPrefix(got, "HTTP/1.1 5") {
			t.Fatalf("garbage %d %q: answered %q", i, firstLine(raw), firstLine(got))
		}
		if i < len(badHeads) && got == "" {
			t.Errorf("bad head %d %q: no answer", i, firstLine(raw))
		}
		if got != "" && !strings.Contains(got, "\r\nConnection: close\r\n") {
			t.Errorf("garbage %d: the answer does not say the connection closes: %q", i, got)
		}
		resp := dial(t, addr).do(fmt.Sprintf("GET /echo/after-%d HTTP/1.1\r\nHost: x\r\n\r\n", i))
		if resp.Status != 200 || string(resp.Body) != fmt.Sprintf("after-%d", i) {
			t.Fatalf("after garbage %d: %d %q", i, resp.Status, resp.Body)
		}
	}
}

// TestWriteStall: a client that sends requests but never reads is cut off
// by the write timeout; the server keeps serving others.
func TestWriteStall(t *testing.T) {
	cfg := server.DefaultConfig(newTestHandler())
	cfg.WriteTimeout = 300 * time.Millisecond
	addr := servertest.StartConfig(t, cfg)
	c := servertest.Dial(t, addr)
	req := "GET /echo/" + strings.Repeat("w", 4000) + " HTTP/1.1\r\nHost: x\r\n\r\n"
	pipeline := strings.Repeat(req, 64)
	// Write until the server stops reading (its writes block on the full
	// socket buffers) and then closes.
	c.SetWriteDeadline(time.Now().Add(servertest.Timeout))
	var err error
	for err == nil {
		_, err = io.WriteString(c, pipeline)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the server kept reading from a client that never reads")
	}
	dial(t, addr).expectUsable()
}

// TestZeroTimeoutsMeanNone: a zero timeout is no limit, not a deadline
// left over from an earlier wait: a head, a body and an idle pause that
// take their time are all served.
func TestZeroTimeoutsMeanNone(t *testing.T) {
	cfg := server.DefaultConfig(newTestHandler())
	cfg.HeaderTimeout, cfg.BodyTimeout, cfg.IdleTimeout = 0, 0, 0
	addr := servertest.StartConfig(t, cfg)
	cl := dial(t, addr)
	for range 2 {
		cl.send("POST /body HTTP/1.1\r\n")
		time.Sleep(200 * time.Millisecond)
		cl.send("Host: x\r\nContent-Length: 4\r\n\r\nab")
		time.Sleep(200 * time.Millisecond)
		cl.send("cd")
		if resp := cl.read("POST"); resp.Status != 200 || string(resp.Body) != "abcd" {
			t.Fatalf("%d %q", resp.Status, resp.Body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	cl.expectUsable()
}

// TestOversizedUnfinishedHead: a head that has passed the size limit is
// refused as soon as it has, not by the header timeout (60 s here, longer
// than the client waits): too many bytes of complete fields is 431, a
// request line it cannot parse is 400.
func TestOversizedUnfinishedHead(t *testing.T) {
	cfg := server.DefaultConfig(newTestHandler())
	cfg.HeaderTimeout = time.Minute
	addr := servertest.StartConfig(t, cfg)
	for _, tc := range []struct {
		name, head string
		status     int
	}{
		{"fields", "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-Filler: 0123456789abcdef\r\n", 2400), 431},
		{"bare_cr_in_target", "GET /a\rb" + strings.Repeat("z", 70000), 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := dial(t, addr)
			cl.send(tc.head)
			resp := cl.read("GET")
			if resp.Status != tc.status {
				t.Fatalf("status %d, want %d", resp.Status, tc.status)
			}
			checkFraming(t, resp, true)
		})
	}
}

// TestEmptyLinesDoNotHoldConnection: a client that sends only empty lines,
// now and then, is answered 408 and closed by the header timeout (300 ms
// here; the idle timeout is longer than the client waits), while one CRLF
// after a body, followed by a pause longer than the header timeout, is
// ignored as RFC 9112 §2.2 asks.
func TestEmptyLinesDoNotHoldConnection(t *testing.T) {
	cfg := server.DefaultConfig(newTestHandler())
	cfg.HeaderTimeout = 300 * time.Millisecond
	cfg.IdleTimeout = time.Minute
	addr := servertest.StartConfig(t, cfg)

	trickler := dial(t, addr)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := io.WriteString(trickler.c, "\r\n"); err != nil {
				return
			}
		}
	}()
	resp := trickler.read("GET")
	if resp.Status != 408 {
		t.Fatalf("status %d, want 408", resp.Status)
	}
	checkFraming(t, resp, true)

	cl := dial(t, addr)
	if resp := cl.do("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"); resp.Status != 200 {
		t.Fatalf("POST: %d", resp.Status)
	}
	cl.send("\r\n")
	time.Sleep(600 * time.Millisecond)
	cl.expectUsable()
}
