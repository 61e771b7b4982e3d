package http1

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// Requests as real clients send them.
const (
	curlRequest = "GET /echo/abc HTTP/1.1\r\n" +
		"Host: localhost:4221\r\n" +
		"User-Agent: curl/8.5.0\r\n" +
		"Accept: */*\r\n" +
		"\r\n"
	browserRequest = "GET /files/?sort=name HTTP/1.1\r\n" +
		"Host: 127.0.0.1:4221\r\n" +
		"Connection: keep-alive\r\n" +
		"sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n" +
		"sec-ch-ua-mobile: ?0\r\n" +
		"sec-ch-ua-platform: \"Linux\"\r\n" +
		"Upgrade-Insecure-Requests: 1\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n" +
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\r\n" +
		"Sec-Fetch-Site: none\r\n" +
		"Sec-Fetch-Mode: navigate\r\n" +
		"Sec-Fetch-User: ?1\r\n" +
		"Sec-Fetch-Dest: document\r\n" +
		"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
		"Accept-Language: en-US,en;q=0.9,fr;q=0.8\r\n" +
		"Cookie: session=0123456789abcdef; theme=dark\r\n" +
		"If-None-Match: \"5f2b-18c\"\r\n" +
		"\r\n"
	wrkRequest = "GET / HTTP/1.1\r\nHost: 127.0.0.1:4221\r\n\r\n"
)

// wantHead is what a good request must parse to. Fields left empty are
// checked against their zero value (Host: the empty slice).
type wantHead struct {
	method, target, path, query, host string
	minor                             int
	contentLength                     int64
	chunked, close, expectContinue    bool
	fields                            int
}

