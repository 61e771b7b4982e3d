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

// TestRequestArrival checks Request.Arrival on a connection accepted from
// a listener StampArrivals prepared: each request's is when its bytes
// arrived, after the client wrote them and before ReadHead returned. On
// any other connection it is unknown.
func TestRequestArrival(t *testing.T) {
	// slack covers the rounding between the kernel's stamp and the clock
	// this test reads.
	const slack = time.Millisecond
	c, s := tcpPairWith(t, StampArrivals)
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
	// The kernel may not stamp the first packets yet (see StampArrivals).
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if send(); !req.Arrival.IsZero() {
			break
		}
		if time.Now().After(end) {
			t.Fatal("no request got an arrival time")
		}
	}
	var previous time.Time
	for i := range 3 {
		sent := time.Now()
		send()
		read := time.Now()
		if req.Arrival.Before(sent.Add(-slack)) || req.Arrival.After(read.Add(slack)) {
			t.Fatalf("request %d: arrival %v is not between its write %v and its read %v", i, req.Arrival, sent, read)
		}
		if !req.Arrival.After(previous) {
			t.Fatalf("request %d: arrival %v, not after the previous request's %v", i, req.Arrival, previous)
		}
		previous = req.Arrival
		// Requests far enough apart that a stale arrival shows.
		time.Sleep(3 * slack)
	}

	c, s = tcpPair(t)
	rd = NewReader(s)
	send()
	if !req.Arrival.IsZero() {
		t.Fatalf("arrival %v on a connection without stamps, want the zero time", req.Arrival)
	}
}

// TestArrivalTime places kernel stamps on the clocks a request's arrival
// is compared with, and takes implausible ones as unknown.
func TestArrivalTime(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name  string
		stamp int64
		// want is the arrival's age; -1 for the zero time.
		want time.Duration
	}{
		{"none", 0, -1},
		{"half a second ago", now.Add(-maxStampAge / 2).UnixNano(), maxStampAge / 2},
		{"from the future", now.Add(time.Hour).UnixNano(), 0},
		{"older than believable", now.Add(-2 * maxStampAge).UnixNano(), -1},
		{"on another clock", int64(42 * time.Second), -1},
	} {
		got := arrivalTime(tc.stamp)
		if tc.want < 0 {
			if !got.IsZero() {
				t.Errorf("%s: %v, want the zero time", tc.name, got)
			}
			continue
		}
		// The arrival is placed by its age at a now read after this one;
		// between the two the clocks may drift apart by a hair.
		if age := now.Sub(got); age < tc.want-100*time.Millisecond || age > tc.want+100*time.Millisecond {
			t.Errorf("%s: %v old, want %v", tc.name, age, tc.want)
		}
	}
}

// TestStampedReaderErrors checks that a read through recvmsg ends as
// net.Conn.Read would: end of file, a passed deadline, a reset and a
// closed connection each give the error callers test for. Connections
// without stamps are read as before.
func TestStampedReaderErrors(t *testing.T) {
	c, s := tcpPairWith(t, StampArrivals)
	if newStampedReader(c) != nil {
		t.Error("a stampedReader for the client end, whose packets carry no stamps")
	}
	p, q := net.Pipe()
	defer p.Close()
	defer q.Close()
	if newStampedReader(p) != nil {
		t.Error("a stampedReader for a pipe")
	}
	sr := newStampedReader(s)
	if sr == nil {
		t.Fatal("no stampedReader for a stamped connection")
	}
	buf := make([]byte, 16)
	if _, err := c.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	if n, stamp, err := sr.read(buf); n != 2 || stamp == 0 || err != nil {
		t.Fatalf("read %d bytes stamped %d: %v; want 2, a stamp, no error", n, stamp, err)
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

	c, s = tcpPairWith(t, StampArrivals)
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
