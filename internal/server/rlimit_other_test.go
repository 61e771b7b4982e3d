//go:build !linux

package server_test

import "testing"

// raiseFileLimit skips the test: the tests raise the open file limit only
// on Linux, where CI runs them.
func raiseFileLimit(t *testing.T, n uint64) {
	t.Skipf("needs %d open files; the limit is raised only on Linux", n)
}
