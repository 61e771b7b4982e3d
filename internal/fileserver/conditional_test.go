package fileserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ferry/internal/http1"
	"ferry/internal/servertest"
)

// TestConditionalRequests asks for a file under every conditional field
// and their combinations, in the order RFC 9110 §13.2.2 evaluates them.
func TestConditionalRequests(t *testing.T) {
	addr, dir := startReadServer(t, Options{}, map[string]string{"c.txt": "conditional"})
	mtime := time.Date(2025, 1, 2, 3, 4, 5, 600000000, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, "c.txt"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	head := fetch(t, addr, "HEAD", "/files/c.txt")
	etag, lastMod := head.Get("ETag"), head.Get("Last-Modified")
	const (
		before = "Thu, 02 Jan 2025 03:04:04 GMT"
		after  = "Thu, 02 Jan 2025 03:04:06 GMT"
	)
	tests := []struct {
		name   string
		method string
		header []string
		status int
	}{
		{"none", "GET", nil, 200},
		{"if_none_match_same", "GET", []string{"If-None-Match: " + etag}, 304},
		{"if_none_match_head", "HEAD", []string{"If-None-Match: " + etag}, 304},
		{"if_none_match_weak", "GET", []string{"If-None-Match: W/" + etag}, 304},
		{"if_none_match_list", "GET", []string{`If-None-Match: "a", ` + etag + `, "b"`}, 304},
		{"if_none_match_two_fields", "GET", []string{`If-None-Match: "a"`, "If-None-Match: " + etag}, 304},
		{"if_none_match_star", "GET", []string{"If-None-Match: *"}, 304},
		{"if_none_match_other", "GET", []string{`If-None-Match: "other"`}, 200},
		{"if_none_match_unquoted", "GET", []string{"If-None-Match: " + etag[1:len(etag)-1]}, 200},
		{"if_modified_since_same", "GET", []string{"If-Modified-Since: " + lastMod}, 304},
		{"if_modified_since_after", "GET", []string{"If-Modified-Since: " + after}, 304},
		{"if_modified_since_before", "GET", []string{"If-Modified-Since: " + before}, 200},
		{"if_modified_since_rfc850", "GET", []string{"If-Modified-Since: Thursday, 02-Jan-25 03:04:05 GMT"}, 304},
		{"if_modified_since_asctime", "GET", []string{"If-Modified-Since: Thu Jan  2 03:04:05 2025"}, 304},
		{"if_modified_since_invalid", "GET", []string{"If-Modified-Since: yesterday"}, 200},
		{"if_modified_since_twice", "GET", []string{"If-Modified-Since: " + lastMod, "If-Modified-Since: " + lastMod}, 200},
		// If-None-Match takes precedence: If-Modified-Since is not looked at.
		{"inm_fails_ims_would_pass", "GET", []string{`If-None-Match: "other"`, "If-Modified-Since: " + after}, 200},
		{"if_match_same", "GET", []string{"If-Match: " + etag}, 200},
		{"if_match_star", "GET", []string{"If-Match: *"}, 200},
		{"if_match_list", "GET", []string{`If-Match: "x", ` + etag}, 200},
		{"if_match_other", "GET", []string{`If-Match: "other"`}, 412},
		{"if_match_weak", "GET", []string{"If-Match: W/" + etag}, 412},
		{"if_unmodified_since_same", "GET", []string{"If-Unmodified-Since: " + lastMod}, 200},
		{"if_unmodified_since_before", "GET", []string{"If-Unmodified-Since: " + before}, 412},
		{"if_unmodified_since_invalid", "GET", []string{"If-Unmodified-Since: soon"}, 200},
		// If-Match takes precedence over If-Unmodified-Since.
		{"if_match_passes_ius_ignored", "GET", []string{"If-Match: " + etag, "If-Unmodified-Since: " + before}, 200},
		// 412 comes before 304.
		{"if_match_fails_before_inm", "GET", []string{`If-Match: "other"`, "If-None-Match: " + etag}, 412},
		{"if_match_passes_then_inm", "GET", []string{"If-Match: " + etag, "If-None-Match: " + etag}, 304},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := fetch(t, addr, tt.method, "/files/c.txt", tt.header...)
			wantCode(t, resp, tt.status)
			switch tt.status {
			case 304:
				if len(resp.Body) != 0 || resp.Get("ETag") != etag || resp.Get("Last-Modified") != lastMod {
					t.Errorf("304: ETag %q, Last-Modified %q, body %q", resp.Get("ETag"), resp.Get("Last-Modified"), resp.Body)
				}
				if resp.Get("Content-Length") != "" || resp.Get("Transfer-Encoding") != "" {
					t.Errorf("304 with framing: %v", resp.Header)
				}
			case 200:
				if tt.method == "GET" && string(resp.Body) != "conditional" {
					t.Errorf("body %q", resp.Body)
				}
			}
		})
	}
}

