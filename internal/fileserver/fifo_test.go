//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package fileserver

import (
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestNotRegular refuses what is neither a file nor a folder: opening a
// FIFO would block until a writer came, so it must not even be opened, and
// a Unix socket cannot be opened at all.
func TestNotRegular(t *testing.T) {
	addr, dir := startReadServer(t, Options{}, map[string]string{"f.txt": "f"})
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	ln, err := net.Listen("unix", filepath.Join(dir, "sock"))
	if err != nil {
		t.Skip("no Unix sockets here:", err)
	}
	defer ln.Close()
	for _, name := range []string{"pipe", "sock"} {
		wantCode(t, fetch(t, addr, "GET", "/files/"+name), 404)
		wantCode(t, fetch(t, addr, "HEAD", "/files/"+name), 404)
		if got := string(fetch(t, addr, "GET", "/files/", "Accept: application/json").Body); strings.Contains(got, name) {
			t.Errorf("%s listed: %s", name, got)
		}
	}
}
