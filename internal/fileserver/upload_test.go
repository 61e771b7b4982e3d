package fileserver

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"ferry/internal/servertest"
)

func TestUploadOutcomes(t *testing.T) {
	long := strings.Repeat("n", 300)
	tests := []struct {
		name   string
		setup  func(t *testing.T, dir string)
		raw    string
		status int
		// file and content: what the named file must hold afterwards;
		// absent: a name that must not exist.
		file, content string
		absent        string
		location      bool
	}{
		{name: "put_creates", raw: request("PUT", "/files/new.txt", "hello"),
			status: 201, file: "new.txt", content: "hello", location: true},
		{name: "put_replaces", setup: old("f.txt", "old content"), raw: request("PUT", "/files/f.txt", "new"),
			status: 204, file: "f.txt", content: "new"},
		{name: "post_creates", raw: request("POST", "/files/p.bin", "\x00\xff\r\n"),
			status: 201, file: "p.bin", content: "\x00\xff\r\n", location: true},
		{name: "post_replaces", setup: old("p.txt", "old"), raw: request("POST", "/files/p.txt", "newer"),
			status: 201, file: "p.txt", content: "newer", location: true},
		{name: "missing_parents", raw: request("PUT", "/files/a/b/c/d.txt", "deep"),
			status: 201, file: "a/b/c/d.txt", content: "deep", location: true},
		{name: "empty_body", raw: request("PUT", "/files/empty", ""),
			status: 201, file: "empty", content: "", location: true},
		{name: "chunked_with_trailer", raw: chunkedRequest("PUT", "/files/c.txt", "abc", "d", "efgh"),
			status: 201, file: "c.txt", content: "abcdefgh", location: true},
		{name: "encoded_utf8_name", raw: request("PUT", "/files/caf%C3%A9%20menu.txt", "x"),
			status: 201, file: "café menu.txt", content: "x", location: true},
		{name: "through_inner_link", setup: innerLink, raw: request("PUT", "/files/inner/x", "via link"),
			status: 201, file: "real/x", content: "via link", location: true},
		{name: "folder_slash", raw: request("PUT", "/files/sub/", "x"),
			status: 409, absent: "sub"},
		{name: "existing_folder", setup: old("sub/keep", "k"), raw: request("PUT", "/files/sub", "x"),
			status: 409, file: "sub/keep", content: "k"},
		{name: "parent_is_file", setup: old("f", "file"), raw: request("PUT", "/files/f/x", "x"),
			status: 409, file: "f", content: "file"},
		{name: "grandparent_is_file", setup: old("f", "file"), raw: request("POST", "/files/f/y/z", "x"),
			status: 409, file: "f", content: "file"},
		{name: "content_encoding_identity", raw: request("PUT", "/files/i.txt", "plain", "Content-Encoding: identity"),
			status: 201, file: "i.txt", content: "plain", location: true},
		// A coded body would be stored as its coded bytes: refused, and
		// the old file left as it was.
		{name: "content_encoding_gzip", setup: old("g.txt", "old"), raw: request("PUT", "/files/g.txt", "\x1f\x8b", "Content-Encoding: gzip"),
			status: 415, file: "g.txt", content: "old"},
		{name: "content_encoding_list", raw: request("POST", "/files/l.txt", "x", "Content-Encoding: identity, br"),
			status: 415, absent: "l.txt"},
		{name: "root", raw: request("PUT", "/files/", "x"), status: 405},
		{name: "name_too_long", raw: request("PUT", "/files/"+long, "x"), status: 400},
		// Making the folders fails at the long one: those made before it
		// go too.
		{name: "folder_name_too_long", raw: request("PUT", "/files/new1/new2/"+long+"/f.txt", "x"), status: 400, absent: "new1"},
		{name: "temp_name", raw: request("PUT", "/files/"+uploadTempPrefix+"x", "x"),
			status: 400, absent: uploadTempPrefix + "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, dir := startFiles(t, Options{})
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			resp := roundTrip(t, addr, tt.raw)
			if resp.Status != tt.status {
				t.Fatalf("status %d, want %d (body %q)", resp.Status, tt.status, resp.Body)
			}
			if tt.file != "" {
				wantFile(t, dir, tt.file, tt.content)
			}
			if tt.absent != "" {
				wantAbsent(t, dir, tt.absent)
			}
			switch {
			case tt.status == 201 || tt.status == 204:
				if got, want := resp.Get("ETag"), etagOnDisk(t, dir, tt.file); got != want {
					t.Errorf("ETag %q, want %q", got, want)
				}
				if len(resp.Body) != 0 {
					t.Errorf("body %q, want none", resp.Body)
				}
			case tt.status == 405:
				if got := resp.Get("Allow"); got != "GET, HEAD, OPTIONS" {
					t.Errorf("Allow %q", got)
				}
			case tt.status == 415:
				if got := resp.Get("Accept-Encoding"); got != "identity" {
					t.Errorf("Accept-Encoding %q, want identity", got)
				}
			}
			target := strings.Fields(tt.raw)[1]
			if got := resp.Get("Location"); tt.location && got != target {
				t.Errorf("Location %q, want %q", got, target)
			} else if !tt.location && got != "" {
				t.Errorf("Location %q, want none", got)
			}
			wantNoTemp(t, dir)
		})
	}
}

