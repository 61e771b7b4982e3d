package fileserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ferry/internal/servertest"
)

// TestSmallFileCache serves a small file from the cache and checks that
// every kind of change on disk is seen at once: rewritten in place,
// replaced by a rename (as uploads do), removed.
func TestSmallFileCache(t *testing.T) {
	s, dir := newServerFor(t, Options{}, map[string]string{"c.txt": "first"})
	path := filepath.Join(dir, "c.txt")
	s.cache.racy = 0
	addr := servertest.Start(t, s)
	get := func(want string) {
		t.Helper()
		resp := fetch(t, addr, "GET", "/files/c.txt")
		if resp.Status != 200 || string(resp.Body) != want {
			t.Fatalf("got %d %q, want 200 %q", resp.Status, resp.Body, want)
		}
	}
	get("first")
	if len(s.cache.entries) != 1 {
		t.Fatalf("cache holds %d entries after a GET, want 1", len(s.cache.entries))
	}
	get("first")
	if err := os.WriteFile(path, []byte("second, longer"), 0o644); err != nil {
		t.Fatal(err)
	}
	get("second, longer")
	tmp := filepath.Join(dir, "tmp")
	if err := os.WriteFile(tmp, []byte("third"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	get("third")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if resp := fetch(t, addr, "GET", "/files/c.txt"); resp.Status != 404 {
		t.Fatalf("removed file: %d, want 404", resp.Status)
	}
	if r := fetch(t, addr, "GET", "/files/c.txt", "Range: bytes=0-1"); r.Status != 404 {
		t.Fatalf("removed file with Range: %d", r.Status)
	}
}

// TestSmallFileCacheRanges serves ranges, multipart included, from cached
// bytes.
func TestSmallFileCacheRanges(t *testing.T) {
	s, _ := newServerFor(t, Options{}, map[string]string{"r.txt": "0123456789"})
	s.cache.racy = 0
	addr := servertest.Start(t, s)
	fetch(t, addr, "GET", "/files/r.txt")
	if len(s.cache.entries) != 1 {
		t.Fatal("not cached")
	}
	if r := fetch(t, addr, "GET", "/files/r.txt", "Range: bytes=2-4"); r.Status != 206 || string(r.Body) != "234" {
		t.Fatalf("range from the cache: %d %q", r.Status, r.Body)
	}
	r := fetch(t, addr, "GET", "/files/r.txt", "Range: bytes=0-0,-1")
	if r.Status != 206 || !strings.Contains(string(r.Body), "\r\n\r\n0\r\n") || !strings.Contains(string(r.Body), "\r\n\r\n9\r\n") {
		t.Fatalf("multipart from the cache: %d %q", r.Status, r.Body)
	}
}
