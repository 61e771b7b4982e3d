package fileserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"ferry/internal/http1"
	"ferry/internal/servertest"
)

// listingFiles are named so that name, size and time orders all differ.
var listingFiles = map[string]string{
	"b.txt":                  "bb",
	"a.txt":                  "aaaa",
	"c.txt":                  "c",
	"zdir/inner.txt":         "i",
	"adir/x":                 "x",
	".hidden":                "h",
	".ferry-upload-abc123":   "partial",
	"adir/.ferry-upload-zzz": "partial",
}

func startListing(t *testing.T, opts Options) string {
	t.Helper()
	addr, dir := startReadServer(t, opts, listingFiles)
	// Times: c oldest, then a, then b.
	base := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	for i, n := range []string{"c.txt", "a.txt", "b.txt"} {
		mt := base.Add(time.Duration(i) * time.Hour)
		if err := os.Chtimes(filepath.Join(dir, n), mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	return addr
}

type jsonEntry struct {
	Name    string `json:"name"`
	Size    int64  `json:"size"`
	ModTime string `json:"modTime"`
	IsDir   bool   `json:"isDir"`
}

func listJSON(t *testing.T, addr, target string) []jsonEntry {
	t.Helper()
	resp := fetch(t, addr, "GET", target, "Accept: application/json")
	wantCode(t, resp, 200)
	if got := resp.Get("Content-Type"); got != "application/json" {
		t.Fatalf("Content-Type %q", got)
	}
	if got := resp.Get("Content-Length"); got != strconv.Itoa(len(resp.Body)) {
		t.Fatalf("Content-Length %q for %d bytes", got, len(resp.Body))
	}
	var entries []jsonEntry
	if err := json.Unmarshal(resp.Body, &entries); err != nil {
		t.Fatalf("%v: %s", err, resp.Body)
	}
	return entries
}

func names(entries []jsonEntry) []string {
	var n []string
	for _, e := range entries {
		n = append(n, e.Name)
	}
	return n
}

func TestListingJSON(t *testing.T) {
	addr := startListing(t, Options{})
	entries := listJSON(t, addr, "/files/")
	want := []jsonEntry{
		{"adir", 0, "", true},
		{"zdir", 0, "", true},
		{"a.txt", 4, "2024-03-04T06:06:07Z", false},
		{"b.txt", 2, "2024-03-04T07:06:07Z", false},
		{"c.txt", 1, "2024-03-04T05:06:07Z", false},
	}
	if len(entries) != len(want) {
		t.Fatalf("entries %v, want %v", names(entries), names(want))
	}
	for i, e := range entries {
		if _, err := time.Parse(time.RFC3339, e.ModTime); err != nil {
			t.Errorf("%s: modTime %q: %v", e.Name, e.ModTime, err)
		}
		if want[i].ModTime == "" {
			e.ModTime = ""
		}
		if e != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, e, want[i])
		}
	}
	if got := names(listJSON(t, addr, "/files/adir/")); !slices.Equal(got, []string{"x"}) {
		t.Errorf("adir: %v", got)
	}

	sorts := []struct {
		query string
		want  []string
	}{
		{"?sort=name&order=desc", []string{"zdir", "adir", "c.txt", "b.txt", "a.txt"}},
		{"?sort=size", []string{"adir", "zdir", "c.txt", "b.txt", "a.txt"}},
		{"?sort=size&order=desc", []string{"zdir", "adir", "a.txt", "b.txt", "c.txt"}},
		{"?sort=time", []string{"adir", "zdir", "c.txt", "a.txt", "b.txt"}},
		{"?sort=time&order=desc", []string{"zdir", "adir", "b.txt", "a.txt", "c.txt"}},
		{"?sort=bogus&order=bogus", []string{"adir", "zdir", "a.txt", "b.txt", "c.txt"}},
	}
	for _, s := range sorts {
		got := names(listJSON(t, addr, "/files/"+s.query))
		// Folders have equal sizes and times of their own: only the files'
		// order is asserted for size and time, the folders must come first.
		if !slices.Equal(got[2:], s.want[2:]) || !slices.Contains(got[:2], "adir") || !slices.Contains(got[:2], "zdir") {
			t.Errorf("%s: %v, want %v", s.query, got, s.want)
		}
	}
}

