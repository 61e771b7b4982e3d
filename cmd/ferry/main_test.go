package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"ferry/internal/servertest"
)

// binary is the ferry built once for every test by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ferrybin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "ferry")
	build := exec.Command("go", "build", "-buildvcs=false", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	code := 1
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building ferry:", err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// waitTimeout bounds every wait for the process: generous, since the test
// machine may be slow; only a wedged process takes that long.
const waitTimeout = 10 * time.Second

// proc is a running ferry.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdout *servertest.Buffer
	stderr *servertest.Buffer
	done   chan struct{}
	err    error
	// addr is the host:port of the start line.
	addr string
}

var startLine = regexp.MustCompile(`^ferry: serving (.+) on http://([^/\s]+)/\n`)

// start runs ferry with args and waits for its start line.
func start(t *testing.T, args ...string) *proc {
	t.Helper()
	return startTo(t, nil, args...)
}

// startTo is start with stdout going to out instead of p.stdout, when out
// is set.
func startTo(t *testing.T, out io.Writer, args ...string) *proc {
	t.Helper()
	return startCmd(t, out, exec.Command(binary, args...))
}

// startCmd is startTo for a command of the test's own making, which must
// run ferry in the end.
func startCmd(t *testing.T, out io.Writer, cmd *exec.Cmd) *proc {
	t.Helper()
	p := launchCmd(t, out, cmd)
	args := cmd.Args
	deadline := time.Now().Add(waitTimeout)
	for {
		if m := startLine.FindStringSubmatch(p.stderr.String()); m != nil {
			p.addr = m[2]
			return p
		}
		select {
		case <-p.done:
			t.Fatalf("ferry %q exited (%v) before its start line; stderr: %q", args, p.err, p.stderr)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no start line from ferry %q; stderr: %q", args, p.stderr)
		}
	}
}

// launch starts ferry with args; it is killed when the test ends, if need be.
func launch(t *testing.T, args ...string) *proc {
	t.Helper()
	return launchTo(t, nil, args...)
}

func launchTo(t *testing.T, out io.Writer, args ...string) *proc {
	t.Helper()
	return launchCmd(t, out, exec.Command(binary, args...))
}

func launchCmd(t *testing.T, out io.Writer, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{t: t, cmd: cmd, stdout: &servertest.Buffer{}, stderr: &servertest.Buffer{}, done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if out != nil {
		p.cmd.Stdout = out
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait() int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(waitTimeout):
		p.t.Fatalf("ferry did not exit within %v; stderr: %q", waitTimeout, p.stderr)
	}
	var ee *exec.ExitError
	switch {
	case p.err == nil:
		return 0
	case errors.As(p.err, &ee) && ee.Exited():
		return ee.ExitCode()
	}
	p.t.Fatalf("ferry ended by %v; stderr: %q", p.err, p.stderr)
	return -1
}

// waitRefusing returns once the server refuses new connections: a signal
// has been taken.
func (p *proc) waitRefusing() {
	for {
		nc, err := net.DialTimeout("tcp", p.addr, waitTimeout)
		if err != nil {
			return
		}
		nc.Close()
		time.Sleep(10 * time.Millisecond)
	}
}

func (p *proc) signal(sig os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
}

// get sends a GET on a new connection and returns its response.
func (p *proc) get(target string) *servertest.Response {
	p.t.Helper()
	return servertest.Do(p.t, p.addr, "GET "+target+" HTTP/1.1\r\nHost: x\r\n\r\n")
}

// checkNoCrash fails when stderr holds a Go stack trace.
func checkNoCrash(t *testing.T, stderr string) {
	t.Helper()
	if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
		t.Errorf("stack trace on stderr: %q", stderr)
	}
}

// freePort returns a port nothing listens on (at the time of the call).
func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func TestStartLine(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--port", "0", "--directory", dir)
	m := startLine.FindStringSubmatch(p.stderr.String())
	if m[1] != dir {
		t.Errorf("start line names folder %q, want %q", m[1], dir)
	}
	host, port, err := net.SplitHostPort(p.addr)
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("start line names %q, want 127.0.0.1 and the bound port", p.addr)
	}
	if resp := p.get("/echo/up"); resp.Status != 200 || string(resp.Body) != "up" {
		t.Fatalf("%d %q", resp.Status, resp.Body)
	}
	if strings.Count(p.stderr.String(), "\n") != 1 {
		t.Errorf("stderr has more than the start line: %q", p.stderr)
	}
	p.signal(syscall.SIGTERM)
	if code := p.wait(); code != 0 {
		t.Errorf("exit %d after SIGTERM", code)
	}
}

