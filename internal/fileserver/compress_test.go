package fileserver

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ferry/internal/compress"
	"ferry/internal/servertest"
)

// TestThroughCompression serves files through the compressing middleware,
// as cmd/ferry wires it, to a client that accepts gzip. Files it leaves
// alone and ranges go through its ReadFrom, which must, like
// http1.Response's, stop at the declared length: sendBody hands it the
// whole file.
func TestThroughCompression(t *testing.T) {
	dir := t.TempDir()
	bin := make([]byte, 3<<20+17)
	rand.NewChaCha8([32]byte{2}).Read(bin)
	if err := os.WriteFile(filepath.Join(dir, "a.bin"), bin, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "r.txt"), []byte(rangeFile), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	addr := servertest.Start(t, compress.Middleware(New(root, Options{}), compress.Options{}))

	resp := fetch(t, addr, "GET", "/files/a.bin", "Accept-Encoding: gzip")
	wantCode(t, resp, 200)
	if resp.Get("Content-Encoding") != "" || !bytes.Equal(resp.Body, bin) {
		t.Errorf("a.bin: Content-Encoding %q, %d bytes, want the file's %d", resp.Get("Content-Encoding"), len(resp.Body), len(bin))
	}

	resp = fetch(t, addr, "GET", "/files/a.bin", "Accept-Encoding: gzip", "Range: bytes=1000-2000000")
	wantCode(t, resp, 206)
	if !bytes.Equal(resp.Body, bin[1000:2000001]) {
		t.Errorf("a.bin range: %d bytes, not the range", len(resp.Body))
	}

	resp = fetch(t, addr, "GET", "/files/r.txt", "Accept-Encoding: gzip", "Range: bytes=0-4,-5")
	wantCode(t, resp, 206)
	if !strings.HasPrefix(resp.Get("Content-Type"), "multipart/byteranges") || !bytes.Contains(resp.Body, []byte(rangeFile[:5])) {
		t.Errorf("multipart through the middleware: %q %q", resp.Get("Content-Type"), resp.Body)
	}
}

// TestHeadMatchesGetCompressed asks HEAD first, before any GET could fill
// the compressed-file cache: HEAD must carry the headers GET then sends.
func TestHeadMatchesGetCompressed(t *testing.T) {
	s, _ := newServerFor(t, Options{}, map[string]string{"t.txt": strings.Repeat("a line of text that compresses well\n", 500)})
	addr := servertest.Start(t, compress.Middleware(s, compress.Options{}))
	head := fetch(t, addr, "HEAD", "/files/t.txt", "Accept-Encoding: gzip")
	get := fetch(t, addr, "GET", "/files/t.txt", "Accept-Encoding: gzip")
	wantCode(t, head, 200)
	wantCode(t, get, 200)
	for _, name := range []string{"Content-Encoding", "Content-Length", "ETag", "Content-Type", "Vary"} {
		if head.Get(name) != get.Get(name) {
			t.Errorf("%s: HEAD %q, GET %q", name, head.Get(name), get.Get(name))
		}
	}
	if get.Get("Content-Encoding") != "gzip" || len(head.Body) != 0 {
		t.Errorf("GET Content-Encoding %q, HEAD body %d bytes", get.Get("Content-Encoding"), len(head.Body))
	}
}
