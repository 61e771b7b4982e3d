package server_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"ferry/internal/http1"
	"ferry/internal/servertest"
)

// TestCloseAfterResponse: a client that asked to close and sent all it
// will is closed on outright, so what it sends after the response meets a
// reset at once; when the server closes on its own while the client may
// still be sending (a body left unread, more requests), it reads and
// drops what comes for half a second, so that input cannot reset the
// connection under the response.
func TestCloseAfterResponse(t *testing.T) {
	addr := servertest.Start(t, http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		if string(r.Path) == "/closing" {
			w.Header().Set("Connection", "close")
		}
		io.WriteString(w, "done")
	}))
	for _, tc := range []struct {
		name    string
		request string
		reset   bool
	}{
		{"client asked", "GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", true},
		{"HTTP/1.0", "GET /x HTTP/1.0\r\n\r\n", true},
		{"client asked, and sent more", "GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /y HTTP/1.1\r\n", false},
		{"server closes", "GET /closing HTTP/1.1\r\nHost: x\r\n\r\n", false},
		{"body left unread", fmt.Sprintf("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\nabc", http1.MaxDrainBytes+1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := servertest.Dial(t, addr)
			br := bufio.NewReader(c)
			if _, err := io.WriteString(c, tc.request); err != nil {
				t.Fatal(err)
			}
			resp, err := servertest.ReadResponse(br, "GET")
			if err != nil || resp.Status != 200 || string(resp.Body) != "done" {
				t.Fatalf("response: %v %+v", err, resp)
			}
			if _, err := br.ReadByte(); err != io.EOF {
				t.Fatalf("after the response: %v, want end-of-file", err)
			}
			// The first write after the server closed meets a reset,
			// which the client, having read end-of-file, sees only as
			// its next write failing. The bound is well within the
			// lingering, and far above a reset's round trip.
			const within = 100 * time.Millisecond
			reset := false
			for end := time.Now().Add(within); !reset && time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
				_, err := io.WriteString(c, "more")
				reset = errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
			}
			if reset != tc.reset {
				t.Fatalf("bytes sent after the response reset the connection: %v, want %v", reset, tc.reset)
			}
		})
	}
}
