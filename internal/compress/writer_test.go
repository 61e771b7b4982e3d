package compress

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ferry/internal/handlers"
	"ferry/internal/http1"
	"ferry/internal/servertest"
)

// text returns n bytes of lines of words drawn from a vocabulary of a few
// hundred, which compresses about 3 to 1 like prose or source code (the
// load benchmark's text file is made the same way).
func text(n int, seed uint64) []byte {
	words := strings.Fields(`the a of to and in is it that for on with as was he be
		by at this from or had not are but have they which one you were her all she there
		would their we him been has when who will more no if out so said what up its about
		into than them can only other new some could time these two may then do first any
		my now such like our over man me even most made after also did many before must
		through back years where much your way well down should because each just those
		people how too little state good very make world still own see men work long get
		here between both life being under never day same another know while last might
		server request response header connection socket buffer parser ferry file folder
		upload download range gzip chunked pipeline latency throughput kernel sendfile`)
	r := rand.New(rand.NewPCG(seed, 2))
	var b bytes.Buffer
	line := 0
	for b.Len() < n {
		w := words[r.IntN(len(words))]
		b.WriteString(w)
		line += len(w) + 1
		if line > 64+r.IntN(16) {
			b.WriteByte('\n')
			line = 0
		} else {
			b.WriteByte(' ')
		}
	}
	return b.Bytes()[:n]
}

// noise returns n bytes of base64 letters, which gzip shrinks by only a
// quarter: a body that stays large once compressed.
func noise(n int) []byte {
	r := rand.New(rand.NewPCG(7, 7))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return b
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip header: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

// get sends a request for path with extra header lines and reads the
// response.
func get(t *testing.T, addr, method, path string, fields ...string) *servertest.Response {
	t.Helper()
	raw := method + " " + path + " HTTP/1.1\r\nHost: x\r\n" + strings.Join(fields, "") + "\r\n"
	return servertest.Do(t, addr, raw)
}

// bodyHandler answers every request with body, of type ctype, declaring
// its length when declare is set.
func bodyHandler(body []byte, ctype string, declare bool) http1.Handler {
	return http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		w.Header().Set("Content-Type", ctype)
		if declare {
			w.Header().SetContentLength(int64(len(body)))
		}
		w.Write(body)
	})
}

func start(t *testing.T, h http1.Handler) string {
	return servertest.Start(t, Middleware(h, Options{}))
}

func wantHeader(t *testing.T, resp *servertest.Response, name, want string) {
	t.Helper()
	if got := strings.Join(resp.Header[strings.ToLower(name)], ", "); got != want {
		t.Errorf("%s = %q, want %q", name, got, want)
	}
}

func wantIdentity(t *testing.T, resp *servertest.Response, body []byte) {
	t.Helper()
	if resp.Status != 200 {
		t.Fatalf("status %d, want 200", resp.Status)
	}
	wantHeader(t, resp, "Content-Encoding", "")
	if !bytes.Equal(resp.Body, body) {
		t.Errorf("body differs from the identity body (%d bytes, want %d)", len(resp.Body), len(body))
	}
}

func wantGzip(t *testing.T, resp *servertest.Response, body []byte) {
	t.Helper()
	if resp.Status != 200 {
		t.Fatalf("status %d, want 200", resp.Status)
	}
	wantHeader(t, resp, "Content-Encoding", "gzip")
	wantHeader(t, resp, "Vary", "Accept-Encoding")
	if got := gunzip(t, resp.Body); !bytes.Equal(got, body) {
		t.Errorf("gunzipped body differs (%d bytes, want %d)", len(got), len(body))
	}
}

