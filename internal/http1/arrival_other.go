//go:build !linux || 386

package http1

import "net"

// stampedReader is made only on Linux (see arrival_linux.go), and not on
// 32-bit x86, whose system call numbers in package syscall lack recvmsg;
// elsewhere reads work as net.Conn's do and Request.Arrival stays zero.
type stampedReader struct{}

func newStampedReader(net.Conn) *stampedReader { return nil }

func (*stampedReader) read(p []byte) (int, int64, error) { return 0, 0, nil }
