package fileserver

import (
	"bytes"
	"io"
	"testing"
	"time"

	"ferry/internal/servertest"
)

// TestCachedFileAllocs guards the hot path of small downloads: a
// keep-alive GET of a file the cache holds, through the compressing
// middleware as cmd/ferry wires it, allocates nothing on the server (nor
// in this client).
func TestCachedFileAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	for _, size := range []int{0, 1 << 10} {
		addr, s := startWired(t, "f.bin", bytes.Repeat([]byte{'x'}, size))
		c := servertest.Dial(t, addr)
		req := []byte("GET /files/f.bin HTTP/1.1\r\nHost: x\r\n\r\n")
		first := make([]byte, 4096)
		if _, err := c.Write(req); err != nil {
			t.Fatal(err)
		}
		n, err := c.Read(first)
		if err != nil || !bytes.HasPrefix(first, []byte("HTTP/1.1 200 ")) || !bytes.HasSuffix(first[:n], bytes.Repeat([]byte{'x'}, size)) {
			t.Fatalf("first response %q, %v", first[:n], err)
		}
		resp := make([]byte, n)
		allocs := testing.AllocsPerRun(200, func() {
			if _, err := c.Write(req); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(c, resp); err != nil {
				t.Fatal(err)
			}
		})
		if !bytes.Equal(resp[:13], first[:13]) || s.cache.lookup([]byte("f.bin"), time.Time{}) == nil {
			t.Fatalf("size %d: last response %q, or the file was not served from the cache", size, resp)
		}
		if allocs > 0 {
			t.Errorf("size %d: %.2f allocations per cached GET, want 0", size, allocs)
		}
	}
}
