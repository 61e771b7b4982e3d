package server_test

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"ferry/internal/http1"
	"ferry/internal/servertest"
)

// TestUnreadBodyEarlyHead: a handler that sends its head before the request
// body is read, and never reads it, leaves a body too large to drain. The
// server will close, so the head it already sent must say Connection:
// close. A body small enough to drain keeps the connection.
func TestUnreadBodyEarlyHead(t *testing.T) {
	payload := bytes.Repeat([]byte("x"), 100<<10)
	addr := servertest.Start(t, http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
		w.Write(payload)
	}))
	for _, tc := range []struct {
		name      string
		bodyBytes int
		close     bool
	}{
		{"drainable", 1000, false},
		{"too large to drain", http1.MaxDrainBytes + 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := servertest.Dial(t, addr)
			fmt.Fprintf(c, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", tc.bodyBytes)
			wrote := make(chan struct{})
			go func() {
				c.Write([]byte(strings.Repeat("b", tc.bodyBytes)))
				close(wrote)
			}()
			br := bufio.NewReader(c)
			resp, err := servertest.ReadResponse(br, "POST")
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Get("Connection") == "close"; got != tc.close || len(resp.Body) != len(payload) {
				t.Fatalf("Connection %q, %d body bytes; want close=%v", resp.Get("Connection"), len(resp.Body), tc.close)
			}
			if tc.close {
				return
			}
			// The next request must follow the whole body on the wire.
			<-wrote
			fmt.Fprintf(c, "GET /y HTTP/1.1\r\nHost: x\r\n\r\n")
			if resp, err := servertest.ReadResponse(br, "GET"); err != nil || resp.Status != 200 {
				t.Fatalf("second request on a kept connection: %v", err)
			}
		})
	}
}
