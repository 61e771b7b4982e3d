package fileserver

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"html"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"ferry/internal/compress"
	"ferry/internal/http1"
	"ferry/internal/servertest"
)

// secretContent is the content of secret.txt, beside the served folder: no
// request may ever get these bytes back.
const secretContent = "TOP-SECRET-9f2c41"

// startReadServer serves a fresh folder, filled with files (name → content), and
// returns the server's address and the folder. secret.txt sits beside the
// folder, outside it.
func startReadServer(t *testing.T, opts Options, files map[string]string) (addr, dir string) {
	t.Helper()
	s, dir := newServerFor(t, opts, files)
	return servertest.Start(t, s), dir
}

// newServerFor returns a Server (not yet listening) for a fresh folder
// filled with files (name → content), and the folder. secret.txt sits
// beside the folder, outside it.
func newServerFor(t *testing.T, opts Options, files map[string]string) (*Server, string) {
	t.Helper()
	base := t.TempDir()
	dir := filepath.Join(base, "served")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "secret.txt"), []byte(secretContent), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		putFile(t, filepath.Join(dir, filepath.FromSlash(name)), content)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return New(root, opts), dir
}

func putFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fetch sends a request for target with extra header lines and reads the
// response.
func fetch(t *testing.T, addr, method, target string, header ...string) *servertest.Response {
	t.Helper()
	raw := method + " " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	for _, h := range header {
		raw += h + "\r\n"
	}
	return servertest.Do(t, addr, raw+"\r\n")
}

func wantCode(t *testing.T, resp *servertest.Response, status int) {
	t.Helper()
	if resp.Status != status {
		t.Fatalf("status %d, want %d (body %q)", resp.Status, status, resp.Body)
	}
}

func TestServeFileHeaders(t *testing.T) {
	addr, dir := startReadServer(t, Options{}, map[string]string{"hello.txt": "hello, world\n", "noext": "x", "a.HTML": "<p>"})
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, "hello.txt"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"GET", "HEAD"} {
		resp := fetch(t, addr, method, "/files/hello.txt")
		wantCode(t, resp, 200)
		want := map[string]string{
			"Content-Type":   "text/plain; charset=utf-8",
			"Content-Length": "13",
			"Last-Modified":  "Mon, 06 May 2024 07:08:09 GMT",
			"ETag":           etagOnDisk(t, dir, "hello.txt"),
			"Accept-Ranges":  "bytes",
		}
		for k, v := range want {
			if got := resp.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", method, k, got, v)
			}
		}
		// Modification time and size, then the change time.
		if prefix := fmt.Sprintf(`"%x-d-`, mtime.UnixNano()); !strings.HasPrefix(resp.Get("ETag"), prefix) {
			t.Errorf("%s: ETag %q does not start with %q", method, resp.Get("ETag"), prefix)
		}
		wantBody := "hello, world\n"
		if method == "HEAD" {
			wantBody = ""
		}
		if string(resp.Body) != wantBody {
			t.Errorf("%s: body %q, want %q", method, resp.Body, wantBody)
		}
	}
	if got := fetch(t, addr, "GET", "/files/noext").Get("Content-Type"); got != "application/octet-stream" {
		t.Errorf("no extension: Content-Type %q", got)
	}
	if got := fetch(t, addr, "GET", "/files/a.HTML").Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("upper-case extension: Content-Type %q", got)
	}
}

