package compress

import (
	"strings"

	"ferry/internal/http1"
)

// markETag returns the entity tag of the compressed representation: the
// identity tag with "-gzip" appended inside the quotes ("x" becomes
// "x-gzip", W/"x" becomes W/"x-gzip"). A compressed body is a different
// representation, so it needs a different strong validator (RFC 9110
// §8.8.3); otherwise a client could combine ranges of the two. A value that
// is not a quoted tag is returned as is.
func markETag(tag string, c Coding) string {
	if len(tag) < 2 || tag[len(tag)-1] != '"' {
		return tag
	}
	return tag[:len(tag)-1] + "-" + c.String() + `"`
}

// isStrongETag reports whether tag is a strong entity tag, the only kind
// trusted to name one exact body in the cache.
func isStrongETag(tag string) bool {
	return len(tag) >= 2 && tag[0] == '"' && tag[len(tag)-1] == '"'
}

// unmarkTags removes the "-gzip" suffix from the entity tags of the
// request's field (If-None-Match or If-Match), in place, so that the
// handler, which knows only the identity tag, recognises a tag it handed out
// through this package: a client revalidating its compressed copy gets 304,
// and one updating the file it downloaded compressed is not refused with
// 412. Both tags name the same state of the file, and the server is the
// authority on what its tags mean. The suffix is overwritten with spaces
// after the closing quote, which list parsing drops as whitespace: the
// field's bytes live in the connection's read buffer and cannot change
// length. It reports whether it removed any suffix.
func unmarkTags(h *http1.Header, field string) (found bool) {
	const suffix = "-gzip"
	for v := range h.Values(field) {
		open := -1
		for i := 0; i < len(v); i++ {
			if v[i] != '"' {
				continue
			}
			if open < 0 {
				open = i
				continue
			}
			cut := i - len(suffix)
			if cut > open && string(v[cut:i]) == suffix {
				v[cut] = '"'
				for j := cut + 1; j <= i; j++ {
					v[j] = ' '
				}
				found = true
			}
			open = -1
		}
	}
	return found
}

// onlyIdentityTags reports whether the request's If-None-Match lists entity
// tags, none of them a compressed form's (with the "-gzip" suffix), and not
// "*". A 304 the handler gives such a request was earned by an identity
// tag, which does not name a compressed representation (see
// writer.decide).
func onlyIdentityTags(h *http1.Header) bool {
	const suffix = "-gzip\""
	tags := false
	for v := range h.Values("If-None-Match") {
		open := -1
		for i, c := range v {
			switch {
			case c == '*' && open < 0:
				return false
			case c != '"':
			case open < 0:
				open = i
			default:
				if i+1-open > len(suffix) && string(v[i+1-len(suffix):i+1]) == suffix {
					return false
				}
				tags, open = true, -1
			}
		}
	}
	return tags
}

// blankField overwrites the values of the request's field with spaces, in
// place (they live in the connection's read buffer): the field stays, so
// that If-Modified-Since is still ignored beside it (RFC 9110 §13.1.3),
// but lists nothing.
func blankField(h *http1.Header, field string) {
	for v := range h.Values(field) {
		for i := range v {
			v[i] = ' '
		}
	}
}

// scanFields reports, in one pass over the request's fields, whether it
// sent Accept-Encoding, and If-Match or If-None-Match.
func scanFields(h *http1.Header) (acceptEncoding, conditional bool) {
	for name := range h.All() {
		switch len(name) {
		case len("Accept-Encoding"):
			acceptEncoding = acceptEncoding || http1.EqualFold(name, "Accept-Encoding")
		case len("If-Match"):
			conditional = conditional || http1.EqualFold(name, "If-Match")
		case len("If-None-Match"):
			conditional = conditional || http1.EqualFold(name, "If-None-Match")
		}
	}
	return acceptEncoding, conditional
}

// hasToken reports whether the comma-separated list v names tok, ignoring
// case.
func hasToken(v, tok string) bool {
	for v != "" {
		var elem string
		elem, v, _ = strings.Cut(v, ",")
		if strings.EqualFold(trimOWS(elem), tok) {
			return true
		}
	}
	return false
}
