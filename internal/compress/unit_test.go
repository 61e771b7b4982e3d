package compress

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"ferry/internal/http1"
)

func TestCompressible(t *testing.T) {
	yes := []string{
		"text/plain", "text/html; charset=utf-8", "TEXT/CSS", " text/javascript ;x=y",
		"application/json", "application/ld+json", "image/svg+xml", "application/rss+xml",
		"application/javascript", "application/wasm", "font/ttf", "application/xml",
	}
	no := []string{
		"", "image/png", "image/jpeg", "video/mp4", "audio/mpeg", "application/zip",
		"application/gzip", "application/octet-stream", "application/pdf", "font/woff2",
		"text/event-stream", "application/jsonx", "textplain",
	}
	for _, ct := range yes {
		if !compressible(ct) {
			t.Errorf("compressible(%q) = false", ct)
		}
	}
	for _, ct := range no {
		if compressible(ct) {
			t.Errorf("compressible(%q) = true", ct)
		}
	}
}

func TestMarkETag(t *testing.T) {
	for tag, want := range map[string]string{
		`"abc"`:   `"abc-gzip"`,
		`W/"abc"`: `W/"abc-gzip"`,
		`""`:      `"-gzip"`,
		`abc`:     `abc`,
		``:        ``,
	} {
		if got := markETag(tag, Gzip); got != want {
			t.Errorf("markETag(%q) = %q, want %q", tag, got, want)
		}
	}
}

func TestUnmarkTags(t *testing.T) {
	tests := []struct {
		in    string
		want  []string
		found bool
	}{
		{`"a-gzip"`, []string{`"a"`}, true},
		{`W/"a-gzip", "b", "c-gzip"`, []string{`W/"a"`, `"b"`, `"c"`}, true},
		{`"a"`, []string{`"a"`}, false},
		{`*`, []string{`*`}, false},
		{`"-gzip"`, []string{`""`}, true},
		{`"gzip"`, []string{`"gzip"`}, false},
		{`"a-gzip-gzip"`, []string{`"a-gzip"`}, true},
		{`"a-zstd"`, []string{`"a-zstd"`}, false},
		{`"a-gzip" , "b-gzip"`, []string{`"a"`, `"b"`}, true},
		{`"unterminated-gzip`, []string{`"unterminated-gzip`}, false},
	}
	for _, tt := range tests {
		req := parseRequest(t, "If-None-Match: "+tt.in+"\r\n")
		found := unmarkTags(&req.Header, "If-None-Match")
		var got []string
		for v := range req.Header.Values("If-None-Match") {
			for e := range http1.ListElements(v) {
				got = append(got, string(e))
			}
		}
		if found != tt.found || fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("unmark(%s) = %q, %v; want %q, %v", tt.in, got, found, tt.want, tt.found)
		}
	}
}

func TestOnlyIdentityTags(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{`"a"`, true},
		{`W/"a", "b"`, true},
		{`"a*b"`, true},
		{`"gzip"`, true},
		{`"a-zstd"`, true},
		{`"a-gzip"`, false},
		{`"-gzip"`, false},
		{`"a", "b-gzip"`, false},
		{`*`, false},
		{`"a", *`, false},
		{``, false},
		{`junk`, false},
	}
	for _, tt := range tests {
		req := parseRequest(t, "If-None-Match: "+tt.in+"\r\n")
		if got := onlyIdentityTags(&req.Header); got != tt.want {
			t.Errorf("onlyIdentityTags(%s) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if req := parseRequest(t, ""); onlyIdentityTags(&req.Header) {
		t.Error("onlyIdentityTags without If-None-Match = true")
	}
}

func TestHasToken(t *testing.T) {
	tests := []struct {
		v, tok string
		want   bool
	}{
		{"Accept-Encoding", "accept-encoding", true},
		{"Origin,accept-encoding ", "Accept-Encoding", true},
		{"ab,cd", "cd", true},
		{"Accept-Encodings", "Accept-Encoding", false},
		{"", "*", false},
		{"Origin, *", "*", true},
	}
	for _, tt := range tests {
		if got := hasToken(tt.v, tt.tok); got != tt.want {
			t.Errorf("hasToken(%q, %q) = %v", tt.v, tt.tok, got)
		}
	}
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 1000)
	per := (&entry{key: "k0", data: data}).cost()
	c := newCache(3 * per)
	put := func(k string) { c.put(&entry{key: k, etag: `"e"`, ctype: "text/plain", srcLen: 5000, data: data}) }
	has := func(k string) bool { return c.get([]byte(k), `"e"`, "text/plain", 5000) != nil }
	put("k0")
	put("k1")
	put("k2")
	if !has("k0") { // k0 becomes the most recently used
		t.Fatal("k0 missing")
	}
	put("k3")
	if has("k1") || !has("k0") || !has("k2") || !has("k3") {
		t.Errorf("after a fourth entry: k0 %v k1 %v k2 %v k3 %v; want k1 evicted", has("k0"), has("k1"), has("k2"), has("k3"))
	}
	if c.size != 3*per || len(c.entries) != 3 {
		t.Errorf("size %d with %d entries, want %d with 3", c.size, len(c.entries), 3*per)
	}
	put("k3") // replacing keeps the accounting exact
	if c.size != 3*per || len(c.entries) != 3 {
		t.Errorf("after replacing: size %d with %d entries", c.size, len(c.entries))
	}
	if c.get([]byte("k3"), `"other"`, "text/plain", 5000) != nil ||
		c.get([]byte("k3"), `"e"`, "text/html", 5000) != nil ||
		c.get([]byte("k3"), `"e"`, "text/plain", 5001) != nil {
		t.Errorf("an entry matched a different ETag, type or length")
	}
	c.put(&entry{key: "huge", data: make([]byte, 4*per)})
	if len(c.entries) != 3 || has("huge") {
		t.Errorf("an entry larger than the whole cache was stored")
	}
}

