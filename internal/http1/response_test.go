package http1

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// exchange parses rawReq, lets handle answer it through a Response on a
// loopback connection, finishes and flushes the response, closes the
// server's side and returns every byte the client received (Date
// normalised) with the Response for inspection.
func exchange(t *testing.T, rawReq string, handle func(w *Response, req *Request)) (string, *Response) {
	t.Helper()
	c, s := tcpPair(t)
	var req Request
	if _, err := ParseHead([]byte(rawReq), &req, &DefaultLimits); err != nil {
		t.Fatalf("ParseHead: %v", err)
	}
	w := NewResponse(s, 0)
	w.Reset(&req)
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(c)
		got <- b
	}()
	handle(w, &req)
	// A response the handler saw fail cannot finish; others must.
	failed := w.err != nil
	if err := w.Finish(); err != nil && !failed {
		t.Errorf("Finish: %v", err)
	}
	if err := w.Flush(); err != nil && !failed {
		t.Errorf("Flush: %v", err)
	}
	w.Release()
	s.Close()
	return normalizeDate(<-got), w
}

const getReq = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"

func TestResponseFraming(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 8192) // 128 KiB
	tests := []struct {
		name   string
		req    string
		handle func(w *Response, req *Request)
		want   string
		close  bool
	}{
		{"held_body", getReq, func(w *Response, _ *Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte("hel"))
			w.Write([]byte("lo"))
		}, "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello", false},
		{"empty", getReq, func(w *Response, _ *Request) {},
			"HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Length: 0\r\n\r\n", false},
		{"status_only", getReq, func(w *Response, _ *Request) { w.WriteHeader(StatusCreated) },
			"HTTP/1.1 201 Created\r\nServer: ferry\r\nDate: D\r\nContent-Length: 0\r\n\r\n", false},
		{"first_status_wins", getReq, func(w *Response, _ *Request) {
			w.WriteHeader(StatusNotFound)
			w.WriteHeader(StatusOK)
			w.Write([]byte("x"))
		}, "HTTP/1.1 404 Not Found\r\nServer: ferry\r\nDate: D\r\nContent-Length: 1\r\n\r\nx", false},
		{"unknown_status", getReq, func(w *Response, _ *Request) { w.WriteHeader(299) },
			"HTTP/1.1 299 Status\r\nServer: ferry\r\nDate: D\r\nContent-Length: 0\r\n\r\n", false},
		{"declared_length", getReq, func(w *Response, _ *Request) {
			w.Header().Set("Content-Length", "5")
			w.Write([]byte("hello"))
		}, "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Length: 5\r\n\r\nhello", false},
		{"declared_length_large", getReq, func(w *Response, _ *Request) {
			w.Header().SetContentLength(int64(len(big)))
			w.Write([]byte(big[:100]))
			w.Write([]byte(big[100:]))
		}, "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Length: 131072\r\n\r\n" + big, false},
		{"body_held_up_to_64k", getReq, func(w *Response, _ *Request) {
			w.Write([]byte(big[:32<<10]))
			w.Write([]byte(big[32<<10 : 64<<10]))
		}, "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Length: 65536\r\n\r\n" + big[:64<<10], false},
		{"http10_keep_alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", func(w *Response, _ *Request) { w.Write([]byte("x")) },
			"HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\nx", false},
		{"http10_close", "GET / HTTP/1.0\r\n\r\n", func(w *Response, _ *Request) { w.Write([]byte("x")) },
			"HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx", true},
		{"http11_client_close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", func(w *Response, _ *Request) {},
			"HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", true},
		{"handler_connection_close", getReq, func(w *Response, _ *Request) { w.Header().Set("Connection", "close") },
			"HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", true},
		{"set_close", getReq, func(w *Response, _ *Request) { w.SetClose() },
			"HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", true},
		{"stream_http10_close_delimited", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", func(w *Response, _ *Request) {
			for i := 0; i < len(big); i += 10000 {
				w.Write([]byte(big[i:min(i+10000, len(big))]))
			}
		}, "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nConnection: close\r\n\r\n" + big, true},
		{"head_held", "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", func(w *Response, _ *Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte("hello"))
		}, "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n", false},
		{"head_large", "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", func(w *Response, _ *Request) {
			w.Write([]byte(big))
			w.Write([]byte(big))
		}, "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nTransfer-Encoding: chunked\r\n\r\n", false},
		{"head_stream_no_write", "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", func(w *Response, _ *Request) {
			w.Header().SetStream()
		}, "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nTransfer-Encoding: chunked\r\n\r\n", false},
		{"stream_small", getReq, func(w *Response, _ *Request) {
			w.Header().SetStream()
			w.Write([]byte("hello"))
		}, "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", false},
		{"not_modified_drops_type", getReq, func(w *Response, _ *Request) {
			w.Header().Set("ETag", `"x"`)
			w.Header().Set("Content-Type", "text/plain")
			w.Header().SetContentLength(10)
			w.WriteHeader(StatusNotModified)
		}, "HTTP/1.1 304 Not Modified\r\nServer: ferry\r\nDate: D\r\nETag: \"x\"\r\n\r\n", false},
		{"head_declared", "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", func(w *Response, _ *Request) {
			w.Header().SetContentLength(1000)
			w.Write([]byte("not sent"))
		}, "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Length: 1000\r\n\r\n", false},
		{"head_declared_no_write", "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", func(w *Response, _ *Request) {
			w.Header().SetContentLength(1000)
		}, "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Length: 1000\r\n\r\n", false},
		{"no_content", getReq, func(w *Response, _ *Request) {
			w.WriteHeader(StatusNoContent)
			w.Write([]byte("dropped"))
		}, "HTTP/1.1 204 No Content\r\nServer: ferry\r\nDate: D\r\n\r\n", false},
		{"no_content_declared_length", getReq, func(w *Response, _ *Request) {
			w.Header().Set("Content-Length", "7")
			w.WriteHeader(StatusNoContent)
			w.Write([]byte("dropped"))
		}, "HTTP/1.1 204 No Content\r\nServer: ferry\r\nDate: D\r\n\r\n", false},
		{"not_modified", getReq, func(w *Response, _ *Request) {
			w.Header().Set("ETag", `"x"`)
			w.WriteHeader(StatusNotModified)
		}, "HTTP/1.1 304 Not Modified\r\nServer: ferry\r\nDate: D\r\nETag: \"x\"\r\n\r\n", false},
		{"framing_fields_ignored", getReq, func(w *Response, _ *Request) {
			w.Header().Set("Transfer-Encoding", "chunked")
			w.Header().Set("Date", "yesterday")
			w.Header().Set("Server", "other")
			w.Write([]byte("x"))
		}, "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Length: 1\r\n\r\nx", false},
		{"header_set_add_del", getReq, func(w *Response, _ *Request) {
			h := w.Header()
			h.Add("Vary", "Accept")
			h.Add("X-A", "1")
			h.Add("vary", "Accept-Encoding")
			h.Set("X-A", "2")
			h.Add("X-Gone", "g")
			h.Del("x-gone")
			h.Set("Content-Length", "bogus")
		}, "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nVary: Accept\r\nX-A: 2\r\nvary: Accept-Encoding\r\nContent-Length: 0\r\n\r\n", false},
		{"header_value_newlines", getReq, func(w *Response, _ *Request) {
			w.Header().Set("Location", "/a\r\nSet-Cookie: x=1\n")
		}, "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nLocation: /a  Set-Cookie: x=1 \r\nContent-Length: 0\r\n\r\n", false},
		{"error_404", getReq, func(w *Response, _ *Request) {
			w.Header().Set("ETag", `"e"`)
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Accept-Ranges", "bytes")
			w.Header().Set("Last-Modified", "x")
			w.Header().SetContentLength(99)
			Error(w, StatusNotFound)
		}, "HTTP/1.1 404 Not Found\r\nServer: ferry\r\nDate: D\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 14\r\n\r\n404 Not Found\n", false},
		{"error_head", "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", func(w *Response, _ *Request) { Error(w, StatusForbidden) },
			"HTTP/1.1 403 Forbidden\r\nServer: ferry\r\nDate: D\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 14\r\n\r\n", false},
		{"error_unknown_status", getReq, func(w *Response, _ *Request) { Error(w, 599) },
			"HTTP/1.1 599 Status\r\nServer: ferry\r\nDate: D\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 0\r\n\r\n", false},
		{"error_out_of_range_status", getReq, func(w *Response, _ *Request) { Error(w, 999) },
			"HTTP/1.1 999 Status\r\nServer: ferry\r\nDate: D\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 0\r\n\r\n", false},
		{"method_not_allowed", getReq, func(w *Response, _ *Request) { MethodNotAllowed(w, []string{"GET", "HEAD"}) },
			"HTTP/1.1 405 Method Not Allowed\r\nServer: ferry\r\nDate: D\r\nAllow: GET, HEAD\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 23\r\n\r\n405 Method Not Allowed\n", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, w := exchange(t, tc.req, tc.handle)
			if got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", trunc(got), trunc(tc.want))
			}
			if w.CloseAfter() != tc.close {
				t.Errorf("CloseAfter %v, want %v", w.CloseAfter(), tc.close)
			}
		})
	}
}