// TestCheckPreconditionsWrites evaluates the conditions as the write side
// calls them: for methods other than GET and HEAD, and for targets that
// may not exist.
func TestCheckPreconditionsWrites(t *testing.T) {
	mtime := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	existing := preconditionState{exists: true, etag: `"abc-1"`, modTime: mtime}
	absent := preconditionState{}
	tests := []struct {
		name   string
		method string
		header string
		st     preconditionState
		status int
	}{
		{"put_no_conditions", "PUT", "", absent, 0},
		{"put_if_match_star_absent", "PUT", "If-Match: *", absent, 412},
		{"put_if_match_star_exists", "PUT", "If-Match: *", existing, 0},
		{"put_if_match_tag_absent", "PUT", `If-Match: "abc-1"`, absent, 412},
		{"put_if_match_same", "PUT", `If-Match: "abc-1"`, existing, 0},
		{"put_if_match_changed", "PUT", `If-Match: "abc-0"`, existing, 412},
		{"put_if_none_match_star_absent", "PUT", "If-None-Match: *", absent, 0},
		{"put_if_none_match_star_exists", "PUT", "If-None-Match: *", existing, 412},
		{"delete_if_none_match_same", "DELETE", `If-None-Match: "abc-1"`, existing, 412},
		{"post_if_unmodified_since_older", "POST", "If-Unmodified-Since: Thu, 02 Jan 2025 03:04:04 GMT", existing, 412},
		{"post_if_unmodified_since_same", "POST", "If-Unmodified-Since: Thu, 02 Jan 2025 03:04:05 GMT", existing, 0},
		{"put_if_unmodified_since_absent", "PUT", "If-Unmodified-Since: Thu, 02 Jan 2025 03:04:05 GMT", absent, 0},
		{"put_if_modified_since_ignored", "PUT", "If-Modified-Since: Thu, 02 Jan 2025 03:04:05 GMT", existing, 0},
		{"get_if_none_match_star_absent", "GET", "If-None-Match: *", absent, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.method + " /files/x HTTP/1.1\r\nHost: x\r\n"
			if tt.header != "" {
				raw += tt.header + "\r\n"
			}
			var r http1.Request
			if _, err := http1.ParseHead([]byte(raw+"\r\n"), &r, &http1.DefaultLimits); err != nil {
				t.Fatal(err)
			}
			if got := checkPreconditions(&r, tt.st); got != tt.status {
				t.Errorf("checkPreconditions = %d, want %d", got, tt.status)
			}
		})
	}
}

func TestETagCompare(t *testing.T) {
	tests := []struct {
		a, b         string
		strong, weak bool
	}{
		{`"x"`, `"x"`, true, true},
		{`W/"x"`, `"x"`, false, true},
		{`W/"x"`, `W/"x"`, false, true},
		{`"x"`, `"y"`, false, false},
		{`x`, `x`, false, false},
		{`""`, `""`, true, true},
		{`"a"b"`, `"a"b"`, false, false},
	}
	for _, tt := range tests {
		if got := etagStrongMatch(tt.a, tt.b); got != tt.strong {
			t.Errorf("strong(%s, %s) = %v", tt.a, tt.b, got)
		}
		if got := etagWeakMatch(tt.a, tt.b); got != tt.weak {
			t.Errorf("weak(%s, %s) = %v", tt.a, tt.b, got)
		}
	}
}

