package compress

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"ferry/internal/fileserver"
	"ferry/internal/handlers"
	"ferry/internal/http1"
	"ferry/internal/router"
	"ferry/internal/servertest"
)

// startFerry serves dir with the routes cmd/ferry wires, behind the
// middleware, and returns the address and the middleware.
func startFerry(t *testing.T, dir string) (string, *Handler) {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	files := fileserver.New(root, fileserver.Options{})
	rt := router.New()
	rt.Handle("/", []string{"GET"}, http1.HandlerFunc(handlers.Root))
	rt.Handle("/echo/", []string{"GET"}, http1.HandlerFunc(handlers.Echo))
	rt.Handle("/user-agent", []string{"GET"}, http1.HandlerFunc(handlers.UserAgent))
	rt.Handle("/files", files.Methods(), files)
	rt.Handle(fileserver.Prefix, files.Methods(), files)
	h := Middleware(rt, Options{})
	return servertest.Start(t, h), h
}

// responseHead sends method path with the extra fields on a connection of
// its own and returns the response's head without its Date line, and what
// followed the head.
func responseHead(t *testing.T, addr, method, path, fields string) (head, rest string) {
	t.Helper()
	raw := servertest.Exchange(t, addr, method+" "+path+" HTTP/1.1\r\nHost: x\r\nUser-Agent: probe/1\r\nConnection: close\r\n"+fields+"\r\n")
	head, rest, ok := strings.Cut(raw, "\r\n\r\n")
	if !ok {
		t.Fatalf("%s %s: no complete head in %q", method, path, raw)
	}
	lines := strings.Split(head, "\r\n")
	kept := lines[:0]
	for _, l := range lines {
		if !strings.HasPrefix(l, "Date: ") {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\r\n"), rest
}

// TestHeadHeadersEqualGet checks SPEC's "HEAD on any GET path: the same
// status and headers, no body" through the middleware and ferry's real
// handlers, byte for byte but for Date: HEAD must announce the coding, the
// ETag and the length the GET sends (RFC 9110 §8.6, §9.3.2). The HEAD goes
// first, so that a file's compressed form is not yet cached when it is
// answered.
func TestHeadHeadersEqualGet(t *testing.T) {
	dir := t.TempDir()
	mtime := time.Unix(1_700_000_000, 0)
	writeFile(t, filepath.Join(dir, "a.txt"), text(20000, 20), mtime)
	writeFile(t, filepath.Join(dir, "b.css"), noise(300<<10), mtime)
	writeFile(t, filepath.Join(dir, "big.txt"), text(maxCachedFile+1, 24), mtime)
	writeFile(t, filepath.Join(dir, "c.png"), append([]byte("\x89PNG\r\n\x1a\n"), noise(3000)...), mtime)
	writeFile(t, filepath.Join(dir, "empty.txt"), nil, mtime)
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	addr, _ := startFerry(t, dir)
	paths := []string{
		"/", "/echo/abc", "/echo/", "/user-agent", "/nope", "/echo/%zz",
		"/files/a.txt", "/files/b.css", "/files/big.txt", "/files/c.png", "/files/empty.txt",
		"/files/missing.txt", "/files/sub", "/files/", "/files/sub/",
	}
	codings := []string{"", ae("gzip"), ae("identity"), ae("gzip;q=0"), ae("*"), ae("br"), ae("gzip") + "Accept: application/json\r\n"}
	for _, path := range paths {
		for i, fields := range codings {
			head, rest := responseHead(t, addr, "HEAD", path, fields)
			if rest != "" {
				t.Errorf("HEAD %s (%q): %d bytes after the head", path, fields, len(rest))
			}
			get, _ := responseHead(t, addr, "GET", path, fields)
			if head != get {
				t.Errorf("%s with %q (case %d):\nGET:\n%s\nHEAD:\n%s", path, fields, i, get, head)
			}
		}
	}
}

// TestEndpointNotModifiedVaries: a 304 from the endpoints (If-None-Match:
// *) carries the Vary its 200 to the same request carries (RFC 9110
// §15.4.5), and no Content-Type or Content-Length.
func TestEndpointNotModifiedVaries(t *testing.T) {
	addr, _ := startFerry(t, t.TempDir())
	for _, path := range []string{"/", "/echo/abc", "/user-agent"} {
		for _, fields := range []string{"", ae("gzip"), ae("gzip;q=0")} {
			ok := servertest.Do(t, addr, "GET "+path+" HTTP/1.1\r\nHost: x\r\nUser-Agent: probe/1\r\n"+fields+"\r\n")
			nm := servertest.Do(t, addr, "GET "+path+" HTTP/1.1\r\nHost: x\r\nUser-Agent: probe/1\r\nIf-None-Match: *\r\n"+fields+"\r\n")
			if ok.Status != 200 || nm.Status != 304 {
				t.Fatalf("%s with %q: %d then %d, want 200 then 304", path, fields, ok.Status, nm.Status)
			}
			if got, want := nm.Header["vary"], ok.Header["vary"]; !slices.Equal(got, want) {
				t.Errorf("%s with %q: 304 Vary %q, 200 Vary %q", path, fields, got, want)
			}
			if nm.Get("Content-Type") != "" || nm.Get("Content-Length") != "" || nm.Get("Content-Encoding") != "" {
				t.Errorf("%s with %q: 304 carries representation fields %v", path, fields, nm.Header)
			}
		}
	}
}