func TestNegotiationEndToEnd(t *testing.T) {
	body := text(4000, 1)
	addr := start(t, bodyHandler(body, "text/plain", false))
	tests := []struct {
		name   string
		fields []string
		gzip   bool
		vary   string
	}{
		{"gzip", []string{ae("gzip")}, true, "Accept-Encoding"},
		{"browser", []string{ae("gzip, deflate, br, zstd")}, true, "Accept-Encoding"},
		{"star", []string{ae("*")}, true, "Accept-Encoding"},
		{"x_gzip", []string{ae("x-gzip")}, true, "Accept-Encoding"},
		{"gzip_q0", []string{ae("gzip;q=0")}, false, "Accept-Encoding"},
		{"all_refused", []string{ae("identity;q=0, *;q=0")}, false, "Accept-Encoding"},
		{"invalid_encoding", []string{ae("invalid-encoding")}, false, "Accept-Encoding"},
		{"absent", nil, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := get(t, addr, "GET", "/", tt.fields...)
			wantHeader(t, resp, "Vary", tt.vary)
			if tt.gzip {
				wantGzip(t, resp, body)
			} else {
				wantIdentity(t, resp, body)
			}
			// A body known in full goes out with its Content-Length,
			// compressed or not (SPEC, Protocol).
			if resp.Chunked || resp.Get("Content-Length") != strconv.Itoa(len(resp.Body)) {
				t.Errorf("chunked %v, Content-Length %q for %d bytes", resp.Chunked, resp.Get("Content-Length"), len(resp.Body))
			}
		})
	}
}

func TestEchoCompressed(t *testing.T) {
	addr := start(t, http1.HandlerFunc(handlers.Echo))
	resp := get(t, addr, "GET", "/echo/abc", ae("gzip"))
	wantGzip(t, resp, []byte("abc"))
	wantHeader(t, resp, "Content-Type", "text/plain")
	wantHeader(t, resp, "Content-Length", strconv.Itoa(len(resp.Body)))
}

func TestDeclaredLengthReplaced(t *testing.T) {
	body := text(10000, 2)
	addr := start(t, bodyHandler(body, "application/json", true))
	resp := get(t, addr, "GET", "/", ae("gzip"))
	wantGzip(t, resp, body)
	if resp.Chunked || len(resp.Body) >= len(body) || resp.Get("Content-Length") != strconv.Itoa(len(resp.Body)) {
		t.Errorf("chunked %v, Content-Length %q, %d compressed bytes for %d", resp.Chunked, resp.Get("Content-Length"), len(resp.Body), len(body))
	}
}

func TestLargeStreamChunked(t *testing.T) {
	body := noise(400 << 10)
	addr := start(t, http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for b := body; len(b) > 0; b = b[min(len(b), 1000):] {
			w.Write(b[:min(len(b), 1000)])
		}
	}))
	resp := get(t, addr, "GET", "/", ae("gzip"))
	wantGzip(t, resp, body)
	if !resp.Chunked {
		t.Errorf("a stream compressing past 64 KiB went out with Content-Length %q", resp.Get("Content-Length"))
	}
}

func TestNotCompressed(t *testing.T) {
	body := text(5000, 3)
	tests := []struct {
		name    string
		handler http1.HandlerFunc
		status  int
		vary    string
	}{
		{"image", func(w http1.ResponseWriter, r *http1.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Header().Set("Accept-Ranges", "bytes")
			w.Write(body)
		}, 200, ""},
		{"octet_stream", func(w http1.ResponseWriter, r *http1.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(body)
		}, 200, ""},
		{"no_type", func(w http1.ResponseWriter, r *http1.Request) {
			w.Write(body)
		}, 200, ""},
		{"already_encoded", func(w http1.ResponseWriter, r *http1.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Encoding", "br")
			w.Write(body)
		}, 200, ""},
		{"partial", func(w http1.ResponseWriter, r *http1.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-%d/9999", len(body)-1))
			w.Header().SetContentLength(int64(len(body)))
			w.WriteHeader(206)
			w.Write(body)
		}, 206, "Accept-Encoding"},
		{"not_found", func(w http1.ResponseWriter, r *http1.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(404)
			w.Write(body)
		}, 404, "Accept-Encoding"},
		{"already_varies", func(w http1.ResponseWriter, r *http1.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Vary", "Origin, accept-encoding")
			w.Header().Set("Content-Encoding", "identity")
			w.Write(body)
		}, 200, "Origin, accept-encoding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := start(t, tt.handler)
			resp := get(t, addr, "GET", "/", ae("gzip"))
			if resp.Status != tt.status || !bytes.Equal(resp.Body, body) {
				t.Fatalf("status %d, %d body bytes; want %d, the %d identity bytes", resp.Status, len(resp.Body), tt.status, len(body))
			}
			if ce := resp.Get("Content-Encoding"); ce == "gzip" {
				t.Errorf("Content-Encoding %q", ce)
			}
			wantHeader(t, resp, "Vary", tt.vary)
			wantHeader(t, resp, "Content-Length", strconv.Itoa(len(body)))
		})
	}
}

