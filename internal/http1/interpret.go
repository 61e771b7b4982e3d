package http1

import (
	"bytes"
	"net/netip"
)

// interpret derives the request's framing and connection semantics from its
// header fields. Every rule here is a request-smuggling defence or an RFC
// 9112 requirement; a violation is a *ProtocolError, which closes the
// connection.
func interpret(req *Request) error {
	var (
		hosts      int
		host       []byte
		haveLength bool
		te         []byte
		keepAlive  bool
		closeConn  bool
	)
	for i := range req.Header.fields {
		f := &req.Header.fields[i]
		switch len(f.Name) {
		case 4:
			if EqualFold(f.Name, "host") {
				hosts++
				host = f.Value
			}
		case 6:
			if EqualFold(f.Name, "expect") {
				if !onlyContinue(f.Value) {
					return &ProtocolError{Status: StatusExpectationFailed, Reason: "unsupported expectation"}
				}
				req.ExpectContinue = req.ProtoMinor >= 1
			}
		case 10:
			if EqualFold(f.Name, "connection") {
				for opt := range ListElements(f.Value) {
					switch {
					case EqualFold(opt, "close"):
						closeConn = true
					case EqualFold(opt, "keep-alive"):
						keepAlive = true
					}
				}
			}
		case 14:
			if EqualFold(f.Name, "content-length") {
				n, err := parseContentLength(f.Value)
				if err != nil {
					return err
				}
				if haveLength && n != req.ContentLength {
					return badRequest("differing Content-Length values")
				}
				haveLength, req.ContentLength = true, n
			}
		case 17:
			if EqualFold(f.Name, "transfer-encoding") {
				if te != nil {
					return badRequest("repeated Transfer-Encoding")
				}
				te = f.Value
			}
		}
	}
	if req.ProtoMinor >= 1 && hosts == 0 {
		return badRequest("missing Host header")
	}
	if hosts > 1 {
		return badRequest("repeated Host header")
	}
	if hosts == 1 && !validHost(host) {
		return badRequest("malformed Host header")
	}
	if req.Host == nil {
		// An absolute-form target already set the host, which wins.
		req.Host = host
	}
	if te != nil {
		if haveLength {
			return badRequest("both Content-Length and Transfer-Encoding")
		}
		if req.ProtoMinor == 0 {
			return badRequest("Transfer-Encoding on HTTP/1.0")
		}
		if err := parseTransferEncoding(te); err != nil {
			return err
		}
		req.Chunked, req.ContentLength = true, -1
	}
	req.Close = closeConn || (req.ProtoMinor == 0 && !keepAlive)
	return nil
}

// maxContentLengthDigits keeps a Content-Length inside int64: 18 digits is
// just under 10^18, far above any body ferry accepts. Leading zeros do not
// count: 1*DIGIT allows any number of them (RFC 9110 §8.6).
const maxContentLengthDigits = 18

// parseContentLength accepts 1*DIGIT, or a list of identical values, which
// RFC 9110 §8.6 allows a recipient to treat as one. Unlike other lists, an
// empty element ("5,", ", 5") is refused: a length is framing, and any
// reading of a malformed one that another parser on the path might not
// share is a way to smuggle a request (nginx and Go refuse these too).
func parseContentLength(v []byte) (int64, error) {
	n := int64(-1)
	for rest, more := v, true; more; {
		var elem []byte
		elem, rest, more = bytes.Cut(rest, []byte{','})
		elem = TrimOWS(elem)
		if len(elem) == 0 {
			return 0, badRequest("empty Content-Length element")
		}
		var x int64
		digits := 0
		for _, c := range elem {
			if !isDigit(c) {
				return 0, badRequest("malformed Content-Length")
			}
			if x == 0 && c == '0' {
				continue
			}
			if digits++; digits > maxContentLengthDigits {
				return 0, badRequest("Content-Length too large")
			}
			x = x*10 + int64(c-'0')
		}
		if n >= 0 && x != n {
			return 0, badRequest("differing Content-Length values")
		}
		n = x
	}
	return n, nil
}