// old is a setup writing name with content.
func old(name, content string) func(*testing.T, string) {
	return func(t *testing.T, dir string) { writeFile(t, dir, name, content) }
}

// innerLink makes "inner" a symbolic link to the folder "real", inside.
func innerLink(t *testing.T, dir string) {
	if err := os.Mkdir(filepath.Join(dir, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(dir, "inner")); err != nil {
		t.Fatal(err)
	}
}

// TestUploadLarge sends a few MiB of random bytes, framed by length and by
// irregular chunks, and a smaller body in chunks of a few bytes, and checks
// each stored file's SHA-256.
func TestUploadLarge(t *testing.T) {
	data := make([]byte, 3<<20+12345)
	rand.Read(data)
	want := sha256.Sum256(data)
	var chunked strings.Builder
	chunked.WriteString("PUT /files/big-chunked HTTP/1.1\r\nHost: ferry.test\r\nTransfer-Encoding: chunked\r\n\r\n")
	for rest, size := data, 1; len(rest) > 0; size = size*7%200003 + 1 {
		n := min(size, len(rest))
		fmt.Fprintf(&chunked, "%x\r\n%s\r\n", n, rest[:n])
		rest = rest[n:]
	}
	chunked.WriteString("0\r\n\r\n")
	// Chunks of one to three bytes: gathered into full writes, not lost
	// between them.
	tiny := data[:200000]
	var tinyChunked strings.Builder
	tinyChunked.WriteString("PUT /files/tiny-chunked HTTP/1.1\r\nHost: ferry.test\r\nTransfer-Encoding: chunked\r\n\r\n")
	for rest, size := tiny, 1; len(rest) > 0; size = size%3 + 1 {
		n := min(size, len(rest))
		fmt.Fprintf(&tinyChunked, "%x\r\n%s\r\n", n, rest[:n])
		rest = rest[n:]
	}
	tinyChunked.WriteString("0\r\n\r\n")
	tests := []struct {
		name, file, raw string
		want            [32]byte
	}{
		{"content_length", "big", request("PUT", "/files/big", string(data)), want},
		{"chunked", "big-chunked", chunked.String(), want},
		{"tiny_chunks", "tiny-chunked", tinyChunked.String(), sha256.Sum256(tiny)},
	}
	addr, dir := startFiles(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if resp := roundTrip(t, addr, tt.raw); resp.Status != 201 {
				t.Fatalf("status %d", resp.Status)
			}
			got, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if sha256.Sum256(got) != tt.want {
				t.Errorf("stored %d bytes with another SHA-256 than the ones sent", len(got))
			}
		})
	}
	wantNoTemp(t, dir)
}

