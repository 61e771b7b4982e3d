//go:build !linux

package http1

import "net"

// StampArrivals does nothing here: packet timestamps are read on Linux
// only (see arrival_linux.go), and Request.Arrival stays zero.
func StampArrivals(net.Listener) {}

// stampedReader is made only on Linux; elsewhere reads work as
// net.Conn's do.
type stampedReader struct{}

func newStampedReader(net.Conn) *stampedReader { return nil }

func (*stampedReader) read(p []byte) (int, int64, error) { return 0, 0, nil }