func trunc(s string) string {
	if len(s) > 400 {
		return s[:400] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

// decodeChunked is an independent strict decoder of a chunked stream: it
// returns the payload and whatever follows the final CRLF.
func decodeChunked(t *testing.T, b []byte) (payload, rest []byte) {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(b))
	for {
		line, err := br.ReadString('\n')
		if err != nil || !strings.HasSuffix(line, "\r\n") {
			t.Fatalf("chunk size line %q: %v", line, err)
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(line, "\r\n"), 16, 63)
		if err != nil {
			t.Fatalf("chunk size %q: %v", line, err)
		}
		if n == 0 {
			if end, _ := br.ReadString('\n'); end != "\r\n" {
				t.Fatalf("after last chunk: %q", end)
			}
			rest, _ = io.ReadAll(br)
			return payload, rest
		}
		chunk := make([]byte, n+2)
		if _, err := io.ReadFull(br, chunk); err != nil || string(chunk[n:]) != "\r\n" {
			t.Fatalf("chunk of %d: %v, ends %q", n, err, chunk[n:])
		}
		payload = append(payload, chunk[:n]...)
	}
}

// TestResponseChunkedStream: a body past the held size without a declared
// length goes out chunked on HTTP/1.1, whatever the write sizes.
func TestResponseChunkedStream(t *testing.T) {
	payload := make([]byte, 300<<10)
	rand.Read(payload)
	for _, size := range []int{1000, 16 << 10, 20000, 100 << 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			got, w := exchange(t, getReq, func(w *Response, _ *Request) {
				for i := 0; i < len(payload); i += size {
					if n, err := w.Write(payload[i:min(i+size, len(payload))]); err != nil || n != min(size, len(payload)-i) {
						t.Fatalf("Write: %d %v", n, err)
					}
					// An empty write must not become the last chunk.
					if n, err := w.Write(nil); n != 0 || err != nil {
						t.Fatalf("Write(nil): %d %v", n, err)
					}
				}
			})
			head, body, ok := strings.Cut(got, "\r\n\r\n")
			if !ok || head != "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nTransfer-Encoding: chunked" {
				t.Fatalf("head %q", head)
			}
			decoded, rest := decodeChunked(t, []byte(body))
			if !bytes.Equal(decoded, payload) || len(rest) != 0 {
				t.Fatalf("decoded %d bytes (equal %v), %d bytes after", len(decoded), bytes.Equal(decoded, payload), len(rest))
			}
			if w.CloseAfter() || w.BodyBytes() != int64(len(payload)) {
				t.Fatalf("CloseAfter %v, BodyBytes %d", w.CloseAfter(), w.BodyBytes())
			}
		})
	}
}