// TestUploadExpectContinue checks that "100 Continue" is sent only when the
// body will be read: a refusal decided from the head alone comes first.
func TestUploadExpectContinue(t *testing.T) {
	tests := []struct {
		name   string
		target string
		fields []string
		length int
		status int
	}{
		{name: "accepted", target: "/files/f", length: 10, status: 204},
		{name: "over_max_upload", target: "/files/f", length: 1001, status: 413},
		{name: "precondition_failed", target: "/files/f", fields: []string{"If-None-Match: *"}, length: 10, status: 412},
		{name: "folder", target: "/files/sub/", length: 10, status: 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, dir := startFiles(t, Options{MaxUpload: 1000})
			writeFile(t, dir, "f", "old")
			c := servertest.Dial(t, addr)
			head := fmt.Sprintf("PUT %s HTTP/1.1\r\nHost: ferry.test\r\nExpect: 100-continue\r\n%sContent-Length: %d\r\n\r\n",
				tt.target, fieldLines(tt.fields), tt.length)
			send(t, c, head)
			br := bufio.NewReader(c)
			if tt.status == 204 {
				servertest.ReadContinue(t, br)
				send(t, c, strings.Repeat("b", tt.length))
				if resp := readResponse(t, br, "PUT"); resp.Status != 204 {
					t.Fatalf("status %d after the body", resp.Status)
				}
				wantFile(t, dir, "f", strings.Repeat("b", tt.length))
				return
			}
			first, err := br.Peek(len("HTTP/1.1 100"))
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("HTTP/1.1 %d", tt.status); string(first) != want {
				t.Fatalf("response starts %q, want %q and no 100 Continue before it", first, want)
			}
			resp := readResponse(t, br, "PUT")
			if resp.Get("Connection") != "close" {
				t.Errorf("Connection %q, want close: the unsent body was never read", resp.Get("Connection"))
			}
			servertest.ExpectEOF(t, c)
			wantFile(t, dir, "f", "old")
			wantNoTemp(t, dir)
		})
	}
}

func fieldLines(fields []string) string {
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(f + "\r\n")
	}
	return b.String()
}

// TestUploadRefused covers bodies that must not replace the file: over the
// limit, cut short, badly framed. Each leaves the old content, no
// temporary file and no folder made for it, and closes the connection.
func TestUploadRefused(t *testing.T) {
	const limit = 1000
	x := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name   string
		raw    string
		status int
		// halfClose ends the client's side after raw, as a client that
		// stops sending does.
		halfClose bool
	}{
		{name: "over_limit_in_new_folders", raw: chunkedRequest("PUT", "/files/n1/n2/f", x(limit+1)), status: 413},
		{name: "short_body_in_new_folders", raw: "POST /files/n1/n2/f HTTP/1.1\r\nHost: ferry.test\r\nContent-Length: 100\r\n\r\n" + x(10),
			status: 400, halfClose: true},
		{name: "length_over_limit", raw: request("PUT", "/files/f", x(limit+1)), status: 413},
		// The 413 says close, so the server closes at once, without
		// waiting (the body timeout) for a body it will not read.
		{name: "length_over_limit_body_not_sent", raw: "PUT /files/f HTTP/1.1\r\nHost: ferry.test\r\nContent-Length: 1001\r\n\r\n", status: 413},
		{name: "chunked_over_limit", raw: chunkedRequest("PUT", "/files/f", x(400), x(400), x(201)), status: 413},
		{name: "post_chunked_over_limit", raw: chunkedRequest("POST", "/files/f", x(limit+1)), status: 413},
		{name: "short_body", raw: "PUT /files/f HTTP/1.1\r\nHost: ferry.test\r\nContent-Length: 100\r\n\r\n" + x(10),
			status: 400, halfClose: true},
		{name: "chunked_cut_short", raw: "PUT /files/f HTTP/1.1\r\nHost: ferry.test\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
			status: 400, halfClose: true},
		{name: "bad_chunk_size", raw: "PUT /files/f HTTP/1.1\r\nHost: ferry.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n\r\n",
			status: 400},
		{name: "chunk_longer_than_size", raw: "PUT /files/f HTTP/1.1\r\nHost: ferry.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n",
			status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, dir := startFiles(t, Options{MaxUpload: limit})
			writeFile(t, dir, "f", "old")
			c := servertest.Dial(t, addr)
			send(t, c, tt.raw)
			if tt.halfClose {
				if err := c.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
					t.Fatal(err)
				}
			}
			br := bufio.NewReader(c)
			resp := readResponse(t, br, "PUT")
			if resp.Status != tt.status {
				t.Fatalf("status %d, want %d", resp.Status, tt.status)
			}
			if resp.Get("Connection") != "close" {
				t.Errorf("Connection %q, want close", resp.Get("Connection"))
			}
			if want := fmt.Sprintf("%d %s\n", tt.status, statusWord(tt.status)); string(resp.Body) != want {
				t.Errorf("body %q, want %q", resp.Body, want)
			}
			if n, err := br.Read(make([]byte, 1)); n != 0 || err != io.EOF {
				t.Errorf("after the response: %d bytes, %v; want end-of-file", n, err)
			}
			wantFile(t, dir, "f", "old")
			wantAbsent(t, dir, "n1")
			wantNoTemp(t, dir)
		})
	}
}

