package fileserver

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// TestSmallFileCacheRequestForms checks the two ways a hit is looked up:
// by the request's own bytes when decoding would not change them, and by
// the decoded name otherwise. A percent-encoded name is served from the
// cache and its changes are seen; forms of a cached name that resolve to
// nothing valid get the same answer as before it was cached.
func TestSmallFileCacheRequestForms(t *testing.T) {
	s, dir := newServerFor(t, Options{}, map[string]string{"my file.txt": "spaced", "c.txt": "plain"})
	s.cache.racy = 0
	addr := servertest.Start(t, s)
	odd := []string{"/files/./c.txt", "/files//c.txt", "/files/c.txt/", "/files/x/../c.txt", "/files/c.txt%00"}
	before := make([]int, len(odd))
	for i, target := range odd {
		before[i] = fetch(t, addr, "GET", target).Status
	}
	for range 2 {
		if r := fetch(t, addr, "GET", "/files/my%20file.txt"); r.Status != 200 || string(r.Body) != "spaced" {
			t.Fatalf("encoded name: %d %q", r.Status, r.Body)
		}
		if r := fetch(t, addr, "GET", "/files/c.txt"); r.Status != 200 || string(r.Body) != "plain" {
			t.Fatalf("plain name: %d %q", r.Status, r.Body)
		}
	}
	if s.cache.entries["my file.txt"] == nil || s.cache.entries["c.txt"] == nil {
		t.Fatalf("cached names: %v", s.cache.entries)
	}
	if err := os.WriteFile(filepath.Join(dir, "my file.txt"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := fetch(t, addr, "GET", "/files/my%20file.txt"); r.Status != 200 || string(r.Body) != "changed" {
		t.Fatalf("encoded name after a change: %d %q", r.Status, r.Body)
	}
	if r := fetch(t, addr, "HEAD", "/files/c.txt"); r.Status != 200 || r.Get("Content-Length") != "5" || len(r.Body) != 0 {
		t.Fatalf("HEAD from the cache: %d %q %q", r.Status, r.Get("Content-Length"), r.Body)
	}
	for i, target := range odd {
		if got := fetch(t, addr, "GET", target).Status; got != before[i] || got == 200 {
			t.Errorf("GET %s: %d once c.txt is cached, %d before", target, got, before[i])
		}
	}
}

// TestSmallFileCacheFolderSwapped moves a folder holding a cached file out
// of the served one and puts a link to it in its place: the file, now
// reached only through a link out, is refused as os.Root refuses it, not
// served from the cache.
func TestSmallFileCacheFolderSwapped(t *testing.T) {
	s, dir := newServerFor(t, Options{}, map[string]string{"sub/s.txt": "inside once"})
	s.cache.racy = 0
	addr := servertest.Start(t, s)
	for range 2 {
		if r := fetch(t, addr, "GET", "/files/sub/s.txt"); r.Status != 200 {
			t.Fatalf("before the swap: %d", r.Status)
		}
	}
	if s.cache.entries["sub/s.txt"] == nil {
		t.Fatal("not cached")
	}
	outside := filepath.Join(t.TempDir(), "sub")
	if err := os.Rename(filepath.Join(dir, "sub"), outside); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "sub")); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/files/sub/s.txt", "/files/sub/%73.txt"} {
		if r := fetch(t, addr, "GET", target); r.Status != 403 {
			t.Errorf("%s through a link out: %d %q, want 403", target, r.Status, r.Body)
		}
	}
}

