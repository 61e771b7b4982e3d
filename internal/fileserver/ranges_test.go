package fileserver

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseRanges(t *testing.T) {
	const size = 1000
	tests := []struct {
		name   string
		value  string
		want   []httpRange // nil with ok: unsatisfiable
		ignore bool        // ok false: serve the whole file
	}{
		{"single", "bytes=0-499", []httpRange{{0, 500}}, false},
		{"single_last_byte", "bytes=999-999", []httpRange{{999, 1}}, false},
		{"open", "bytes=500-", []httpRange{{500, 500}}, false},
		{"suffix", "bytes=-100", []httpRange{{900, 100}}, false},
		{"suffix_longer_than_file", "bytes=-5000", []httpRange{{0, 1000}}, false},
		{"last_past_end_clipped", "bytes=900-5000", []httpRange{{900, 100}}, false},
		{"two", "bytes=0-9,20-29", []httpRange{{0, 10}, {20, 10}}, false},
		{"two_with_spaces", "bytes= 0-9 ,\t20-29 ", []httpRange{{0, 10}, {20, 10}}, false},
		{"empty_elements", "bytes=,0-9,,", []httpRange{{0, 10}}, false},
		{"unit_case", "BYTES=0-0", []httpRange{{0, 1}}, false},
		{"unsatisfiable_start", "bytes=1000-", nil, false},
		{"unsatisfiable_suffix_zero", "bytes=-0", nil, false},
		{"one_of_two_satisfiable", "bytes=5000-6000,0-0", []httpRange{{0, 1}}, false},
		{"huge_start", "bytes=99999999999999999999999-", nil, false},
		{"huge_last", "bytes=0-99999999999999999999999", []httpRange{{0, 1000}}, false},
		{"huge_suffix", "bytes=-99999999999999999999999", []httpRange{{0, 1000}}, false},
		{"other_unit", "items=0-1", nil, true},
		{"no_equals", "bytes 0-1", nil, true},
		{"empty_set", "bytes=", nil, true},
		{"no_dash", "bytes=5", nil, true},
		{"last_before_first", "bytes=10-5", nil, true},
		{"negative", "bytes=--5", nil, true},
		{"sign", "bytes=+1-2", nil, true},
		{"letters", "bytes=a-b", nil, true},
		{"space_inside", "bytes=1 -2", nil, true},
		{"bare_dash", "bytes=-", nil, true},
		{"overlap_amplifies", "bytes=0-999,0-999", nil, true},
		{"too_many", "bytes=" + strings.Repeat("0-0,", maxRanges+1), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseRanges(tt.value, size)
			if ok == tt.ignore {
				t.Fatalf("ok = %v, want %v", ok, !tt.ignore)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("ranges %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("ranges %v, want %v", got, tt.want)
				}
			}
		})
	}
	for _, v := range []string{"bytes=-5", "bytes=0-", "bytes=0-0", "bytes=-0"} {
		if r, ok := parseRanges(v, 0); ok {
			t.Errorf("%s of an empty file: %v, want the field ignored", v, r)
		}
	}
}

// FuzzParseRanges checks that whatever the field says, the ranges returned
// lie inside the file, are not empty, and do not add up to more than it.
func FuzzParseRanges(f *testing.F) {
	f.Add("bytes=0-499", int64(1000))
	f.Add("bytes=-0", int64(0))
	f.Fuzz(func(t *testing.T, v string, size int64) {
		if size < 0 {
			size = -size
			if size < 0 {
				size = 0
			}
		}
		ranges, ok := parseRanges(v, size)
		if !ok && ranges != nil {
			t.Fatalf("ignored field with ranges %v", ranges)
		}
		var total int64
		for _, r := range ranges {
			if r.start < 0 || r.length <= 0 || r.start >= size || r.length > size-r.start {
				t.Fatalf("range %+v outside a file of %d bytes", r, size)
			}
			total += r.length
		}
		if total > size || len(ranges) > maxRanges {
			t.Fatalf("%d ranges, %d bytes, for a file of %d", len(ranges), total, size)
		}
	})
}

// rangeFile is the content the range tests ask parts of.
var rangeFile = func() string {
	var b strings.Builder
	for i := 0; b.Len() < 10000; i++ {
		b.WriteString(strconv.Itoa(i) + ",")
	}
	return b.String()[:10000]
}()

