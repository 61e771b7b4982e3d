package compress

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"ferry/internal/fileserver"
	"ferry/internal/servertest"
)

// TestFileServer runs the middleware over ferry's real file server, as
// cmd/ferry wires them.
func TestFileServer(t *testing.T) {
	dir := t.TempDir()
	txt := text(64<<10, 14)
	png := append([]byte("\x89PNG\r\n\x1a\n"), noise(5000)...)
	writeFile(t, filepath.Join(dir, "a.txt"), txt, time.Unix(1_700_000_000, 0))
	writeFile(t, filepath.Join(dir, "b.png"), png, time.Unix(1_700_000_000, 0))
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	addr := servertest.Start(t, Middleware(fileserver.New(root, fileserver.Options{}), Options{}))

	first := get(t, addr, "GET", "/files/a.txt", ae("gzip"))
	wantGzip(t, first, txt)
	etag := first.Get("ETag")
	wantHeader(t, first, "Content-Length", strconv.Itoa(len(first.Body)))
	wantHeader(t, first, "Accept-Ranges", "")
	if len(etag) < 7 || etag[len(etag)-6:] != `-gzip"` {
		t.Errorf("ETag %q does not name the gzip form", etag)
	}

	second := get(t, addr, "GET", "/files/a.txt", ae("gzip"))
	if !bytes.Equal(second.Body, first.Body) || second.Get("ETag") != etag {
		t.Errorf("second GET: other bytes or ETag %q", second.Get("ETag"))
	}

	head := get(t, addr, "HEAD", "/files/a.txt", ae("gzip"))
	wantHeader(t, head, "Content-Encoding", "gzip")
	wantHeader(t, head, "Content-Length", strconv.Itoa(len(first.Body)))
	wantHeader(t, head, "ETag", etag)

	notModified := get(t, addr, "GET", "/files/a.txt", ae("gzip"), "If-None-Match: "+etag+"\r\n")
	if notModified.Status != 304 || notModified.Get("ETag") != etag || len(notModified.Body) != 0 {
		t.Errorf("If-None-Match %s: status %d, ETag %q", etag, notModified.Status, notModified.Get("ETag"))
	}

	partial := get(t, addr, "GET", "/files/a.txt", ae("gzip"), "Range: bytes=0-99\r\n")
	if partial.Status != 206 || !bytes.Equal(partial.Body, txt[:100]) || partial.Get("Content-Encoding") != "" {
		t.Errorf("Range: status %d, Content-Encoding %q, %d bytes", partial.Status, partial.Get("Content-Encoding"), len(partial.Body))
	}
	wantHeader(t, partial, "Vary", "Accept-Encoding")

	image := get(t, addr, "GET", "/files/b.png", ae("gzip"))
	wantIdentity(t, image, png)
	wantHeader(t, image, "Vary", "")
	wantHeader(t, image, "Accept-Ranges", "bytes")

	// A new version of the file, same size: new ETag, new compressed form.
	// The modification time is set, not left to the clock, whose tick may
	// be coarser than the test.
	txt2 := text(64<<10, 15)
	writeFile(t, filepath.Join(dir, "a.txt"), txt2, time.Unix(1_700_000_001, 0))
	changed := get(t, addr, "GET", "/files/a.txt", ae("gzip"))
	wantGzip(t, changed, txt2)
	if changed.Get("ETag") == etag {
		t.Errorf("ETag %q unchanged after the file changed", etag)
	}

	// A client updating the file it downloaded compressed names the tag it
	// was given: the current one is accepted, the stale one refused.
	put := func(tag string) int {
		raw := "PUT /files/a.txt HTTP/1.1\r\nHost: x\r\nIf-Match: " + tag + "\r\nContent-Length: 3\r\n\r\nnew"
		return servertest.Do(t, addr, raw).Status
	}
	if status := put(etag); status != 412 {
		t.Errorf("PUT If-Match with a stale gzip tag: %d, want 412", status)
	}
	if status := put(changed.Get("ETag")); status != 204 {
		t.Errorf("PUT If-Match with the current gzip tag: %d, want 204", status)
	}
}

// TestCompressedTagSelectsCompressedForm checks If-None-Match against the
// representation each request selects (RFC 9110 §13.1.2): the gzip form's
// tag validates the gzip form only, so a request that will get the
// identity body is answered in full.
func TestCompressedTagSelectsCompressedForm(t *testing.T) {
	dir := t.TempDir()
	body := text(8000, 21)
	writeFile(t, filepath.Join(dir, "mid.txt"), body, time.Unix(1_700_000_000, 0))
	addr, _ := startFerry(t, dir)
	gz := get(t, addr, "GET", "/files/mid.txt", ae("gzip"))
	wantGzip(t, gz, body)
	tag := gz.Get("ETag")
	inm := "If-None-Match: " + tag + "\r\n"
	for _, coding := range []string{ae("identity"), ae("gzip;q=0"), ae("br"), ""} {
		resp := get(t, addr, "GET", "/files/mid.txt", coding, inm)
		wantIdentity(t, resp, body)
		if resp.Get("ETag") == tag {
			t.Errorf("%q: the identity body went out with the gzip tag %s", coding, tag)
		}
	}
	for _, coding := range []string{ae("gzip"), ae("*"), ae("br, gzip;q=0.5")} {
		resp := get(t, addr, "GET", "/files/mid.txt", coding, inm)
		if resp.Status != 304 || resp.Get("ETag") != tag {
			t.Errorf("%q: status %d, ETag %q; want 304, %s", coding, resp.Status, resp.Get("ETag"), tag)
		}
		wantHeader(t, resp, "Vary", "Accept-Encoding")
	}
}

