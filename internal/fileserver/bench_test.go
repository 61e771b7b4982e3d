package fileserver

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"ferry/internal/compress"
	"ferry/internal/servertest"
)

// BenchmarkSmallFile is a keep-alive GET of a small file over loopback,
// through the compressing middleware as cmd/ferry wires it, from a client
// that does not ask for compression (as wrk does).
func BenchmarkSmallFile(b *testing.B) {
	for _, size := range []int{0, 1 << 10} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			dir := b.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "f.bin"), make([]byte, size), 0o644); err != nil {
				b.Fatal(err)
			}
			root, err := os.OpenRoot(dir)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { root.Close() })
			addr := servertest.Start(b, compress.Middleware(New(root, Options{}), compress.Options{}))
			c := servertest.Dial(b, addr)
			br := bufio.NewReader(c)
			req := []byte("GET /files/f.bin HTTP/1.1\r\nHost: x\r\n\r\n")
			b.ReportAllocs()
			for b.Loop() {
				c.Write(req)
				resp, err := servertest.ReadResponse(br, "GET")
				if err != nil || resp.Status != 200 || len(resp.Body) != size {
					b.Fatal(err, resp)
				}
			}
		})
	}
}
