package http1

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"testing"
)

// captureConn is a net.Conn that keeps what is written to it.
type captureConn struct {
	memConn
	out bytes.Buffer
}

func (c *captureConn) Write(p []byte) (int, error) { return c.out.Write(p) }

var fuzzStatuses = []int{0, 200, 201, 204, 206, 304, 404, 500}

// FuzzResponse drives a Response with an arbitrary handler (request method
// and version, status, declared length, write sizes) and reads the result
// with net/http's client parser: the framing must deliver exactly the body
// written, or no body where none is allowed, and a response that does not
// close the connection must end exactly where the next one would start.
func FuzzResponse(f *testing.F) {
	f.Add([]byte{0, 1, 0, 5})
	f.Add([]byte{0, 1, 0, 255, 255, 255})
	f.Add([]byte{2, 1, 0, 255, 255})
	f.Add([]byte{1, 0, 1, 200})
	f.Add([]byte{0, 3, 1, 10})
	f.Add([]byte{0, 5, 0, 10})
	f.Add([]byte{0, 1, 2, 100})
	f.Add([]byte{6, 1, 0, 0})
	f.Add([]byte{8, 1, 1, 130, 130, 130})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) < 3 {
			return
		}
		head, status, lengthMode, sizes := ops[0], fuzzStatuses[int(ops[1])%len(fuzzStatuses)], ops[2]%3, ops[3:]
		// A dozen writes cover the framing paths; more only slow it down.
		sizes = sizes[:min(len(sizes), 12)]
		method, proto := "GET", "HTTP/1.1"
		if head&1 != 0 {
			method = "HEAD"
		}
		raw := method + " / "
		if head&2 != 0 {
			proto = "HTTP/1.0"
			raw += proto + "\r\n"
			if head&4 != 0 {
				raw += "Connection: keep-alive\r\n"
			}
		} else {
			raw += proto + "\r\nHost: a\r\n"
		}
		if head&8 != 0 {
			raw += "Connection: close\r\n"
		}
		var req Request
		if _, err := ParseHead([]byte(raw+"\r\n"), &req, &DefaultLimits); err != nil {
			t.Fatalf("%q: %v", raw, err)
		}

		var payload []byte
		for i, s := range sizes {
			n := int(s) * int(s) * 2 // up to 130 KB a write
			for j := range n {
				payload = append(payload, byte('a'+(i+j)%26))
			}
		}
		conn := &captureConn{}
		w := NewResponse(conn, 0)
		w.Reset(&req)
		declared := int64(-1)
		switch lengthMode {
		case 1:
			declared = int64(len(payload))
		case 2:
			declared = int64(len(payload)) + 7
		}
		if declared >= 0 {
			w.Header().SetContentLength(declared)
		}
		if status != 0 {
			w.WriteHeader(status)
		}
		off := 0
		for i, s := range sizes {
			n := int(s) * int(s) * 2
			// ReadFrom with a declared length expects src to fill it, so
			// the too-long declaration is only written to.
			if i%3 == 2 && lengthMode != 2 {
				if _, err := w.ReadFrom(bytes.NewReader(payload[off : off+n])); err != nil {
					t.Fatalf("ReadFrom: %v", err)
				}
			} else if _, err := w.Write(payload[off : off+n]); err != nil {
				t.Fatalf("Write: %v", err)
			}
			off += n
		}
		if err := w.Finish(); err != nil {
			t.Fatalf("Finish: %v", err)
		}
		if err := w.Flush(); err != nil {
			t.Fatalf("Flush: %v", err)
		}

		wire := conn.out.Bytes()
		br := bufio.NewReader(bytes.NewReader(wire))
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			t.Fatalf("net/http cannot read %q: %v", trunc(string(wire)), err)
		}
		body, bodyErr := io.ReadAll(resp.Body)
		if want := max(status, 200); resp.StatusCode != want {
			t.Fatalf("status %d, want %d", resp.StatusCode, want)
		}
		if resp.Header.Get("Server") != "ferry" || resp.Header.Get("Date") == "" {
			t.Fatalf("Server %q Date %q", resp.Header.Get("Server"), resp.Header.Get("Date"))
		}
		noBody := method == "HEAD" || status == 204 || status == 304
		switch {
		case noBody:
			if len(body) != 0 || bodyErr != nil {
				t.Fatalf("%s %d carried a body of %d bytes (%v)", method, status, len(body), bodyErr)
			}
			if (status == 204 || status == 304) && resp.Header.Get("Content-Length") != "" {
				t.Fatalf("%d with Content-Length %q", status, resp.Header.Get("Content-Length"))
			}
		case lengthMode == 2:
			if !bytes.Equal(body, payload) || bodyErr != io.ErrUnexpectedEOF || !w.CloseAfter() {
				t.Fatalf("short body: %d bytes, %v, CloseAfter %v", len(body), bodyErr, w.CloseAfter())
			}
		default:
			if !bytes.Equal(body, payload) || bodyErr != nil {
				t.Fatalf("body of %d bytes (%v), want %d", len(body), bodyErr, len(payload))
			}
		}
		saysClose := resp.Close
		if saysClose && !w.CloseAfter() {
			t.Fatal("the response says close, the Response does not")
		}
		if !w.CloseAfter() {
			if resp.ContentLength < 0 && len(resp.TransferEncoding) == 0 && !noBody {
				t.Fatal("a kept connection with a close-delimited body")
			}
			if rest, _ := io.ReadAll(br); len(rest) != 0 {
				t.Fatalf("%d bytes after the response", len(rest))
			}
			if proto == "HTTP/1.0" && resp.Header.Get("Connection") != "keep-alive" {
				t.Fatal("HTTP/1.0 keep-alive without Connection: keep-alive")
			}
		}
		if head&8 != 0 && !saysClose {
			t.Fatal("the client asked to close; the response does not say so")
		}
	})
}
