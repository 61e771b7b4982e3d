//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package fileserver

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestNotRegular refuses what is neither a file nor a folder: opening a
// FIFO would block until a writer came, so it must not even be opened.
func TestNotRegular(t *testing.T) {
	addr, dir := startReadServer(t, Options{}, map[string]string{"f.txt": "f"})
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	wantCode(t, fetch(t, addr, "GET", "/files/pipe"), 404)
	if got := string(fetch(t, addr, "GET", "/files/", "Accept: application/json").Body); strings.Contains(got, "pipe") {
		t.Errorf("FIFO listed: %s", got)
	}
}
