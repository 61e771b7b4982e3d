package fileserver

import (
	"io/fs"
	"strconv"
	"strings"
)

// etagOf is a file's strong entity tag (RFC 9110 §8.8.3), built like
// Caddy's and nginx's from the modification time (in nanoseconds, so two
// writes within one second still differ) and the size, and where the
// system gives it, the inode's change time, all in hex. The change time is
// what makes the tag strong: a program can set the modification time back
// after a write of the same size (touch -r, cp -p, tar), but any write,
// rename or chmod moves the change time to now, and nothing sets it back.
// Every cache keyed by the tag (a client's, the compressed-file cache)
// then sees the change.
func etagOf(fi fs.FileInfo) string {
	b := make([]byte, 0, 54)
	b = append(b, '"')
	b = strconv.AppendInt(b, fi.ModTime().UnixNano(), 16)
	b = append(b, '-')
	b = strconv.AppendInt(b, fi.Size(), 16)
	if id, ok := identityOf(fi); ok {
		b = append(b, '-')
		b = strconv.AppendInt(b, id.changeTime().UnixNano(), 16)
	}
	b = append(b, '"')
	return string(b)
}

// parseETag splits an entity-tag (RFC 9110 §8.8.3: [W/] DQUOTE *etagc
// DQUOTE) into its opaque tag, quotes included, and its weakness. A value
// that is not an entity-tag reports ok false and matches nothing.
func parseETag(s string) (opaque string, weak, ok bool) {
	if rest, found := strings.CutPrefix(s, "W/"); found {
		s, weak = rest, true
	}
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false, false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; c == '"' || c < 0x21 || c == 0x7f {
			return "", false, false
		}
	}
	return s, weak, true
}

// etagStrongMatch is the strong comparison of RFC 9110 §8.8.3.2: neither
// tag weak, and the opaque tags equal. If-Match and If-Range use it.
func etagStrongMatch(a, b string) bool {
	oa, wa, oka := parseETag(a)
	ob, wb, okb := parseETag(b)
	return oka && okb && !wa && !wb && oa == ob
}

// etagWeakMatch is the weak comparison: the opaque tags equal, whatever
// their weakness. If-None-Match uses it, so a cached weak copy still gets
// 304.
func etagWeakMatch(a, b string) bool {
	oa, _, oka := parseETag(a)
	ob, _, okb := parseETag(b)
	return oka && okb && oa == ob
}