var goodRequests = []struct {
	name string
	raw  string
	want wantHead
}{
	{"curl", curlRequest, wantHead{method: "GET", target: "/echo/abc", path: "/echo/abc", host: "localhost:4221", minor: 1, fields: 3}},
	{"browser", browserRequest, wantHead{method: "GET", target: "/files/?sort=name", path: "/files/", query: "sort=name", host: "127.0.0.1:4221", minor: 1, fields: 16}},
	{"wrk", wrkRequest, wantHead{method: "GET", target: "/", path: "/", host: "127.0.0.1:4221", minor: 1, fields: 1}},
	{"absolute_form", "GET http://example.com/a/b?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n",
		wantHead{method: "GET", target: "http://example.com/a/b?x=1", path: "/a/b", query: "x=1", host: "example.com", minor: 1, fields: 1}},
	{"absolute_form_host_wins", "GET http://target.example/x HTTP/1.1\r\nHost: header.example\r\n\r\n",
		wantHead{method: "GET", target: "http://target.example/x", path: "/x", host: "target.example", minor: 1, fields: 1}},
	{"absolute_form_slash_in_query", "GET http://h?q=/x HTTP/1.1\r\nHost: h\r\n\r\n",
		wantHead{method: "GET", target: "http://h?q=/x", path: "/", query: "q=/x", host: "h", minor: 1, fields: 1}},
	{"absolute_form_https_upper", "GET HTTPS://example.com:8443/ HTTP/1.1\r\nHost: example.com:8443\r\n\r\n",
		wantHead{method: "GET", target: "HTTPS://example.com:8443/", path: "/", host: "example.com:8443", minor: 1, fields: 1}},
	{"absolute_form_no_path", "GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n",
		wantHead{method: "GET", target: "http://example.com", path: "/", host: "example.com", minor: 1, fields: 1}},
	{"absolute_form_no_path_query", "GET http://example.com?q HTTP/1.1\r\nHost: example.com\r\n\r\n",
		wantHead{method: "GET", target: "http://example.com?q", path: "/", query: "q", host: "example.com", minor: 1, fields: 1}},
	{"options_asterisk", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
		wantHead{method: "OPTIONS", target: "*", path: "*", host: "a", minor: 1, fields: 1}},
	{"http10_no_host_closes", "GET / HTTP/1.0\r\n\r\n",
		wantHead{method: "GET", target: "/", path: "/", minor: 0, close: true}},
	{"http10_keep_alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
		wantHead{method: "GET", target: "/", path: "/", minor: 0, fields: 1}},
	{"http11_close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
		wantHead{method: "GET", target: "/", path: "/", host: "a", minor: 1, close: true, fields: 2}},
	{"http11_connection_list", "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, CLOSE\r\n\r\n",
		wantHead{method: "GET", target: "/", path: "/", host: "a", minor: 1, close: true, fields: 2}},
	{"http12_is_11", "GET / HTTP/1.2\r\nHost: a\r\n\r\n",
		wantHead{method: "GET", target: "/", path: "/", host: "a", minor: 1, fields: 1}},
	{"leading_crlf", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
		wantHead{method: "GET", target: "/", path: "/", host: "a", minor: 1, fields: 1}},
	{"leading_lfs", "\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
		wantHead{method: "GET", target: "/", path: "/", host: "a", minor: 1, fields: 1}},
	{"bare_lf_lines", "GET / HTTP/1.1\nHost: a\nX: y\n\n",
		wantHead{method: "GET", target: "/", path: "/", host: "a", minor: 1, fields: 2}},
	{"empty_host", "GET / HTTP/1.1\r\nHost:\r\n\r\n",
		wantHead{method: "GET", target: "/", path: "/", minor: 1, fields: 1}},
	{"ipv6_host", "GET / HTTP/1.1\r\nHost: [::1]:4221\r\n\r\n",
		wantHead{method: "GET", target: "/", path: "/", host: "[::1]:4221", minor: 1, fields: 1}},
	{"ipv6_host_embedded_ipv4", "GET / HTTP/1.1\r\nHost: [::ffff:127.0.0.1]\r\n\r\n",
		wantHead{method: "GET", target: "/", path: "/", host: "[::ffff:127.0.0.1]", minor: 1, fields: 1}},
	{"host_ipvfuture", "GET / HTTP/1.1\r\nHost: [v1.fe80::a+b]:80\r\n\r\n",
		wantHead{method: "GET", target: "/", path: "/", host: "[v1.fe80::a+b]:80", minor: 1, fields: 1}},
	{"host_percent_encoded", "GET / HTTP/1.1\r\nHost: caf%C3%A9.example:80\r\n\r\n",
		wantHead{method: "GET", target: "/", path: "/", host: "caf%C3%A9.example:80", minor: 1, fields: 1}},
	{"host_empty_port", "GET / HTTP/1.1\r\nHost: a:\r\n\r\n",
		wantHead{method: "GET", target: "/", path: "/", host: "a:", minor: 1, fields: 1}},
	{"ows_around_value", "GET / HTTP/1.1\r\nHost: \t a \t\r\nX-Empty:\r\n\r\n",
		wantHead{method: "GET", target: "/", path: "/", host: "a", minor: 1, fields: 2}},
	{"obs_text_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\xff\r\n\r\n",
		wantHead{method: "GET", target: "/", path: "/", host: "a", minor: 1, fields: 2}},
	{"unknown_method", "PROPFIND /x HTTP/1.1\r\nHost: a\r\n\r\n",
		wantHead{method: "PROPFIND", target: "/x", path: "/x", host: "a", minor: 1, fields: 1}},
	{"method_32_bytes", strings.Repeat("M", 32) + " / HTTP/1.1\r\nHost: a\r\n\r\n",
		wantHead{method: strings.Repeat("M", 32), target: "/", path: "/", host: "a", minor: 1, fields: 1}},
	{"post_content_length", "POST /files/a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
		wantHead{method: "POST", target: "/files/a", path: "/files/a", host: "a", minor: 1, contentLength: 5, fields: 2}},
	{"content_length_repeated_same", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
		wantHead{method: "POST", target: "/", path: "/", host: "a", minor: 1, contentLength: 5, fields: 3}},
	{"content_length_list_same", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n",
		wantHead{method: "POST", target: "/", path: "/", host: "a", minor: 1, contentLength: 5, fields: 2}},
	{"content_length_leading_zeros", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n",
		wantHead{method: "POST", target: "/", path: "/", host: "a", minor: 1, contentLength: 7, fields: 2}},
	{"content_length_leading_zeros_many", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 000000000000000000000000000007\r\n\r\n",
		wantHead{method: "POST", target: "/", path: "/", host: "a", minor: 1, contentLength: 7, fields: 2}},
	{"content_length_zero", "POST / HTTP/1.1\r\nHost: a\r\ncontent-length: 0\r\n\r\n",
		wantHead{method: "POST", target: "/", path: "/", host: "a", minor: 1, fields: 2}},
	{"chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
		wantHead{method: "POST", target: "/", path: "/", host: "a", minor: 1, contentLength: -1, chunked: true, fields: 2}},
	{"chunked_mixed_case", "POST / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: ChUnKeD\r\n\r\n",
		wantHead{method: "POST", target: "/", path: "/", host: "a", minor: 1, contentLength: -1, chunked: true, fields: 2}},
	{"expect_continue", "PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-Continue\r\n\r\n",
		wantHead{method: "PUT", target: "/f", path: "/f", host: "a", minor: 1, contentLength: 3, expectContinue: true, fields: 3}},
	{"expect_continue_list", "PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue, 100-Continue\r\n\r\n",
		wantHead{method: "PUT", target: "/f", path: "/f", host: "a", minor: 1, contentLength: 3, expectContinue: true, fields: 3}},
	{"expect_continue_http10_ignored", "PUT /f HTTP/1.0\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n",
		wantHead{method: "PUT", target: "/f", path: "/f", minor: 0, contentLength: 3, close: true, fields: 2}},
	{"percent_encoded_path", "GET /echo/a%20b?x=%23 HTTP/1.1\r\nHost: a\r\n\r\n",
		wantHead{method: "GET", target: "/echo/a%20b?x=%23", path: "/echo/a%20b", query: "x=%23", host: "a", minor: 1, fields: 1}},
	{"visible_ascii_path", "GET /a|b{c}^`\"<>\\ HTTP/1.1\r\nHost: a\r\n\r\n",
		wantHead{method: "GET", target: "/a|b{c}^`\"<>\\", path: "/a|b{c}^`\"<>\\", host: "a", minor: 1, fields: 1}},
	{"max_fields", "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: y\r\n", 99) + "\r\n",
		wantHead{method: "GET", target: "/", path: "/", host: "a", minor: 1, fields: 100}},
	{"max_target", "GET /" + strings.Repeat("a", 8<<10-1) + " HTTP/1.1\r\nHost: a\r\n\r\n",
		wantHead{method: "GET", target: "/" + strings.Repeat("a", 8<<10-1), path: "/" + strings.Repeat("a", 8<<10-1), host: "a", minor: 1, fields: 1}},
}