func TestEmptyBody(t *testing.T) {
	addr := start(t, bodyHandler(nil, "text/plain", true))
	resp := get(t, addr, "GET", "/", ae("gzip"))
	wantIdentity(t, resp, nil)
	wantHeader(t, resp, "Content-Length", "0")
}

func TestHeadMatchesGet(t *testing.T) {
	body := text(3000, 4)
	for _, declare := range []bool{false, true} {
		t.Run(fmt.Sprintf("declared_%v", declare), func(t *testing.T) {
			addr := start(t, bodyHandler(body, "text/css", declare))
			g := get(t, addr, "GET", "/", ae("gzip"))
			h := get(t, addr, "HEAD", "/", ae("gzip"))
			wantGzip(t, g, body)
			for _, name := range []string{"Content-Encoding", "Content-Length", "Vary", "Content-Type", "Transfer-Encoding"} {
				if g.Get(name) != h.Get(name) {
					t.Errorf("%s: GET %q, HEAD %q", name, g.Get(name), h.Get(name))
				}
			}
			if len(h.Body) != 0 {
				t.Errorf("HEAD sent %d body bytes", len(h.Body))
			}
		})
	}
}

// fileHandler serves the file at path as ferry's file server does: a
// strong ETag from modification time and size, Content-Length, and the
// body by io.Copy; it counts the bytes read from the file.
type fileHandler struct {
	path  string
	ctype string
	read  atomic.Int64
}