func TestRangeRequests(t *testing.T) {
	addr, dir := startReadServer(t, Options{}, map[string]string{"r.txt": rangeFile, "empty.txt": ""})
	// If-Range with a date needs a Last-Modified in a second already
	// over (strongDateAge); the file is made a minute old.
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(filepath.Join(dir, "r.txt"), old, old); err != nil {
		t.Fatal(err)
	}
	single := []struct {
		name, value  string
		start, end   int // inclusive
		contentRange string
	}{
		{"first_bytes", "bytes=0-99", 0, 99, "bytes 0-99/10000"},
		{"middle", "bytes=5000-5009", 5000, 5009, "bytes 5000-5009/10000"},
		{"open", "bytes=9990-", 9990, 9999, "bytes 9990-9999/10000"},
		{"suffix", "bytes=-10", 9990, 9999, "bytes 9990-9999/10000"},
		{"clipped", "bytes=9999-20000", 9999, 9999, "bytes 9999-9999/10000"},
	}
	for _, tt := range single {
		t.Run(tt.name, func(t *testing.T) {
			resp := fetch(t, addr, "GET", "/files/r.txt", "Range: "+tt.value)
			wantCode(t, resp, 206)
			if got := resp.Get("Content-Range"); got != tt.contentRange {
				t.Errorf("Content-Range %q, want %q", got, tt.contentRange)
			}
			if got := resp.Get("Content-Type"); got != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
			if want := rangeFile[tt.start : tt.end+1]; string(resp.Body) != want {
				t.Errorf("body %q, want %q", resp.Body, want)
			}
		})
	}

	t.Run("multipart", func(t *testing.T) {
		resp := fetch(t, addr, "GET", "/files/r.txt", "Range: bytes=0-9, 100-199, -5")
		wantCode(t, resp, 206)
		mt, params, err := mime.ParseMediaType(resp.Get("Content-Type"))
		if err != nil || mt != "multipart/byteranges" || params["boundary"] == "" {
			t.Fatalf("Content-Type %q: %v", resp.Get("Content-Type"), err)
		}
		if resp.Get("Content-Length") != strconv.Itoa(len(resp.Body)) {
			t.Fatalf("Content-Length %q for a body of %d bytes", resp.Get("Content-Length"), len(resp.Body))
		}
		if !bytes.HasPrefix(resp.Body, []byte("--"+params["boundary"]+"\r\n")) ||
			!bytes.HasSuffix(resp.Body, []byte("\r\n--"+params["boundary"]+"--\r\n")) {
			t.Fatalf("body does not start and end with the boundary: %q", resp.Body)
		}
		parts := []struct {
			contentRange string
			body         string
		}{
			{"bytes 0-9/10000", rangeFile[:10]},
			{"bytes 100-199/10000", rangeFile[100:200]},
			{"bytes 9995-9999/10000", rangeFile[9995:]},
		}
		mr := multipart.NewReader(bytes.NewReader(resp.Body), params["boundary"])
		for i, want := range parts {
			p, err := mr.NextPart()
			if err != nil {
				t.Fatalf("part %d: %v", i, err)
			}
			if got := p.Header.Get("Content-Range"); got != want.contentRange {
				t.Errorf("part %d: Content-Range %q, want %q", i, got, want.contentRange)
			}
			if got := p.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
				t.Errorf("part %d: Content-Type %q", i, got)
			}
			if b, _ := io.ReadAll(p); string(b) != want.body {
				t.Errorf("part %d: %q, want %q", i, b, want.body)
			}
		}
		if _, err := mr.NextPart(); err != io.EOF {
			t.Errorf("after the last part: %v", err)
		}
	})

	t.Run("unsatisfiable", func(t *testing.T) {
		for _, v := range []string{"bytes=10000-", "bytes=20000-30000", "bytes=-0"} {
			resp := fetch(t, addr, "GET", "/files/r.txt", "Range: "+v)
			wantCode(t, resp, 416)
			if got := resp.Get("Content-Range"); got != "bytes */10000" {
				t.Errorf("%s: Content-Range %q", v, got)
			}
		}
	})

	t.Run("empty_file", func(t *testing.T) {
		for _, v := range []string{"bytes=0-", "bytes=-5", "bytes=0-0"} {
			resp := fetch(t, addr, "GET", "/files/empty.txt", "Range: "+v)
			wantCode(t, resp, 200)
			if resp.Get("Content-Range") != "" || resp.Get("Content-Length") != "0" {
				t.Errorf("%s of an empty file: Content-Range %q, Content-Length %q", v, resp.Get("Content-Range"), resp.Get("Content-Length"))
			}
		}
	})

	t.Run("ignored", func(t *testing.T) {
		for _, header := range [][]string{
			{"Range: bytes=5-1"},
			{"Range: pages=1-2"},
			{"Range: bytes=0-9999,0-9999"},
			{"Range: bytes=" + strings.Repeat("1-1,", maxRanges+1)},
			{"Range: bytes=0-1", "Range: bytes=2-3"},
		} {
			resp := fetch(t, addr, "GET", "/files/r.txt", header...)
			wantCode(t, resp, 200)
			if string(resp.Body) != rangeFile || resp.Get("Content-Range") != "" {
				t.Errorf("%q: not the whole file", header)
			}
		}
		// HEAD has no range semantics: the head of the whole file.
		resp := fetch(t, addr, "HEAD", "/files/r.txt", "Range: bytes=0-9")
		wantCode(t, resp, 200)
		if resp.Get("Content-Length") != "10000" {
			t.Errorf("HEAD with Range: Content-Length %q", resp.Get("Content-Length"))
		}
	})

	t.Run("if_range", func(t *testing.T) {
		full := fetch(t, addr, "HEAD", "/files/r.txt")
		etag, lastMod := full.Get("ETag"), full.Get("Last-Modified")
		tests := []struct {
			ifRange string
			status  int
		}{
			{etag, 206},
			{`"other"`, 200},
			{"W/" + etag, 200}, // weak tags never match If-Range
			{lastMod, 206},
			{"Mon, 02 Jan 2006 15:04:05 GMT", 200},
			{"not a date", 200},
		}
		for _, tt := range tests {
			resp := fetch(t, addr, "GET", "/files/r.txt", "Range: bytes=0-9", "If-Range: "+tt.ifRange)
			wantCode(t, resp, tt.status)
			want := rangeFile
			if tt.status == 206 {
				want = rangeFile[:10]
			}
			if string(resp.Body) != want {
				t.Errorf("If-Range %q: wrong body", tt.ifRange)
			}
		}
	})
}