func statusWord(code int) string {
	return map[int]string{400: "Bad Request", 412: "Precondition Failed", 413: "Content Too Large"}[code]
}

// TestUploadRefusedKeepsConnection checks that a write refused before its
// body is read leaves the connection usable: the server drains the body.
func TestUploadRefusedKeepsConnection(t *testing.T) {
	addr, dir := startFiles(t, Options{})
	writeFile(t, dir, "f", "file")
	c := servertest.Dial(t, addr)
	br := bufio.NewReader(c)
	for _, step := range []struct {
		raw    string
		status int
	}{
		{request("PUT", "/files/f/x", "under a file"), 409},
		{request("PUT", "/files/f", "v2", `If-Match: "other"`), 412},
		{request("DELETE", "/files/nothing", ""), 404},
		{request("PUT", "/files/ok", "fine"), 201},
	} {
		send(t, c, step.raw)
		resp := readResponse(t, br, "PUT")
		if resp.Status != step.status || resp.Get("Connection") == "close" {
			t.Fatalf("%s: %d, Connection %q; want %d on a kept connection",
				strings.Fields(step.raw)[:2], resp.Status, resp.Get("Connection"), step.status)
		}
	}
	wantFile(t, dir, "f", "file")
	wantFile(t, dir, "ok", "fine")
}

// TestUploadInterrupted drops connections in the middle of their bodies:
// the old file stays, and the temporary files and the folders made for
// them go.
func TestUploadInterrupted(t *testing.T) {
	for _, method := range []string{"PUT", "POST"} {
		t.Run(method, func(t *testing.T) {
			addr, dir := startFiles(t, Options{})
			writeFile(t, dir, "d/f", "old")
			c := servertest.Dial(t, addr)
			send(t, c, fmt.Sprintf("%s /files/d/f HTTP/1.1\r\nHost: ferry.test\r\nContent-Length: %d\r\n\r\n", method, 1<<20))
			send(t, c, strings.Repeat("y", 256<<10))
			c2 := servertest.Dial(t, addr)
			send(t, c2, fmt.Sprintf("%s /files/d/new/deeper/f HTTP/1.1\r\nHost: ferry.test\r\nContent-Length: %d\r\n\r\n", method, 1<<20))
			send(t, c2, strings.Repeat("z", 256<<10))
			waitFor(t, "the uploads' temporary files", func() bool { return len(tempFiles(t, dir)) == 2 })
			c.Close()
			c2.Close()
			waitFor(t, "the temporary file to go", func() bool { return len(tempFiles(t, dir)) == 0 })
			wantFile(t, dir, "d/f", "old")
			waitFor(t, "the folders made for the upload to go", func() bool {
				_, err := os.Stat(filepath.Join(dir, "d", "new"))
				return os.IsNotExist(err)
			})
			// The server is still serving.
			if resp := roundTrip(t, addr, request(method, "/files/d/f", "new")); resp.Status/100 != 2 {
				t.Fatalf("upload after the interrupted one: %d", resp.Status)
			}
			wantFile(t, dir, "d/f", "new")
		})
	}
}