func (fh *fileHandler) ServeHTTP(w http1.ResponseWriter, r *http1.Request) {
	f, err := os.Open(fh.path)
	if err != nil {
		http1.Error(w, 500)
		return
	}
	defer f.Close()
	fi, _ := f.Stat()
	etag := fmt.Sprintf(`"%x-%x"`, fi.ModTime().UnixNano(), fi.Size())
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Accept-Ranges", "bytes")
	for v := range r.Header.Values("If-None-Match") {
		for e := range http1.ListElements(v) {
			if string(e) == etag {
				w.WriteHeader(304)
				return
			}
		}
	}
	h.Set("Content-Type", fh.ctype)
	h.SetContentLength(fi.Size())
	n, _ := io.Copy(w, countingReader{f, &fh.read})
	if n != fi.Size() {
		panic("io.Copy returned a short count")
	}
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func writeFile(t *testing.T, path string, b []byte, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func TestCachedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.txt")
	v1 := text(64<<10, 5)
	writeFile(t, path, v1, time.Unix(1_700_000_000, 0))
	fh := &fileHandler{path: path, ctype: "text/plain; charset=utf-8"}
	addr := start(t, fh)

	first := get(t, addr, "GET", "/a.txt", ae("gzip"))
	wantGzip(t, first, v1)
	etag := first.Get("ETag")
	if !strings.HasSuffix(etag, `-gzip"`) {
		t.Errorf("ETag %q does not name the gzip form", etag)
	}
	wantHeader(t, first, "Accept-Ranges", "")
	wantHeader(t, first, "Content-Length", strconv.Itoa(len(first.Body)))
	if fh.read.Load() != int64(len(v1)) {
		t.Fatalf("first GET read %d bytes of the file, want %d", fh.read.Load(), len(v1))
	}

	// Another spelling of the same path is the same entry.
	second := get(t, addr, "GET", "/%61.txt", ae("gzip"))
	if !bytes.Equal(second.Body, first.Body) || second.Get("ETag") != etag {
		t.Errorf("cache hit sent other bytes or ETag %q", second.Get("ETag"))
	}
	wantGzip(t, second, v1)
	if fh.read.Load() != int64(len(v1)) {
		t.Errorf("a cache hit read the file (%d bytes read in all)", fh.read.Load())
	}

	head := get(t, addr, "HEAD", "/a.txt", ae("gzip"))
	wantHeader(t, head, "Content-Encoding", "gzip")
	wantHeader(t, head, "Content-Length", strconv.Itoa(len(first.Body)))
	wantHeader(t, head, "ETag", etag)

	identity := get(t, addr, "GET", "/a.txt")
	wantIdentity(t, identity, v1)
	wantHeader(t, identity, "Accept-Ranges", "bytes")

	notModified := get(t, addr, "GET", "/a.txt", ae("gzip"), "If-None-Match: "+etag+"\r\n")
	if notModified.Status != 304 || notModified.Get("ETag") != etag {
		t.Errorf("If-None-Match with the gzip tag: %d, ETag %q; want 304, %q", notModified.Status, notModified.Get("ETag"), etag)
	}
	wantHeader(t, notModified, "Vary", "Accept-Encoding")
	// Refusing gzip selects the identity body, whose tag the gzip one
	// does not match (RFC 9110 §13.1.2).
	refused := get(t, addr, "GET", "/a.txt", ae("gzip;q=0"), "If-None-Match: "+etag+"\r\n")
	wantIdentity(t, refused, v1)
	if want := strings.TrimSuffix(etag, `-gzip"`) + `"`; refused.Get("ETag") != want {
		t.Errorf("If-None-Match with the gzip tag, gzip refused: ETag %q, want %q", refused.Get("ETag"), want)
	}

	// Same size and type, new content and modification time: a new ETag,
	// so the stale compressed form must not be sent.
	v2 := text(64<<10, 6)
	writeFile(t, path, v2, time.Unix(1_700_000_100, 0))
	changed := get(t, addr, "GET", "/a.txt", ae("gzip"))
	wantGzip(t, changed, v2)
	if changed.Get("ETag") == etag {
		t.Errorf("ETag %q unchanged after the file changed", etag)
	}
	again := get(t, addr, "GET", "/a.txt", ae("gzip"))
	wantGzip(t, again, v2)
	// Read: v1 compressed, v1 sent as identity twice, v2 compressed.
	if want := int64(4 * len(v1)); fh.read.Load() != want {
		t.Errorf("read %d file bytes in all, want %d (once per version compressed)", fh.read.Load(), want)
	}
}

func TestCacheOff(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.js")
	body := text(20000, 8)
	writeFile(t, path, body, time.Unix(1_700_000_000, 0))
	fh := &fileHandler{path: path, ctype: "text/javascript"}
	addr := servertest.Start(t, Middleware(fh, Options{CacheBytes: -1}))
	for range 2 {
		wantGzip(t, get(t, addr, "GET", "/a.js", ae("gzip")), body)
	}
	if fh.read.Load() != int64(2*len(body)) {
		t.Errorf("read %d bytes, want %d: with the cache off every request reads the file", fh.read.Load(), 2*len(body))
	}
}

func TestLargeFileStreamed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.txt")
	body := text(maxCachedFile+1, 9)
	writeFile(t, path, body, time.Unix(1_700_000_000, 0))
	fh := &fileHandler{path: path, ctype: "text/plain"}
	addr := start(t, fh)
	// A HEAD gets the GET's chunked head without the file being read, let
	// alone compressed.
	head, rest := responseHead(t, addr, "HEAD", "/big.txt", ae("gzip"))
	if rest != "" || fh.read.Load() != 0 {
		t.Errorf("HEAD: %d bytes after the head, %d bytes of the file read", len(rest), fh.read.Load())
	}
	for range 2 {
		resp := get(t, addr, "GET", "/big.txt", ae("gzip"))
		wantGzip(t, resp, body)
		if !strings.HasSuffix(resp.Get("ETag"), `-gzip"`) || !resp.Chunked {
			t.Errorf("ETag %q, chunked %v", resp.Get("ETag"), resp.Chunked)
		}
	}
	if get, _ := responseHead(t, addr, "GET", "/big.txt", ae("gzip")); get != head {
		t.Errorf("GET:\n%s\nHEAD:\n%s", get, head)
	}
	if fh.read.Load() != int64(3*len(body)) {
		t.Errorf("read %d bytes, want %d: files over the cache limit are not cached", fh.read.Load(), 3*len(body))
	}
}

