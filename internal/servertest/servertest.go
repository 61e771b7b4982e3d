// Package servertest starts ferry's real connection loop on a loopback
// listener for tests, and reads responses byte by byte as a client would.
package servertest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"ferry/internal/http1"
	"ferry/internal/server"
)

// Start serves h on 127.0.0.1 with the default configuration until the test
// ends, and returns the listener's address.
func Start(t testing.TB, h http1.Handler) string {
	return StartConfig(t, server.DefaultConfig(h))
}

// StartConfig is Start with a configuration of the test's own.
func StartConfig(t testing.TB, cfg server.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ErrorLog == nil {
		cfg.ErrorLog = log.New(testWriter{t}, "", 0)
	}
	srv := server.New(cfg)
	done := make(chan struct{})
	go func() {
		srv.Serve(ln)
		close(done)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	})
	return ln.Addr().String()
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Timeout bounds every read a test makes, so a server that wedges fails
// the test instead of hanging it.
const Timeout = 10 * time.Second

// Dial opens a connection to addr, closed when the test ends.
func Dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, Timeout)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(Timeout))
	t.Cleanup(func() { c.Close() })
	return c
}

// Response is a response as read off the wire.
type Response struct {
	Proto  string
	Status int
	// Header maps lower-case names to their values in order.
	Header map[string][]string
	Body   []byte
	// Chunked reports that the body came with chunked framing.
	Chunked bool
}

// Get returns the first value of a header, or "".
func (r *Response) Get(name string) string {
	if v := r.Header[strings.ToLower(name)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Do sends raw on a new connection and reads one response to it.
func Do(t testing.TB, addr, raw string) *Response {
	t.Helper()
	c := Dial(t, addr)
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	method, _, _ := strings.Cut(raw, " ")
	resp, err := ReadResponse(bufio.NewReader(c), method)
	if err != nil {
		t.Fatalf("reading response to %q: %v", firstLine(raw), err)
	}
	return resp
}

// Exchange sends raw on a new connection, half-closes it, and returns every
// byte the server sent until it closed.
func Exchange(t testing.TB, addr, raw string) string {
	t.Helper()
	c := Dial(t, addr)
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).CloseWrite()
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("reading after %q: %v", firstLine(raw), err)
	}
	return string(b)
}

// ExpectEOF fails the test unless the server closes c without sending more.
func ExpectEOF(t testing.TB, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(Timeout))
	var b [1]byte
	n, err := c.Read(b[:])
	if n != 0 || err != io.EOF {
		t.Fatalf("want end-of-file, got %d bytes, %v", n, err)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	return line
}

// ReadResponse reads one response to a request of method from br, framing
// the body as RFC 9112 §6.3 says a client must.
func ReadResponse(br *bufio.Reader, method string) (*Response, error) {
	for {
		resp, err := readOne(br, method)
		if err != nil || resp.Status >= 200 {
			return resp, err
		}
	}
}

// ReadContinue reads the "100 Continue" interim response from br and
// fails t unless it is exactly that, with the Server and Date every ferry
// response carries.
func ReadContinue(t testing.TB, br *bufio.Reader) {
	t.Helper()
	resp, err := readOne(br, "")
	if err != nil {
		t.Fatalf("waiting for 100 Continue: %v", err)
	}
	if resp.Proto != "HTTP/1.1" || resp.Status != 100 || resp.Get("Server") != "ferry" || len(resp.Get("Date")) != len(http1.TimeFormat) || len(resp.Header) != 2 {
		t.Fatalf("interim response %s %d %v, want HTTP/1.1 100 with Server and Date only", resp.Proto, resp.Status, resp.Header)
	}
}

func readOne(br *bufio.Reader, method string) (*Response, error) {
	line, err := readLine(br)
	if err != nil {
		return nil, err
	}
	proto, rest, ok := strings.Cut(line, " ")
	code, _, _ := strings.Cut(rest, " ")
	status, err := strconv.Atoi(code)
	if !ok || err != nil || len(code) != 3 {
		return nil, fmt.Errorf("malformed status line %q", line)
	}
	resp := &Response{Proto: proto, Status: status, Header: map[string][]string{}}
	for {
		line, err := readLine(br)
		if err != nil {
			return nil, err
		}
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("malformed header line %q", line)
		}
		key := strings.ToLower(name)
		resp.Header[key] = append(resp.Header[key], strings.TrimSpace(value))
	}
	switch {
	case method == "HEAD" || status < 200 || status == 204 || status == 304:
	case strings.EqualFold(resp.Get("Transfer-Encoding"), "chunked"):
		resp.Chunked = true
		resp.Body, err = readChunked(br)
	case resp.Get("Content-Length") != "":
		n, perr := strconv.ParseInt(resp.Get("Content-Length"), 10, 64)
		if perr != nil || len(resp.Header["content-length"]) != 1 {
			return nil, fmt.Errorf("bad Content-Length %q", resp.Header["content-length"])
		}
		resp.Body = make([]byte, n)
		_, err = io.ReadFull(br, resp.Body)
	default:
		resp.Body, err = io.ReadAll(br)
	}
	return resp, err
}

func readLine(br *bufio.Reader) (string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(line, "\r\n") {
		return "", fmt.Errorf("line without CRLF: %q", line)
	}
	return strings.TrimSuffix(line, "\r\n"), nil
}

func readChunked(br *bufio.Reader) ([]byte, error) {
	var body bytes.Buffer
	for {
		line, err := readLine(br)
		if err != nil {
			return nil, err
		}
		size, err := strconv.ParseInt(line, 16, 64)
		if err != nil {
			return nil, fmt.Errorf("bad chunk size %q", line)
		}
		if size == 0 {
			for {
				trailer, err := readLine(br)
				if err != nil || trailer == "" {
					return body.Bytes(), err
				}
			}
		}
		if _, err := io.CopyN(&body, br, size); err != nil {
			return nil, err
		}
		if crlf, err := readLine(br); err != nil || crlf != "" {
			return nil, fmt.Errorf("chunk not followed by CRLF")
		}
	}
}
