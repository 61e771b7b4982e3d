package http1

import "strings"

// Error answers with status and a one-line plain-text body naming it. It is
// the only way ferry reports an error to a client, so an internal error's
// text never reaches one.
func Error(w ResponseWriter, status int) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Del("Content-Encoding")
	h.Del("ETag")
	h.Del("Last-Modified")
	h.Del("Accept-Ranges")
	h.SetContentLength(-1)
	w.WriteHeader(status)
	// A status ferry has no text for (or a handler's out-of-range one) gets
	// an empty body rather than an index past errorBodies.
	if bodyAllowed(status) && status < len(errorBodies) {
		w.Write(errorBodies[status])
	}
}

// errorBodies holds "404 Not Found\n" and the like, built once.
var errorBodies = func() (b [600][]byte) {
	for code, text := range statusText {
		b[code] = []byte(itoa3(code) + " " + text + "\n")
	}
	return b
}()

// MethodNotAllowed answers 405 with the Allow header RFC 9110 §15.5.6 requires.
func MethodNotAllowed(w ResponseWriter, allow []string) {
	w.Header().Set("Allow", strings.Join(allow, ", "))
	Error(w, StatusMethodNotAllowed)
}
