package http1

import "strconv"

// ResponseHeader is the header section a handler builds. Names are used as
// given (handlers write them canonically); Date, Server and the framing
// fields (Content-Length, Transfer-Encoding, Connection) are written by the
// Response itself, so that framing is decided in one place.
type ResponseHeader struct {
	fields        []responseField
	contentLength int64
	close         bool
	stream        bool
}

type responseField struct {
	name, value string
}

func (h *ResponseHeader) reset() {
	clear(h.fields)
	h.fields = h.fields[:0]
	h.contentLength = -1
	h.close, h.stream = false, false
}

// Clear removes every field and the declared length, keeping a request to
// close the connection: for a wrapper that has its handler answer again
// before anything was sent.
func (h *ResponseHeader) Clear() {
	closeAfter := h.close
	h.reset()
	h.close = closeAfter
}

// Set replaces every field named name with one holding value. Setting
// Content-Length declares the body's length; "Connection: close" asks the
// server to close the connection after the response.
func (h *ResponseHeader) Set(name, value string) {
	if h.framing(name, value) {
		return
	}
	for i := range h.fields {
		if EqualFold(h.fields[i].name, name) {
			h.fields[i].value = value
			h.removeFrom(i+1, name)
			return
		}
	}
	h.fields = append(h.fields, responseField{name, value})
}

// Add appends a field, keeping earlier ones of the same name.
func (h *ResponseHeader) Add(name, value string) {
	if h.framing(name, value) {
		return
	}
	h.fields = append(h.fields, responseField{name, value})
}

// Get returns the first value of the field named name, or "".
func (h *ResponseHeader) Get(name string) string {
	if EqualFold(name, "Content-Length") {
		if h.contentLength < 0 {
			return ""
		}
		return strconv.FormatInt(h.contentLength, 10)
	}
	for i := range h.fields {
		if EqualFold(h.fields[i].name, name) {
			return h.fields[i].value
		}
	}
	return ""
}

// Del removes every field named name.
func (h *ResponseHeader) Del(name string) {
	if EqualFold(name, "Content-Length") {
		h.contentLength = -1
		return
	}
	h.removeFrom(0, name)
}

// SetContentLength declares the body's length, or -1 for unknown.
func (h *ResponseHeader) SetContentLength(n int64) { h.contentLength = n }

// SetStream declares a body of unknown length that is not to be held back
// to measure it: without a declared Content-Length the head goes out at the
// first write, or when the handler returns, with chunked framing (close-
// delimited on HTTP/1.0). A HEAD gets the same framing with no body, so a
// handler can announce a stream's head without producing the stream.
func (h *ResponseHeader) SetStream() { h.stream = true }

// ContentLength is the declared body length, or -1.
func (h *ResponseHeader) ContentLength() int64 { return h.contentLength }

// SetClose asks for the connection to close after this response.
func (h *ResponseHeader) SetClose() { h.close = true }

// framing intercepts the fields the Response writes itself.
func (h *ResponseHeader) framing(name, value string) bool {
	switch {
	case EqualFold(name, "Content-Length"):
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n < 0 {
			n = -1
		}
		h.contentLength = n
	case EqualFold(name, "Connection"):
		for opt := range ListElements([]byte(value)) {
			if EqualFold(opt, "close") {
				h.close = true
			}
		}
	case EqualFold(name, "Transfer-Encoding"), EqualFold(name, "Date"), EqualFold(name, "Server"):
	default:
		return false
	}
	return true
}

func (h *ResponseHeader) removeFrom(start int, name string) {
	kept := h.fields[:start]
	for _, f := range h.fields[start:] {
		if !EqualFold(f.name, name) {
			kept = append(kept, f)
		}
	}
	clear(h.fields[len(kept):])
	h.fields = kept
}
