package http1

import (
	"errors"
	"io"
	"net"
	"regexp"
	"testing"
	"time"
)

// tcpPair returns the two ends of a real loopback TCP connection; both are
// closed when the test ends.
func tcpPair(t testing.TB) (client, server *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			accepted <- nil
			return
		}
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		c.Close()
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	// A deadline far away, so that a bug shows as a failure, not a hang.
	deadline := time.Now().Add(20 * time.Second)
	c.SetDeadline(deadline)
	s.SetDeadline(deadline)
	return c.(*net.TCPConn), s.(*net.TCPConn)
}

// sendAndClose writes data to c from a goroutine, then half-closes c, so
// that the peer reads data followed by end-of-file. The returned channel
// reports the write error.
func sendAndClose(c *net.TCPConn, data []byte) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := c.Write(data)
		if cerr := c.CloseWrite(); err == nil {
			err = cerr
		}
		done <- err
	}()
	return done
}

// readerFor returns a Reader over a loopback connection whose peer sends
// data and then end-of-file.
func readerFor(t testing.TB, data []byte) *Reader {
	t.Helper()
	c, s := tcpPair(t)
	sendAndClose(c, data)
	return NewReader(s)
}

// trickleConn hands out at most one byte per Read, so that every parser
// state is crossed by a read boundary.
type trickleConn struct{ net.Conn }

func (c trickleConn) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return c.Conn.Read(p)
}

// statusOf returns the status of a *ProtocolError, or 0 for other errors.
func statusOf(err error) int {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return pe.Status
	}
	return 0
}

var dateLine = regexp.MustCompile(`Date: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\n`)

// normalizeDate replaces every Date header with a fixed one, after checking
// it has the IMF-fixdate shape.
func normalizeDate(b []byte) string {
	return dateLine.ReplaceAllString(string(b), "Date: D\r\n")
}

// readAllFrom reads c to end-of-file.
func readAllFrom(t testing.TB, c net.Conn) []byte {
	t.Helper()
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("reading the response: %v (got %q)", err, b)
	}
	return b
}