func TestListingHidden(t *testing.T) {
	addr := startListing(t, Options{ShowHidden: true})
	got := names(listJSON(t, addr, "/files/"))
	if !slices.Contains(got, ".hidden") {
		t.Errorf("ShowHidden: %v lacks .hidden", got)
	}
	for _, n := range got {
		if strings.HasPrefix(n, uploadTempPrefix) {
			t.Errorf("upload temporary file listed: %v", got)
		}
	}
	if got := names(listJSON(t, addr, "/files/adir/")); !slices.Equal(got, []string{"x"}) {
		t.Errorf("adir: %v", got)
	}
}

func TestListingHTML(t *testing.T) {
	addr := startListing(t, Options{})
	resp := fetch(t, addr, "GET", "/files/")
	wantCode(t, resp, 200)
	if got := resp.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Fatalf("Content-Type %q", got)
	}
	if got := resp.Get("Content-Length"); got != strconv.Itoa(len(resp.Body)) {
		t.Fatalf("Content-Length %q for %d bytes", got, len(resp.Body))
	}
	body := string(resp.Body)
	var links []string
	for _, m := range hrefPattern.FindAllStringSubmatch(body, -1) {
		links = append(links, m[1])
	}
	want := []string{
		"?sort=name&amp;order=desc", "?sort=size&amp;order=asc", "?sort=time&amp;order=asc",
		"./adir/", "./zdir/", "./a.txt", "./b.txt", "./c.txt",
	}
	if !slices.Equal(links, want) {
		t.Errorf("links %q, want %q", links, want)
	}
	for _, s := range []string{"Index of /files/", ">adir/<", ">a.txt<", ">4 B<", "2024-03-04 06:06:07"} {
		if !strings.Contains(body, s) {
			t.Errorf("listing lacks %q:\n%s", s, body)
		}
	}
	if strings.Contains(body, ".hidden") || strings.Contains(body, uploadTempPrefix) {
		t.Errorf("hidden files listed:\n%s", body)
	}

	// A sub folder links to its parent; the column sorted by flips order.
	sub := string(fetch(t, addr, "GET", "/files/adir/?sort=size&order=asc").Body)
	for _, s := range []string{`href="../"`, `href="?sort=size&amp;order=desc"`, `href="./x"`, "Index of /files/adir/"} {
		if !strings.Contains(sub, s) {
			t.Errorf("sub folder listing lacks %q:\n%s", s, sub)
		}
	}

	// HEAD: the same head, no body.
	head := fetch(t, addr, "HEAD", "/files/")
	wantCode(t, head, 200)
	if head.Get("Content-Length") != resp.Get("Content-Length") || len(head.Body) != 0 {
		t.Errorf("HEAD: Content-Length %q, body %q", head.Get("Content-Length"), head.Body)
	}
}

func TestListingNegotiation(t *testing.T) {
	addr := startListing(t, Options{})
	tests := []struct {
		accept, ctype string
	}{
		{"application/json", "application/json"},
		{"text/html, application/json;q=0.9", "text/html; charset=utf-8"},
		{"text/html;q=0.5, application/json", "application/json"},
		{"application/json;q=0", "text/html; charset=utf-8"},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html; charset=utf-8"},
		{"*/*", "text/html; charset=utf-8"},
		{"application/json, text/html", "application/json"},
		// Wildcards: the most specific range that matches a type gives
		// its q-value (RFC 9110 §12.5.1).
		{"application/*", "application/json"},
		{"text/*", "text/html; charset=utf-8"},
		{"application/*, text/html;q=0.9", "application/json"},
		{"application/*;q=0.5, */*", "text/html; charset=utf-8"},
		{"application/json;q=0, */*", "text/html; charset=utf-8"},
		{"text/html;q=0, */*;q=0.1", "application/json"},
		{"*/*, text/html;q=0.2", "application/json"},
		{"image/png", "text/html; charset=utf-8"},
	}
	for _, tt := range tests {
		resp := fetch(t, addr, "GET", "/files/", "Accept: "+tt.accept)
		if got := resp.Get("Content-Type"); got != tt.ctype {
			t.Errorf("Accept %q: Content-Type %q, want %q", tt.accept, got, tt.ctype)
		}
		if got := resp.Get("Vary"); got != "Accept" {
			t.Errorf("Accept %q: Vary %q", tt.accept, got)
		}
	}
}