// TestUploadInterruptedTogether overlaps two uploads into the same new
// folders, the first of which made them. When both are cut off, in either
// order, the folders go; when the second completes, they stay with its file.
func TestUploadInterruptedTogether(t *testing.T) {
	for _, tc := range []struct {
		name         string
		madeByFirst  bool // the one that made the folders is cut off first
		secondFinish bool
	}{
		{"maker_cut_first", true, false},
		{"maker_cut_last", false, false},
		{"other_finishes", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, dir := startFiles(t, Options{})
			head := "PUT /files/new/a/f%d HTTP/1.1\r\nHost: ferry.test\r\nContent-Length: 100\r\n\r\n"
			maker := servertest.Dial(t, addr)
			send(t, maker, fmt.Sprintf(head, 1)+"half")
			waitFor(t, "the first upload's temporary file", func() bool { return len(tempFiles(t, dir)) == 1 })
			other := servertest.Dial(t, addr)
			send(t, other, fmt.Sprintf(head, 2)+"half")
			waitFor(t, "the second upload's temporary file", func() bool { return len(tempFiles(t, dir)) == 2 })
			first, second := maker, other
			if !tc.madeByFirst {
				first, second = other, maker
			}
			first.Close()
			waitFor(t, "the first temporary file to go", func() bool { return len(tempFiles(t, dir)) == 1 })
			if tc.secondFinish {
				send(t, second, strings.Repeat("x", 96))
				resp, err := servertest.ReadResponse(bufio.NewReader(second), "PUT")
				if err != nil || resp.Status != 201 {
					t.Fatalf("the second upload: %v %v", resp, err)
				}
				wantFile(t, dir, "new/a/f2", "half"+strings.Repeat("x", 96))
				wantNoTemp(t, dir)
				return
			}
			second.Close()
			waitFor(t, "the folders made for the uploads to go", func() bool {
				_, err := os.Stat(filepath.Join(dir, "new"))
				return os.IsNotExist(err)
			})
			wantNoTemp(t, dir)
		})
	}
}

// TestUploadReadersSeeWholeFiles replaces a file again and again over one
// keep-alive connection while readers open it from the disk and download it
// with GET: each read must see the whole old content or the whole new one.
func TestUploadReadersSeeWholeFiles(t *testing.T) {
	const size = 256 << 10
	const replacements = 16
	addr, dir := startFiles(t, Options{})
	contents := []string{strings.Repeat("a", size), strings.Repeat("b", size)}
	writeFile(t, dir, "f", contents[0])

	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			got, err := os.ReadFile(filepath.Join(dir, "f"))
			if err != nil {
				t.Errorf("read during replacement: %v", err)
				return
			}
			if !slices.Contains(contents, string(got)) {
				t.Errorf("read %d bytes starting %q: neither the old file nor the new", len(got), trim(string(got)))
				return
			}
		}
	})
	wg.Go(func() {
		c := servertest.Dial(t, addr)
		br := bufio.NewReader(c)
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := io.WriteString(c, "GET /files/f HTTP/1.1\r\nHost: ferry.test\r\n\r\n"); err != nil {
				t.Errorf("GET during replacement: %v", err)
				return
			}
			resp, err := servertest.ReadResponse(br, "GET")
			if err != nil {
				t.Errorf("GET during replacement: %v", err)
				return
			}
			if resp.Status != 200 || !slices.Contains(contents, string(resp.Body)) {
				t.Errorf("GET during replacement: %d with %d bytes starting %q", resp.Status, len(resp.Body), trim(string(resp.Body)))
				return
			}
		}
	})
	c := servertest.Dial(t, addr)
	br := bufio.NewReader(c)
	for i := range replacements {
		send(t, c, request("PUT", "/files/f", contents[(i+1)%2]))
		if resp := readResponse(t, br, "PUT"); resp.Status != 204 {
			t.Errorf("replacement %d: status %d", i, resp.Status)
			break
		}
	}
	close(done)
	wg.Wait()
	wantFile(t, dir, "f", contents[replacements%2])
	wantNoTemp(t, dir)
}

