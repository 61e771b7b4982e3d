package fileserver

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ferry/internal/compress"
	"ferry/internal/servertest"
)

// fuzzFiles is what FuzzRead serves: a text file (compressible, so gzip
// forms are exercised), an empty one, and a folder to list.
var fuzzFiles = map[string]string{
	"a.txt":     strings.Repeat("0123456789abcdef", 64),
	"empty.txt": "",
	"d/b.bin":   "\x00\x01\x02binary",
}

// FuzzRead sends a GET with a fuzzed target and fuzzed header lines to the
// read-only file server behind the compressing middleware, as cmd/ferry
// wires them, and checks the one answer: it comes, it is a well-framed
// response, it is never a 500, and what it says about a file is true: a
// 200 carries the file's bytes (after gunzip when it says gzip), a 206 the
// part its Content-Range names. This drives the Range, If-Range,
// conditional, Accept and Accept-Encoding parsers with untrusted values.
func FuzzRead(f *testing.F) {
	dir := f.TempDir()
	for name, content := range fuzzFiles {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { root.Close() })
	addr := servertest.Start(f, compress.Middleware(New(root, Options{ReadOnly: true}), compress.Options{}))
	f.Fuzz(func(t *testing.T, target, fields string) {
		c, err := net.DialTimeout("tcp", addr, servertest.Timeout)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(servertest.Timeout))
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n\r\n", target, fields)
		c.(*net.TCPConn).CloseWrite()
		resp, err := servertest.ReadResponse(bufio.NewReader(c), "GET")
		if err != nil {
			t.Fatalf("GET %q with %q: %v", target, fields, err)
		}
		if resp.Status == 500 {
			t.Fatalf("GET %q with %q: 500", target, fields)
		}
		path, _, _ := strings.Cut(target, "?")
		name, ok := resolveName([]byte(path))
		content, isFile := fuzzFiles[name.Rel]
		if !ok || !isFile || name.Dir {
			return
		}
		body := resp.Body
		if resp.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("GET %q with %q: gzip: %v", target, fields, err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatalf("GET %q with %q: gunzip: %v", target, fields, err)
			}
		}
		switch {
		case resp.Status == 200 && string(body) != content:
			t.Fatalf("GET %q with %q: 200 with %q, not the file", target, fields, body)
		case resp.Status == 206 && !strings.HasPrefix(resp.Get("Content-Type"), "multipart/"):
			var first, last, size int
			if _, err := fmt.Sscanf(resp.Get("Content-Range"), "bytes %d-%d/%d", &first, &last, &size); err != nil ||
				size != len(content) || first > last || last >= size || string(body) != content[first:last+1] {
				t.Fatalf("GET %q with %q: 206 %q with %q", target, fields, resp.Get("Content-Range"), body)
			}
		}
	})
}
