package http1

import "iter"

// Field is one request header field. Name and Value point into the
// connection's read buffer and are valid only until the handler returns.
type Field struct {
	Name  []byte
	Value []byte
}

// Header is the request's header section in the order received. It is a
// slice rather than a map so that parsing a request allocates nothing: the
// fields point into the read buffer and the slice is reused by the next
// request on the connection.
type Header struct {
	fields []Field
}

// Len is the number of fields.
func (h *Header) Len() int { return len(h.fields) }

// Peek returns the value of the first field named name (case-insensitive),
// or nil. The slice is only valid while the handler runs.
func (h *Header) Peek(name string) []byte {
	for i := range h.fields {
		if EqualFold(h.fields[i].Name, name) {
			return h.fields[i].Value
		}
	}
	return nil
}

// Get is Peek as a string; it allocates, so hot paths use Peek.
func (h *Header) Get(name string) string { return string(h.Peek(name)) }

// Has reports whether a field named name was sent, even with an empty value.
func (h *Header) Has(name string) bool {
	for i := range h.fields {
		if EqualFold(h.fields[i].Name, name) {
			return true
		}
	}
	return false
}

// Values yields the value of every field named name, in order.
func (h *Header) Values(name string) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for i := range h.fields {
			if EqualFold(h.fields[i].Name, name) && !yield(h.fields[i].Value) {
				return
			}
		}
	}
}

// All yields every field in order.
func (h *Header) All() iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		for i := range h.fields {
			if !yield(h.fields[i].Name, h.fields[i].Value) {
				return
			}
		}
	}
}

// EqualFold reports whether a and b hold the same ASCII text ignoring case,
// without allocating: header names, codings and tokens, from the read
// buffer ([]byte) or a handler's header (string), are compared with it.
func EqualFold[A, B ~string | ~[]byte](a A, b B) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// TrimOWS strips optional whitespace (SP and HTAB, RFC 9110 §5.6.3) from both
// ends of b.
func TrimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// ListElements yields the non-empty elements of a comma-separated header
// value (RFC 9110 §5.6.1), trimmed of whitespace. Commas inside quoted
// strings are not separators.
func ListElements(v []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		start, quoted := 0, false
		for i := 0; i <= len(v); i++ {
			if i < len(v) {
				switch c := v[i]; {
				case c == '"':
					quoted = !quoted
					continue
				case c == '\\' && quoted:
					i++
					continue
				case c != ',' || quoted:
					continue
				}
			}
			if e := TrimOWS(v[start:min(i, len(v))]); len(e) > 0 && !yield(e) {
				return
			}
			start = i + 1
		}
	}
}