// TestIdentityTagDoesNotValidateCompressedForm: a client taking gzip that
// revalidates with the identity body's tag gets the compressed form whole,
// since that tag is not the selected representation's (RFC 9110 §13.1.2);
// a type never compressed still gets its 304 for it, and a list that also
// names the compressed form's tag, or "*", still matches.
func TestIdentityTagDoesNotValidateCompressedForm(t *testing.T) {
	dir := t.TempDir()
	body := text(8000, 24)
	mtime := time.Unix(1_700_000_000, 0)
	writeFile(t, filepath.Join(dir, "mid.txt"), body, mtime)
	writeFile(t, filepath.Join(dir, "big.txt"), text(maxCachedFile+1, 25), mtime)
	writeFile(t, filepath.Join(dir, "b.png"), append([]byte("\x89PNG\r\n\x1a\n"), noise(3000)...), mtime)
	addr, _ := startFerry(t, dir)
	plainTag := get(t, addr, "GET", "/files/mid.txt").Get("ETag")
	gzipTag := get(t, addr, "GET", "/files/mid.txt", ae("gzip")).Get("ETag")
	if plainTag == "" || plainTag == gzipTag {
		t.Fatalf("tags %q and %q", plainTag, gzipTag)
	}
	for _, method := range []string{"GET", "HEAD"} {
		resp := get(t, addr, method, "/files/mid.txt", ae("gzip"), "If-None-Match: "+plainTag+"\r\n")
		if resp.Status != 200 || resp.Get("ETag") != gzipTag || resp.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s, identity tag: status %d, ETag %q, Content-Encoding %q; want 200, %s, gzip",
				method, resp.Status, resp.Get("ETag"), resp.Get("Content-Encoding"), gzipTag)
		}
		if method == "GET" {
			wantGzip(t, resp, body)
		}
		// If-Modified-Since is ignored beside If-None-Match, even when
		// none of its tags could match.
		resp = get(t, addr, method, "/files/mid.txt", ae("gzip"), "If-None-Match: "+plainTag+"\r\n",
			"If-Modified-Since: Tue, 01 Dec 2099 00:00:00 GMT\r\n")
		if resp.Status != 200 {
			t.Errorf("%s, identity tag and a later date: status %d, want 200", method, resp.Status)
		}
	}
	bigPlain := get(t, addr, "HEAD", "/files/big.txt").Get("ETag")
	if resp := get(t, addr, "GET", "/files/big.txt", ae("gzip"), "If-None-Match: "+bigPlain+"\r\n"); resp.Status != 200 || resp.Get("Content-Encoding") != "gzip" {
		t.Errorf("streamed file, identity tag: status %d, Content-Encoding %q; want 200, gzip", resp.Status, resp.Get("Content-Encoding"))
	}
	pngTag := get(t, addr, "HEAD", "/files/b.png").Get("ETag")
	for _, tt := range []struct {
		path, inm string
	}{
		{"/files/b.png", pngTag},
		{"/files/mid.txt", gzipTag},
		{"/files/mid.txt", plainTag + ", " + gzipTag},
		{"/files/mid.txt", "*"},
	} {
		resp := get(t, addr, "GET", tt.path, ae("gzip"), "If-None-Match: "+tt.inm+"\r\n")
		if resp.Status != 304 {
			t.Errorf("%s, If-None-Match %s: status %d, want 304", tt.path, tt.inm, resp.Status)
		}
	}
}

