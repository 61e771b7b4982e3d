//go:build unix

package server

import "syscall"

// Descriptors the file limit is shared out by (ConnsWithinFileLimit).
const (
	// reservedFiles are the server's own: standard streams, listener,
	// pollers, the served folder.
	reservedFiles = 16
	// filesPerConn are a connection's socket and the file it serves or
	// receives.
	filesPerConn = 2
)

// ConnsWithinFileLimit returns how many connections the process's limit on
// open files leaves room for, or 0 when it sets no practical bound. Past
// it, accept fails with EMFILE instead of the connection bound closing the
// idlest connection, and idle clients could lock new ones out.
func ConnsWithinFileLimit() int {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil || lim.Cur > 1<<30 {
		return 0
	}
	return max(1, (int(lim.Cur)-reservedFiles)/filesPerConn)
}