// TestListingConditionals: a listing has no validator but exists, so
// If-Match fails unless it is "*", If-None-Match: * gets 304, a tag in
// If-None-Match never matches, and date conditions are ignored.
func TestListingConditionals(t *testing.T) {
	addr := startListing(t, Options{})
	for _, tc := range []struct {
		field  string
		status int
	}{
		{`If-Match: "nope"`, 412},
		{`If-Match: *`, 200},
		{`If-None-Match: *`, 304},
		{`If-None-Match: "nope"`, 200},
		{`If-Unmodified-Since: Thu, 01 Jan 1970 00:00:00 GMT`, 200},
		{`If-Modified-Since: Tue, 01 Dec 2099 00:00:00 GMT`, 200},
	} {
		for _, method := range []string{"GET", "HEAD"} {
			resp := fetch(t, addr, method, "/files/", tc.field)
			if resp.Status != tc.status {
				t.Errorf("%s with %s: %d, want %d", method, tc.field, resp.Status, tc.status)
			}
			if tc.status == 304 && (len(resp.Body) != 0 || resp.Get("Vary") != "Accept") {
				t.Errorf("%s with %s: a 304 with %d bytes of body, Vary %q (want none, Accept as the 200)", method, tc.field, len(resp.Body), resp.Get("Vary"))
			}
		}
	}
}