// TestLargeBodyHandedWhole: a body over maxCachedFile that the handler
// writes in one piece with its length (as a listing is) is compressed
// whole and sent with Content-Length, for HEAD as for GET; written in
// pieces, it is streamed chunked.
func TestLargeBodyHandedWhole(t *testing.T) {
	body := text(maxCachedFile*2, 11)
	addr := start(t, http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().SetContentLength(int64(len(body)))
		if r.Path[1] == 'p' {
			w.Write(body[:len(body)/2])
			w.Write(body[len(body)/2:])
			return
		}
		w.Write(body)
	}))
	resp := get(t, addr, "GET", "/whole", ae("gzip"))
	wantGzip(t, resp, body)
	if resp.Chunked || resp.Get("Content-Length") != strconv.Itoa(len(resp.Body)) {
		t.Errorf("whole: chunked %v, Content-Length %q for %d bytes", resp.Chunked, resp.Get("Content-Length"), len(resp.Body))
	}
	head, _ := responseHead(t, addr, "HEAD", "/whole", ae("gzip"))
	if get, _ := responseHead(t, addr, "GET", "/whole", ae("gzip")); get != head {
		t.Errorf("GET:\n%s\nHEAD:\n%s", get, head)
	}
	resp = get(t, addr, "GET", "/pieces", ae("gzip"))
	wantGzip(t, resp, body)
	if !resp.Chunked {
		t.Errorf("in pieces: not chunked")
	}
}

func TestShortBodyDetectable(t *testing.T) {
	body := text(3000, 10)
	for _, etag := range []string{`"cacheable"`, ""} {
		t.Run(fmt.Sprintf("etag_%q", etag), func(t *testing.T) {
			addr := start(t, http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
				w.Header().Set("Content-Type", "text/plain")
				if etag != "" {
					w.Header().Set("ETag", etag)
				}
				w.Header().SetContentLength(int64(len(body)) + 100)
				w.Write(body)
			}))
			resp := get(t, addr, "GET", "/", ae("gzip"))
			zr, err := gzip.NewReader(bytes.NewReader(resp.Body))
			if err == nil {
				_, err = io.ReadAll(zr)
			}
			if err == nil {
				t.Errorf("a body shorter than declared decompressed without error")
			}
		})
	}
}

func TestBodyLongerThanDeclared(t *testing.T) {
	errc := make(chan error, 1)
	addr := start(t, http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().SetContentLength(10)
		_, err := w.Write([]byte("more than ten bytes"))
		errc <- err
	}))
	get(t, addr, "GET", "/", ae("gzip"))
	if err := <-errc; err == nil {
		t.Errorf("writing past the declared length did not fail")
	}
}

// TestHeadWithoutBody covers a handler that declares the length on HEAD
// but copies no body (ferry's own handlers copy it, so that HEAD's head is
// GET's): until the compressed form is cached there is nothing to measure
// it by, so HEAD gets the identity headers; once a GET has cached it, HEAD
// gets the compressed ones.
func TestHeadWithoutBody(t *testing.T) {
	body := text(20000, 16)
	addr := start(t, http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("ETag", `"v1"`)
		w.Header().SetContentLength(int64(len(body)))
		if r.Method != "HEAD" {
			w.Write(body)
		}
	}))
	before := get(t, addr, "HEAD", "/", ae("gzip"))
	wantHeader(t, before, "Content-Encoding", "")
	wantHeader(t, before, "Content-Length", strconv.Itoa(len(body)))
	wantHeader(t, before, "ETag", `"v1"`)
	wantHeader(t, before, "Vary", "Accept-Encoding")

	g := get(t, addr, "GET", "/", ae("gzip"))
	wantGzip(t, g, body)
	after := get(t, addr, "HEAD", "/", ae("gzip"))
	for _, name := range []string{"Content-Encoding", "Content-Length", "ETag", "Vary"} {
		if after.Get(name) != g.Get(name) {
			t.Errorf("%s: GET %q, HEAD after it %q", name, g.Get(name), after.Get(name))
		}
	}
}

func TestSmallCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.txt")
	body := text(20000, 17)
	writeFile(t, path, body, time.Unix(1_700_000_000, 0))
	fh := &fileHandler{path: path, ctype: "text/plain"}
	// A cache smaller than the compressed file keeps nothing.
	addr := servertest.Start(t, Middleware(fh, Options{CacheBytes: 1000}))
	for range 2 {
		wantGzip(t, get(t, addr, "GET", "/a.txt", ae("gzip")), body)
	}
	if fh.read.Load() != int64(2*len(body)) {
		t.Errorf("read %d bytes, want %d", fh.read.Load(), 2*len(body))
	}
}

// TestStreamsBounded: while the streams allowed are all being compressed,
// another stream goes out as identity, whole; a stream that ends, or whose
// handler panics, gives its place back.
func TestStreamsBounded(t *testing.T) {
	body, large := text(20000, 5), text(maxCachedFile+1, 6)
	holding, release := make(chan struct{}), make(chan struct{})
	h := Middleware(http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		w.Header().Set("Content-Type", "text/plain")
		switch string(r.Path) {
		case "/hold":
			w.Write(body[:1000])
			holding <- struct{}{}
			<-release
			w.Write(body[1000:])
		case "/panic":
			w.Write(body[:1000])
			panic(http1.ErrAbortHandler)
		case "/large":
			w.Header().SetContentLength(int64(len(large)))
			w.Write(large[:1000])
			w.Write(large[1000:])
		default:
			w.Write(body)
		}
	}), Options{})
	h.streams = make(chan struct{}, 1)
	addr := servertest.Start(t, h)
	held := servertest.Dial(t, addr)
	io.WriteString(held, "GET /hold HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
	<-holding
	wantIdentity(t, get(t, addr, "GET", "/other", ae("gzip")), body)
	// A HEAD for a body too large to cache gets the head that GET would
	// get now.
	if head := get(t, addr, "HEAD", "/large", ae("gzip")); head.Get("Content-Encoding") != "" || head.Get("Content-Length") != strconv.Itoa(len(large)) {
		t.Errorf("HEAD with no stream free: Content-Encoding %q, Content-Length %q", head.Get("Content-Encoding"), head.Get("Content-Length"))
	}
	close(release)
	resp, err := servertest.ReadResponse(bufio.NewReader(held), "GET")
	if err != nil {
		t.Fatal(err)
	}
	wantGzip(t, resp, body)
	wantGzip(t, get(t, addr, "GET", "/other", ae("gzip")), body)
	if head := get(t, addr, "HEAD", "/large", ae("gzip")); head.Get("Content-Encoding") != "gzip" || head.Get("Transfer-Encoding") != "chunked" {
		t.Errorf("HEAD with a stream free: Content-Encoding %q, Transfer-Encoding %q", head.Get("Content-Encoding"), head.Get("Transfer-Encoding"))
	}

	c := servertest.Dial(t, addr)
	io.WriteString(c, "GET /panic HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(servertest.Timeout))
	if _, err := io.Copy(io.Discard, c); err != nil {
		t.Fatalf("the cut-off response: %v", err)
	}
	wantGzip(t, get(t, addr, "GET", "/other", ae("gzip")), body)
}

// TestHTTP10GetsNoStream: an HTTP/1.0 client cannot take chunks, so a
// body of known length too large to compress whole goes as identity with
// its Content-Length, for GET and HEAD, rather than compressed and
// delimited by closing the connection.
func TestHTTP10GetsNoStream(t *testing.T) {
	body := text(maxCachedFile+1, 7)
	addr := start(t, http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().SetContentLength(int64(len(body)))
		w.Write(body[:1000])
		w.Write(body[1000:])
	}))
	for _, method := range []string{"GET", "HEAD"} {
		resp := servertest.Do(t, addr, method+" / HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n")
		if resp.Get("Content-Encoding") != "" || resp.Get("Content-Length") != strconv.Itoa(len(body)) {
			t.Errorf("%s over HTTP/1.0: Content-Encoding %q, Content-Length %q", method, resp.Get("Content-Encoding"), resp.Get("Content-Length"))
		}
		if method == "GET" && !bytes.Equal(resp.Body, body) {
			t.Errorf("GET over HTTP/1.0: %d bytes, not the body", len(resp.Body))
		}
	}
}
