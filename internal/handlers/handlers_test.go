package handlers_test

import (
	"bufio"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"ferry/internal/handlers"
	"ferry/internal/http1"
	"ferry/internal/router"
	"ferry/internal/servertest"
)

// start serves the endpoints as cmd/ferry routes them.
func start(t *testing.T) string {
	rt := router.New()
	rt.Handle("/", []string{"GET"}, http1.HandlerFunc(handlers.Root))
	rt.Handle("/echo/", []string{"GET"}, http1.HandlerFunc(handlers.Echo))
	rt.Handle("/user-agent", []string{"GET"}, http1.HandlerFunc(handlers.UserAgent))
	return servertest.Start(t, rt)
}

func get(t *testing.T, addr, target string, headers ...string) *servertest.Response {
	t.Helper()
	return servertest.Do(t, addr, "GET "+target+" HTTP/1.1\r\nHost: x\r\n"+strings.Join(headers, "")+"\r\n")
}

func TestEcho(t *testing.T) {
	addr := start(t)
	for _, tt := range []struct {
		name, path string
		status     int
		body       string
	}{
		{"plain", "/echo/abc", 200, "abc"},
		{"empty", "/echo/", 200, ""},
		{"space", "/echo/hello%20world", 200, "hello world"},
		{"encoded_slash", "/echo/a%2Fb", 200, "a/b"},
		{"raw_slash", "/echo/a/b", 200, "a/b"},
		{"utf8", "/echo/%C3%A9t%C3%A9", 200, "été"},
		{"lower_hex", "/echo/%c3%a9", 200, "é"},
		{"percent_itself", "/echo/100%25", 200, "100%"},
		{"plus_stays", "/echo/a+b", 200, "a+b"},
		{"query_dropped", "/echo/abc?x=1", 200, "abc"},
		{"nul", "/echo/a%00b", 200, "a\x00b"},
		{"long", "/echo/" + strings.Repeat("%41", 1000), 200, strings.Repeat("A", 1000)},
		{"bad_escape", "/echo/%zz", 400, ""},
		{"truncated_escape", "/echo/abc%4", 400, ""},
		{"lone_percent", "/echo/%", 400, ""},
		{"half_hex", "/echo/%4g", 400, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := get(t, addr, tt.path)
			if resp.Status != tt.status {
				t.Fatalf("status %d, want %d", resp.Status, tt.status)
			}
			if tt.status != 200 {
				return
			}
			if string(resp.Body) != tt.body {
				t.Errorf("body %q, want %q", resp.Body, tt.body)
			}
			if ct := resp.Header["content-type"]; len(ct) != 1 || ct[0] != "text/plain" {
				t.Errorf("Content-Type %q, want exactly text/plain", ct)
			}
			if resp.Get("Content-Length") != strconv.Itoa(len(tt.body)) || resp.Chunked {
				t.Errorf("Content-Length %q, chunked %v", resp.Get("Content-Length"), resp.Chunked)
			}
		})
	}
}

func TestUserAgent(t *testing.T) {
	addr := start(t)
	for _, tt := range []struct {
		name, header, want string
	}{
		{"curl", "User-Agent: curl/8.5.0\r\n", "curl/8.5.0"},
		{"spaces_trimmed", "User-Agent:   foo bar  \r\n", "foo bar"},
		{"lower_case_name", "user-agent: lower\r\n", "lower"},
		{"absent", "", ""},
		{"empty", "User-Agent:\r\n", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := get(t, addr, "/user-agent", tt.header)
			if resp.Status != 200 || string(resp.Body) != tt.want {
				t.Fatalf("%d %q, want 200 %q", resp.Status, resp.Body, tt.want)
			}
			if ct := resp.Header["content-type"]; len(ct) != 1 || ct[0] != "text/plain" {
				t.Errorf("Content-Type %q, want exactly text/plain", ct)
			}
			if resp.Get("Content-Length") != strconv.Itoa(len(tt.want)) {
				t.Errorf("Content-Length %q", resp.Get("Content-Length"))
			}
		})
	}
}