func TestResponseTooLong(t *testing.T) {
	got, w := exchange(t, getReq, func(w *Response, _ *Request) {
		w.Header().SetContentLength(3)
		if _, err := w.Write([]byte("hello")); err == nil {
			t.Error("writing 5 bytes into a declared 3 succeeded")
		}
		if n, err := w.Write([]byte("abc")); n != 3 || err != nil {
			t.Errorf("Write within the length: %d %v", n, err)
		}
		if _, err := w.Write([]byte("d")); err == nil {
			t.Error("writing past the declared length succeeded")
		}
	})
	if want := "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Length: 3\r\n\r\nabc"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if w.CloseAfter() {
		t.Error("a complete body marked the connection to close")
	}
}

func TestResponseShortBodyCloses(t *testing.T) {
	got, w := exchange(t, getReq, func(w *Response, _ *Request) {
		w.Header().SetContentLength(10)
		w.Write([]byte("hello"))
	})
	if want := "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Length: 10\r\n\r\nhello"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !w.CloseAfter() {
		t.Error("a body shorter than its Content-Length did not mark the connection to close")
	}
}

func TestResponseSendContinue(t *testing.T) {
	const put = "PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"
	got, _ := exchange(t, put, func(w *Response, _ *Request) {
		if err := w.SendContinue(); err != nil {
			t.Fatal(err)
		}
		w.WriteHeader(StatusCreated)
	})
	if want := "HTTP/1.1 100 Continue\r\nServer: ferry\r\nDate: D\r\n\r\nHTTP/1.1 201 Created\r\nServer: ferry\r\nDate: D\r\nContent-Length: 0\r\n\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// Once the final response is committed, no interim one may follow it.
	got, _ = exchange(t, put, func(w *Response, _ *Request) {
		w.Header().SetContentLength(0)
		w.WriteHeader(StatusRequestEntityTooLarge)
		w.Write(nil)
		w.ReadFrom(strings.NewReader(""))
		if err := w.SendContinue(); err != nil {
			t.Fatal(err)
		}
	})
	if want := "HTTP/1.1 413 Content Too Large\r\nServer: ferry\r\nDate: D\r\nContent-Length: 0\r\n\r\n"; got != want {
		t.Errorf("after commit: got %q, want %q", got, want)
	}
	// HTTP/1.0 has no interim responses.
	got, _ = exchange(t, "PUT /f HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n", func(w *Response, _ *Request) {
		if err := w.SendContinue(); err != nil {
			t.Fatal(err)
		}
	})
	if strings.Contains(got, "100 Continue") {
		t.Errorf("HTTP/1.0 got %q", got)
	}
}

