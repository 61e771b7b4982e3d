package fileserver

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"ferry/internal/compress"
	"ferry/internal/servertest"
)

// BenchmarkSmallFile is a keep-alive GET of a small file over loopback,
// through the compressing middleware as cmd/ferry wires it, from a client
// that does not ask for compression (as wrk does), and of a 64 KiB text
// file from one that does (served from the compressed-file cache).
func BenchmarkSmallFile(b *testing.B) {
	for _, tc := range []struct {
		name, file, header string
		size               int
	}{
		{"0B", "f.bin", "", 0},
		{"1KiB", "f.bin", "", 1 << 10},
		{"gzip64KiB", "f.txt", "Accept-Encoding: gzip\r\n", 64 << 10},
	} {
		b.Run(tc.name, func(b *testing.B) {
			content := bytes.Repeat([]byte("a line of text, compressible "), tc.size/29+1)[:tc.size]
			addr, _ := startWired(b, tc.file, content)
			c := servertest.Dial(b, addr)
			br := bufio.NewReader(c)
			req := []byte("GET /files/" + tc.file + " HTTP/1.1\r\nHost: x\r\n" + tc.header + "\r\n")
			b.ReportAllocs()
			for b.Loop() {
				c.Write(req)
				resp, err := servertest.ReadResponse(br, "GET")
				if err != nil || resp.Status != 200 || (tc.header == "" && len(resp.Body) != tc.size) {
					b.Fatal(err, resp)
				}
			}
		})
	}
}

// startWired serves a folder holding the file name with content, through
// the compressing middleware as cmd/ferry wires it, with the small-file
// cache taking files at once.
func startWired(tb testing.TB, name string, content []byte) (string, *Server) {
	tb.Helper()
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
		tb.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { root.Close() })
	s := New(root, Options{})
	s.cache.racy = 0
	return servertest.Start(tb, compress.Middleware(s, compress.Options{})), s
}

// hitCheckDir is a folder holding the empty file f.bin, for the hit check
// benchmarks.
func hitCheckDir(b *testing.B) string {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f.bin"), nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkHitCheck compares the ways of checking that a cached file is
// unchanged: os.Root.Stat (the baseline) and statAt, the statx relative to
// the folder the cache uses (BenchmarkHitCheckFstatat, on Linux, is the
// fstatat it replaced).
func BenchmarkHitCheck(b *testing.B) {
	root, err := os.OpenRoot(hitCheckDir(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { root.Close() })
	b.Run("os.Root.Stat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := root.Stat("f.bin"); err != nil {
				b.Fatal(err)
			}
		}
	})
	dirFile := openStatDir(root)
	if dirFile == nil {
		b.Skip("no statAt on this system")
	}
	b.Cleanup(func() { dirFile.Close() })
	b.Run("statAt", func(b *testing.B) {
		name := statName("f.bin")
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := statAt(dirFile, name); !ok {
				b.Fatal("statAt failed")
			}
		}
	})
}
