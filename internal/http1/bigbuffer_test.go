package http1

import "testing"

// TestBigBuffersBounded: at most maxBigBuffers large copy buffers are out at
// once; past that a download falls back to sendfile.
func TestBigBuffersBounded(t *testing.T) {
	var held []*[]byte
	for range maxBigBuffers {
		b := acquireBigBuffer()
		if b == nil || len(*b) != bigBufferBytes {
			t.Fatalf("buffer %d: %v", len(held), b)
		}
		held = append(held, b)
	}
	if b := acquireBigBuffer(); b != nil {
		t.Fatal("acquired a buffer past the bound")
	}
	releaseBigBuffer(held[0])
	if b := acquireBigBuffer(); b == nil {
		t.Fatal("no buffer after one was released")
	} else {
		held[0] = b
	}
	for _, b := range held {
		releaseBigBuffer(b)
	}
}
