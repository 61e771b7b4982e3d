package server_test

import (
	"strconv"
	"strings"
	"testing"

	"ferry/internal/server"
	"ferry/internal/servertest"
)

// protocolTests are requests written in one write on a fresh connection,
// with the status they must get, the body when it matters, and whether the
// server must close the connection after answering. When it must not, a
// second request on the same connection must be served.
var protocolTests = []struct {
	name   string
	req    string
	status int
	body   string
	allow  string
	close  bool
}{
	// Framing and smuggling (RFC 9112 §6).
	{name: "content_length_body", req: "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", status: 200, body: "hello"},
	{name: "smuggle_cl_and_te", req: "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400, close: true},
	{name: "smuggle_te_and_cl", req: "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", status: 400, close: true},
	{name: "smuggle_two_contentlen", req: "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", status: 400, close: true},
	{name: "smuggle_contentlen_list", req: "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello!", status: 400, close: true},
	{name: "same_contentlen_twice", req: "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", status: 200, body: "hello"},
	{name: "negative_contentlen", req: "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", status: 400, close: true},
	{name: "plus_contentlen", req: "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", status: 400, close: true},
	{name: "hex_contentlen", req: "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 0x5\r\n\r\nhello", status: 400, close: true},
	{name: "huge_contentlen", req: "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", status: 400, close: true},
	{name: "te_gzip", req: "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", status: 501, close: true},
	{name: "te_gzip_chunked", req: "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", status: 501, close: true},
	{name: "te_chunked_not_last", req: "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", status: 400, close: true},
	{name: "te_chunked_twice", req: "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400, close: true},
	{name: "te_on_http10", req: "POST /body HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400, close: true},
	{name: "te_chunked_upper_case", req: "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n", status: 200, body: "abc"},
	{name: "chunked_ext_and_trailers", req: "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5;name=value\r\nhello\r\n1 ; a ; b=\"q;\\\"x\"\r\n,\r\n6\r\n world\r\n0;last\r\nX-Sum: 11\r\nX-Other: y\r\n\r\n", status: 200, body: "hello, world"},
	{name: "chunked_upper_hex", req: "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n", status: 200, body: "0123456789"},
	{name: "chunked_bad_size", req: "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", status: 400, close: true},
	{name: "chunked_negative_size", req: "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", status: 400, close: true},
	{name: "chunked_size_overflow", req: "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\nhello\r\n0\r\n\r\n", status: 400, close: true},
	{name: "chunked_0x_size", req: "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", status: 400, close: true},
	{name: "chunked_data_too_long", req: "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", status: 400, close: true},
	{name: "chunked_bad_extension", req: "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;=x\r\nhello\r\n0\r\n\r\n", status: 400, close: true},
	{name: "chunked_bare_cr_in_size", req: "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\rX\r\nhello\r\n0\r\n\r\n", status: 400, close: true},
	{name: "chunked_bad_size_unread", req: "POST /ignore HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", status: 200, body: "ignored\n", close: true},

	// Targets, methods and versions.
	{name: "options_asterisk", req: "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", status: 204, allow: "GET, HEAD, OPTIONS, POST, PUT"},
	{name: "options_path", req: "OPTIONS /body HTTP/1.1\r\nHost: x\r\n\r\n", status: 204, allow: "POST, PUT, OPTIONS"},
	{name: "options_echo", req: "OPTIONS /echo/x HTTP/1.1\r\nHost: x\r\n\r\n", status: 204, allow: "GET, HEAD, OPTIONS"},
	{name: "asterisk_on_get", req: "GET * HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, close: true},
	{name: "absolute_form", req: "GET http://example.com/echo/abs HTTP/1.1\r\nHost: example.com\r\n\r\n", status: 200, body: "abs"},
	{name: "absolute_form_https_upper", req: "GET HTTPS://example.com/echo/abs?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n", status: 200, body: "abs"},
	{name: "absolute_form_no_path", req: "GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", status: 200, body: "root\n"},
	{name: "http2_preface", req: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", status: 505, close: true},
	{name: "http20", req: "GET / HTTP/2.0\r\nHost: x\r\n\r\n", status: 505, close: true},
	{name: "http30", req: "GET / HTTP/3.0\r\nHost: x\r\n\r\n", status: 505, close: true},
	{name: "http12_served_as_11", req: "GET /echo/v HTTP/1.2\r\nHost: x\r\n\r\n", status: 200, body: "v"},
	{name: "malformed_version", req: "GET / HTTP/1.1.1\r\nHost: x\r\n\r\n", status: 400, close: true},
	{name: "lower_case_version", req: "GET / http/1.1\r\nHost: x\r\n\r\n", status: 400, close: true},
	{name: "unknown_method_known_path", req: "BREW /echo/x HTTP/1.1\r\nHost: x\r\n\r\n", status: 501},
	{name: "post_on_get_path", req: "POST /echo/x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", status: 405, allow: "GET, HEAD, OPTIONS"},
	{name: "delete_on_body_path", req: "DELETE /body HTTP/1.1\r\nHost: x\r\n\r\n", status: 405, allow: "POST, PUT, OPTIONS"},
	{name: "unknown_method_unknown_path", req: "BREW /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", status: 501},
	{name: "trace", req: "TRACE /echo/x HTTP/1.1\r\nHost: x\r\n\r\n", status: 501},
	{name: "connect_origin_form", req: "CONNECT / HTTP/1.1\r\nHost: x\r\n\r\n", status: 501},
	{name: "not_found", req: "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", status: 404},
	{name: "head_not_found", req: "HEAD /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", status: 404},

	// Heads.
	{name: "missing_host", req: "GET / HTTP/1.1\r\n\r\n", status: 400, close: true},
	{name: "repeated_host", req: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status: 400, close: true},
	{name: "repeated_same_host", req: "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", status: 400, close: true},
	{name: "bad_host", req: "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", status: 400, close: true},
	{name: "http10_without_host", req: "GET /echo/ten HTTP/1.0\r\n\r\n", status: 200, body: "ten", close: true},
	{name: "space_before_colon", req: "GET / HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n", status: 400, close: true},
	{name: "obs_fold", req: "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n", status: 400, close: true},
	{name: "nul_in_value", req: "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", status: 400, close: true},
	{name: "bare_cr", req: "GET / HTTP/1.1\r\nHost: x\rX-A: 1\r\n\r\n", status: 400, close: true},
	{name: "bare_lf_accepted", req: "GET /echo/lf HTTP/1.1\nHost: x\n\n", status: 200, body: "lf"},
	{name: "leading_empty_line", req: "\r\nGET /echo/lead HTTP/1.1\r\nHost: x\r\n\r\n", status: 200, body: "lead"},
	{name: "no_space_after_method", req: "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, close: true},
	{name: "two_spaces", req: "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, close: true},
	{name: "fragment", req: "GET /echo/a#b HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, close: true},
	{name: "expect_other", req: "GET / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n", status: 417, close: true},
	{name: "target_too_long", req: "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", status: 414, close: true},
	{name: "target_at_limit", req: "GET /echo/" + strings.Repeat("a", 8192-6) + " HTTP/1.1\r\nHost: x\r\n\r\n", status: 200, body: strings.Repeat("a", 8192-6)},
	{name: "head_too_large", req: "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 70<<10) + "\r\n\r\n", status: 431, close: true},
	{name: "head_far_too_large", req: "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-Big: "+strings.Repeat("b", 1000)+"\r\n", 99) + "X-Last: " + strings.Repeat("c", 100<<10) + "\r\n\r\n", status: 431, close: true},
	{name: "fields_101", req: "GET / HTTP/1.1\r\nHost: x\r\n" + manyFields(100) + "\r\n", status: 431, close: true},
	// A refused HEAD gets its answer's head only (RFC 9110 §9.3.2);
	// the client would otherwise read the error page as the next response.
	{name: "head_expect_other", req: "HEAD /echo/x HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n", status: 417, close: true},
	{name: "head_missing_host", req: "HEAD /echo/x HTTP/1.1\r\n\r\n", status: 400, close: true},
	{name: "head_bad_contentlen", req: "HEAD /echo/x HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n", status: 400, close: true},
	{name: "head_te_gzip", req: "HEAD /echo/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", status: 501, close: true},
	{name: "head_http20", req: "HEAD / HTTP/2.0\r\nHost: x\r\n\r\n", status: 505, close: true},
	{name: "head_target_too_long", req: "HEAD /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", status: 414, close: true},
	{name: "head_fields_101", req: "HEAD / HTTP/1.1\r\nHost: x\r\n" + manyFields(100) + "\r\n", status: 431, close: true},
	{name: "fields_100", req: "GET /echo/ok HTTP/1.1\r\nHost: x\r\n" + manyFields(99) + "\r\n", status: 200, body: "ok"},

	// Connection management.
	{name: "connection_close", req: "GET /echo/bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", status: 200, body: "bye", close: true},
	{name: "connection_close_in_list", req: "GET /echo/bye HTTP/1.1\r\nHost: x\r\nConnection: foo, CLOSE\r\n\r\n", status: 200, body: "bye", close: true},
	{name: "http10_closes", req: "GET /echo/ten HTTP/1.0\r\nHost: x\r\n\r\n", status: 200, body: "ten", close: true},
	{name: "http10_keep_alive", req: "GET /echo/ten HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n", status: 200, body: "ten"},
	{name: "unread_small_body", req: "POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + strings.Repeat("z", 1000), status: 200, body: "ignored\n"},
	// A chunked body's size is unknown until it ends: not drained.
	{name: "unread_chunked_body", req: "POST /ignore HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n", status: 200, body: "ignored\n", close: true},
	{name: "unread_body_405", req: "PUT /echo/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", status: 405, allow: "GET, HEAD, OPTIONS"},
	{name: "panic", req: "GET /panic HTTP/1.1\r\nHost: x\r\n\r\n", status: 500, close: true},
}

// manyFields returns n distinct header fields.
func manyFields(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("X-F")
		b.WriteString(strings.Repeat("a", i%7))
		b.WriteString(string(rune('A' + i%26)))
		b.WriteString(": v\r\n")
	}
	return b.String()
}

func TestProtocol(t *testing.T) {
	addr := start(t)
	for _, tt := range protocolTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cl := dial(t, addr)
			method, _, _ := strings.Cut(strings.TrimLeft(tt.req, "\r\n"), " ")
			cl.send(tt.req)
			resp := cl.read(method)
			if resp.Status != tt.status {
				t.Fatalf("status %d, want %d (body %q)", resp.Status, tt.status, resp.Body)
			}
			if tt.body != "" && string(resp.Body) != tt.body {
				t.Errorf("body %q, want %q", resp.Body, tt.body)
			}
			if tt.allow != "" && resp.Get("Allow") != tt.allow {
				t.Errorf("Allow %q, want %q", resp.Get("Allow"), tt.allow)
			}
			if resp.Chunked {
				t.Errorf("a body known in full went out chunked")
			}
			checkFraming(t, resp, tt.close)
			if tt.close {
				cl.expectEOF()
			} else {
				cl.expectUsable()
			}
		})
	}
}

// TestAnswerBeforeUnreadBody: a response that leaves the request body
// unread goes out at once, not after the body timeout (30 s here, longer
// than the client's 10 s deadline): whether the body is too large to
// drain, or small and not sent yet, in which case the connection stays
// usable once it arrives.
func TestAnswerBeforeUnreadBody(t *testing.T) {
	addr := servertest.StartConfig(t, server.DefaultConfig(newTestHandler()))
	cl := dial(t, addr)
	resp := cl.do("POST /toolarge HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n")
	if resp.Status != 413 {
		t.Fatalf("status %d, want 413", resp.Status)
	}
	checkFraming(t, resp, true)
	cl.expectEOF()

	for _, req := range []string{
		"POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n",
		"PUT /echo/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789",
	} {
		cl = dial(t, addr)
		resp = cl.do(req)
		if resp.Status != 200 && resp.Status != 405 {
			t.Fatalf("%s: status %d", firstLine(req), resp.Status)
		}
		checkFraming(t, resp, false)
		cl.send(strings.Repeat("b", 100-strings.Count(req, "0123456789")*10))
		cl.expectUsable()
	}
}

// TestPipelinedAnswerBeforeNextBody: the answer to a pipelined request is
// not held while the next request waits for its body: the client may wait
// for it before sending the body.
func TestPipelinedAnswerBeforeNextBody(t *testing.T) {
	addr := servertest.StartConfig(t, server.DefaultConfig(newTestHandler()))
	cl := dial(t, addr)
	cl.send("GET /echo/first HTTP/1.1\r\nHost: x\r\n\r\nPOST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
	if resp := cl.read("GET"); resp.Status != 200 || string(resp.Body) != "first" {
		t.Fatalf("first: %d %q", resp.Status, resp.Body)
	}
	cl.send("defghij")
	if resp := cl.read("POST"); resp.Status != 200 || string(resp.Body) != "abcdefghij" {
		t.Fatalf("second: %d %q", resp.Status, resp.Body)
	}
	cl.expectUsable()
}

// TestRefusedHeadBody: a HEAD refused before its head is whole (a bad
// line arrives first) gets no body either, and a head refused after a HEAD
// on the same connection gets its error page: the method is the refused
// request's own, never the last one's.
func TestRefusedHeadBody(t *testing.T) {
	addr := start(t)
	cl := dial(t, addr)
	cl.send("HEAD /echo/x HTTP/1.1\r\nHost: x\r\nbad line\r\n")
	if resp := cl.read("HEAD"); resp.Status != 400 {
		t.Fatalf("early refusal of a HEAD: %d, want 400", resp.Status)
	}
	cl.expectEOF()

	cl = dial(t, addr)
	if resp := cl.do("HEAD /echo/x HTTP/1.1\r\nHost: x\r\n\r\n"); resp.Status != 200 || resp.Get("Content-Length") != "1" {
		t.Fatalf("HEAD: %d, Content-Length %q", resp.Status, resp.Get("Content-Length"))
	}
	cl.send("GET /echo/x HTTP/1.1\r\n\r\n")
	resp := cl.read("GET")
	if resp.Status != 400 || len(resp.Body) == 0 || strconv.Itoa(len(resp.Body)) != resp.Get("Content-Length") {
		t.Fatalf("GET refused after a HEAD: %d, body %q", resp.Status, resp.Body)
	}
	cl.expectEOF()
}
