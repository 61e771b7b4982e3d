//go:build linux && !386

package http1

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// A request reflects the state of the files it names if that state was
// observed after the client sent it; a client sends a request no later
// than its bytes arrive, so any observation made after they arrived is
// fresh enough for it. The file server uses that to let one stat answer
// for every request that arrived shortly before it (see Request.Arrival
// and the small-file cache). The kernel timestamps each packet it
// receives on a socket that asks with SO_TIMESTAMPNS, and recvmsg reports
// the arrival of the last one a read consumed; a read costs about 0.1 µs
// more than read(2) that way. While any socket asks, the kernel reads the
// clock for every packet the machine receives; it turns that on a moment
// after the first asks (from a work queue), so the first packets after
// may come unstamped.

// stampedReader reads a TCP connection with recvmsg to learn when the
// bytes read arrived.
type stampedReader struct {
	conn *net.TCPConn
	raw  syscall.RawConn
	// recv is s.recvInRead, bound once so that a read allocates nothing;
	// p, n, stamp and errno carry its argument and results.
	recv  func(fd uintptr) bool
	p     []byte
	n     int
	stamp int64
	errno syscall.Errno
}

// newStampedReader asks the kernel to stamp the packets conn receives
// from now on and returns a stampedReader for it, or nil when conn is not
// a TCP connection or the kernel refuses.
func newStampedReader(conn net.Conn) *stampedReader {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return nil
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		return nil
	}
	s := &stampedReader{conn: tc, raw: raw}
	s.recv = s.recvInRead
	return s
}

// stampSpace holds the one control message a read can carry: its header
// and a timespec, each aligned.
const stampSpace = 64

// recvInRead runs inside RawConn.Read: it reports false to have it wait
// for the socket to become readable (under the read deadline) and call it
// again.
func (s *stampedReader) recvInRead(fd uintptr) bool {
	var oob [stampSpace]byte
	iov := syscall.Iovec{Base: &s.p[0]}
	iov.SetLen(len(s.p))
	msg := syscall.Msghdr{Iov: &iov, Control: &oob[0]}
	msg.Iovlen = 1
	msg.SetControllen(len(oob))
	for {
		n, _, errno := syscall.Syscall(syscall.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&msg)), 0)
		switch errno {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		s.n, s.errno, s.stamp = int(n), errno, 0
		if errno == 0 {
			s.stamp = stampOf(oob[:min(int(msg.Controllen), len(oob))])
		}
		return true
	}
}

// stampOf is the arrival time (Unix nanoseconds) in a read's control
// messages, or 0 when they hold none.
func stampOf(oob []byte) int64 {
	const head = syscall.SizeofCmsghdr
	for len(oob) >= head {
		h := (*syscall.Cmsghdr)(unsafe.Pointer(&oob[0]))
		size := int(h.Len)
		if size < head || size > len(oob) {
			return 0
		}
		data := syscall.CmsgLen(0)
		if h.Level == syscall.SOL_SOCKET && h.Type == syscall.SCM_TIMESTAMPNS && size >= data+int(unsafe.Sizeof(syscall.Timespec{})) {
			return (*syscall.Timespec)(unsafe.Pointer(&oob[data])).Nano()
		}
		oob = oob[min(syscall.CmsgSpace(size-data), len(oob)):]
	}
	return 0
}

// read reads into p and returns the arrival of the last packet read (Unix
// nanoseconds, 0 when unknown). Its errors read like net.Conn.Read's.
func (s *stampedReader) read(p []byte) (int, int64, error) {
	if len(p) == 0 {
		return 0, 0, nil
	}
	s.p = p
	err := s.raw.Read(s.recv)
	s.p = nil
	switch {
	case err != nil:
		if oe, ok := err.(*net.OpError); ok {
			oe.Op = "read"
		}
		return 0, 0, err
	case s.errno != 0:
		return 0, 0, &net.OpError{Op: "read", Net: "tcp", Source: s.conn.LocalAddr(), Addr: s.conn.RemoteAddr(), Err: os.NewSyscallError("recvmsg", s.errno)}
	case s.n == 0:
		return 0, 0, io.EOF
	}
	return s.n, s.stamp, nil
}
