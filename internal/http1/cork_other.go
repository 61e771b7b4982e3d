//go:build !linux

package http1

import "net"

// cork does nothing where there is no TCP_CORK (see cork_linux.go).
func cork(net.Conn, bool) {}
