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
	w.Write(decoded)
}

// UserAgent answers with the User-Agent header's value (empty if none).
func UserAgent(w http1.ResponseWriter, r *http1.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write(r.Header.Peek("User-Agent"))
}