func TestHumanSize(t *testing.T) {
	tests := map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 5 << 20: "5.0 MiB", 3 << 40: "3.0 TiB"}
	for n, want := range tests {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestListingUnservableNames checks that entries whose names no request
// could reach (resolveName refuses them with 400) are left out of both
// listings, that the HTML stays valid UTF-8, and that every link the page
// does offer answers 200.
func TestListingUnservableNames(t *testing.T) {
	files := map[string]string{
		"ok.txt":          "ok",
		"é ok.txt":        "accented",
		"\xff\xfe.txt":    "not UTF-8",
		"new\nline.txt":   "newline",
		"tab\there.txt":   "tab",
		"del\x7f.txt":     "DEL",
		"back\\slash.txt": "backslash",
		"bad\xffdir/x":    "in a folder whose name is not UTF-8",
	}
	addr, _ := startReadServer(t, Options{}, files)
	want := []string{"ok.txt", "é ok.txt"}
	if got := names(listJSON(t, addr, "/files/")); !slices.Equal(got, want) {
		t.Errorf("JSON listing %q, want %q", got, want)
	}
	resp := fetch(t, addr, "GET", "/files/")
	wantCode(t, resp, 200)
	if !utf8.Valid(resp.Body) {
		t.Errorf("the HTML listing is not valid UTF-8")
	}
	hrefs := entryLinks(string(resp.Body))
	if wantHrefs := []string{"ok.txt", "%C3%A9%20ok.txt"}; !slices.Equal(hrefs, wantHrefs) {
		t.Fatalf("links %q, want %q", hrefs, wantHrefs)
	}
	for _, href := range hrefs {
		if r := fetch(t, addr, "GET", "/files/"+href); r.Status != 200 {
			t.Errorf("link %q: %d", href, r.Status)
		}
	}
}

// TestListingLinksPercentEncoded checks that a link in the HTML listing is
// the name percent-encoded byte for byte, with no character reference in
// it, so that tools reading links out of the page get a working URL, and
// that each one answers with its file. A folder asked without its slash is
// redirected with the same encoding.
func TestListingLinksPercentEncoded(t *testing.T) {
	files := map[string]string{
		"c++.txt":        "plus",
		"a&b=c;d.txt":    "sub-delimiters",
		"q?#x.txt":       "query and fragment",
		"it's (1).txt":   "quote and parentheses",
		"~user_-.txt":    "unreserved",
		"dir $@!,*/f":    "in a folder",
		"<script>x.html": "angle brackets",
	}
	addr, _ := startReadServer(t, Options{}, files)
	body := string(fetch(t, addr, "GET", "/files/").Body)
	hrefs := entryLinks(body)
	want := []string{
		"dir%20%24%40%21%2C%2A/", "%3Cscript%3Ex.html", "a%26b%3Dc%3Bd.txt", "c%2B%2B.txt",
		"it%27s%20%281%29.txt", "q%3F%23x.txt", "~user_-.txt",
	}
	if !slices.Equal(hrefs, want) {
		t.Fatalf("links %q, want %q", hrefs, want)
	}
	for _, text := range []string{">&lt;script&gt;x.html<", ">it&#39;s (1).txt<", ">a&amp;b=c;d.txt<", ">dir $@!,*/<"} {
		if !strings.Contains(body, text) {
			t.Errorf("listing lacks the escaped name %q", text)
		}
	}
	for _, href := range hrefs {
		if strings.HasSuffix(href, "/") {
			if r := fetch(t, addr, "GET", "/files/"+strings.TrimSuffix(href, "/")); r.Status != 301 || r.Get("Location") != "/files/"+href {
				t.Errorf("folder %q without its slash: %d to %q", href, r.Status, r.Get("Location"))
			}
			continue
		}
		r := fetch(t, addr, "GET", "/files/"+href)
		name, _ := url.PathUnescape(href)
		if r.Status != 200 || string(r.Body) != files[name] {
			t.Errorf("link %q: %d %q", href, r.Status, r.Body)
		}
	}
}

// TestListingsConcurrent asks for many listings at once, more than are
// built at a time: each waits its turn and every one is complete.
func TestListingsConcurrent(t *testing.T) {
	files := map[string]string{}
	for i := range 200 {
		files[fmt.Sprintf("f%03d.txt", i)] = "x"
	}
	addr, _ := startReadServer(t, Options{}, files)
	want := fetch(t, addr, "GET", "/files/").Body
	const n = 24
	errs := make(chan error, n)
	for range n {
		go func() {
			c, err := net.DialTimeout("tcp", addr, servertest.Timeout)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(servertest.Timeout))
			io.WriteString(c, "GET /files/ HTTP/1.1\r\nHost: x\r\n\r\n")
			resp, err := servertest.ReadResponse(bufio.NewReader(c), "GET")
			if err == nil && (resp.Status != 200 || !bytes.Equal(resp.Body, want)) {
				err = fmt.Errorf("status %d, %d bytes, want 200 and %d bytes", resp.Status, len(resp.Body), len(want))
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestListingSizes lists an empty folder (JSON "[]", not "null") and one
// with more entries than are read from the folder at a time, which all
// appear, in order.
func TestListingSizes(t *testing.T) {
	files := map[string]string{"empty/.keep": ""}
	var want []string
	for i := range 2*readDirBatch + 7 {
		name := fmt.Sprintf("f%05d", i)
		files["many/"+name] = ""
		want = append(want, name)
	}
	addr, dir := startReadServer(t, Options{}, files)
	if err := os.Remove(filepath.Join(dir, "empty", ".keep")); err != nil {
		t.Fatal(err)
	}
	resp := fetch(t, addr, "GET", "/files/empty/", "Accept: application/json")
	if strings.TrimSpace(string(resp.Body)) != "[]" {
		t.Errorf("empty folder: %q, want []", resp.Body)
	}
	if got := names(listJSON(t, addr, "/files/many/")); !slices.Equal(got, want) {
		t.Errorf("%d entries listed, want %d", len(got), len(want))
	}
}

// entryLinks returns the links to entries ("./name") in an HTML listing,
// without their "./".
func entryLinks(body string) []string {
	var hrefs []string
	for _, part := range strings.Split(body, `href="./`)[1:] {
		href, _, _ := strings.Cut(part, `"`)
		hrefs = append(hrefs, href)
	}
	return hrefs
}

// TestLargeListingHoldsItsLength: a large listing, which may wait long
// for a slow reader, holds a buffer no larger than it needs (the listing
// budget counts the buffer), as HTML, sized by guess, and as JSON, grown
// by doubling.
func TestLargeListingHoldsItsLength(t *testing.T) {
	files := map[string]string{}
	for i := range 3000 {
		files[fmt.Sprintf("f%04d", i)] = ""
	}
	s, _ := newServerFor(t, Options{}, files)
	for _, accept := range []string{"text/html", "application/json"} {
		dir, err := s.root.Open(".")
		if err != nil {
			t.Fatal(err)
		}
		defer dir.Close()
		var r http1.Request
		if _, err := http1.ParseHead([]byte("GET /files/ HTTP/1.1\r\nHost: x\r\nAccept: "+accept+"\r\n\r\n"), &r, &http1.DefaultLimits); err != nil {
			t.Fatal(err)
		}
		body, status := s.buildListing(&r, dir, Name{Rel: ".", Dir: true})
		if status != 0 || body.Len() <= smallListingBytes {
			t.Fatalf("%s: status %d, %d bytes", accept, status, body.Len())
		}
		if body.Cap()-body.Len() > body.Len()/4 {
			t.Errorf("%s: a %d-byte listing holds a %d-byte buffer", accept, body.Len(), body.Cap())
		}
	}
}
