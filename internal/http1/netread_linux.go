package http1

import (
	"io"
	"net"
	"os"
	"syscall"
)

// netReader reads a connection's bytes from the network. On Linux it can
// skip the read that is bound to fail: between keep-alive requests, the
// read that brought the last request emptied the socket, so trying again
// at once would only return EAGAIN before Go's poller parks the goroutine.
// readAfterWait parks first and reads once the poller reports bytes, which
// saves a system call per request (nginx reads the same way). Go's poller
// is edge-triggered: bytes arriving after a read always raise a new event,
// so nothing that arrived is missed, and an old event only costs a wasted
// read, never a hang.
type netReader struct {
	conn net.Conn
	raw  syscall.RawConn // nil when the connection has no socket

	// The read in progress, for readReady.
	p      []byte
	waited bool
	n      int
	err    error
	// ready is readReady bound once, so that a read allocates nothing.
	ready func(fd uintptr) bool
}

func newNetReader(conn net.Conn) netReader {
	nr := netReader{conn: conn}
	if sc, ok := conn.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			nr.raw = raw
		}
	}
	return nr
}

func (nr *netReader) read(p []byte) (int, error) { return nr.conn.Read(p) }

// readAfterWait waits until the socket is readable under the read
// deadline, then reads into p.
func (nr *netReader) readAfterWait(p []byte) (int, error) {
	if nr.raw == nil {
		return nr.conn.Read(p)
	}
	if nr.ready == nil {
		nr.ready = nr.readReady
	}
	nr.p, nr.waited, nr.n, nr.err = p, false, 0, nil
	err := nr.raw.Read(nr.ready)
	nr.p = nil
	switch {
	case err != nil:
		return 0, err
	case nr.err != nil:
		return 0, &net.OpError{Op: "read", Net: "tcp", Addr: nr.conn.RemoteAddr(), Err: os.NewSyscallError("read", nr.err)}
	case nr.n == 0 && len(p) > 0:
		return 0, io.EOF
	}
	return nr.n, nil
}

// readReady is called by the poller: first to ask whether to wait (yes),
// then each time the socket may be readable.
func (nr *netReader) readReady(fd uintptr) bool {
	if !nr.waited {
		nr.waited = true
		return false
	}
	for {
		n, err := syscall.Read(int(fd), nr.p)
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		case nil:
			nr.n = n
		default:
			nr.err = err
		}
		return true
	}
}
