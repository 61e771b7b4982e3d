//go:build linux && !386

package fileserver

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"path/filepath"
	"testing"

	"ferry/internal/servertest"
)

// TestSmallFileCacheSharedThroughConnection checks, through a real
// connection, that a stat is shared with a request that arrived before it
// began: the kernel's arrival stamp goes from the connection to the file
// server's lookup. Three requests come in one packet: a small file (its
// check stats), a large file the client leaves unread (the server waits
// on it), and the small file again. The file changes while the server
// waits, after the check; the third request arrived before that check
// and the change, so the check answers it and it gets the old content
// (linearizable: that is the file as it was while it was in flight).
// Without the stamp reaching lookup it would stat again and get the new
// one. The check must begin less than maxSharedCheckLead after the packet
// arrived, which a loaded machine can miss once, so the round is tried a
// few times; a broken wiring fails every round.
func TestSmallFileCacheSharedThroughConnection(t *testing.T) {
	s, dir := newServerFor(t, Options{}, map[string]string{"c.txt": "old"})
	s.cache.racy = 0
	// Larger than loopback's socket buffers can hold (the client's
	// receive buffer is made small below), so its response waits.
	big := bytes.Repeat([]byte("b"), 32<<20)
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	addr := servertest.Start(t, s)
	const rounds = 3
	for round := range rounds {
		putFile(t, filepath.Join(dir, "c.txt"), "old")
		if sharedAcrossChange(t, addr, dir, int64(len(big))) {
			return
		}
		t.Logf("round %d: the third request stat'd on its own", round)
	}
	t.Fatalf("in %d rounds a request that arrived before a check never shared it", rounds)
}

// sharedAcrossChange runs one round on a fresh connection and reports
// whether the third request got the content from before the change.
func sharedAcrossChange(t *testing.T, addr, dir string, bigSize int64) bool {
	t.Helper()
	c := servertest.Dial(t, addr)
	if err := c.(*net.TCPConn).SetReadBuffer(32 << 10); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	get := "GET /files/c.txt HTTP/1.1\r\nHost: x\r\n\r\n"
	// The first request caches the file and turns the connection's
	// arrival stamps on for the requests after it.
	send(t, c, get)
	wantGet(t, br, "old")
	send(t, c, get+"GET /files/big.bin HTTP/1.1\r\nHost: x\r\n\r\n"+get)
	wantGet(t, br, "old")
	putFile(t, filepath.Join(dir, "c.txt"), "new, and longer")
	if resp := readResponse(t, br, "GET"); resp.Status != 200 || int64(len(resp.Body)) != bigSize {
		t.Fatalf("big file: %d, %d bytes", resp.Status, len(resp.Body))
	}
	third := readResponse(t, br, "GET")
	switch string(third.Body) {
	case "old":
		send(t, c, get)
		wantGet(t, br, "new, and longer")
		return true
	case "new, and longer":
		return false
	}
	t.Fatalf("third request: %d %q", third.Status, third.Body)
	return false
}

// wantGet reads the response to a GET and checks it is 200 with want.
func wantGet(t *testing.T, br *bufio.Reader, want string) {
	t.Helper()
	if resp := readResponse(t, br, "GET"); resp.Status != 200 || string(resp.Body) != want {
		t.Fatalf("got %d %q, want 200 %q", resp.Status, resp.Body, want)
	}
}