// TestBindIPv4Only: --bind 0.0.0.0 listens on IPv4 only, and the start
// line names that address.
func TestBindIPv4Only(t *testing.T) {
	p := start(t, "--bind", "0.0.0.0", "--port", "0", "--directory", t.TempDir(), "--quiet")
	if !strings.HasPrefix(p.addr, "0.0.0.0:") {
		t.Fatalf("start line names %q, want 0.0.0.0:PORT", p.addr)
	}
	_, port, _ := net.SplitHostPort(p.addr)
	if resp := servertest.Do(t, "127.0.0.1:"+port, "GET /echo/v4 HTTP/1.1\r\nHost: x\r\n\r\n"); resp.Status != 200 {
		t.Fatalf("over IPv4: %d", resp.Status)
	}
	if c, err := net.DialTimeout("tcp", "[::1]:"+port, time.Second); err == nil {
		c.Close()
		t.Fatal("--bind 0.0.0.0 also accepted a connection on ::1")
	}
}

// TestBarePort: the port may be given as python3 -m http.server takes it,
// before or after the flags.
func TestBarePort(t *testing.T) {
	dir := t.TempDir()
	for _, order := range []string{"after", "before"} {
		t.Run(order, func(t *testing.T) {
			port := freePort(t)
			args := []string{"--directory", dir, port}
			if order == "before" {
				args = []string{port, "--directory", dir}
			}
			p := start(t, args...)
			if p.addr != "127.0.0.1:"+port {
				t.Fatalf("listening on %q, want port %s", p.addr, port)
			}
			if resp := p.get("/"); resp.Status != 200 {
				t.Fatalf("GET /: %d", resp.Status)
			}
			p.signal(syscall.SIGINT)
			if code := p.wait(); code != 0 {
				t.Errorf("exit %d after SIGINT", code)
			}
		})
	}
}

// TestFiles: the directory flag is what /files/ serves.
func TestFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hello"), []byte("hello, file"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := start(t, "--port", "0", "--directory", dir, "--quiet")
	resp := p.get("/files/hello")
	if resp.Status != 200 || string(resp.Body) != "hello, file" || resp.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("%d %q %q", resp.Status, resp.Body, resp.Get("Content-Type"))
	}
	// The folder itself takes no writes: OPTIONS says what its 405 says.
	for _, tc := range []struct{ method, target, allow string }{
		{"OPTIONS", "/files/", "GET, HEAD, OPTIONS"},
		{"PUT", "/files/", "GET, HEAD, OPTIONS"},
		{"OPTIONS", "/files/hello", "GET, HEAD, POST, PUT, DELETE, OPTIONS"},
	} {
		resp := servertest.Do(t, p.addr, tc.method+" "+tc.target+" HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
		if got := resp.Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: %d, Allow %q, want %q", tc.method, tc.target, resp.Status, got, tc.allow)
		}
	}
}

// TestBadUsage: a bad flag or argument prints usage and exits 2.
func TestBadUsage(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"--port", "seventy"},
		{"--port", "70000"},
		{"--port", "-1"},
		{"80", "81"},
		{"--port", "80", "81"},
		{"--bind", ""},
		{"--directory", ""},
		{"--max-conns", "0"},
		{"--header-timeout", "soon"},
		{"--header-timeout", "-1s"},
		{"--body-timeout", "-5s"},
		{"--shutdown-grace", "-1s"},
		{"--max-upload", "-5"},
		{"--quiet=maybe"},
	} {
		t.Run(strings.Join(args, "_"), func(t *testing.T) {
			p := launch(t, append([]string{"--directory", dir}, args...)...)
			if code := p.wait(); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			stderr := p.stderr.String()
			if !strings.Contains(stderr, "usage: ferry") {
				t.Errorf("no usage on stderr: %q", stderr)
			}
			checkNoCrash(t, stderr)
			if p.stdout.String() != "" {
				t.Errorf("stdout: %q", p.stdout)
			}
		})
	}
}