// TestUploadKeepsMode checks that a replaced file keeps its permissions.
func TestUploadKeepsMode(t *testing.T) {
	addr, dir := startFiles(t, Options{})
	p := filepath.Join(dir, "private")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if resp := roundTrip(t, addr, request("PUT", "/files/private", "new")); resp.Status != 204 {
		t.Fatalf("status %d", resp.Status)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want -rw-------", fi.Mode().Perm())
	}
}

// TestUploadLinkOut checks that no write reaches outside the folder through
// a symbolic link that points out, and that the refusal names nothing.
func TestUploadLinkOut(t *testing.T) {
	addr, dir := startFiles(t, Options{})
	outside := t.TempDir()
	writeFile(t, outside, "secret", "secret")
	if err := os.Symlink(outside, filepath.Join(dir, "out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "secret-link")); err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{
		request("PUT", "/files/out/x", "pwned"),
		request("POST", "/files/out/new/deep", "pwned"),
		request("PUT", "/files/out/secret", "pwned"),
		request("PUT", "/files/secret-link", "pwned"),
		chunkedRequest("PUT", "/files/out/chunked", "pwned"),
		request("DELETE", "/files/out/secret", ""),
	} {
		resp := roundTrip(t, addr, raw)
		if resp.Status != 403 {
			t.Errorf("%s: status %d, want 403", strings.Fields(raw)[:2], resp.Status)
		}
		if bytes.Contains(resp.Body, []byte(outside)) || bytes.Contains(resp.Body, []byte("escape")) {
			t.Errorf("%s: the body tells too much: %q", strings.Fields(raw)[:2], resp.Body)
		}
	}
	entries, err := os.ReadDir(outside)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("outside folder now holds %d entries", len(entries))
	}
	wantFile(t, outside, "secret", "secret")
	wantNoTemp(t, outside)
	wantNoTemp(t, dir)
}

// TestUploadContentRange checks that a write carrying Content-Range (a
// fragment sent as if it were the whole file) gets 400 before its body is
// read, and that neither the file nor the folders above it change: RFC
// 9110 §14.5.
func TestUploadContentRange(t *testing.T) {
	tests := []struct {
		name, raw string
	}{
		{"put_existing", request("PUT", "/files/f", "XYZ", "Content-Range: bytes 7-9/10")},
		{"post_existing", request("POST", "/files/f", "XYZ", "Content-Range: bytes 7-9/10")},
		{"put_new_in_new_folders", request("PUT", "/files/n1/n2/f", "XYZ", "Content-Range: bytes 0-2/3")},
		{"put_unsatisfied_form", request("PUT", "/files/f", "XYZ", "Content-Range: bytes */10")},
		{"put_empty_value", request("PUT", "/files/f", "XYZ", "Content-Range:")},
		{"put_chunked", strings.Replace(chunkedRequest("PUT", "/files/f", "XYZ"), "\r\n\r\n", "\r\nContent-Range: bytes 7-9/10\r\n\r\n", 1)},
		{"put_if_match_star", request("PUT", "/files/f", "XYZ", "If-Match: *", "Content-Range: bytes 7-9/10")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, dir := startFiles(t, Options{})
			writeFile(t, dir, "f", "abcdefghij")
			c := servertest.Dial(t, addr)
			br := bufio.NewReader(c)
			send(t, c, tt.raw)
			resp := readResponse(t, br, "PUT")
			wantStatus(t, "write with Content-Range", resp, 400)
			wantFile(t, dir, "f", "abcdefghij")
			wantAbsent(t, dir, "n1")
			wantNoTemp(t, dir)
			if resp.Get("Connection") == "close" {
				servertest.ExpectEOF(t, c)
				return
			}
			// The body was drained: the connection reads the next request.
			send(t, c, "GET /files/f HTTP/1.1\r\nHost: ferry.test\r\n\r\n")
			if get := readResponse(t, br, "GET"); get.Status != 200 || string(get.Body) != "abcdefghij" {
				t.Errorf("GET after: %d %q", get.Status, get.Body)
			}
		})
	}
}

