// Package handlers holds ferry's small endpoints: the index page, echo and
// user-agent. The file server lives in internal/fileserver.
package handlers

import (
	"bytes"
	_ "embed"

	"ferry/internal/http1"
)

//go:embed index.html
var indexPage []byte

// Root serves the index page naming the endpoints.
func Root(w http1.ResponseWriter, r *http1.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if preconditionFailed(w, r, len(indexPage)) {
		return
	}
	w.Write(indexPage)
}

// echoPrefix is the route Echo is mounted at.
const echoPrefix = "/echo/"

// Echo answers /echo/{s} with {s}, percent-decoded, as text/plain: exactly
// that type, no charset, since clients of the exercise compare the whole
// value. A value without escapes is written as it lies in the read buffer,
// so the common echo allocates nothing.
func Echo(w http1.ResponseWriter, r *http1.Request) {
	s := r.Path[len(echoPrefix):]
	decoded, ok := s, true
	if bytes.IndexByte(s, '%') >= 0 {
		decoded, ok = http1.AppendUnescaped(nil, s)
	}
	if !ok {
		http1.Error(w, http1.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	if preconditionFailed(w, r, len(decoded)) {
		return
	}
	w.Write(decoded)
}

// UserAgent answers with the User-Agent header's value (empty if none).
func UserAgent(w http1.ResponseWriter, r *http1.Request) {
	w.Header().Set("Content-Type", "text/plain")
	ua := r.Header.Peek("User-Agent")
	if preconditionFailed(w, r, len(ua)) {
		return
	}
	w.Write(ua)
}

// preconditionFailed answers a GET or HEAD whose If-Match or If-None-Match
// fails, and reports whether it did. These endpoints send no ETag and no
// Last-Modified, so of the tags a client may list only "*" can match: it
// stands for any current representation, and these always have one (RFC
// 9110 §13.1.1, §13.1.2). The date conditions need a Last-Modified and are
// ignored (§13.1.3, §13.1.4). The handler has set the Content-Type of the
// body it would send, and size is that body's length: with them a 304
// carries the Vary its 200 would (RFC 9110 §15.4.5; see compress).
func preconditionFailed(w http1.ResponseWriter, r *http1.Request, size int) bool {
	if r.Header.Has("If-Match") && !listsStar(r, "If-Match") {
		http1.Error(w, http1.StatusPreconditionFailed)
		return true
	}
	if listsStar(r, "If-None-Match") {
		w.Header().SetContentLength(int64(size))
		w.WriteHeader(http1.StatusNotModified)
		return true
	}
	return false
}

// listsStar reports whether a field name carries the element "*".
func listsStar(r *http1.Request, name string) bool {
	for v := range r.Header.Values(name) {
		for e := range http1.ListElements(v) {
			if string(e) == "*" {
				return true
			}
		}
	}
	return false
}