// TestHelp: asking for help, wherever among the flags, prints the usage
// on stdout, with the flags named as the usage line names them, and exits
// 0.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"--port", "0", "--help"}, {"8080", "-h"}} {
		t.Run(strings.Join(args, "_"), func(t *testing.T) {
			p := launch(t, args...)
			if code := p.wait(); code != 0 {
				t.Errorf("exit %d, want 0", code)
			}
			help := p.stdout.String()
			if !strings.HasPrefix(help, "usage: ferry") || !strings.Contains(help, "\n  --directory string\n") {
				t.Errorf("help on stdout does not list the flags: %q (stderr %q)", help, p.stderr)
			}
		})
	}
}

// TestCannotServe: a port in use, a missing folder, a file for a folder:
// one line on stderr and exit 1.
func TestCannotServe(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, busyPort, _ := net.SplitHostPort(busy.Addr().String())
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"port_in_use", []string{"--directory", dir, "--port", busyPort}, "address already in use"},
		{"port_in_use_bare", []string{"--directory", dir, busyPort}, "address already in use"},
		{"missing_folder", []string{"--port", "0", "--directory", filepath.Join(dir, "missing")}, "no such file or directory"},
		{"file_as_folder", []string{"--port", "0", "--directory", file}, "not a folder"},
		{"bad_bind", []string{"--port", "0", "--directory", dir, "--bind", "no.such.host.invalid"}, "ferry: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := launch(t, tt.args...)
			if code := p.wait(); code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			stderr := p.stderr.String()
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "ferry: ") || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q, want one line naming %q", stderr, tt.want)
			}
			checkNoCrash(t, stderr)
		})
	}
}