func TestRoot(t *testing.T) {
	addr := start(t)
	resp := get(t, addr, "/")
	if resp.Status != 200 || !strings.HasPrefix(resp.Get("Content-Type"), "text/html") {
		t.Fatalf("%d %q", resp.Status, resp.Get("Content-Type"))
	}
	for _, want := range []string{`href="/files/"`, "/echo/", "/user-agent"} {
		if !strings.Contains(string(resp.Body), want) {
			t.Errorf("index page does not name %s", want)
		}
	}
	if resp := get(t, addr, "/index.html"); resp.Status != 404 {
		t.Errorf("/index.html: %d, want 404", resp.Status)
	}
}

// TestHead: HEAD on every GET path gets the same status and headers
// (Date aside) and no body; the connection then serves the next request,
// which it could not if a body had been sent.
func TestHead(t *testing.T) {
	addr := start(t)
	for _, target := range []string{"/", "/echo/h%C3%A9", "/user-agent", "/echo/%zz", "/missing"} {
		t.Run(target, func(t *testing.T) {
			c := servertest.Dial(t, addr)
			req := " " + target + " HTTP/1.1\r\nHost: x\r\nUser-Agent: test\r\n\r\n"
			if _, err := c.Write([]byte("GET" + req + "HEAD" + req + "GET /echo/after HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(c)
			getResp, err := servertest.ReadResponse(br, "GET")
			if err != nil {
				t.Fatal(err)
			}
			headResp, err := servertest.ReadResponse(br, "HEAD")
			if err != nil {
				t.Fatal(err)
			}
			if getResp.Status != headResp.Status {
				t.Errorf("HEAD %d, GET %d", headResp.Status, getResp.Status)
			}
			delete(getResp.Header, "date")
			delete(headResp.Header, "date")
			if g, h := headerString(getResp), headerString(headResp); g != h {
				t.Errorf("headers differ:\nGET  %s\nHEAD %s", g, h)
			}
			after, err := servertest.ReadResponse(br, "GET")
			if err != nil || string(after.Body) != "after" {
				t.Fatalf("request after HEAD: %v %q", err, after.Body)
			}
		})
	}
}

// headerString renders a response's header fields sorted by name.
func headerString(r *servertest.Response) string {
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, name)
	}
	slices.Sort(names)
	s := ""
	for _, name := range names {
		s += fmt.Sprintf("%s=%q ", name, r.Header[name])
	}
	return s
}

// TestPreconditions: the endpoints have a current representation but no
// validator, so If-Match succeeds only with "*" and If-None-Match: * gives
// 304 (RFC 9110 §13.1.1, §13.1.2); the date conditions are ignored; a
// request that would fail anyway gets its own error first (§13.2.1).
func TestPreconditions(t *testing.T) {
	addr := start(t)
	for _, tt := range []struct {
		name, field string
		status      int
	}{
		{"if_match_tag", `If-Match: "x"`, 412},
		{"if_match_weak", `If-Match: W/"x"`, 412},
		{"if_match_star", `If-Match: *`, 200},
		{"if_match_list_with_star", `If-Match: "a", *`, 200},
		{"if_match_empty", `If-Match: `, 412},
		{"if_none_match_star", `If-None-Match: *`, 304},
		{"if_none_match_list_with_star", `If-None-Match: W/"a" , *`, 304},
		{"if_none_match_tag", `If-None-Match: "a"`, 200},
		{"if_modified_since", `If-Modified-Since: Sun, 06 Nov 2099 08:49:37 GMT`, 200},
		{"if_unmodified_since", `If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT`, 200},
		{"both_fail_match_first", "If-Match: \"x\"\r\nIf-None-Match: *", 412},
	} {
		for _, path := range []string{"/", "/echo/abc", "/user-agent"} {
			t.Run(tt.name+path, func(t *testing.T) {
				for _, method := range []string{"GET", "HEAD"} {
					resp := servertest.Do(t, addr, method+" "+path+" HTTP/1.1\r\nHost: x\r\n"+tt.field+"\r\n\r\n")
					if resp.Status != tt.status {
						t.Fatalf("%s: status %d, want %d", method, resp.Status, tt.status)
					}
					if tt.status == 304 && (resp.Get("Content-Type") != "" || resp.Get("Content-Length") != "") {
						t.Errorf("%s: 304 carries %v", method, resp.Header)
					}
				}
			})
		}
	}
	if resp := get(t, addr, "/echo/%zz", "If-Match: \"x\"\r\n"); resp.Status != 400 {
		t.Errorf("bad escape with a failing If-Match: %d, want 400", resp.Status)
	}
}
