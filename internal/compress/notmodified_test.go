package compress

import (
	"slices"
	"strings"
	"testing"

	"ferry/internal/http1"
)

// validator answers as ferry's file server does for one unchanging file:
// ETag, Last-Modified and Accept-Ranges always, then 304 when If-None-Match
// names its tag or is "*", or, without If-None-Match, when
// If-Modified-Since is present (every date given is later than the file's).
// Content-Type and Content-Length are set before the preconditions are
// checked, so that a 304 tells which representation it validates.
type validator struct {
	ctype string
	body  []byte
}

const validatorTag = `"v7-1f40"`

func (v validator) ServeHTTP(w http1.ResponseWriter, r *http1.Request) {
	h := w.Header()
	h.Set("Last-Modified", "Tue, 14 Nov 2023 22:13:20 GMT")
	h.Set("ETag", validatorTag)
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Type", v.ctype)
	h.SetContentLength(int64(len(v.body)))
	inm := false
	for value := range r.Header.Values("If-None-Match") {
		inm = true
		for e := range http1.ListElements(value) {
			if string(e) == "*" || string(e) == validatorTag {
				w.WriteHeader(http1.StatusNotModified)
				return
			}
		}
	}
	if r.Header.Has("If-Modified-Since") && !inm {
		w.WriteHeader(http1.StatusNotModified)
		return
	}
	w.Write(v.body)
}

// TestNotModifiedNamesTheRepresentation checks that a 304 carries the
// ETag and Vary the 200 to the same request carries (RFC 9110 §15.4.5),
// whichever precondition produced it: the compressed form's tag for a
// client taking gzip, revalidating by date or "*" as well as by tag.
func TestNotModifiedNamesTheRepresentation(t *testing.T) {
	files := []struct {
		name string
		v    validator
	}{
		{"text", validator{"text/plain; charset=utf-8", text(8000, 30)}},
		{"image", validator{"image/png", noise(8000)}},
		{"empty_text", validator{"text/css", nil}},
	}
	codings := []string{ae("gzip"), ae("identity"), ae("gzip;q=0"), ""}
	for _, f := range files {
		addr := start(t, f.v)
		for _, coding := range codings {
			ok := get(t, addr, "GET", "/", coding)
			if ok.Status != 200 {
				t.Fatalf("%s %q: status %d", f.name, coding, ok.Status)
			}
			for _, cond := range []string{
				"If-None-Match: *\r\n",
				"If-Modified-Since: Tue, 01 Dec 2099 00:00:00 GMT\r\n",
				"If-None-Match: " + ok.Get("ETag") + "\r\n",
				"If-None-Match: \"other\", " + ok.Get("ETag") + "\r\n",
			} {
				resp := get(t, addr, "GET", "/", coding, cond)
				if resp.Status != 304 {
					t.Errorf("%s %q %q: status %d, want 304", f.name, coding, cond, resp.Status)
					continue
				}
				for _, name := range []string{"ETag", "Vary", "Last-Modified"} {
					if got, want := resp.Header[strings.ToLower(name)], ok.Header[strings.ToLower(name)]; !slices.Equal(got, want) {
						t.Errorf("%s %q %q: %s %q, the 200 has %q", f.name, coding, cond, name, got, want)
					}
				}
				wantHeader(t, resp, "Content-Length", "")
				wantHeader(t, resp, "Content-Encoding", "")
				if coding != "" {
					// Without Accept-Encoding the middleware leaves the
					// response as the handler wrote it.
					wantHeader(t, resp, "Content-Type", "")
				}
				if ok.Get("Content-Encoding") != "" {
					wantHeader(t, resp, "Accept-Ranges", "")
				} else {
					wantHeader(t, resp, "Accept-Ranges", "bytes")
				}
			}
		}
	}
}

// TestNotModifiedHeadAndGetAgree checks the same for HEAD, byte for byte
// against the GET's 304.
func TestNotModifiedHeadAndGetAgree(t *testing.T) {
	addr := start(t, validator{"application/json", text(3000, 31)})
	for _, cond := range []string{"If-None-Match: *\r\n", "If-Modified-Since: Tue, 01 Dec 2099 00:00:00 GMT\r\n"} {
		head, rest := responseHead(t, addr, "HEAD", "/", ae("gzip")+cond)
		get, _ := responseHead(t, addr, "GET", "/", ae("gzip")+cond)
		if head != get || rest != "" {
			t.Errorf("%q: GET\n%s\nHEAD\n%s\n%d bytes after HEAD's head", cond, get, head, len(rest))
		}
		want := "HTTP/1.1 304 Not Modified\r\nServer: ferry\r\nLast-Modified: Tue, 14 Nov 2023 22:13:20 GMT\r\n" +
			"ETag: \"v7-1f40-gzip\"\r\nVary: Accept-Encoding\r\nConnection: close"
		if get != want {
			t.Errorf("%q: got\n%s\nwant\n%s", cond, get, want)
		}
	}
}
