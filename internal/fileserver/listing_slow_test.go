//go:build unix

package fileserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"ferry/internal/servertest"
)

// slowListingReader asks for target on a connection whose receive buffer
// is a few KiB and then reads nothing, so that a listing larger than the
// server's send buffer cannot be written out whole.
func slowListingReader(t *testing.T, addr, target string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: servertest.Timeout, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return serr
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, "GET "+target+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	// The head arrives once the listing is built and is being sent.
	c.SetReadDeadline(time.Now().Add(servertest.Timeout))
	if _, err := bufio.NewReaderSize(c, 16).Peek(12); err != nil {
		t.Fatalf("no answer to the slow reader: %v", err)
	}
	return c
}

// bigFolder holds enough entries with long names for a listing of several
// MiB, more than a socket's send buffer.
func bigFolder() map[string]string {
	files := map[string]string{"small/a.txt": "a"}
	long := strings.Repeat("n", 200)
	for i := range 12000 {
		files[fmt.Sprintf("big/%05d-%s", i, long)] = ""
	}
	return files
}

// TestSlowListingReadersBlockNobody: clients that ask for a large listing
// and do not read it, more of them than listings are built at once, hold
// up neither other listings nor the rest of the server.
func TestSlowListingReadersBlockNobody(t *testing.T) {
	addr, _ := startReadServer(t, Options{}, bigFolder())
	for range max(2, runtime.GOMAXPROCS(0)) + 1 {
		slowListingReader(t, addr, "/files/big/")
	}
	if resp := fetch(t, addr, "GET", "/files/small/"); resp.Status != 200 || !strings.Contains(string(resp.Body), "a.txt") {
		t.Fatalf("small listing behind slow readers: %d", resp.Status)
	}
}

// TestListingBudget: large listings being sent count against a budget;
// past it, a large listing is refused with 503 and Retry-After, while a
// small one, or a HEAD, is still served. The first large listing always
// goes.
func TestListingBudget(t *testing.T) {
	s, _ := newServerFor(t, Options{}, bigFolder())
	s.listingBudget = 1 << 20
	addr := servertest.Start(t, s)
	slowListingReader(t, addr, "/files/big/")
	resp := fetch(t, addr, "GET", "/files/big/")
	if resp.Status != 503 || resp.Get("Retry-After") == "" {
		t.Fatalf("second large listing over the budget: %d, Retry-After %q", resp.Status, resp.Get("Retry-After"))
	}
	if resp := fetch(t, addr, "GET", "/files/small/"); resp.Status != 200 {
		t.Fatalf("small listing: %d", resp.Status)
	}
	if resp := fetch(t, addr, "HEAD", "/files/big/"); resp.Status != 200 {
		t.Fatalf("HEAD of a large listing, which sends no body: %d", resp.Status)
	}
}
