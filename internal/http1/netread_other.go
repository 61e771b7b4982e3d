//go:build !linux

package http1

import "net"

// netReader reads a connection's bytes from the network. Elsewhere than on
// Linux, every read simply tries first (see netread_linux.go).
type netReader struct {
	conn net.Conn
}

func newNetReader(conn net.Conn) netReader { return netReader{conn: conn} }

func (nr *netReader) read(p []byte) (int, error) { return nr.conn.Read(p) }

func (nr *netReader) readAfterWait(p []byte) (int, error) { return nr.conn.Read(p) }