func checkHead(t *testing.T, req *Request, w wantHead) {
	t.Helper()
	got := wantHead{
		method: req.Method, target: string(req.Target), path: string(req.Path), query: string(req.Query),
		host: string(req.Host), minor: req.ProtoMinor, contentLength: req.ContentLength,
		chunked: req.Chunked, close: req.Close, expectContinue: req.ExpectContinue, fields: req.Header.Len(),
	}
	if got != w {
		t.Errorf("parsed\n %+v\nwant\n %+v", got, w)
	}
}

func TestParseHeadGood(t *testing.T) {
	for _, tc := range goodRequests {
		t.Run(tc.name, func(t *testing.T) {
			var req Request
			n, err := ParseHead([]byte(tc.raw), &req, &DefaultLimits)
			if err != nil {
				t.Fatalf("ParseHead: %v", err)
			}
			if n != len(tc.raw) {
				t.Errorf("consumed %d, want %d", n, len(tc.raw))
			}
			checkHead(t, &req, tc.want)

			// Bytes after the head (a body, the next pipelined request)
			// are not consumed and change nothing.
			var again Request
			n, err = ParseHead([]byte(tc.raw+"GET / HTTP/1.1\r\n"), &again, &DefaultLimits)
			if err != nil || n != len(tc.raw) {
				t.Fatalf("with a trailing request: n=%d err=%v, want %d", n, err, len(tc.raw))
			}
			checkHead(t, &again, tc.want)
		})
	}
}

