package fileserver

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"ferry/internal/http1"
)

// Name is a request path turned into a name relative to the served folder.
type Name struct {
	// Rel is the slash-separated name under the root, "." for the root
	// itself. It never starts with "/" and holds no "." or ".." segment.
	Rel string
	// Dir reports that the request path ended with "/": the client asks for
	// a folder.
	Dir bool
}

// uploadTempPrefix starts the names of the temporary files uploads write
// before renaming them over their target; such names are never served.
const uploadTempPrefix = ".ferry-upload-"

// resolveName turns the percent-encoded request path (which starts with
// Prefix, the router saw to that) into a Name. It decodes exactly once, so
// "%252e%252e" is the literal name "%2e%2e", and refuses what could only be
// an attempt to escape or confuse: "." and ".." segments, backslashes, NUL
// and other control bytes, invalid UTF-8, and the names of upload temporary
// files. os.Root is the real confinement; this is the first line.
func resolveName(path []byte) (Name, bool) {
	rest, ok := bytes.CutPrefix(path, []byte(Prefix))
	if !ok {
		if string(path) != strings.TrimSuffix(Prefix, "/") {
			return Name{}, false
		}
		rest = nil
	}
	unescaped, ok := http1.AppendUnescaped(make([]byte, 0, len(rest)), rest)
	decoded := string(unescaped)
	if !ok {
		return Name{}, false
	}
	n := Name{Dir: decoded == "" || strings.HasSuffix(decoded, "/")}
	trimmed := strings.TrimSuffix(decoded, "/")
	if trimmed == "" {
		n.Rel = "."
		return n, true
	}
	for seg := range strings.SplitSeq(trimmed, "/") {
		if !servableSegment(seg) {
			return Name{}, false
		}
	}
	n.Rel = trimmed
	return n, true
}

// plainFileName returns the name resolveName would give path, as a slice
// of path, when decoding leaves it as it is and it names a file: path has
// the prefix, holds no '%' and does not end with '/'. Otherwise it returns
// nil. It does not check the segments: the cache, its only user, holds
// only names resolveName accepted, so a name that would fail is never
// found there.
func plainFileName(path []byte) []byte {
	rest, ok := bytes.CutPrefix(path, []byte(Prefix))
	if !ok || len(rest) == 0 || rest[len(rest)-1] == '/' || bytes.IndexByte(rest, '%') >= 0 {
		return nil
	}
	return rest
}

// servableSegment reports whether one segment of a decoded path names
// something resolveName lets a request reach: not empty, not "." or "..",
// not an upload's temporary file, valid UTF-8 without control bytes or a
// backslash. Listings leave out the entries whose names fail it, since a
// link to them would only get 400.
func servableSegment(seg string) bool {
	if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, uploadTempPrefix) || !utf8.ValidString(seg) {
		return false
	}
	for i := 0; i < len(seg); i++ {
		if c := seg[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	return true
}
