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

// unmarkIfNoneMatch removes the coding suffix from the entity tags of the
// request's If-None-Match fields, in place, so that the handler, which
// knows only the identity tag, recognises a tag it handed out through this
// package and answers 304. The comparison If-None-Match asks for is the weak
// one (RFC 9110 §13.1.2), under which the compressed and identity forms are
// the same resource state. The suffix is overwritten with spaces after the
// closing quote, which list parsing drops as whitespace: the field's bytes
// live in the connection's read buffer and cannot change length. It
// reports whether it removed any suffix.
func unmarkIfNoneMatch(h *http1.Header, c Coding) (found bool) {
	suffix := c.String()
	for v := range h.Values("If-None-Match") {
		open := -1
		for i := 0; i < len(v); i++ {
			if v[i] != '"' {
				continue
			}
			if open < 0 {
				open = i
				continue
			}
			cut := i - len(suffix) - 1
			if cut > open && v[cut] == '-' && string(v[cut+1:i]) == suffix {
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

// hasToken reports whether the comma-separated list v names tok, ignoring
// case.
func hasToken(v, tok string) bool {
	for v != "" {
		var elem string
		elem, v, _ = strings.Cut(v, ",")
		if equalFoldString(trimOWS(elem), tok) {
			return true
		}
	}
	return false
}
