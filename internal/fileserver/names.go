package fileserver

import (
	"strings"
	"unicode/utf8"
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
	raw := string(path)
	if !strings.HasPrefix(raw, Prefix) && raw != strings.TrimSuffix(Prefix, "/") {
		return Name{}, false
	}
	decoded, ok := percentDecode(strings.TrimPrefix(strings.TrimPrefix(raw, "/files"), "/"))
	if !ok || !utf8.ValidString(decoded) {
		return Name{}, false
	}
	n := Name{Dir: decoded == "" || strings.HasSuffix(decoded, "/")}
	trimmed := strings.TrimSuffix(decoded, "/")
	if trimmed == "" {
		n.Rel = "."
		return n, true
	}
	for seg := range strings.SplitSeq(trimmed, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, uploadTempPrefix) {
			return Name{}, false
		}
		for i := 0; i < len(seg); i++ {
			if c := seg[i]; c < 0x20 || c == 0x7f || c == '\\' {
				return Name{}, false
			}
		}
	}
	n.Rel = trimmed
	return n, true
}

// percentDecode decodes %XX escapes (RFC 3986 §2.1); a malformed escape
// makes the whole path invalid rather than being passed through.
func percentDecode(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		hi, lo := unhex(s[i+1]), unhex(s[i+2])
		if hi < 0 || lo < 0 {
			return "", false
		}
		b = append(b, byte(hi<<4|lo))
		i += 2
	}
	return string(b), true
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}
