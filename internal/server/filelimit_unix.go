//go:build unix

package server

import "syscall"

// reservedFiles are the descriptors the server keeps for itself out of the
// open-file limit: standard streams, listener, pollers, the served folder,
// and the files requests are being served from.
const reservedFiles = 16

// ConnsWithinFileLimit returns how many connections the process's limit on
// open files leaves room for, one descriptor each, or 0 when it sets no
// practical bound. Past it, accept fails with EMFILE instead of the
// connection bound closing the idlest connection to make room.
func ConnsWithinFileLimit() int {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil || lim.Cur > 1<<30 {
		return 0
	}
	return max(1, int(lim.Cur)-reservedFiles)
}