// TestFutureModTime serves files whose modification time is years ahead
// of the clock, one small enough for the cache and one too large for it.
// Last-Modified is replaced by a time no later than the Date (RFC 9110
// §8.8.2.1), the strong ETag is kept, and the date conditions treat the
// file as modified: a client revalidating with the future date, or with
// the stand-in it was given, never gets a stale 304.
func TestFutureModTime(t *testing.T) {
	files := map[string]string{"small.txt": "future", "big.txt": strings.Repeat("f", maxCachedFileBytes+1)}
	s, dir := newServerFor(t, Options{}, files)
	s.cache.racy = 0
	addr := servertest.Start(t, s)
	future := time.Now().Add(10 * 365 * 24 * time.Hour).Truncate(time.Second)
	futureDate := future.UTC().Format(http1.TimeFormat)
	for name, content := range files {
		t.Run(name, func(t *testing.T) {
			if err := os.Chtimes(filepath.Join(dir, name), future, future); err != nil {
				t.Fatal(err)
			}
			etag := etagOnDisk(t, dir, name)
			target := "/files/" + name
			for range 2 { // the second GET of the small file is a cache hit
				before := time.Now().Add(-time.Second).Truncate(time.Second)
				resp := fetch(t, addr, "GET", target)
				after := time.Now()
				wantCode(t, resp, 200)
				lm, err := time.Parse(http1.TimeFormat, resp.Get("Last-Modified"))
				if err != nil {
					t.Fatalf("Last-Modified %q: %v", resp.Get("Last-Modified"), err)
				}
				date, err := time.Parse(http1.TimeFormat, resp.Get("Date"))
				if err != nil {
					t.Fatalf("Date %q: %v", resp.Get("Date"), err)
				}
				if lm.After(date) || lm.Before(before) || lm.After(after) {
					t.Errorf("Last-Modified %s, Date %s: want the time of the response, no later than the Date", lm, date)
				}
				if resp.Get("ETag") != etag {
					t.Errorf("ETag %s, want the file's %s", resp.Get("ETag"), etag)
				}
				stand := "If-Modified-Since: " + resp.Get("Last-Modified")
				for _, tc := range []struct {
					method string
					fields []string
					status int
				}{
					{"GET", []string{"If-Modified-Since: " + futureDate}, 200},
					{"HEAD", []string{"If-Modified-Since: " + futureDate}, 200},
					{"GET", []string{stand}, 200},
					{"GET", []string{"If-Modified-Since: Fri, 01 Jan 2300 00:00:00 GMT"}, 200},
					{"GET", []string{"If-Unmodified-Since: " + futureDate}, 412},
					{"GET", []string{"If-None-Match: " + etag}, 304},
					{"GET", []string{"If-Match: " + etag}, 200},
					{"GET", []string{"If-Range: " + futureDate, "Range: bytes=0-1"}, 200},
					{"GET", []string{"If-Range: " + etag, "Range: bytes=0-1"}, 206},
				} {
					r := fetch(t, addr, tc.method, target, tc.fields...)
					if r.Status != tc.status {
						t.Errorf("%s %v: status %d, want %d", tc.method, tc.fields, r.Status, tc.status)
					}
					if r.Status == 200 && tc.method == "GET" && string(r.Body) != content {
						t.Errorf("%v: body of %d bytes, want the file", tc.fields, len(r.Body))
					}
				}
			}
			s.cache.mu.RLock()
			_, cached := s.cache.entries[name]
			s.cache.mu.RUnlock()
			if want := len(content) <= maxCachedFileBytes; cached != want && s.cache.dir != nil {
				t.Errorf("cached %v, want %v", cached, want)
			}
		})
	}
	// A write guarded by the future date is refused; one guarded by the
	// ETag goes through.
	put := roundTrip(t, addr, request("PUT", "/files/small.txt", "new", "If-Unmodified-Since: "+futureDate))
	wantStatus(t, "PUT If-Unmodified-Since", put, 412)
	put = roundTrip(t, addr, request("PUT", "/files/small.txt", "new", "If-Match: "+etagOnDisk(t, dir, "small.txt")))
	wantStatus(t, "PUT If-Match", put, 204)
	wantFile(t, dir, "small.txt", "new")
}

// TestLaterSecond: a Last-Modified may be sent only when its second is not
// later than the Date's (RFC 9110 §8.8.2.1). The Date comes from a clock
// that can lag into the previous second, so a file written just after a
// second began is later than it, though not later than the system clock.
func TestLaterSecond(t *testing.T) {
	second := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name       string
		mtime, now time.Time
		later      bool
	}{
		{"same_second_before", second.Add(100 * time.Millisecond), second.Add(900 * time.Millisecond), false},
		{"same_second_after", second.Add(900 * time.Millisecond), second.Add(100 * time.Millisecond), false},
		{"next_second_lagging_clock", second.Add(time.Second + 5*time.Millisecond), second.Add(995 * time.Millisecond), true},
		{"past", second.Add(-time.Hour), second, false},
		{"years_ahead", second.AddDate(10, 0, 0), second, true},
	} {
		if got := laterSecond(tt.mtime, tt.now); got != tt.later {
			t.Errorf("%s: laterSecond = %v, want %v", tt.name, got, tt.later)
		}
	}
}

// TestOldModTime: files dated at or before 1970 (the Unix epoch, or the
// second after it that the Nix store gives every file) are sent with that
// Last-Modified, and the date conditions honour it like any other.
func TestOldModTime(t *testing.T) {
	files := map[string]string{"epoch.txt": "e", "one.txt": "o", "before.txt": "b"}
	addr, dir := startReadServer(t, Options{}, files)
	times := map[string]time.Time{"epoch.txt": time.Unix(0, 0), "one.txt": time.Unix(1, 0), "before.txt": time.Unix(-86400, 0)}
	for name, mtime := range times {
		t.Run(name, func(t *testing.T) {
			if err := os.Chtimes(filepath.Join(dir, name), mtime, mtime); err != nil {
				t.Fatal(err)
			}
			target := "/files/" + name
			lm := fetch(t, addr, "HEAD", target).Get("Last-Modified")
			if want := mtime.UTC().Format(http1.TimeFormat); lm != want {
				t.Fatalf("Last-Modified %q, want %q", lm, want)
			}
			earlier := mtime.Add(-time.Hour).UTC().Format(http1.TimeFormat)
			for _, tc := range []struct {
				method, field string
				status        int
			}{
				{"GET", "If-Modified-Since: " + lm, 304},
				{"GET", "If-Modified-Since: " + earlier, 200},
				{"GET", "If-Unmodified-Since: " + lm, 200},
				{"GET", "If-Unmodified-Since: " + earlier, 412},
				{"GET", "If-Range: " + lm + "\r\nRange: bytes=0-0", 206},
				{"DELETE", "If-Unmodified-Since: " + earlier, 412},
			} {
				if r := fetch(t, addr, tc.method, target, tc.field); r.Status != tc.status {
					t.Errorf("%s %q: status %d, want %d", tc.method, tc.field, r.Status, tc.status)
				}
			}
		})
	}
}