// TestIfRangeDateOfRecentChange: a date in If-Range names a second in which
// the file may have changed twice, the client's copy taken between the two;
// while that second lasts the date is weak and the whole file comes back
// (RFC 9110 §13.1.5, §8.8.2.2). Honouring it would splice the new content's
// range onto the old copy.
func TestIfRangeDateOfRecentChange(t *testing.T) {
	addr, dir := startReadServer(t, Options{}, map[string]string{"v.txt": "AAAAAAAAAA"})
	name := filepath.Join(dir, "v.txt")
	for _, tt := range []struct {
		name   string
		age    time.Duration // how long ago the file last changed
		status int
	}{
		{"changed_now", 0, 200},
		{"changed_2s_ago", 2 * time.Second, 206},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(name, []byte("AAAAAAAAAA"), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.age > 0 {
				then := time.Now().Add(-tt.age)
				if err := os.Chtimes(name, then, then); err != nil {
					t.Fatal(err)
				}
			}
			lastMod := fetch(t, addr, "HEAD", "/files/v.txt").Get("Last-Modified")
			if tt.age == 0 {
				// The second change, in the same second as the first.
				if err := os.WriteFile(name, []byte("BBBBBBBBBB"), 0o644); err != nil {
					t.Fatal(err)
				}
				now := time.Now()
				if err := os.Chtimes(name, now, now); err != nil {
					t.Fatal(err)
				}
				if got := fetch(t, addr, "HEAD", "/files/v.txt").Get("Last-Modified"); got != lastMod {
					t.Skipf("the second changed between the two writes (%s, %s)", lastMod, got)
				}
			}
			resp := fetch(t, addr, "GET", "/files/v.txt", "Range: bytes=5-9", "If-Range: "+lastMod)
			wantCode(t, resp, tt.status)
			content, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			want := string(content)
			if tt.status == 206 {
				want = want[5:]
			}
			if string(resp.Body) != want {
				t.Errorf("body %q, want %q", resp.Body, want)
			}
		})
	}
}