func TestContentType(t *testing.T) {
	tests := map[string]string{
		"a.png":        "image/png",
		"a.css":        "text/css; charset=utf-8",
		"a.js":         "text/javascript; charset=utf-8",
		"a.json":       "application/json",
		"a.svg":        "image/svg+xml",
		"a.xml":        "text/xml",
		"a.wasm":       "application/wasm",
		"a.mp4":        "video/mp4",
		"dir.d/noext":  "application/octet-stream",
		"a.unknownxx":  "application/octet-stream",
		"trailingdot.": "application/octet-stream",
	}
	for name, want := range tests {
		if got := contentType(name); got != want {
			t.Errorf("contentType(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestCharsetLabel: a text file is labelled UTF-8 only when its start is
// valid UTF-8, judged on the whole of a small file and on the first
// charsetSniffBytes of a large one, by GET and HEAD alike and from the
// small-file cache as from the disk; a file in another encoding goes out
// with the bare type, for the client to detect. XML never gets the label.
func TestCharsetLabel(t *testing.T) {
	ascii := strings.Repeat("plain ascii text\n", charsetSniffBytes/17+1)
	euro := "\u20ac" // three bytes in UTF-8
	cut := ascii[:charsetSniffBytes-1] + euro + "tail"
	files := map[string]string{
		"utf8.txt":        "caf\u00e9 \u2713\n",
		"latin1.txt":      "caf\xe9\n",
		"latin1.html":     "<!doctype html><meta charset=iso-8859-1><p>caf\xe9",
		"utf16.txt":       "\xff\xfeh\x00i\x00",
		"ascii.css":       "body { color: red }",
		"empty.txt":       "",
		"latin1.xml":      "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xe9</a>",
		"late_latin1.txt": ascii + "caf\xe9",
		"cut_rune.txt":    cut,
		"bad_small.md":    strings.Repeat("a", 100) + "\xc3",
	}
	want := map[string]string{
		"utf8.txt":        "text/plain; charset=utf-8",
		"latin1.txt":      "text/plain",
		"latin1.html":     "text/html",
		"utf16.txt":       "text/plain",
		"ascii.css":       "text/css; charset=utf-8",
		"empty.txt":       "text/plain; charset=utf-8",
		"latin1.xml":      "text/xml",
		"late_latin1.txt": "text/plain; charset=utf-8",
		"cut_rune.txt":    "text/plain; charset=utf-8",
		"bad_small.md":    "text/markdown",
	}
	s, _ := newServerFor(t, Options{}, files)
	s.cache.racy = 0
	addr := servertest.Start(t, s)
	for name, ctype := range want {
		for i, method := range []string{"HEAD", "GET", "GET"} { // the last GET of a small file is a cache hit
			resp := fetch(t, addr, method, "/files/"+name)
			wantCode(t, resp, 200)
			if got := resp.Get("Content-Type"); got != ctype {
				t.Errorf("%s %s (%d): Content-Type %q, want %q", method, name, i, got, ctype)
			}
			if method == "GET" && string(resp.Body) != files[name] {
				t.Errorf("GET %s: body differs from the file", name)
			}
		}
	}
}

// TestLargeFile sends a 64 MiB file of random bytes and compares its hash:
// the body goes out by sendfile, and must arrive byte for byte.
func TestLargeFile(t *testing.T) {
	addr, dir := startReadServer(t, Options{}, nil)
	const size = 64 << 20
	f, err := os.Create(filepath.Join(dir, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.New()
	rng := rand.NewChaCha8([32]byte{1})
	if _, err := io.CopyN(io.MultiWriter(f, sum), rng, size); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%x", sum.Sum(nil))

	c := servertest.Dial(t, addr)
	c.SetDeadline(time.Now().Add(60 * time.Second))
	io.WriteString(c, "GET /files/big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	// Read the head by hand and stream the body into the hash, so the test
	// itself does not hold 64 MiB.
	length := int64(-1)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			length, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	if length != size {
		t.Fatalf("Content-Length %d, want %d", length, size)
	}
	got := sha256.New()
	if _, err := io.CopyN(got, br, size); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%x", got.Sum(nil)) != want {
		t.Fatal("body differs from the file")
	}
	// The connection is still usable after the body.
	io.WriteString(c, "HEAD /files/big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	resp, err := servertest.ReadResponse(br, "HEAD")
	if err != nil || resp.Status != 200 {
		t.Fatalf("second request on the connection: %v %v", resp, err)
	}
}

func TestFolderRedirect(t *testing.T) {
	addr, _ := startReadServer(t, Options{}, map[string]string{"sub dir/é/x.txt": "x", "f.txt": "f"})
	tests := []struct {
		target, location string
	}{
		{"/files/sub%20dir", "/files/sub%20dir/"},
		{"/files/sub%20dir/%C3%A9", "/files/sub%20dir/%C3%A9/"},
		{"/files/sub%20dir?sort=size&order=desc", "/files/sub%20dir/?sort=size&order=desc"},
		{"/files", "/files/"},
		{"/files/sub%20dir%2F", "/files/sub%20dir/"},
		{`/files/sub%20dir?q="<a>"&b=[1]|{x}^%zz%41`, "/files/sub%20dir/?q=%22%3Ca%3E%22&b=%5B1%5D%7C%7Bx%7D%5E%25zz%41"},
	}
	for _, tt := range tests {
		resp := fetch(t, addr, "GET", tt.target)
		wantCode(t, resp, 301)
		if got := resp.Get("Location"); got != tt.location {
			t.Errorf("%s: Location %q, want %q", tt.target, got, tt.location)
		}
	}
	wantCode(t, fetch(t, addr, "GET", "/files/f.txt/"), 404)
	wantCode(t, fetch(t, addr, "GET", "/files/f.txt/more"), 404)
	wantCode(t, fetch(t, addr, "GET", "/files/missing.txt"), 404)
}

// TestNames fetches names with spaces, non-ASCII letters and reserved
// characters through their percent-encoded form, and finds them by the
// links of the listing.
func TestNames(t *testing.T) {
	names := []string{"with space.txt", "日本語.txt", "Ünïcödé/ß.txt", "a+b&c=d;e,f.txt", "100%.txt", "q?x#y.txt", "colon:name"}
	files := map[string]string{}
	for _, n := range names {
		files[n] = "content of " + n
	}
	addr, _ := startReadServer(t, Options{}, files)
	for _, n := range names {
		resp := fetch(t, addr, "GET", Prefix+escapePath(n))
		wantCode(t, resp, 200)
		if string(resp.Body) != "content of "+n {
			t.Errorf("%q: body %q", n, resp.Body)
		}
	}
	// Every link of the listing, resolved as a browser would, leads back
	// to the file (or the folder) of that name.
	listing := string(fetch(t, addr, "GET", "/files/").Body)
	base, _ := url.Parse("http://x/files/")
	found := map[string]bool{}
	for _, m := range hrefPattern.FindAllStringSubmatch(listing, -1) {
		ref, err := url.Parse(html.UnescapeString(m[1]))
		if err != nil {
			t.Fatalf("link %q: %v", m[1], err)
		}
		u := base.ResolveReference(ref)
		if ref.RawQuery != "" || u.Path == "/" {
			continue // sort links and the parent link
		}
		name, _ := strings.CutPrefix(u.Path, Prefix)
		found[name] = true
		resp := fetch(t, addr, "GET", u.EscapedPath())
		wantCode(t, resp, 200)
		if !strings.HasSuffix(name, "/") && string(resp.Body) != "content of "+name {
			t.Errorf("link %q: body %q", m[1], resp.Body)
		}
	}
	for _, n := range names {
		if first, _, dir := strings.Cut(n, "/"); dir && !found[first+"/"] || !dir && !found[n] {
			t.Errorf("listing has no link to %q:\n%s", n, listing)
		}
	}
}

var hrefPattern = regexp.MustCompile(`href="([^"]*)"`)

// TestTraversal tries to reach a file outside the served folder in every
// way a path can be bent; the secret's bytes must never come back.
func TestTraversal(t *testing.T) {
	addr, dir := startReadServer(t, Options{}, map[string]string{"ok.txt": "ok", "sub/inner.txt": "inner"})
	secretPath := filepath.Join(filepath.Dir(dir), "secret.txt")
	if err := os.Symlink(secretPath, filepath.Join(dir, "abs-link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../secret.txt", filepath.Join(dir, "rel-link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..", filepath.Join(dir, "sub", "up")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../..", filepath.Join(dir, "sub", "upup")); err != nil {
		t.Fatal(err)
	}
	targets := []string{
		"/files/../secret.txt",
		"/files/sub/../../secret.txt",
		"/files/%2e%2e/secret.txt",
		"/files/%2E%2E/secret.txt",
		"/files/sub/%2e%2e/%2e%2e/secret.txt",
		"/files/%2e%2e%2fsecret.txt",
		"/files/%252e%252e/secret.txt",
		"/files/..%5csecret.txt",
		"/files/%5c..%5csecret.txt",
		"/files/..\\secret.txt",
		"/files/ok.txt%00/../../secret.txt",
		"/files/%00",
		"/files//" + strings.TrimPrefix(secretPath, "/"),
		"/files/" + url.PathEscape(secretPath),
		"/files/abs-link",
		"/files/rel-link",
		"/files/sub/upup/secret.txt",
		"/files/sub/up/../secret.txt",
		"/files/./../secret.txt",
		"http://x/files/../secret.txt",
	}
	for _, target := range targets {
		for _, method := range []string{"GET", "HEAD"} {
			resp := fetch(t, addr, method, target)
			if strings.Contains(string(resp.Body), secretContent) || resp.Status < 300 {
				t.Errorf("%s %s: status %d, body %q", method, target, resp.Status, resp.Body)
			}
		}
	}
	// A link that stays inside is followed.
	resp := fetch(t, addr, "GET", "/files/sub/up/ok.txt")
	wantCode(t, resp, 200)
	if string(resp.Body) != "ok" {
		t.Errorf("link inside the folder: body %q", resp.Body)
	}
	// Links pointing out are not listed.
	listing := string(fetch(t, addr, "GET", "/files/", "Accept: application/json").Body)
	for _, n := range []string{"abs-link", "rel-link"} {
		if strings.Contains(listing, n) {
			t.Errorf("listing shows %s: %s", n, listing)
		}
	}
}

func TestErrorStatus(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads files whatever their mode")
	}
	addr, dir := startReadServer(t, Options{}, map[string]string{"locked.txt": "no"})
	if err := os.Chmod(filepath.Join(dir, "locked.txt"), 0); err != nil {
		t.Fatal(err)
	}
	resp := fetch(t, addr, "GET", "/files/locked.txt")
	wantCode(t, resp, 403)
	if string(resp.Body) != "403 Forbidden\n" {
		t.Errorf("body %q leaks more than the status", resp.Body)
	}
}

// TestErrorStatusMapping checks the mapping itself, which the end-to-end
// test above cannot reach when the tests run as root.
func TestErrorStatusMapping(t *testing.T) {
	root, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	_, escape := root.Open("../outside")
	tests := []struct {
		err    error
		status int
	}{
		{&fs.PathError{Op: "openat", Path: "x", Err: syscall.ENOENT}, 404},
		{&fs.PathError{Op: "openat", Path: "x", Err: syscall.ENOTDIR}, 404},
		{&fs.PathError{Op: "openat", Path: "x", Err: syscall.ELOOP}, 404},
		{&fs.PathError{Op: "openat", Path: "x", Err: syscall.EACCES}, 403},
		{&fs.PathError{Op: "openat", Path: "x", Err: syscall.EPERM}, 403},
		{&fs.PathError{Op: "read", Path: "x", Err: syscall.EIO}, 500},
		{&fs.PathError{Op: "openat", Path: "x", Err: syscall.EMFILE}, 503},
		{&fs.PathError{Op: "openat", Path: "x", Err: syscall.ENFILE}, 503},
		{escape, 403},
	}
	for _, tt := range tests {
		if got := errorStatus(tt.err); got != tt.status {
			t.Errorf("errorStatus(%v) = %d, want %d", tt.err, got, tt.status)
		}
	}
}

// TestRefuseRetryAfter: the answer to a file system error says when to
// try again exactly when the error passes (out of file descriptors).
func TestRefuseRetryAfter(t *testing.T) {
	addr := servertest.Start(t, http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		errno := syscall.ENOENT
		if r.Query != nil {
			errno = syscall.EMFILE
		}
		refuse(w, errorStatus(&fs.PathError{Op: "openat", Path: "x", Err: errno}))
	}))
	if resp := fetch(t, addr, "GET", "/files/x?emfile"); resp.Status != 503 || resp.Get("Retry-After") != "1" {
		t.Errorf("out of descriptors: %d, Retry-After %q", resp.Status, resp.Get("Retry-After"))
	}
	if resp := fetch(t, addr, "GET", "/files/x"); resp.Status != 404 || resp.Get("Retry-After") != "" {
		t.Errorf("not found: %d, Retry-After %q", resp.Status, resp.Get("Retry-After"))
	}
}

// TestShortBodyCutsConnection: when the file yields fewer bytes than its
// size said (it shrank under the copy), no client may take the response
// for whole: it is cut off (with its Content-Length, or compressed in
// chunks, where only the last chunk would tell), or, if no head has gone
// out yet, answered 500.
func TestShortBodyCutsConnection(t *testing.T) {
	const declared, has = 200 << 10, 100 << 10
	short := http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().SetContentLength(declared)
		w.WriteHeader(http1.StatusOK)
		sendBody(w, strings.NewReader(strings.Repeat("shrunk ", has/7)), declared, false)
	})
	addr := servertest.Start(t, compress.Middleware(short, compress.Options{}))
	for _, fields := range []string{"", "Accept-Encoding: gzip\r\n"} {
		c := servertest.Dial(t, addr)
		io.WriteString(c, "GET /f HTTP/1.1\r\nHost: x\r\n"+fields+"\r\n")
		// Cut off after the head, or, when the compressed bytes were still
		// held and no head had gone out, answered 500.
		resp, err := servertest.ReadResponse(bufio.NewReader(c), "GET")
		if err == nil && resp.Status != 500 {
			t.Errorf("%q: a short body read as a whole response: %d, %d bytes, %q", fields, resp.Status, len(resp.Body), resp.Get("Content-Encoding"))
		}
	}
}

// TestHeadKeepsConnection: a HEAD sends no body, which is not a body cut
// short: the connection stays usable, for a file small enough to cache
// and one sent by sendfile, plain and with gzip asked for.
func TestHeadKeepsConnection(t *testing.T) {
	s, _ := newServerFor(t, Options{}, map[string]string{
		"small.txt": strings.Repeat("s", 1000),
		"big.txt":   strings.Repeat("b", 300<<10),
	})
	addr := servertest.Start(t, compress.Middleware(s, compress.Options{}))
	c := servertest.Dial(t, addr)
	br := bufio.NewReader(c)
	for _, path := range []string{"/files/small.txt", "/files/big.txt"} {
		for _, fields := range []string{"", "Accept-Encoding: gzip\r\n"} {
			for _, method := range []string{"HEAD", "GET"} {
				io.WriteString(c, method+" "+path+" HTTP/1.1\r\nHost: x\r\n"+fields+"\r\n")
				resp, err := servertest.ReadResponse(br, method)
				if err != nil || resp.Status != 200 || strings.EqualFold(resp.Get("Connection"), "close") {
					t.Fatalf("%s %s %q: %v %+v", method, path, fields, err, resp)
				}
			}
		}
	}
}
