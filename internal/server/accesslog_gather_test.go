package server

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"
)

// recordingWriter keeps each write it is given apart.
type recordingWriter struct {
	mu     sync.Mutex
	writes [][]byte
	wrote  chan struct{}
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.writes = append(w.writes, bytes.Clone(p))
	w.mu.Unlock()
	w.wrote <- struct{}{}
	return len(p), nil
}

func (w *recordingWriter) all() [][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writes
}

// TestAccessLogGathers: lines are written together, not one write each,
// once enough of them wait even if the gathering time has not passed; the
// lines still waiting when the log stops are written then.
func TestAccessLogGathers(t *testing.T) {
	out := &recordingWriter{wrote: make(chan struct{}, 100)}
	l := startAccessLog(out, time.Hour, 1000)
	var want bytes.Buffer
	line := func(i int) {
		b := fmt.Appendf(nil, "line %02d %s\n", i, bytes.Repeat([]byte{'x'}, 40))
		want.Write(b)
		l.write(b)
	}
	i := 0
	for ; want.Len() < l.flushAt; i++ {
		line(i)
		// Time for a writer that did not gather to write each line.
		time.Sleep(time.Millisecond)
	}
	select {
	case <-out.wrote:
	case <-time.After(10 * time.Second):
		t.Fatal("lines past flushAt were not written")
	}
	if w := out.all(); len(w) != 1 || !bytes.Equal(w[0], want.Bytes()) {
		t.Fatalf("writes %q, want the %d lines in one write", w, i)
	}
	line(i)
	l.close()
	if w := out.all(); len(w) != 2 || !bytes.Equal(bytes.Join(w, nil), want.Bytes()) {
		t.Fatalf("after close, writes %q; want the last line written on its own", w)
	}
}