// TestAccessLog: one line per request on stdout, flushed on its own
// within a moment, with method, target, protocol, status and bytes.
func TestAccessLog(t *testing.T) {
	p := start(t, "--port", "0", "--directory", t.TempDir())
	p.get("/echo/logged")
	p.get("/nowhere")
	want := []*regexp.Regexp{
		regexp.MustCompile(`(?m) GET /echo/logged HTTP/1\.1 200 6 [0-9.]+ms$`),
		regexp.MustCompile(`(?m) GET /nowhere HTTP/1\.1 404 14 [0-9.]+ms$`),
	}
	deadline := time.Now().Add(waitTimeout)
	for {
		out := p.stdout.String()
		if want[0].MatchString(out) && want[1].MatchString(out) {
			if n := strings.Count(out, "\n"); n != 2 {
				t.Errorf("%d lines for 2 requests: %q", n, out)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("access log lines missing from stdout: %q", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A refused head is logged too.
	servertest.Exchange(t, p.addr, "GET / HTTP/1.1\r\n\r\n")
	p.signal(syscall.SIGTERM)
	if code := p.wait(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if out := p.stdout.String(); !strings.Contains(out, " 400 ") || strings.Count(out, "\n") != 3 {
		t.Errorf("log after a refused head: %q", out)
	}
}

func TestQuiet(t *testing.T) {
	p := start(t, "--port", "0", "--directory", t.TempDir(), "--quiet")
	for range 3 {
		if resp := p.get("/echo/quiet"); resp.Status != 200 {
			t.Fatalf("status %d", resp.Status)
		}
	}
	p.signal(syscall.SIGTERM)
	if code := p.wait(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if out := p.stdout.String(); out != "" {
		t.Errorf("--quiet, yet stdout has %q", out)
	}
}

// TestSignalIdle: with an idle keep-alive connection open, SIGTERM closes
// it and the process exits 0.
func TestSignalIdle(t *testing.T) {
	p := start(t, "--port", "0", "--directory", t.TempDir(), "--quiet")
	c := servertest.Dial(t, p.addr)
	br := bufio.NewReader(c)
	io.WriteString(c, "GET /echo/a HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := servertest.ReadResponse(br, "GET"); err != nil {
		t.Fatal(err)
	}
	p.signal(syscall.SIGTERM)
	if code := p.wait(); code != 0 {
		t.Fatalf("exit %d; stderr %q", code, p.stderr)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("idle connection after exit: %v, want end-of-file", err)
	}
	checkNoCrash(t, p.stderr.String())
}

// startUpload begins a POST of size bytes to /files/name and returns once
// the file server reads the body (it asked for "100 Continue"), having
// sent the first part of the body.
func startUpload(t *testing.T, p *proc, name string, size int, part []byte) (net.Conn, *bufio.Reader) {
	t.Helper()
	c := servertest.Dial(t, p.addr)
	br := bufio.NewReader(c)
	fmt.Fprintf(c, "POST /files/%s HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", name, size)
	servertest.ReadContinue(t, br)
	if _, err := c.Write(part); err != nil {
		t.Fatal(err)
	}
	return c, br
}

// listDir returns the names in dir.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestSignalDuringUpload: SIGTERM while an upload is in flight lets it
// finish: the client gets its 201, the file is whole, the process exits 0.
// SIGHUP, which a server started in a terminal gets when the terminal or
// its ssh session closes, does the same.
func TestSignalDuringUpload(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			p := start(t, "--port", "0", "--directory", dir, "--quiet")
			body := bytes.Repeat([]byte("0123456789abcdef"), 1<<14)
			c, br := startUpload(t, p, "up.bin", len(body), body[:1000])
			p.signal(sig)
			// The server stops accepting before the upload ends.
			p.waitRefusing()
			if _, err := c.Write(body[1000:]); err != nil {
				t.Fatal(err)
			}
			resp, err := servertest.ReadResponse(br, "POST")
			if err != nil || resp.Status != 201 {
				t.Fatalf("upload during shutdown: %v %v", resp, err)
			}
			if !strings.EqualFold(resp.Get("Connection"), "close") {
				t.Errorf("Connection %q, want close", resp.Get("Connection"))
			}
			if code := p.wait(); code != 0 {
				t.Fatalf("exit %d; stderr %q", code, p.stderr)
			}
			got, err := os.ReadFile(filepath.Join(dir, "up.bin"))
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("uploaded file: %d bytes, %v; want %d", len(got), err, len(body))
			}
			if names := listDir(t, dir); len(names) != 1 {
				t.Errorf("folder holds %q, want only up.bin", names)
			}
		})
	}
}

// TestSignalDeliveredTwice: the same signal twice at once, as timeout(1)
// sends it (to the command and to its process group), is one request to
// stop: the upload in flight still finishes and the process exits 0.
func TestSignalDeliveredTwice(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--port", "0", "--directory", dir, "--quiet")
	body := bytes.Repeat([]byte("0123456789abcdef"), 1<<14)
	c, br := startUpload(t, p, "twice.bin", len(body), body[:1000])
	p.signal(syscall.SIGTERM)
	p.waitRefusing()
	p.signal(syscall.SIGTERM)
	if _, err := c.Write(body[1000:]); err != nil {
		t.Fatal(err)
	}
	resp, err := servertest.ReadResponse(br, "POST")
	if err != nil || resp.Status != 201 {
		t.Fatalf("upload after two signals at once: %v %v; stderr %q", resp, err, p.stderr)
	}
	if code := p.wait(); code != 0 {
		t.Fatalf("exit %d; stderr %q", code, p.stderr)
	}
}

// TestSignalUploadStalls: an upload still unfinished when the grace period
// ends is abandoned without a trace, logged as 503 (the server cut it, not
// the client), and the process exits 0.
func TestSignalUploadStalls(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--port", "0", "--directory", dir, "--shutdown-grace", "300ms")
	c, _ := startUpload(t, p, "stalled.bin", 1<<20, make([]byte, 1000))
	p.signal(syscall.SIGTERM)
	if code := p.wait(); code != 0 {
		t.Fatalf("exit %d; stderr %q", code, p.stderr)
	}
	if names := listDir(t, dir); len(names) != 0 {
		t.Errorf("an abandoned upload left %q", names)
	}
	c.SetReadDeadline(time.Now().Add(waitTimeout))
	if _, err := io.ReadAll(c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("the stalled client's connection: %v", err)
	}
	if log := p.stdout.String(); !strings.Contains(log, " POST /files/stalled.bin HTTP/1.1 503 ") {
		t.Errorf("access log %q, want the stalled upload logged as 503", log)
	}
	checkNoCrash(t, p.stderr.String())
}

// TestSecondSignal: a second signal ends the process at once, even with
// an upload in flight and a long grace period; the upload leaves nothing.
func TestSecondSignal(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--port", "0", "--directory", dir, "--quiet", "--shutdown-grace", "1h")
	startUpload(t, p, "stalled.bin", 1<<20, make([]byte, 1000))
	p.signal(syscall.SIGTERM)
	// Once new connections are refused, the first signal has been taken;
	// a second right after it would be taken for the same (signalEcho).
	p.waitRefusing()
	time.Sleep(signalEcho)
	p.signal(syscall.SIGINT)
	p.wait()
	if names := listDir(t, dir); len(names) != 0 {
		t.Errorf("an abandoned upload left %q", names)
	}
	checkNoCrash(t, p.stderr.String())
}

// TestLimitFlags: the limit and timeout flags reach the server.
func TestLimitFlags(t *testing.T) {
	p := start(t, "--port", "0", "--directory", t.TempDir(), "--quiet",
		"--max-target-bytes", "100", "--max-header-fields", "5", "--max-header-bytes", "1000",
		"--header-timeout", "300ms", "--idle-timeout", "300ms", "--max-conns", "1")
	for _, tt := range []struct {
		name, req string
		status    int
	}{
		{"target", "GET /echo/" + strings.Repeat("t", 100) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"fields", "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n", 431},
		{"head_bytes", "GET / HTTP/1.1\r\nHost: x\r\nA: " + strings.Repeat("h", 1000) + "\r\n\r\n", 431},
		{"header_timeout", "GET / HTTP/1.1\r\n", 408},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if resp := servertest.Do(t, p.addr, tt.req); resp.Status != tt.status {
				t.Fatalf("status %d, want %d", resp.Status, tt.status)
			}
		})
	}

	// One connection at a time: a second waits until the first, idle,
	// is closed to make room for it.
	first := servertest.Dial(t, p.addr)
	br := bufio.NewReader(first)
	io.WriteString(first, "GET /echo/first HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, err := servertest.ReadResponse(br, "GET"); err != nil || string(resp.Body) != "first" {
		t.Fatalf("first: %v %v", resp, err)
	}
	if resp := p.get("/echo/second"); string(resp.Body) != "second" {
		t.Fatalf("second: %q", resp.Body)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("idle first connection: %v, want end-of-file", err)
	}
}

