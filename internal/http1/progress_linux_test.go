package http1

import (
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// TestStillReading: after a write timeout, a client that acknowledged at
// least minWriteProgress bytes since the last check is kept; one that did
// not, or an error that is not the timeout, ends the response.
func TestStillReading(t *testing.T) {
	c, s := tcpPair(t)
	w := NewResponse(s, time.Second)
	timeout := &net.OpError{Op: "write", Err: os.ErrDeadlineExceeded}
	go io.Copy(io.Discard, c)
	if _, err := s.Write(make([]byte, 2*minWriteProgress)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for ackedBytes(s) < 2*minWriteProgress && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if !w.stillReading(timeout) {
		t.Fatal("a client that took 1 MiB was cut off")
	}
	if w.stillReading(timeout) {
		t.Fatal("a client that took nothing since was kept")
	}
	if w.stillReading(io.ErrClosedPipe) {
		t.Fatal("an error other than the timeout was retried")
	}
}
