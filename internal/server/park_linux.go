package server

import (
	"net"
	"runtime/debug"
	"sync"
	"syscall"
	"time"
)

// parker holds idle keep-alive connections without a goroutine each. A
// goroutine blocked on a socket keeps its stack (several KiB once it has
// served a request); a parked connection is only its structs, which is what
// lets ferry hold many thousands of idle clients cheaply. The connections sit
// in an epoll set of their own; when one becomes readable, a fresh goroutine
// resumes serving it, and a sweep closes those idle past the idle timeout.
type parker struct {
	srv  *Server
	once sync.Once
	epfd int
	// wake is a pipe whose read end is in the epoll set, written to stop
	// the loop at shutdown.
	wake [2]int

	mu     sync.Mutex
	conns  map[int]*conn
	closed bool
}

func newParker(s *Server) *parker {
	return &parker{srv: s, epfd: -1, conns: make(map[int]*conn)}
}

// start runs under the lock, so that stop sees either no loop or one it
// can wake, and a parker stopped before its first use never starts one.
func (p *parker) start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return
	}
	if err := syscall.Pipe2(p.wake[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		syscall.Close(epfd)
		return
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(p.wake[0])}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, p.wake[0], &ev); err != nil {
		syscall.Close(epfd)
		syscall.Close(p.wake[0])
		syscall.Close(p.wake[1])
		return
	}
	p.epfd = epfd
	go p.loop()
}

// park hands c over to the parker and reports whether it took it; if not,
// the caller keeps waiting on its own goroutine.
func (p *parker) park(c *conn) bool {
	fd := c.fd
	if fd == fdUnknown {
		fd = socketFD(c.nc)
	}
	p.once.Do(p.start)
	// epfd is read under the lock: the loop's shutdown resets it. c.fd is
	// written under it: Shutdown's take reads it.
	p.mu.Lock()
	defer p.mu.Unlock()
	c.fd = fd
	if fd < 0 || p.closed || p.epfd < 0 {
		return false
	}
	p.conns[c.fd] = c
	// Level-triggered and one-shot: bytes that arrived before this call
	// still wake the connection, and it wakes once.
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: int32(c.fd)}
	if err := syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		delete(p.conns, c.fd)
		return false
	}
	return true
}

// take removes c from the parker if it is parked there, and reports
// whether it was: whoever takes a parked connection owns it.
func (p *parker) take(c *conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.takeLocked(c.fd, c)
}

func (p *parker) takeLocked(fd int, want *conn) bool {
	if c, ok := p.conns[fd]; !ok || c != want {
		return false
	}
	delete(p.conns, fd)
	if p.epfd >= 0 {
		syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, fd, nil)
	}
	return true
}

// evictIdlest closes the connection parked longest, if there is one, and
// gives its slot back (see Server.takeSlot). It reports whether it closed
// one.
func (p *parker) evictIdlest() bool {
	p.mu.Lock()
	var idlest *conn
	for _, c := range p.conns {
		if idlest == nil || c.idleSince.Before(idlest.idleSince) {
			idlest = c
		}
	}
	taken := idlest != nil && p.takeLocked(idlest.fd, idlest)
	p.mu.Unlock()
	if taken {
		idlest.state.Store(stateClosed)
		idlest.finish()
	}
	return taken
}

// parkSweepInterval is how often parked connections are checked against
// the idle timeout, at most; a short idle timeout is checked a sixteenth
// of itself apart (sweepInterval), so that it is kept within a few percent.
const parkSweepInterval = time.Second

// sweepInterval is how often parked connections are checked against the
// idle timeout.
func (p *parker) sweepInterval() time.Duration {
	idle := p.srv.cfg.IdleTimeout
	if idle <= 0 {
		return parkSweepInterval
	}
	return min(parkSweepInterval, max(idle/16, 10*time.Millisecond))
}

// trimAfterParked is how many connections must have been parked since the
// last trim before the next sweep gives freed memory back to the system.
// A burst of clients that go idle leaves behind the stacks their goroutines
// grew while serving them; the runtime would return that memory to the
// system only slowly, so idle connections would look several KiB dearer
// than their parked structs are.
const trimAfterParked = 1024

func (p *parker) loop() {
	events := make([]syscall.EpollEvent, 256)
	interval := p.sweepInterval()
	lastSweep := time.Now()
	trimmedAt := 0
	for {
		// Rounded up, so that the sweep is due when the wait ends.
		n, err := syscall.EpollWait(p.epfd, events, int((interval+time.Millisecond-1)/time.Millisecond))
		if err != nil && err != syscall.EINTR {
			return
		}
		for _, ev := range events[:max(n, 0)] {
			if int(ev.Fd) == p.wake[0] {
				p.shutdown()
				return
			}
			p.resume(int(ev.Fd))
		}
		if now := time.Now(); now.Sub(lastSweep) >= interval {
			lastSweep = now
			parked := p.sweep(now)
			switch {
			case parked-trimmedAt >= trimAfterParked:
				debug.FreeOSMemory()
				trimmedAt = parked
			case parked < trimmedAt:
				trimmedAt = parked
			}
		}
	}
}

func (p *parker) resume(fd int) {
	p.mu.Lock()
	c := p.conns[fd]
	taken := c != nil && p.takeLocked(fd, c)
	p.mu.Unlock()
	if !taken {
		return
	}
	if !c.setActive() {
		// Shutdown closed it between its readiness and now.
		c.finish()
		return
	}
	p.srv.workers.run(c)
}

// sweep closes connections parked for longer than the idle timeout, and
// returns how many stay parked.
func (p *parker) sweep(now time.Time) int {
	timeout := p.srv.cfg.IdleTimeout
	var expired []*conn
	p.mu.Lock()
	for fd, c := range p.conns {
		if timeout > 0 && now.Sub(c.idleSince) >= timeout {
			p.takeLocked(fd, c)
			expired = append(expired, c)
		}
	}
	parked := len(p.conns)
	p.mu.Unlock()
	for _, c := range expired {
		c.state.Store(stateClosed)
		c.finish()
	}
	return parked
}

// stop ends the loop; the parked connections are closed by Shutdown.
func (p *parker) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.epfd >= 0 {
		// Under the lock, the loop's shutdown cannot have closed the pipe
		// (nor its descriptor been reused); the pipe never blocks.
		syscall.Write(p.wake[1], []byte{0})
	}
}

func (p *parker) shutdown() {
	p.mu.Lock()
	defer p.mu.Unlock()
	syscall.Close(p.epfd)
	p.epfd = -1
	syscall.Close(p.wake[0])
	syscall.Close(p.wake[1])
}

// socketFD returns the file descriptor of a TCP connection, or -1.
func socketFD(nc net.Conn) int {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return -1
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	raw.Control(func(f uintptr) { fd = int(f) })
	return fd
}
