//go:build linux && !386

package http1

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// TestRequestArrival checks Request.Arrival: unknown until a handler on
// the connection has asked for it, then, for each request, when its bytes
// arrived, after the client wrote them and before ReadHead returned. A
// connection whose handlers never ask reads without stamps.
func TestRequestArrival(t *testing.T) {
	// slack covers the rounding between the kernel's stamp and the clock
	// this test reads.
	const slack = time.Millisecond
	c, s := tcpPair(t)
	rd := NewReader(s)
	var req Request
	send := func() {
		t.Helper()
		if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		if err := rd.ReadHead(&req, &DefaultLimits); err != nil {
			t.Fatal(err)
		}
	}
	send()
	if a := req.Arrival(); !a.IsZero() {
		t.Fatalf("arrival %v before any was asked, want the zero time", a)
	}
	// The kernel may not stamp the first packets yet (see arrival_linux.go).
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if send(); !req.Arrival().IsZero() {
			break
		}
		if time.Now().After(end) {
			t.Fatal("no request got an arrival time")
		}
	}
	var previous time.Time
	for i := range 3 {
		sent := time.Now().Round(0)
		send()
		read := time.Now().Round(0)
		a := req.Arrival()
		if a.Before(sent.Add(-slack)) || a.After(read.Add(slack)) {
			t.Fatalf("request %d: arrival %v is not between its write %v and its read %v", i, a, sent, read)
		}
		if !a.After(previous) {
			t.Fatalf("request %d: arrival %v, not after the previous request's %v", i, a, previous)
		}
		previous = a
		// Requests far enough apart that a stale arrival shows.
		time.Sleep(3 * slack)
	}

	c, s = tcpPair(t)
	rd, req = NewReader(s), Request{}
	for range 3 {
		send()
	}
	if rd.stamped != nil {
		t.Fatal("a connection whose handlers never asked an arrival reads stamps")
	}
}

// TestStampedReaderErrors checks that a read through recvmsg ends as
// net.Conn.Read would: end of file, a passed deadline, a reset and a
// closed connection each give the error callers test for. Connections
// that are not TCP are read as before.
func TestStampedReaderErrors(t *testing.T) {
	p, q := net.Pipe()
	defer p.Close()
	defer q.Close()
	if newStampedReader(p) != nil {
		t.Error("a stampedReader for a pipe")
	}
	c, s := tcpPair(t)
	sr := newStampedReader(s)
	if sr == nil {
		t.Fatal("no stampedReader for a TCP connection")
	}
	buf := make([]byte, 16)
	if _, err := c.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	if n, _, err := sr.read(buf); n != 2 || err != nil {
		t.Fatalf("read %d bytes: %v; want 2, no error", n, err)
	}

	s.SetReadDeadline(time.Now().Add(-time.Second))
	_, _, err := sr.read(buf)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the deadline: %v, want a timeout", err)
	}
	s.SetReadDeadline(time.Now().Add(20 * time.Second))

	c.CloseWrite()
	if n, _, err := sr.read(buf); n != 0 || err != io.EOF {
		t.Fatalf("read after the peer's FIN: %d, %v; want io.EOF", n, err)
	}
	s.Close()
	if _, _, err := sr.read(buf); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read after Close: %v, want net.ErrClosed", err)
	}

	c, s = tcpPair(t)
	sr = newStampedReader(s)
	c.SetLinger(0)
	c.Close()
	_, _, err = sr.read(buf)
	var oe *net.OpError
	if !errors.Is(err, syscall.ECONNRESET) || !errors.As(err, &oe) || oe.Op != "read" {
		t.Fatalf("read after the peer's reset: %v, want a read error of ECONNRESET", err)
	}
}

// TestStampOf reads the arrival out of control messages as the kernel lays
// them out, and stops at malformed ones rather than read past them.
func TestStampOf(t *testing.T) {
	const when = int64(1_700_000_000_123_456_789)
	ts := syscall.NsecToTimespec(when)
	stamp := cmsg(syscall.SCM_TIMESTAMPNS, unsafe.Slice((*byte)(unsafe.Pointer(&ts)), unsafe.Sizeof(ts)))
	other := cmsg(syscall.SCM_RIGHTS, []byte{1, 2, 3, 4})
	tooShort := cmsg(syscall.SCM_TIMESTAMPNS, []byte{1, 2, 3, 4})
	overlong := append([]byte(nil), stamp...)
	(*syscall.Cmsghdr)(unsafe.Pointer(&overlong[0])).SetLen(len(stamp) + 1)
	zeroLen := append([]byte(nil), stamp...)
	(*syscall.Cmsghdr)(unsafe.Pointer(&zeroLen[0])).SetLen(0)
	for _, tc := range []struct {
		name string
		oob  []byte
		want int64
	}{
		{"none", nil, 0},
		{"stamp", stamp, when},
		{"after another message", append(append([]byte(nil), other...), stamp...), when},
		{"another message only", other, 0},
		{"stamp without room for its value", tooShort, 0},
		{"length past the buffer", overlong, 0},
		{"length shorter than a header", zeroLen, 0},
		{"cut inside the header", stamp[:syscall.SizeofCmsghdr-1], 0},
	} {
		if got := stampOf(tc.oob); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

// cmsg lays out one socket-level control message of type typ.
func cmsg(typ int32, data []byte) []byte {
	b := make([]byte, syscall.CmsgSpace(len(data)))
	h := (*syscall.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level = syscall.SOL_SOCKET
	h.Type = typ
	h.SetLen(syscall.CmsgLen(len(data)))
	copy(b[syscall.CmsgLen(0):], data)
	return b
}
