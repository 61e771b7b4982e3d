package http1

import (
	"bytes"
	"errors"
	"net"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestReadWaiterFound checks that the poll descriptor of a TCP connection
// is found: if net's layout changed, every keep-alive request would quietly
// cost a read again. Connections that are not plain TCP get no waiter.
func TestReadWaiterFound(t *testing.T) {
	c, s := tcpPair(t)
	if newReadWaiter(s) == nil || newReadWaiter(c) == nil {
		t.Fatal("no readWaiter for a TCP connection")
	}
	if newReadWaiter(trickleConn{s}) != nil {
		t.Error("a readWaiter for a wrapped connection")
	}
	p, q := net.Pipe()
	defer p.Close()
	defer q.Close()
	if newReadWaiter(p) != nil {
		t.Error("a readWaiter for a pipe")
	}
}

// TestWaitForAfterDrainedRead walks WaitFor through the waits a keep-alive
// connection makes after a read that drained its socket: data arriving
// later wakes it, a quiet client runs it into its timeout with the Reader
// still usable, and a Close from another goroutine (Shutdown) ends it.
func TestWaitForAfterDrainedRead(t *testing.T) {
	c, s := tcpPair(t)
	rd := NewReader(s)
	next := func(want string) {
		t.Helper()
		ready, err := rd.WaitFor(5 * time.Second)
		if !ready || err != nil {
			t.Fatalf("WaitFor: %v, %v", ready, err)
		}
		got := make([]byte, len(want))
		if n, err := rd.Read(got); n != len(want) || string(got) != want {
			t.Fatalf("read %q, %v; want %q", got[:n], err, want)
		}
	}
	if _, err := c.Write([]byte("one")); err != nil {
		t.Fatal(err)
	}
	next("one")
	if !rd.drained {
		t.Fatal("a short read did not mark the socket drained")
	}
	written := make(chan error, 1)
	go func() {
		_, err := c.Write([]byte("two"))
		written <- err
	}()
	next("two")
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	if rd.waiter == nil {
		t.Fatal("the wait after a drained read did not use a readWaiter")
	}

	if ready, err := rd.WaitFor(20 * time.Millisecond); ready || err != nil {
		t.Fatalf("WaitFor on a quiet client: %v, %v; want a timeout", ready, err)
	}
	if _, err := c.Write([]byte("three")); err != nil {
		t.Fatal(err)
	}
	next("three")

	done := make(chan error, 1)
	go func() {
		_, err := rd.WaitFor(0)
		done <- err
	}()
	s.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("WaitFor across Close: %v, want net.ErrClosed", err)
	}
}

// TestKeepAliveWaitReadsOnce counts the read system calls of this process
// (syscr in /proc/self/io) over keep-alive round trips: the server's wait
// for each next request must not read the empty socket first. The client
// is a blocking socket, so that each of its round trips costs exactly one
// read; the server then makes one, against two for a read-then-wait.
func TestKeepAliveWaitReadsOnce(t *testing.T) {
	if _, err := readSyscalls(); err != nil {
		t.Skip("no /proc/self/io:", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	tv := syscall.NsecToTimeval(int64(20 * time.Second))
	syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
	addr := &syscall.SockaddrInet4{Port: ln.Addr().(*net.TCPAddr).Port, Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Connect(fd, addr); err != nil {
		t.Fatal(err)
	}
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))

	const rounds = 200
	served := make(chan error, 1)
	go func() {
		rd := NewReader(conn)
		req := make([]byte, 4)
		for range rounds {
			if ready, err := rd.WaitFor(10 * time.Second); !ready {
				served <- errors.Join(errors.New("no request"), err)
				return
			}
			if _, err := rd.Read(req); err != nil {
				served <- err
				return
			}
			if _, err := conn.Write([]byte("pong")); err != nil {
				served <- err
				return
			}
		}
		served <- nil
	}()

	before, _ := readSyscalls()
	answer := make([]byte, 4)
	for i := range rounds {
		if _, err := syscall.Write(fd, []byte("ping")); err != nil {
			t.Fatal(err)
		}
		if n, err := syscall.Read(fd, answer); n != len(answer) || !bytes.Equal(answer, []byte("pong")) {
			t.Fatalf("round %d: read %q, %v", i, answer[:max(n, 0)], err)
		}
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	after, _ := readSyscalls()
	// One read each side per round; the slack covers reading /proc and
	// the odd read of the runtime's own (its poller's wake-up eventfd).
	if reads := after - before; reads > 2*rounds+rounds/4 {
		t.Errorf("%d read system calls for %d keep-alive round trips, want about %d", reads, rounds, 2*rounds)
	}
}

// readSyscalls returns how many read system calls this process has made.
func readSyscalls() (int, error) {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0, err
	}
	_, rest, ok := bytes.Cut(b, []byte("syscr: "))
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	if !ok {
		return 0, errors.New("no syscr in /proc/self/io")
	}
	return strconv.Atoi(string(line))
}