// TestParseHeadEveryPrefix feeds every proper prefix of each good request,
// as picohttpparser's "incomplete 1..N" tests do: each must ask for more.
func TestParseHeadEveryPrefix(t *testing.T) {
	for _, tc := range goodRequests {
		t.Run(tc.name, func(t *testing.T) {
			var req Request
			for i := range len(tc.raw) {
				n, err := ParseHead([]byte(tc.raw[:i]), &req, &DefaultLimits)
				if err != ErrIncomplete {
					t.Fatalf("prefix of %d bytes %q: n=%d err=%v, want ErrIncomplete", i, tc.raw[:i], n, err)
				}
			}
		})
	}
}

// TestParseHeadReused parses different requests into one Request, as a
// connection does: nothing of an earlier request may leak into a later one.
func TestParseHeadReused(t *testing.T) {
	var req Request
	body := &Body{}
	req.Body, req.RemoteAddr = body, "1.2.3.4:5"
	for range 2 {
		for _, tc := range goodRequests {
			if _, err := ParseHead([]byte(tc.raw), &req, &DefaultLimits); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			checkHead(t, &req, tc.want)
			if req.Body != body || req.RemoteAddr != "1.2.3.4:5" {
				t.Fatalf("%s: Body or RemoteAddr lost on reset", tc.name)
			}
		}
	}
}

