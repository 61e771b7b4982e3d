package http1

import "time"

// Request is one parsed request head plus its body. The byte slices point
// into the connection's read buffer: they are valid until the handler
// returns, and the Request itself is reused for the next request on the
// connection, which is what makes serving a request allocation-free.
type Request struct {
	// Method is the request method. The methods ferry knows are interned
	// constants; any other token is copied.
	Method string
	// Target is the request-target exactly as sent.
	Target []byte
	// Path is the target's path, still percent-encoded: "/" and up for
	// origin-form and absolute-form targets, "*" for asterisk-form.
	Path []byte
	// Query is what follows '?' in the target, without it.
	Query []byte
	// ProtoMinor is 0 for HTTP/1.0 and 1 for HTTP/1.1 (and any later 1.x,
	// which RFC 9110 §2.5 says to answer as the highest version we speak).
	ProtoMinor int
	Header     Header
	// Host is the Host header's value.
	Host []byte
	// ContentLength is the body's length, 0 when there is none, and -1 when
	// the body is chunked.
	ContentLength int64
	// Chunked reports Transfer-Encoding: chunked.
	Chunked bool
	// Close reports that the connection ends after this request, because the
	// client asked for it or because HTTP/1.0 did not ask to keep it.
	Close bool
	// ExpectContinue reports "Expect: 100-continue" on HTTP/1.1.
	ExpectContinue bool
	// Body reads the request body; it is never nil, and reads io.EOF at once
	// when there is no body.
	Body *Body
	// RemoteAddr is the client's address, as the connection reported it.
	RemoteAddr string
	// arrival is what Arrival reports, in Unix nanoseconds; arrivalAsked
	// is set once a handler asked for it.
	arrival      int64
	arrivalAsked bool
}

// Arrival is when the kernel received the latest bytes read from the
// connection by the time the head was parsed: the client sent the request
// no later than that, so whatever is observed after Arrival is fresh
// enough to answer it. It is the zero time when unknown. Stamps cost a
// little on every read, so a connection reads them only from its first
// read after a handler asked (a keep-alive client fetching files asks
// every time); they are read on Linux only (not on 32-bit x86). The time
// is on the wall clock, as the kernel stamps it, without a monotonic
// reading.
func (r *Request) Arrival() time.Time {
	r.arrivalAsked = true
	if r.arrival == 0 {
		return time.Time{}
	}
	return time.Unix(0, r.arrival)
}

// HasBody reports whether the request carries a body to read.
func (r *Request) HasBody() bool { return r.Chunked || r.ContentLength > 0 }

// ProtoString is the request's protocol version as written in a request line.
func (r *Request) ProtoString() string {
	if r.ProtoMinor == 0 {
		return "HTTP/1.0"
	}
	return "HTTP/1.1"
}

func (r *Request) reset() {
	body := r.Body
	remote := r.RemoteAddr
	fields := r.Header.fields[:0]
	*r = Request{Body: body, RemoteAddr: remote}
	r.Header.fields = fields
}
