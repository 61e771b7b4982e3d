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
	s := New(root, Options{ReadOnly: true})
	// The files were just written: without this, none would be cached,
	// and hits, looked up by the request's bytes, would go unfuzzed.
	s.cache.racy = 0
	addr := servertest.Start(f, compress.Middleware(s, compress.Options{}))
	f.Fuzz(func(t *testing.T, target, fields string) {
		c, err := net.DialTimeout("tcp", addr, servertest.Timeout)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(servertest.Timeout))
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n", target, fuzzedLines(fields))
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

// FuzzWrite sends a PUT or POST with a fuzzed target, header lines and body
// to a writable file server, and checks what it leaves: never a 500, never
// a temporary file, nothing written beside the served folder, and after a
// 201 or 204 the named file holds exactly the body. The folder is emptied
// after each request.
func FuzzWrite(f *testing.F) {
	base := f.TempDir()
	dir := filepath.Join(base, "served")
	if err := os.Mkdir(dir, 0o755); err != nil {
		f.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { root.Close() })
	addr := servertest.Start(f, New(root, Options{MaxUpload: 1 << 16}))
	f.Fuzz(func(t *testing.T, post bool, target, fields string, body []byte) {
		defer clearFolder(t, dir)
		method := "PUT"
		if post {
			method = "POST"
		}
		c, err := net.DialTimeout("tcp", addr, servertest.Timeout)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(servertest.Timeout))
		fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n%s\r\n", method, target, len(body), fuzzedLines(fields))
		c.Write(body)
		c.(*net.TCPConn).CloseWrite()
		resp, err := servertest.ReadResponse(bufio.NewReader(c), method)
		if err != nil {
			t.Fatalf("%s %q with %q: %v", method, target, fields, err)
		}
		if resp.Status == 500 {
			t.Fatalf("%s %q with %q: 500", method, target, fields)
		}
		// The response can go out before the connection's end is
		// processed; the upload is committed (or abandoned) before it.
		entries, err := os.ReadDir(base)
		if err != nil || len(entries) != 1 || entries[0].Name() != "served" {
			t.Fatalf("%s %q with %q: the folder holding the served one has %v, %v", method, target, fields, entries, err)
		}
		if err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && strings.HasPrefix(d.Name(), uploadTempPrefix) {
				return fmt.Errorf("temporary file %s left", p)
			}
			return err
		}); err != nil {
			t.Fatalf("%s %q with %q: %v", method, target, fields, err)
		}
		// Line ends in the fuzzed fields can end the head early (a bare LF
		// counts as one, RFC 9112 §2.2), and then the body is not the one
		// sent; what was stored is checked only for a single field line.
		if resp.Status != 201 && resp.Status != 204 || strings.ContainsAny(fields, "\r\n") {
			return
		}
		path, _, _ := strings.Cut(target, "?")
		name, ok := resolveName([]byte(path))
		if !ok {
			t.Fatalf("%s %q: %d for a path resolveName refuses", method, target, resp.Status)
		}
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name.Rel)))
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("%s %q with %q: %d, then the file holds %q, %v; want %q", method, target, fields, resp.Status, got, err, body)
		}
	})
}

// clearFolder removes everything inside dir.
func clearFolder(t *testing.T, dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
}

// fuzzedLines turns a fuzzed block of header lines into head text: nothing
// when it is empty, else the block ended by its line end.
func fuzzedLines(fields string) string {
	if fields == "" {
		return ""
	}
	return fields + "\r\n"
}
