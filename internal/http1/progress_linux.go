package http1

import (
	"net"

	"golang.org/x/sys/unix"
)

// ackedBytes is how many bytes of conn's output the peer has acknowledged
// so far (TCP_INFO's bytes_acked), or -1 when that cannot be told.
func ackedBytes(conn net.Conn) int64 {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return -1
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return -1
	}
	acked := int64(-1)
	raw.Control(func(fd uintptr) {
		if info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
			acked = int64(info.Bytes_acked)
		}
	})
	return acked
}
