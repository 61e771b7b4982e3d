//go:build linux

package http1

import (
	"net"
	"os"
	"reflect"
	"syscall"
	"unsafe"
)

// net.Conn.Read always tries the read first and waits only once it failed
// with EAGAIN. A keep-alive connection that has just answered almost never
// has its next request yet, so that first read is wasted: with the socket
// read, the response write and the file's stat, it was one system call in
// four of every request, and a system call here costs about 1.5 µs. nginx
// skips it: after a read that did not fill its buffer, it waits for epoll
// to report new data.
//
// A readWaiter does the same inside Go's own poller. The runtime records
// every edge it reports for a socket (its epoll registration is
// edge-triggered) until a goroutine waits for it, so after a read that
// drained the socket, waiting on the socket's poll descriptor cannot miss
// data: whatever arrived since was reported as a new edge. net.Conn.Read
// cannot be used for that wait, since it clears a recorded edge first
// (which is safe only because it reads next), so the readWaiter calls the
// runtime's wait directly (internal/poll.runtime_pollWait) on the poll
// descriptor of the connection's own netFD.
//
// That descriptor is not exported: its place in net.TCPConn is found by
// field name with reflect once, and each connection's is checked against
// the socket's file descriptor before it is used. If net's layout ever
// changes, waiters are simply not made, and reads work as net.Conn's do.
type readWaiter struct {
	conn *net.TCPConn
	raw  syscall.RawConn
	ctx  uintptr // the runtime's poll descriptor
	// wait is w.waitInControl, bound once so that a wait allocates nothing.
	wait func(fd uintptr)
	code int
}

// The runtime's answers to runtime_pollWait (runtime/netpoll.go) other
// than 0, ready.
const (
	pollErrClosing = 1
	pollErrTimeout = 2
)

//go:linkname runtimePollWait internal/poll.runtime_pollWait
func runtimePollWait(ctx uintptr, mode int) int

// pollLayout is where a *net.TCPConn keeps its netFD pointer, and where the
// netFD keeps its file descriptor and its runtime poll descriptor.
var pollLayout = findPollLayout()

type pollOffsets struct {
	ok       bool
	netFD    uintptr // offset of conn.fd (*netFD) in TCPConn
	sysfd    uintptr // offset of pfd.Sysfd in netFD
	pollDesc uintptr // offset of pfd.pd.runtimeCtx in netFD
}

func findPollLayout() pollOffsets {
	netFDAt, fdType, ok := fieldOffset(reflect.TypeFor[net.TCPConn](), "conn", "fd")
	if !ok || fdType.Kind() != reflect.Pointer {
		return pollOffsets{}
	}
	netFD := fdType.Elem()
	sysfdAt, sysfdType, ok := fieldOffset(netFD, "pfd", "Sysfd")
	if !ok || sysfdType.Kind() != reflect.Int {
		return pollOffsets{}
	}
	pdAt, pdType, ok := fieldOffset(netFD, "pfd", "pd", "runtimeCtx")
	if !ok || pdType.Kind() != reflect.Uintptr {
		return pollOffsets{}
	}
	return pollOffsets{ok: true, netFD: netFDAt, sysfd: sysfdAt, pollDesc: pdAt}
}

// fieldOffset follows a path of struct fields from t, each named in the one
// before, and returns the last one's offset in t and its type.
func fieldOffset(t reflect.Type, path ...string) (uintptr, reflect.Type, bool) {
	var at uintptr
	for _, name := range path {
		if t.Kind() != reflect.Struct {
			return 0, nil, false
		}
		f, ok := t.FieldByName(name)
		if !ok {
			return 0, nil, false
		}
		at += f.Offset
		t = f.Type
	}
	return at, t, true
}

// newReadWaiter returns a waiter for conn, or nil when conn is not a TCP
// connection whose poll descriptor can be found and checked.
func newReadWaiter(conn net.Conn) *readWaiter {
	tc, ok := conn.(*net.TCPConn)
	if !ok || !pollLayout.ok {
		return nil
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	w := &readWaiter{conn: tc, raw: raw}
	checked := false
	err = raw.Control(func(fd uintptr) {
		netFD := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(tc), pollLayout.netFD))
		if netFD == nil || *(*int)(unsafe.Add(netFD, pollLayout.sysfd)) != int(fd) {
			return
		}
		// The runtime's pollDesc lives outside the Go heap; it starts with
		// a link pointer and then the descriptor it polls.
		pd := *(*unsafe.Pointer)(unsafe.Add(netFD, pollLayout.pollDesc))
		checked = pd != nil && *(*uintptr)(unsafe.Add(pd, unsafe.Sizeof(uintptr(0)))) == fd
		w.ctx = uintptr(pd)
	})
	if err != nil || !checked {
		return nil
	}
	w.wait = w.waitInControl
	return w
}

// waitInControl runs inside RawConn.Control, which holds a reference on
// the descriptor: a Close from another goroutine wakes the wait with
// pollErrClosing, and the runtime cannot free the poll descriptor under it.
func (w *readWaiter) waitInControl(uintptr) {
	w.code = runtimePollWait(w.ctx, 'r')
}

// waitReadable blocks until the socket reports new data, an error or its
// end, or until the read deadline set on the connection passes. Its errors
// read like those of net.Conn.Read.
func (w *readWaiter) waitReadable() error {
	err := w.raw.Control(w.wait)
	switch {
	case err != nil:
	case w.code == pollErrTimeout:
		err = os.ErrDeadlineExceeded
	case w.code == pollErrClosing:
		err = net.ErrClosed
	default:
		// Anything else is left to the read that follows to report.
		return nil
	}
	return &net.OpError{Op: "read", Net: "tcp", Source: w.conn.LocalAddr(), Addr: w.conn.RemoteAddr(), Err: err}
}