// TestFileServerNotModified checks, over ferry's real file server, that a
// 304 carries the ETag, Vary and Accept-Ranges of the 200 it stands for
// (RFC 9110 §15.4.5), whichever precondition produced it.
func TestFileServerNotModified(t *testing.T) {
	dir := t.TempDir()
	mtime := time.Unix(1_700_000_000, 0)
	writeFile(t, filepath.Join(dir, "mid.txt"), text(8000, 22), mtime)
	writeFile(t, filepath.Join(dir, "big.txt"), text(maxCachedFile+1, 23), mtime)
	writeFile(t, filepath.Join(dir, "b.png"), append([]byte("\x89PNG\r\n\x1a\n"), noise(3000)...), mtime)
	writeFile(t, filepath.Join(dir, "empty.txt"), nil, mtime)
	addr, _ := startFerry(t, dir)
	for _, path := range []string{"/files/mid.txt", "/files/big.txt", "/files/b.png", "/files/empty.txt"} {
		for _, coding := range []string{ae("gzip"), ae("identity"), ""} {
			ok, _ := responseHead(t, addr, "HEAD", path, coding)
			etag := ""
			for line := range strings.SplitSeq(ok, "\r\n") {
				if v, found := strings.CutPrefix(line, "ETag: "); found {
					etag = v
				}
			}
			for _, cond := range []string{
				"If-None-Match: *\r\n",
				"If-Modified-Since: Tue, 01 Dec 2099 00:00:00 GMT\r\n",
				"If-None-Match: " + etag + "\r\n",
			} {
				for _, method := range []string{"GET", "HEAD"} {
					got, rest := responseHead(t, addr, method, path, coding+cond)
					want := "HTTP/1.1 304 Not Modified\r\nServer: ferry\r\n"
					for line := range strings.SplitSeq(ok, "\r\n") {
						for _, name := range []string{"Last-Modified: ", "ETag: ", "Accept-Ranges: ", "Vary: "} {
							if strings.HasPrefix(line, name) {
								want += line + "\r\n"
							}
						}
					}
					want += "Connection: close"
					if got != want || rest != "" {
						t.Errorf("%s %s %q %q:\ngot\n%s\nwant\n%s", method, path, coding, cond, got, want)
					}
				}
			}
		}
	}
}

// TestFileServerRewriteKeepingTime: a file rewritten with the same size
// and its modification time set back (touch -r, cp -p) is a new
// representation to the compressed-file cache too, as it is to the file
// server: its ETag carries the change time, which nothing sets back.
func TestFileServerRewriteKeepingTime(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "same.txt")
	mtime := time.Unix(1_700_000_000, 0)
	writeFile(t, path, bytes.Repeat([]byte("A"), 5000), mtime)
	addr, _ := startFerry(t, dir)
	first := get(t, addr, "GET", "/files/same.txt", ae("gzip"))
	if first.Get("Content-Encoding") != "gzip" || !bytes.Equal(gunzip(t, first.Body), bytes.Repeat([]byte("A"), 5000)) {
		t.Fatalf("first GET: %d %q", first.Status, first.Get("Content-Encoding"))
	}
	writeFile(t, path, bytes.Repeat([]byte("D"), 5000), mtime)
	for _, fields := range []string{ae("gzip"), ""} {
		resp := get(t, addr, "GET", "/files/same.txt", fields)
		body := resp.Body
		if resp.Get("Content-Encoding") == "gzip" {
			body = gunzip(t, body)
		}
		if !bytes.Equal(body, bytes.Repeat([]byte("D"), 5000)) {
			t.Errorf("after the rewrite, %q: got %.10q..., want the new content", fields, body)
		}
		if resp.Get("ETag") == first.Get("ETag") {
			t.Errorf("after the rewrite, %q: the ETag %s did not change", fields, resp.Get("ETag"))
		}
	}
}

// TestLargeListingHasLength: a listing is a body known in full before it
// is sent, so compressed it still goes out with Content-Length, even past
// the 64 KiB a stream is held to, and its HEAD says the same.
func TestLargeListingHasLength(t *testing.T) {
	dir := t.TempDir()
	// Names that compress badly, so that even compressed the listing is
	// past 64 KiB.
	r := rand.New(rand.NewPCG(3, 3))
	for range 4000 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%016x%016x.txt", r.Uint64(), r.Uint64())), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	addr, _ := startFerry(t, dir)
	for _, accept := range []string{"", "Accept: application/json\r\n"} {
		plain := get(t, addr, "GET", "/files/", accept)
		if len(plain.Body) <= 64<<10 {
			t.Fatalf("%q: the listing is only %d bytes", accept, len(plain.Body))
		}
		resp := get(t, addr, "GET", "/files/", accept+ae("gzip"))
		if len(resp.Body) <= 64<<10 {
			t.Fatalf("%q: compressed, the listing is only %d bytes", accept, len(resp.Body))
		}
		if resp.Chunked || resp.Get("Content-Length") != strconv.Itoa(len(resp.Body)) || resp.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%q: chunked %v, Content-Length %q for %d bytes, Content-Encoding %q", accept, resp.Chunked, resp.Get("Content-Length"), len(resp.Body), resp.Get("Content-Encoding"))
		}
		if !bytes.Equal(gunzip(t, resp.Body), plain.Body) {
			t.Errorf("%q: the compressed listing differs from the plain one", accept)
		}
		head := get(t, addr, "HEAD", "/files/", accept+ae("gzip"))
		if head.Get("Content-Length") != resp.Get("Content-Length") || head.Chunked {
			t.Errorf("%q: HEAD Content-Length %q, GET %q", accept, head.Get("Content-Length"), resp.Get("Content-Length"))
		}
	}
}