// TestResponsePipelinedBatch queues two responses and writes them with one
// Flush, in order.
func TestResponsePipelinedBatch(t *testing.T) {
	c, s := tcpPair(t)
	w := NewResponse(s, 0)
	var req Request
	for _, body := range []string{"first", "second"} {
		if _, err := ParseHead([]byte(getReq), &req, &DefaultLimits); err != nil {
			t.Fatal(err)
		}
		w.Reset(&req)
		w.Write([]byte(body))
		if err := w.Finish(); err != nil {
			t.Fatal(err)
		}
	}
	if w.Pending() == 0 {
		t.Fatal("nothing pending before Flush")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	s.CloseWrite()
	got := normalizeDate(readAllFrom(t, c))
	want := "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Length: 5\r\n\r\nfirst" +
		"HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Length: 6\r\n\r\nsecond"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestResponseReadFromFile(t *testing.T) {
	payload := make([]byte, 5<<20+123)
	rand.Read(payload)
	path := filepath.Join(t.TempDir(), "blob")
	if err := os.WriteFile(path, payload, 0o600); err != nil {
		t.Fatal(err)
	}
	open := func(t *testing.T) *os.File {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	headFor := func(n int) string {
		return "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nContent-Length: " + strconv.Itoa(n) + "\r\n\r\n"
	}
	t.Run("declared_length", func(t *testing.T) {
		got, w := exchange(t, getReq, func(w *Response, _ *Request) {
			w.Header().SetContentLength(int64(len(payload)))
			if n, err := w.ReadFrom(open(t)); n != int64(len(payload)) || err != nil {
				t.Errorf("ReadFrom: %d %v", n, err)
			}
		})
		if got != headFor(len(payload))+string(payload) {
			t.Errorf("got %d bytes, head %q", len(got), got[:min(len(got), 100)])
		}
		if w.CloseAfter() || w.BodyBytes() != int64(len(payload)) {
			t.Errorf("CloseAfter %v BodyBytes %d", w.CloseAfter(), w.BodyBytes())
		}
	})
	t.Run("declared_after_written_prefix", func(t *testing.T) {
		got, _ := exchange(t, getReq, func(w *Response, _ *Request) {
			w.Header().SetContentLength(int64(len(payload)) + 3)
			w.Write([]byte("abc"))
			if n, err := w.ReadFrom(open(t)); n != int64(len(payload)) || err != nil {
				t.Errorf("ReadFrom: %d %v", n, err)
			}
		})
		if got != headFor(len(payload)+3)+"abc"+string(payload) {
			t.Errorf("got %d bytes", len(got))
		}
	})
	t.Run("declared_shorter_than_file", func(t *testing.T) {
		got, _ := exchange(t, getReq, func(w *Response, _ *Request) {
			w.Header().SetContentLength(1000)
			if n, err := w.ReadFrom(open(t)); n != 1000 || err != nil {
				t.Errorf("ReadFrom: %d %v", n, err)
			}
		})
		if got != headFor(1000)+string(payload[:1000]) {
			t.Errorf("got %d bytes", len(got))
		}
	})
	t.Run("declared_longer_than_file", func(t *testing.T) {
		got, w := exchange(t, getReq, func(w *Response, _ *Request) {
			w.Header().SetContentLength(int64(len(payload)) + 10)
			if n, err := w.ReadFrom(open(t)); n != int64(len(payload)) || err != nil {
				t.Errorf("ReadFrom of a file shorter than the declared length: %d, %v", n, err)
			}
		})
		if got != headFor(len(payload)+10)+string(payload) {
			t.Errorf("got %d bytes", len(got))
		}
		if !w.CloseAfter() {
			t.Error("a short body did not mark the connection to close")
		}
	})
	t.Run("declared_several_sources", func(t *testing.T) {
		// The parts of a multipart body: each source ends before the
		// declared length, and the next one continues the body.
		got, w := exchange(t, getReq, func(w *Response, _ *Request) {
			w.Header().SetContentLength(int64(len(payload)) + 6)
			f := open(t)
			for _, part := range []io.Reader{strings.NewReader("--a\r\n"), io.NewSectionReader(f, 0, 1000), io.NewSectionReader(f, 1000, int64(len(payload))-1000)} {
				if _, err := w.ReadFrom(part); err != nil {
					t.Fatalf("ReadFrom: %v", err)
				}
			}
			w.Write([]byte("!"))
		})
		if got != headFor(len(payload)+6)+"--a\r\n"+string(payload)+"!" {
			t.Errorf("got %d bytes", len(got))
		}
		if w.CloseAfter() {
			t.Error("a complete body marked the connection to close")
		}
	})
	t.Run("undeclared_small", func(t *testing.T) {
		got, _ := exchange(t, getReq, func(w *Response, _ *Request) {
			f := open(t)
			if n, err := w.ReadFrom(io.LimitReader(f, 5000)); n != 5000 || err != nil {
				t.Errorf("ReadFrom: %d %v", n, err)
			}
		})
		if got != headFor(5000)+string(payload[:5000]) {
			t.Errorf("got %d bytes", len(got))
		}
	})
	t.Run("undeclared_large_chunked", func(t *testing.T) {
		got, _ := exchange(t, getReq, func(w *Response, _ *Request) {
			if n, err := w.ReadFrom(open(t)); n != int64(len(payload)) || err != nil {
				t.Errorf("ReadFrom: %d %v", n, err)
			}
		})
		head, body, _ := strings.Cut(got, "\r\n\r\n")
		if head != "HTTP/1.1 200 OK\r\nServer: ferry\r\nDate: D\r\nTransfer-Encoding: chunked" {
			t.Fatalf("head %q", head)
		}
		if decoded, _ := decodeChunked(t, []byte(body)); !bytes.Equal(decoded, payload) {
			t.Errorf("decoded %d bytes", len(decoded))
		}
	})
	t.Run("head", func(t *testing.T) {
		got, _ := exchange(t, "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", func(w *Response, _ *Request) {
			w.Header().SetContentLength(int64(len(payload)))
			w.ReadFrom(open(t))
		})
		if got != headFor(len(payload)) {
			t.Errorf("got %q", trunc(got))
		}
	})
}

// TestResponseStatusLines checks every status ferry names against its
// preformatted line.
func TestResponseStatusLines(t *testing.T) {
	for code, text := range statusText {
		line := string(appendStatusLine(nil, code))
		if want := fmt.Sprintf("HTTP/1.1 %03d %s\r\n", code, text); line != want {
			t.Errorf("%d: %q, want %q", code, line, want)
		}
	}
	if string(appendStatusLine(nil, 799)) != "HTTP/1.1 799 Status\r\n" {
		t.Error("unknown status")
	}
}

// stalledResponse is a GET's response, under a 200 ms write timeout, to a
// client that never reads.
func stalledResponse(t *testing.T) *Response {
	t.Helper()
	_, s := tcpPair(t)
	w := NewResponse(s, 200*time.Millisecond)
	var req Request
	if _, err := ParseHead([]byte(getReq), &req, &DefaultLimits); err != nil {
		t.Fatal(err)
	}
	w.Reset(&req)
	return w
}

// TestResponseWriteTimeout: a client that stops reading makes a write fail
// once the write timeout passes, and the failure sticks and closes.
func TestResponseWriteTimeout(t *testing.T) {
	w := stalledResponse(t)
	w.Header().SetContentLength(1 << 40)
	chunk := make([]byte, 1<<20)
	var err error
	for i := 0; i < 1<<12 && err == nil; i++ {
		_, err = w.Write(chunk)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("writing to a client that does not read: %v", err)
	}
	if _, again := w.Write(chunk); again != err || !w.CloseAfter() {
		t.Fatalf("after the failure: %v, CloseAfter %v", again, w.CloseAfter())
	}
	if w.Finish() != err || w.Flush() != err {
		t.Fatal("Finish or Flush hid the failure")
	}
}

// TestResponseReadFromWriteTimeout: a client that stops reading in the
// middle of a sendfile body is cut off by the write timeout too.
func TestResponseReadFromWriteTimeout(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "sparse"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// More than the loopback socket buffers hold on both sides.
	const size = 256 << 20
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	w := stalledResponse(t)
	w.Header().SetContentLength(size)
	n, err := w.ReadFrom(f)
	if !errors.Is(err, os.ErrDeadlineExceeded) || n >= size {
		t.Fatalf("sending to a client that does not read: %d bytes, %v", n, err)
	}
	if !w.CloseAfter() {
		t.Fatal("the connection is not marked to close")
	}
}
