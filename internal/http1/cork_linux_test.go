package http1

import (
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestReadFromUncorks checks that a body sent corked leaves the socket
// uncorked: a cork left set would hold the next response's last partial
// segment for up to 200 ms.
func TestReadFromUncorks(t *testing.T) {
	for _, size := range []int{corkBodyBytes - 1, corkBodyBytes, 3 * sendfileSlice} {
		path := filepath.Join(t.TempDir(), "blob")
		if err := os.WriteFile(path, make([]byte, size), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		got, w := exchange(t, getReq, func(w *Response, _ *Request) {
			w.Header().SetContentLength(int64(size))
			if n, err := w.ReadFrom(f); n != int64(size) || err != nil {
				t.Errorf("ReadFrom: %d %v", n, err)
			}
			if corked := corkOf(t, w.conn); corked != 0 {
				t.Errorf("%d-byte body: TCP_CORK is %d after ReadFrom, want 0", size, corked)
			}
		})
		f.Close()
		if w.BodyBytes() != int64(size) || len(got) < size {
			t.Errorf("%d-byte body: sent %d, received %d bytes", size, w.BodyBytes(), len(got))
		}
	}
}

func corkOf(t *testing.T, conn net.Conn) int {
	t.Helper()
	raw, err := conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	raw.Control(func(fd uintptr) {
		v, gerr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK)
	})
	if gerr != nil {
		t.Fatal(gerr)
	}
	return v
}