var badRequests = []struct {
	name   string
	raw    string
	status int
}{
	// Request line.
	{"method_33", strings.Repeat("M", 33) + " / HTTP/1.1\r\nHost: a\r\n\r\n", 501},
	{"method_33_incomplete", strings.Repeat("M", 33), 501},
	{"empty_method", " / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"lowercase_version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400},
	{"two_spaces_after_method", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"two_spaces_before_version", "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"tab_separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"trailing_space_after_version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400},
	{"no_version_http09", "GET /\r\n\r\n", 400},
	{"no_version_with_space", "GET / \r\n\r\n", 400},
	{"version_two_digits", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400},
	{"version_letters", "GET / HTTP/1.x\r\nHost: a\r\n\r\n", 400},
	{"version_no_minor", "GET / HTTP/1\r\nHost: a\r\n\r\n", 400},
	{"http2", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
	{"http09_versioned", "GET / HTTP/0.9\r\n\r\n", 505},
	{"http3", "GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505},
	{"h2_preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},
	{"relative_target", "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"asterisk_on_get", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"authority_form_connect", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 501},
	{"authority_form_get", "GET example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 400},
	{"absolute_form_no_host", "GET http:///a HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"absolute_form_empty_host_query", "GET http://?q HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"absolute_form_userinfo", "GET http://user:pw@h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400},
	{"absolute_form_bad_host_char", "GET http://h\"x/ HTTP/1.1\r\nHost: h\r\n\r\n", 400},
	{"absolute_form_scheme_only", "GET http:// HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"fragment", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"fragment_after_query", "GET /a?b#c HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"fragment_absolute_form_no_path", "GET http://a#frag HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"target_8k_plus_1", "GET /" + strings.Repeat("a", 8<<10) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414},
	{"target_huge_incomplete", "GET /" + strings.Repeat("a", 9<<10), 414},
	{"utf8_in_target", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"bare_cr_in_request_line", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400},
	{"bare_cr_leading", "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},

	// Header fields.
	{"missing_host_http11", "GET / HTTP/1.1\r\n\r\n", 400},
	{"two_hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
	{"two_identical_hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400},
	{"two_hosts_http10", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400},
	{"host_with_space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
	{"host_with_slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400},
	{"host_port_letters", "GET / HTTP/1.1\r\nHost: x:abc\r\n\r\n", 400},
	{"host_port_negative", "GET / HTTP/1.1\r\nHost: x:-1\r\n\r\n", 400},
	{"host_port_plus", "GET / HTTP/1.1\r\nHost: x:+80\r\n\r\n", 400},
	{"host_two_ports", "GET / HTTP/1.1\r\nHost: x:80:80\r\n\r\n", 400},
	{"host_empty_with_port", "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", 400},
	{"absolute_form_empty_host_port", "GET http://:80/echo/a HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"host_ipv6_unclosed", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400},
	{"host_ipv6_trailing", "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", 400},
	{"host_ipv6_unbracketed", "GET / HTTP/1.1\r\nHost: ::1\r\n\r\n", 400},
	{"host_ipv6_not_hex", "GET / HTTP/1.1\r\nHost: [zz]\r\n\r\n", 400},
	{"host_bracket_inside", "GET / HTTP/1.1\r\nHost: a]b\r\n\r\n", 400},
	{"host_lone_percent", "GET / HTTP/1.1\r\nHost: %\r\n\r\n", 400},
	{"host_bad_percent", "GET / HTTP/1.1\r\nHost: %zz\r\n\r\n", 400},
	{"host_short_percent", "GET / HTTP/1.1\r\nHost: a%4\r\n\r\n", 400},
	{"host_short_percent_port", "GET / HTTP/1.1\r\nHost: a%4:80\r\n\r\n", 400},
	{"host_empty_brackets", "GET / HTTP/1.1\r\nHost: []\r\n\r\n", 400},
	{"host_ipv6_colon_only", "GET / HTTP/1.1\r\nHost: [:]\r\n\r\n", 400},
	{"host_ipv6_one_group", "GET / HTTP/1.1\r\nHost: [1]\r\n\r\n", 400},
	{"host_ipv4_in_brackets", "GET / HTTP/1.1\r\nHost: [1.2.3.4]\r\n\r\n", 400},
	{"host_ipvfuture_no_version", "GET / HTTP/1.1\r\nHost: [v.x]\r\n\r\n", 400},
	{"host_ipvfuture_empty", "GET / HTTP/1.1\r\nHost: [v1.]\r\n\r\n", 400},
	{"host_ipvfuture_bad_char", "GET / HTTP/1.1\r\nHost: [v1.a/b]\r\n\r\n", 400},
	{"absolute_form_bad_port", "GET http://h:8x/ HTTP/1.1\r\nHost: h\r\n\r\n", 400},
	{"space_before_colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
	{"tab_before_colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400},
	{"space_before_colon_other", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\n", 400},
	{"obs_fold_space", "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n", 400},
	{"obs_fold_tab", "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n", 400},
	{"first_line_folded", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400},
	{"bare_cr_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX: b\rc\r\n\r\n", 400},
	{"bare_cr_end_of_head", "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n", 400},
	{"cr_cr_lf", "GET / HTTP/1.1\r\nHost: a\r\r\n\r\n", 400},
	{"nul_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX: b\x00c\r\n\r\n", 400},
	{"del_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX: b\x7fc\r\n\r\n", 400},
	{"esc_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX: \x1b[31m\r\n\r\n", 400},
	{"no_colon", "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400},
	{"empty_name", "GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", 400},
	{"name_with_slash", "GET / HTTP/1.1\r\nHost: a\r\nX/Y: v\r\n\r\n", 400},
	{"101_fields", "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: y\r\n", 100) + "\r\n", 431},
	{"head_over_64k", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", 64<<10) + "\r\n\r\n", 431},
	{"head_over_64k_many_lines", "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: "+strings.Repeat("a", 1000)+"\r\n", 66) + "\r\n", 431},

	// Framing: request smuggling defences.
	{"cl_and_te", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
	{"te_and_cl", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400},
	{"two_differing_cl", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400},
	{"cl_list_differing", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", 400},
	{"cl_plus", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400},
	{"cl_minus", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
	{"cl_hex", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", 400},
	{"cl_exponent", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1e3\r\n\r\n", 400},
	{"cl_empty", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400},
	{"cl_comma_only", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ,\r\n\r\n", 400},
	{"cl_trailing_comma", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3,\r\n\r\n", 400},
	{"cl_leading_comma", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: , 3\r\n\r\n", 400},
	{"cl_double_comma", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3,,3\r\n\r\n", 400},
	{"cl_inner_space", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400},
	{"cl_quoted", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \"5\"\r\n\r\n", 400},
	{"cl_overflow", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
	{"cl_19_digits", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0001000000000000000000\r\n\r\n", 400},
	{"te_gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
	{"te_gzip_chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
	{"te_xchunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", 501},
	{"te_chunked_gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
	{"te_chunked_twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400},
	{"te_two_fields", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
	{"te_http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
	{"te_empty", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", 400},
	{"te_vertical_tab", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\x0b\r\n\r\n", 400},
	{"te_space_before_colon", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", 400},
	{"te_parameter", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", 400},
	{"te_quoted", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", 400},
	{"te_folded", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", 400},
	{"expect_other", "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", 417},
	{"expect_empty", "PUT / HTTP/1.1\r\nHost: a\r\nExpect:\r\n\r\n", 417},
	{"expect_list_with_other", "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, 200-ok\r\n\r\n", 417},
	{"expect_list_empty_elements", "PUT / HTTP/1.1\r\nHost: a\r\nExpect: , ,\r\n\r\n", 417},
}

func TestParseHeadBad(t *testing.T) {
	for _, tc := range badRequests {
		t.Run(tc.name, func(t *testing.T) {
			var req Request
			n, err := ParseHead([]byte(tc.raw), &req, &DefaultLimits)
			if got := statusOf(err); got != tc.status {
				t.Fatalf("n=%d err=%v: status %d, want %d", n, err, got, tc.status)
			}
			if n != 0 {
				t.Errorf("consumed %d bytes of a refused request", n)
			}
		})
	}
}

// request builds a request line and headers around one varying piece.
func requestWith(method, target, name, value string) string {
	return method + " " + target + " HTTP/1.1\r\nHost: a\r\n" + name + ": " + value + "\r\n\r\n"
}

// TestParseHeadByteClasses tries every byte in each part of the head:
// a byte either is accepted there or gets 400, never anything else, and the
// accepted set is exactly the grammar's.
func TestParseHeadByteClasses(t *testing.T) {
	isTchar := func(c byte) bool {
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
	}
	parts := []struct {
		name string
		// build puts c inside the part under test.
		build func(c byte) string
		ok    func(c byte) bool
	}{
		{"method", func(c byte) string { return requestWith("GE"+string(c)+"T", "/", "X", "v") }, isTchar},
		{"target", func(c byte) string { return requestWith("GET", "/a"+string(c)+"b", "X", "v") },
			func(c byte) bool { return c > ' ' && c < 0x7f && c != '#' }},
		{"header_name", func(c byte) string { return requestWith("GET", "/", "X-"+string(c)+"a", "v") },
			func(c byte) bool { return isTchar(c) || c == ':' }},
		{"header_value", func(c byte) string { return requestWith("GET", "/", "X", "a"+string(c)+"b") },
			func(c byte) bool { return c == '\t' || c >= ' ' && c != 0x7f }},
		{"version", func(c byte) string { return "GET / HTTP/1" + string(c) + "1\r\nHost: a\r\n\r\n" },
			func(c byte) bool { return c == '.' }},
		// Inside a reg-name: a colon would start a port, "b" is none, and
		// "%b" is half a percent-encoded octet.
		{"host", func(c byte) string { return "GET / HTTP/1.1\r\nHost: a" + string(c) + "b\r\n\r\n" },
			func(c byte) bool {
				return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("-._~!$&'()*+,;=", c) >= 0
			}},
		{"host_port", func(c byte) string { return "GET / HTTP/1.1\r\nHost: a:8" + string(c) + "0\r\n\r\n" },
			func(c byte) bool { return c >= '0' && c <= '9' }},
		// "::X1" is an IPv6 address for a hex digit X only.
		{"host_ipv6", func(c byte) string { return "GET / HTTP/1.1\r\nHost: [::" + string(c) + "1]\r\n\r\n" },
			func(c byte) bool {
				return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
			}},
	}
	for _, p := range parts {
		t.Run(p.name, func(t *testing.T) {
			for c := range 256 {
				raw := p.build(byte(c))
				var req Request
				n, err := ParseHead([]byte(raw), &req, &DefaultLimits)
				if p.ok(byte(c)) {
					if err != nil || n != len(raw) {
						t.Errorf("byte %#02x: n=%d err=%v, want accepted", c, n, err)
					}
					continue
				}
				if statusOf(err) != StatusBadRequest {
					t.Errorf("byte %#02x in %q: n=%d err=%v, want 400", c, raw, n, err)
				}
			}
		})
	}
}

// TestParseHeadLimits checks that the limits are the caller's, not fixed.
func TestParseHeadLimits(t *testing.T) {
	lim := Limits{MaxTargetBytes: 16, MaxHeaderBytes: 64, MaxHeaderFields: 2}
	tests := []struct {
		name   string
		raw    string
		status int
	}{
		{"target_at_limit", "GET /" + strings.Repeat("a", 15) + " HTTP/1.1\r\nHost: a\r\n\r\n", 0},
		{"target_over_limit", "GET /" + strings.Repeat("a", 16) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414},
		{"fields_at_limit", "GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\n", 0},
		{"fields_over_limit", "GET / HTTP/1.1\r\nHost: a\r\nX: y\r\nZ: w\r\n\r\n", 431},
		{"head_over_limit", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("b", 40) + "\r\n\r\n", 431},
		{"incomplete_over_limit", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("b", 100), 431},
		{"incomplete_method_over_limit", strings.Repeat("G", 100), 501},
		{"leading_crlfs_over_limit", strings.Repeat("\r\n", 100), 431},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var req Request
			_, err := ParseHead([]byte(tc.raw), &req, &lim)
			if got := statusOf(err); got != tc.status || (tc.status == 0 && err != nil) {
				t.Fatalf("err=%v: status %d, want %d", err, got, tc.status)
			}
		})
	}
}

func TestParseHeadHeaderAccess(t *testing.T) {
	raw := "GET / HTTP/1.1\r\nHost: a\r\nAccept: x\r\naccept: y\r\nX-Empty:\r\n\r\n"
	var req Request
	if _, err := ParseHead([]byte(raw), &req, &DefaultLimits); err != nil {
		t.Fatal(err)
	}
	h := &req.Header
	if got := h.Get("ACCEPT"); got != "x" {
		t.Errorf("Get = %q", got)
	}
	var vals []string
	for v := range h.Values("Accept") {
		vals = append(vals, string(v))
	}
	if fmt.Sprint(vals) != "[x y]" {
		t.Errorf("Values = %q", vals)
	}
	if !h.Has("x-empty") || h.Peek("x-empty") == nil || len(h.Peek("x-empty")) != 0 {
		t.Errorf("X-Empty: Has=%v Peek=%q", h.Has("x-empty"), h.Peek("x-empty"))
	}
	if h.Has("missing") || h.Peek("missing") != nil {
		t.Error("a missing field is reported present")
	}
	var names []string
	for n, v := range h.All() {
		names = append(names, string(n)+"="+string(v))
	}
	if strings.Join(names, ",") != "Host=a,Accept=x,accept=y,X-Empty=" {
		t.Errorf("All = %q", names)
	}
}

func TestListElements(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"a", "a"},
		{" a , b ,, c ", "a|b|c"},
		{`a, "b,c", d`, `a|"b,c"|d`},
		{`"x\",y", z`, `"x\",y"|z`},
		{",,,", ""},
		{"gzip;q=0.5,\tbr", "gzip;q=0.5|br"},
	}
	for _, tc := range tests {
		var got []string
		for e := range ListElements([]byte(tc.in)) {
			got = append(got, string(e))
		}
		if strings.Join(got, "|") != tc.want {
			t.Errorf("ListElements(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestParseHeadPipelined parses several heads out of one buffer, the way
// the Reader does for pipelined requests.
func TestParseHeadPipelined(t *testing.T) {
	buf := []byte(curlRequest + wrkRequest + "\r\n" + browserRequest)
	var paths []string
	var req Request
	for len(buf) > 0 {
		n, err := ParseHead(buf, &req, &DefaultLimits)
		if err != nil {
			t.Fatalf("after %q: %v", paths, err)
		}
		paths = append(paths, string(req.Path))
		buf = buf[n:]
	}
	if got := strings.Join(paths, " "); got != "/echo/abc / /files/" {
		t.Errorf("paths %q", got)
	}
	if !bytes.Equal(req.Query, []byte("sort=name")) {
		t.Errorf("query %q", req.Query)
	}
}