// TestSmallFileCacheBounded: empty files cost their names and entry in
// the cache's bound, so many of them cannot make it grow without limit;
// files deeper than maxCachedDepth folders are not kept at all.
func TestSmallFileCacheBounded(t *testing.T) {
	files := map[string]string{}
	for i := range 40 {
		files[fmt.Sprintf("f%02d-%s", i, strings.Repeat("n", 100))] = ""
	}
	deep := strings.Repeat("d/", maxCachedDepth+1) + "deep.txt"
	deepest := strings.Repeat("d/", maxCachedDepth) + "ok.txt"
	files[deep], files[deepest] = "x", "y"
	s, _ := newServerFor(t, Options{}, files)
	s.cache.racy = 0
	s.cache.limit = 8 << 10
	addr := servertest.Start(t, s)
	for name := range files {
		if r := fetch(t, addr, "GET", "/files/"+name); r.Status != 200 {
			t.Fatalf("%s: %d", name, r.Status)
		}
	}
	s.cache.mu.RLock()
	defer s.cache.mu.RUnlock()
	if s.cache.bytes > s.cache.limit || len(s.cache.entries) >= 40 {
		t.Errorf("%d entries costing %d bytes, over the %d bound", len(s.cache.entries), s.cache.bytes, s.cache.limit)
	}
	var sum int64
	for _, e := range s.cache.entries {
		sum += e.cost()
	}
	if sum != s.cache.bytes {
		t.Errorf("entries cost %d, the cache counts %d", sum, s.cache.bytes)
	}
	if s.cache.entries[deep] != nil {
		t.Errorf("a file %d folders deep was cached", maxCachedDepth+1)
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

// TestSmallFileCacheNames covers what the cache's stat by name must get
// right: a name that is a symbolic link is served but never kept (hits are
// checked without following it), a mode change is seen, and a folder on the
// path swapped for a link out of the served folder is refused, not served
// from memory.
func TestSmallFileCacheNames(t *testing.T) {
	s, dir := newServerFor(t, Options{}, map[string]string{"real.txt": "real", "sub/deep.txt": "deep"})
	s.cache.racy = 0
	if err := os.Symlink("real.txt", filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	addr := servertest.Start(t, s)
	get := func(path string, status int, want string) {
		t.Helper()
		resp := fetch(t, addr, "GET", path)
		if resp.Status != status || status == 200 && string(resp.Body) != want {
			t.Fatalf("GET %s: %d %q, want %d %q", path, resp.Status, resp.Body, status, want)
		}
	}
	get("/files/link.txt", 200, "real")
	if _, ok := s.cache.entries["link.txt"]; ok {
		t.Fatal("a symbolic link's name was cached")
	}
	get("/files/real.txt", 200, "real")
	before := s.cache.entries["real.txt"]
	if before == nil {
		t.Fatal("real.txt not cached")
	}
	if err := os.Chmod(filepath.Join(dir, "real.txt"), 0o600); err != nil {
		t.Fatal(err)
	}
	get("/files/real.txt", 200, "real")
	if after := s.cache.entries["real.txt"]; after == before || after.fi.Mode().Perm() != 0o600 {
		t.Fatal("the entry outlived a mode change")
	}

	get("/files/sub/deep.txt", 200, "deep")
	if s.cache.entries["sub/deep.txt"] == nil {
		t.Fatal("sub/deep.txt not cached")
	}
	outside := filepath.Dir(dir)
	putFile(t, filepath.Join(outside, "deep.txt"), "outside")
	if err := os.Rename(filepath.Join(dir, "sub"), filepath.Join(dir, "sub.old")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "sub")); err != nil {
		t.Fatal(err)
	}
	if resp := fetch(t, addr, "GET", "/files/sub/deep.txt"); resp.Status != 403 && resp.Status != 404 {
		t.Fatalf("through a link out of the folder: %d %q, want 403 or 404", resp.Status, resp.Body)
	}
}

// TestSmallFileCacheSharedStat checks the rule that lets one stat answer
// for many requests: a request that arrived shortly before the latest stat
// that found the file unchanged is answered as that stat found it; one
// that arrived later, long before or at an unknown time stats again and
// sees a change.
func TestSmallFileCacheSharedStat(t *testing.T) {
	s, dir := newServerFor(t, Options{}, map[string]string{"c.txt": "first"})
	path := filepath.Join(dir, "c.txt")
	s.cache.racy = 0
	addr := servertest.Start(t, s)
	name := []byte("c.txt")
	// check caches the file as it is and stats it, and returns a time
	// just before that stat began.
	check := func() time.Time {
		t.Helper()
		wantCode(t, fetch(t, addr, "GET", "/files/c.txt"), 200)
		before := time.Now()
		if s.cache.lookup(name, time.Time{}) == nil {
			t.Fatal("the file was not cached")
		}
		return before
	}
	for _, tc := range []struct {
		name    string
		arrival func(before time.Time) time.Time
		shared  bool
	}{
		{"arrived before the stat", func(before time.Time) time.Time { return before }, true},
		{"arrived after the change", func(time.Time) time.Time { return time.Now() }, false},
		{"arrived at an unknown time", func(time.Time) time.Time { return time.Time{} }, false},
		{"arrived too long before the stat", func(before time.Time) time.Time { return before.Add(-maxSharedCheckLead) }, false},
	} {
		arrival := tc.arrival(check())
		putFile(t, path, "changed: "+tc.name)
		if got := s.cache.lookup(name, arrival); (got != nil) != tc.shared {
			t.Errorf("%s: answered from the stat made before the change: %v, want %v", tc.name, got != nil, tc.shared)
		}
	}
}

// TestSmallFileCacheKeepAlive changes a cached file between requests on
// one keep-alive connection, on disk and by an upload on another
// connection: each next request sees the change, so every request's
// arrival is its own, not its connection's first.
func TestSmallFileCacheKeepAlive(t *testing.T) {
	s, dir := newServerFor(t, Options{}, map[string]string{"c.txt": "first"})
	s.cache.racy = 0
	addr := servertest.Start(t, s)
	c := servertest.Dial(t, addr)
	br := bufio.NewReader(c)
	get := func(want string) {
		t.Helper()
		if _, err := io.WriteString(c, "GET /files/c.txt HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := servertest.ReadResponse(br, "GET")
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != 200 || string(resp.Body) != want {
			t.Fatalf("got %d %q, want 200 %q", resp.Status, resp.Body, want)
		}
	}
	// The first GET caches the file and the second checks it with a stat
	// that the next request, sent after the change, must not rely on.
	get("first")
	get("first")
	putFile(t, filepath.Join(dir, "c.txt"), "second, longer")
	get("second, longer")
	get("second, longer")
	resp := servertest.Do(t, addr, "PUT /files/c.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nthird")
	if resp.Status/100 != 2 {
		t.Fatalf("upload: %d %q", resp.Status, resp.Body)
	}
	get("third")
}