// TestUploadContentRangeNoContinue checks that the 400 for a Content-Range
// comes instead of "100 Continue": the fragment is never asked for.
func TestUploadContentRangeNoContinue(t *testing.T) {
	addr, dir := startFiles(t, Options{})
	writeFile(t, dir, "f", "abcdefghij")
	c := servertest.Dial(t, addr)
	send(t, c, "PUT /files/f HTTP/1.1\r\nHost: ferry.test\r\nExpect: 100-continue\r\nContent-Range: bytes 7-9/10\r\nContent-Length: 3\r\n\r\n")
	br := bufio.NewReader(c)
	first, err := br.Peek(len("HTTP/1.1 400"))
	if err != nil {
		t.Fatal(err)
	}
	if string(first) != "HTTP/1.1 400" {
		t.Fatalf("response starts %q, want HTTP/1.1 400 and no 100 Continue before it", first)
	}
	wantStatus(t, "PUT with Content-Range", readResponse(t, br, "PUT"), 400)
	wantFile(t, dir, "f", "abcdefghij")
	wantNoTemp(t, dir)
}

// TestUploadBesideFailedUpload: an upload into new folders succeeds while
// another upload into the same folders fails at the same moment and takes
// the folders it made away again.
func TestUploadBesideFailedUpload(t *testing.T) {
	s, dir := newServerFor(t, Options{}, nil)
	addr := servertest.Start(t, s)
	for i := range 100 {
		target := fmt.Sprintf("/files/race/d%d/sub/", i)
		aborted := make(chan struct{})
		go func() {
			defer close(aborted)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				return
			}
			io.WriteString(c, "PUT "+target+"a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}()
		resp := servertest.Do(t, addr, "PUT "+target+"b HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 3\r\n\r\nxyz")
		<-aborted
		if resp.Status != 201 {
			t.Fatalf("upload %d beside a failed one: %d %q", i, resp.Status, resp.Body)
		}
		if got, err := os.ReadFile(filepath.Join(dir, "race", fmt.Sprint("d", i), "sub", "b")); err != nil || string(got) != "xyz" {
			t.Fatalf("upload %d: %q %v", i, got, err)
		}
	}
}

// TestUploadDepth: a written file's name may have maxWriteDepth segments,
// folders included; a deeper one is refused with 414 before anything is
// made. Reading a deeper file made by other means still works.
func TestUploadDepth(t *testing.T) {
	addr, dir := startFiles(t, Options{})
	deepest := strings.Repeat("a/", maxWriteDepth-1) + "f"
	for _, method := range []string{"PUT", "POST"} {
		if resp := roundTrip(t, addr, request(method, "/files/"+deepest, "deep")); resp.Status != 201 && resp.Status != 204 {
			t.Fatalf("%s at depth %d: %d", method, maxWriteDepth, resp.Status)
		}
		wantFile(t, dir, deepest, "deep")
		tooDeep := "/files/b/" + deepest
		if resp := roundTrip(t, addr, request(method, tooDeep, "deeper")); resp.Status != 414 {
			t.Fatalf("%s at depth %d: %d, want 414", method, maxWriteDepth+1, resp.Status)
		}
		wantAbsent(t, dir, "b")
	}
	writeFile(t, dir, "c/"+deepest, "made here")
	if resp := roundTrip(t, addr, request("GET", "/files/c/"+deepest, "")); resp.Status != 200 || string(resp.Body) != "made here" {
		t.Fatalf("GET of a deeper file: %d %q", resp.Status, resp.Body)
	}
}

// TestUploadThroughDanglingLink writes under a link that leads nowhere:
// 409, as when a file stands where the path needs a folder, with the link
// kept and nothing made where it points.
func TestUploadThroughDanglingLink(t *testing.T) {
	addr, dir := startFiles(t, Options{})
	if err := os.Mkdir(filepath.Join(dir, "up"), 0o755); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{"up/dl": "nothere", "up/dl2": "../up/alsonot"} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{link + "/f.txt", link + "/x/f.txt"} {
			if resp := roundTrip(t, addr, request("PUT", "/files/"+name, "hello")); resp.Status != 409 {
				t.Errorf("PUT %s: %d, want 409", name, resp.Status)
			}
		}
		if fi, err := os.Lstat(filepath.Join(dir, link)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s: the link is gone (%v)", link, err)
		}
	}
	wantAbsent(t, dir, "up/nothere")
	wantAbsent(t, dir, "up/alsonot")
	wantNoTemp(t, dir)
}

