//go:build !linux

package http1

import "net"

// readWaiter is made only on Linux (see readwait_linux.go); elsewhere reads
// work as net.Conn's do.
type readWaiter struct{}

func newReadWaiter(net.Conn) *readWaiter { return nil }

func (*readWaiter) waitReadable() error { return nil }
