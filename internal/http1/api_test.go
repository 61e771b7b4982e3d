package http1

import (
	"strings"
	"testing"
)

func TestRequestHelpers(t *testing.T) {
	tests := []struct {
		raw     string
		hasBody bool
		proto   string
	}{
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", false, "HTTP/1.1"},
		{"POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n", false, "HTTP/1.0"},
		{"POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\n", true, "HTTP/1.0"},
		{"POST / HTTP/1.2\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", true, "HTTP/1.1"},
	}
	for _, tc := range tests {
		var req Request
		if _, err := ParseHead([]byte(tc.raw), &req, &DefaultLimits); err != nil {
			t.Fatalf("%q: %v", tc.raw, err)
		}
		if req.HasBody() != tc.hasBody || req.ProtoString() != tc.proto {
			t.Errorf("%q: HasBody %v ProtoString %q", tc.raw, req.HasBody(), req.ProtoString())
		}
	}
}

func TestProtocolErrorText(t *testing.T) {
	var req Request
	_, err := ParseHead([]byte("GET / HTTP/1.1\r\n\r\n"), &req, &DefaultLimits)
	if err == nil || !strings.HasPrefix(err.Error(), "http1: ") || statusOf(err) != StatusBadRequest {
		t.Fatalf("err %v", err)
	}
}

func TestResponseHeaderAPI(t *testing.T) {
	var h ResponseHeader
	h.reset()
	if h.ContentLength() != -1 || h.Get("Content-Length") != "" {
		t.Fatalf("fresh header: length %d %q", h.ContentLength(), h.Get("Content-Length"))
	}
	h.Set("content-length", "42")
	if h.ContentLength() != 42 || h.Get("Content-Length") != "42" {
		t.Errorf("declared length: %d %q", h.ContentLength(), h.Get("Content-Length"))
	}
	h.Del("Content-Length")
	if h.ContentLength() != -1 {
		t.Errorf("after Del: %d", h.ContentLength())
	}
	h.Set("Content-Length", "-5")
	if h.ContentLength() != -1 {
		t.Errorf("negative length accepted: %d", h.ContentLength())
	}
	h.Add("X-A", "1")
	h.Add("x-a", "2")
	if h.Get("X-A") != "1" || h.Get("missing") != "" {
		t.Errorf("Get: %q %q", h.Get("X-A"), h.Get("missing"))
	}
	h.Set("X-A", "3")
	if len(h.fields) != 1 || h.Get("x-a") != "3" {
		t.Errorf("Set left %v", h.fields)
	}
	h.Set("Connection", "keep-alive, Close")
	if !h.close || h.Get("Connection") != "" {
		t.Errorf("Connection: close not taken as framing: %v %q", h.close, h.Get("Connection"))
	}
	h.reset()
	h.SetClose()
	if !h.close || len(h.fields) != 0 {
		t.Error("SetClose")
	}
}

func TestResponseState(t *testing.T) {
	// Codes no other path sets, whether or not status.go names them.
	const teapot, accepted = 418, 202
	_, s := tcpPair(t)
	w := NewResponse(s, 0)
	var req Request
	if _, err := ParseHead([]byte(getReq), &req, &DefaultLimits); err != nil {
		t.Fatal(err)
	}
	w.Reset(&req)
	if w.Started() || w.Committed() || w.Status() != StatusOK {
		t.Fatalf("fresh: started %v committed %v status %d", w.Started(), w.Committed(), w.Status())
	}
	w.WriteHeader(accepted)
	if !w.Started() || w.Committed() || w.Status() != accepted {
		t.Fatalf("after WriteHeader: started %v committed %v status %d", w.Started(), w.Committed(), w.Status())
	}
	w.Write([]byte("held"))
	if w.Committed() {
		t.Fatal("a small body committed the head before Finish")
	}
	if err := w.Finish(); err != nil || !w.Committed() || w.Pending() == 0 {
		t.Fatalf("Finish: %v committed %v pending %d", err, w.Committed(), w.Pending())
	}
	var h Handler = HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteHeader(teapot) })
	w.Reset(&req)
	h.ServeHTTP(w, &req)
	if w.Status() != teapot {
		t.Fatalf("HandlerFunc: status %d", w.Status())
	}
}