// fakeWriter is a ResponseWriter keeping the body in memory, for the
// allocation guard.
type fakeWriter struct {
	h      http1.ResponseHeader
	status int
	body   []byte
}

func (f *fakeWriter) Header() *http1.ResponseHeader { return &f.h }
func (f *fakeWriter) WriteHeader(s int)             { f.status = s }
func (f *fakeWriter) Write(p []byte) (int, error) {
	f.body = append(f.body, p...)
	return len(p), nil
}

func (f *fakeWriter) reset() {
	for _, name := range []string{"Content-Type", "Content-Encoding", "Vary", "ETag", "Accept-Ranges"} {
		f.h.Del(name)
	}
	f.h.SetContentLength(-1)
	f.status, f.body = 0, f.body[:0]
}

func TestMiddlewareAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	body := []byte(strings.Repeat("hello, compressed world\n", 20))
	h := Middleware(bodyHandler(body, "text/plain", false), Options{})
	req := parseRequest(t, ae("gzip, deflate, br, zstd"))
	req.Method = "GET"
	fw := new(fakeWriter)
	serve := func() {
		fw.reset()
		h.ServeHTTP(fw, req)
	}
	serve()
	if fw.h.Get("Content-Encoding") != "gzip" {
		t.Fatalf("not compressed: %q", fw.h.Get("Content-Encoding"))
	}
	if n := testing.AllocsPerRun(200, serve); n != 0 {
		t.Errorf("a compressed response allocates %v times, want 0", n)
	}
}

func TestCacheHitAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	body := text(64<<10, 11)
	h := Middleware(http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("ETag", `"v1"`)
		w.Header().SetContentLength(int64(len(body)))
		w.Write(body)
	}), Options{})
	req := parseRequest(t, ae("gzip"))
	fw := new(fakeWriter)
	serve := func() {
		fw.reset()
		h.ServeHTTP(fw, req)
	}
	serve()
	first := bytes.Clone(fw.body)
	serve()
	if !bytes.Equal(fw.body, first) || fw.h.Get("ETag") != `"v1-gzip"` {
		t.Fatalf("the cache hit differs from the miss (ETag %q)", fw.h.Get("ETag"))
	}
	if n := testing.AllocsPerRun(200, serve); n != 0 {
		t.Errorf("a cache hit allocates %v times, want 0", n)
	}
}

// sendWatcher is a ResponseWriter that records whether each body write
// came while the handler was inside its own Write.
type sendWatcher struct {
	fakeWriter
	inHandlerWrite *bool
	outside        int
}

func (s *sendWatcher) Write(p []byte) (int, error) {
	if !*s.inHandlerWrite {
		s.outside++
	}
	return s.fakeWriter.Write(p)
}

// TestFilledBodySentInsideWrite: a body of known length goes out, compressed,
// within the handler's last Write, not after the handler returned, so that
// what the handler holds while its body is sent (the listing budget) covers
// a client slow to read it; also past maxCachedFile, handed whole.
func TestFilledBodySentInsideWrite(t *testing.T) {
	for _, size := range []int{10 << 10, maxCachedFile + 1} {
		body := text(size, 9)
		inWrite := false
		h := Middleware(http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().SetContentLength(int64(len(body)))
			inWrite = true
			w.Write(body)
			inWrite = false
		}), Options{})
		sw := &sendWatcher{inHandlerWrite: &inWrite}
		sw.h.SetContentLength(-1)
		req := parseRequest(t, ae("gzip"))
		req.Method = "GET"
		h.ServeHTTP(sw, req)
		if sw.h.Get("Content-Encoding") != "gzip" || len(sw.body) == 0 {
			t.Fatalf("%d bytes: not compressed (%q, %d bytes)", size, sw.h.Get("Content-Encoding"), len(sw.body))
		}
		if sw.outside != 0 {
			t.Errorf("%d bytes: %d writes of the compressed body after the handler's Write returned", size, sw.outside)
		}
	}
}