// TestFileFlags: --read-only and --max-upload reach the file server.
func TestFileFlags(t *testing.T) {
	dir := t.TempDir()
	ro := start(t, "--port", "0", "--directory", dir, "--quiet", "--read-only")
	resp := servertest.Do(t, ro.addr, "PUT /files/x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
	if resp.Status != 405 || strings.Contains(resp.Get("Allow"), "PUT") || !strings.Contains(resp.Get("Allow"), "GET") {
		t.Errorf("--read-only PUT: %d, Allow %q", resp.Status, resp.Get("Allow"))
	}

	limited := start(t, "--port", "0", "--directory", dir, "--quiet", "--max-upload", "10")
	if resp := servertest.Do(t, limited.addr, "PUT /files/x HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world"); resp.Status != 413 {
		t.Errorf("--max-upload 10, 11 bytes: %d", resp.Status)
	}
	if resp := servertest.Do(t, limited.addr, "PUT /files/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhelloworld"); resp.Status != 201 {
		t.Errorf("--max-upload 10, 10 bytes: %d", resp.Status)
	}
	if names := listDir(t, dir); len(names) != 1 || names[0] != "x" {
		t.Errorf("folder holds %q", names)
	}
}

// TestAccessLogReaderGone: when the reader of the access log (stdout, a
// pipe) goes away, ferry keeps serving, and still exits 0 on SIGTERM;
// Go's default would have it die of SIGPIPE at its next log line.
func TestAccessLogReaderGone(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	p := startTo(t, w, "--port", "0", "--directory", t.TempDir())
	w.Close()
	for i := range 20 {
		resp := p.get("/echo/still")
		if resp.Status != 200 {
			t.Fatalf("request %d after the log's reader left: %d", i, resp.Status)
		}
		// Let the log's writer try, and fail, between requests.
		time.Sleep(5 * time.Millisecond)
	}
	p.signal(syscall.SIGTERM)
	if code := p.wait(); code != 0 {
		t.Fatalf("exit %d; stderr: %q", code, p.stderr)
	}
}