// TestUploadCleanupLeavesWhatReplacedItsFolder moves the folder an upload
// made while the body is on its way, and puts a link in its place: when
// the upload fails, its cleanup takes away neither the link nor the folder
// above it, since neither is what it made, and its temporary file goes
// from the moved folder it is in.
func TestUploadCleanupLeavesWhatReplacedItsFolder(t *testing.T) {
	addr, dir := startFiles(t, Options{})
	c := servertest.Dial(t, addr)
	send(t, c, "PUT /files/nd/sub/x.txt HTTP/1.1\r\nHost: ferry.test\r\nContent-Length: 10\r\n\r\nabc")
	waitFor(t, "the upload's temporary file", func() bool { return len(tempFiles(t, dir)) == 1 })
	if err := os.Rename(filepath.Join(dir, "nd", "sub"), filepath.Join(dir, "moved")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("nowhere", filepath.Join(dir, "nd", "sub")); err != nil {
		t.Fatal(err)
	}
	send(t, c, "defghij")
	if resp, err := servertest.ReadResponse(bufio.NewReader(c), "PUT"); err != nil || resp.Status/100 == 2 {
		t.Fatalf("the upload whose folder moved: %v %v", resp, err)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "nd", "sub")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link put in the folder's place is gone (%v)", err)
	}
	waitFor(t, "the temporary file in the moved folder to go", func() bool { return len(tempFiles(t, dir)) == 0 })
}

// TestUploadFolderRenamed renames the folder of an upload under way, as
// someone tidying the served folder might: the upload fails (its target's
// name leads nowhere now) and leaves no temporary file in the renamed
// folder, whether the client finishes its body or goes away.
func TestUploadFolderRenamed(t *testing.T) {
	for _, finish := range []bool{true, false} {
		t.Run(fmt.Sprint("finished_", finish), func(t *testing.T) {
			addr, dir := startFiles(t, Options{})
			writeFile(t, dir, "keep/other", "x")
			c := servertest.Dial(t, addr)
			send(t, c, "PUT /files/keep/f.bin HTTP/1.1\r\nHost: ferry.test\r\nContent-Length: 10\r\n\r\nabc")
			waitFor(t, "the upload's temporary file", func() bool { return len(tempFiles(t, dir)) == 1 })
			if err := os.Rename(filepath.Join(dir, "keep"), filepath.Join(dir, "renamed")); err != nil {
				t.Fatal(err)
			}
			if finish {
				send(t, c, "defghij")
				if resp, err := servertest.ReadResponse(bufio.NewReader(c), "PUT"); err != nil || resp.Status/100 == 2 {
					t.Fatalf("the upload whose folder was renamed: %v %v", resp, err)
				}
			} else {
				c.Close()
			}
			waitFor(t, "the temporary file to go", func() bool { return len(tempFiles(t, dir)) == 0 })
			wantFile(t, dir, "renamed/other", "x")
		})
	}
}