// parseTransferEncoding accepts exactly "chunked". RFC 9112 §6.3: chunked
// must be the final coding of a request (else 400); a coding the server does
// not implement gets 501 (RFC 9112 §6.1).
func parseTransferEncoding(v []byte) error {
	var codings, chunkedAt int
	chunkedAt = -1
	for c := range ListElements(v) {
		if EqualFold(c, "chunked") {
			if chunkedAt >= 0 {
				return badRequest("chunked applied twice")
			}
			chunkedAt = codings
		} else if !IsToken(c) {
			return badRequest("malformed Transfer-Encoding")
		}
		codings++
	}
	switch {
	case codings == 0:
		return badRequest("empty Transfer-Encoding")
	case chunkedAt >= 0 && chunkedAt != codings-1:
		return badRequest("chunked is not the final transfer coding")
	case chunkedAt < 0 || codings > 1:
		return &ProtocolError{Status: StatusNotImplemented, Reason: "unsupported transfer coding"}
	}
	return nil
}

// validHost checks the Host value's form, uri-host [ ":" port ] (RFC 9110
// §7.2, RFC 3986 §3.2.2): a reg-name or IPv4 address of regNameChars, or an
// IPv6 literal in brackets, then optionally a colon and digits. RFC 9112
// §3.2 has a server answer an invalid Host with 400. An empty Host is
// allowed (RFC 9112 §3.2 for targets without authority), but not an empty
// host with a port: RFC 9110 §4.2.1 has an "http" URI with an empty host
// rejected, and ":80" can only be one.
func validHost(h []byte) bool {
	host, port := h, []byte(nil)
	if len(h) > 0 && h[0] == '[' {
		end := indexByte(h, ']')
		if end < 0 || !validIPLiteral(h[1:end]) {
			return false
		}
		if rest := h[end+1:]; len(rest) > 0 {
			if rest[0] != ':' {
				return false
			}
			port = rest[1:]
		}
		host = nil
	} else if i := indexByte(h, ':'); i >= 0 {
		if i == 0 {
			return false
		}
		host, port = h[:i], h[i+1:]
	}
	for i := 0; i < len(host); i++ {
		switch c := host[i]; {
		case c == '%':
			// A percent-encoded octet (RFC 3986 §2.1), nothing else.
			if i+2 >= len(host) || !isHex(host[i+1]) || !isHex(host[i+2]) {
				return false
			}
			i += 2
		case !regNameChars[c]:
			return false
		}
	}
	for _, c := range port {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// validIPLiteral reports whether b, the inside of an IP-literal's
// brackets, is an IPv6 address or the IPvFuture form (RFC 3986 §3.2.2). An
// IPv4 address in brackets, or empty ones, are neither.
func validIPLiteral(b []byte) bool {
	if len(b) > 0 && (b[0] == 'v' || b[0] == 'V') {
		return validIPvFuture(b[1:])
	}
	for _, c := range b {
		if !ipv6Chars[c] {
			return false
		}
	}
	addr, err := netip.ParseAddr(string(b))
	return err == nil && addr.Is6()
}

// validIPvFuture checks what follows the "v" of IPvFuture:
// 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ).
func validIPvFuture(b []byte) bool {
	dot := indexByte(b, '.')
	if dot < 1 || dot == len(b)-1 {
		return false
	}
	for _, c := range b[:dot] {
		if !isHex(c) {
			return false
		}
	}
	for _, c := range b[dot+1:] {
		if !regNameChars[c] && c != ':' {
			return false
		}
	}
	return true
}

func isHex(c byte) bool { return ipv6Chars[c] && c != ':' && c != '.' }

// regNameChars are a reg-name's (and an IPv4 address's) characters:
// unreserved, sub-delims and the percent sign of pct-encoded.
var regNameChars = alnumAnd("-._~!$&'()*+,;=")

// ipv6Chars are those of an IPv6 address in brackets: hex digits, colons
// and the dots of an embedded IPv4 address. The check goes no further.
var ipv6Chars = charsOf("0123456789abcdefABCDEF:.")

// onlyContinue reports whether an Expect value, a list (RFC 9110 §10.1.1),
// names the 100-continue expectation and nothing else: once or several
// times, as several Expect lines would. An empty value names nothing.
func onlyContinue(v []byte) bool {
	named := false
	for e := range ListElements(v) {
		if !EqualFold(e, "100-continue") {
			return false
		}
		named = true
	}
	return named
}
