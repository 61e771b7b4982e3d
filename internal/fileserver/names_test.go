package fileserver

import (
	"io/fs"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestResolveName(t *testing.T) {
	for _, tt := range []struct {
		path string
		rel  string // "" when the path is refused
		dir  bool
	}{
		{"/files", ".", true},
		{"/files/", ".", true},
		{"/files/a.txt", "a.txt", false},
		{"/files/a/b/", "a/b", true},
		{"/files/a%20b", "a b", false},
		{"/files/%C3%A9", "é", false},
		{"/files/a%2Fb", "a/b", false},
		{"/files/%252e%252e", "%2e%2e", false},
		{"/files/.hidden", ".hidden", false},
		{"/files/a+b;c=d", "a+b;c=d", false},
		{"/filesx", "", false},
		{"/file", "", false},
		{"/files/..", "", false},
		{"/files/%2e%2e/etc", "", false},
		{"/files/a/./b", "", false},
		{"/files/a//b", "", false},
		{"/files//a", "", false},
		{"/files/a%5cb", "", false},
		{"/files/a\\b", "", false},
		{"/files/%00", "", false},
		{"/files/a%0Ab", "", false},
		{"/files/a%7f", "", false},
		{"/files/%c0%ae", "", false},
		{"/files/%zz", "", false},
		{"/files/" + uploadTempPrefix + "x", "", false},
		{"/files/a/" + uploadTempPrefix + "x/b", "", false},
	} {
		n, ok := resolveName([]byte(tt.path))
		switch {
		case ok != (tt.rel != ""):
			t.Errorf("%q: ok %v (%+v)", tt.path, ok, n)
		case ok && (n.Rel != tt.rel || n.Dir != tt.dir):
			t.Errorf("%q: %+v, want Rel %q Dir %v", tt.path, n, tt.rel, tt.dir)
		}
	}
}

// FuzzResolveName checks the first line of confinement: whatever the
// request path, a name resolveName accepts is the served folder itself or
// a clean relative name (fs.ValidPath: no empty, "." or ".." segment, no
// leading or trailing slash) without backslashes, control bytes, invalid
// UTF-8 or upload temporary names; and the link a listing or a redirect
// builds for it (escapePath) resolves back to the same name.
func FuzzResolveName(f *testing.F) {
	f.Fuzz(func(t *testing.T, path string) {
		n, ok := resolveName([]byte(path))
		if !ok {
			if n != (Name{}) {
				t.Fatalf("%q refused with %+v", path, n)
			}
			return
		}
		if n.Rel != "." {
			if !fs.ValidPath(n.Rel) || !utf8.ValidString(n.Rel) || strings.ContainsRune(n.Rel, '\\') {
				t.Fatalf("%q resolved to %q", path, n.Rel)
			}
			for seg := range strings.SplitSeq(n.Rel, "/") {
				if strings.HasPrefix(seg, uploadTempPrefix) {
					t.Fatalf("%q resolved to a temporary name %q", path, n.Rel)
				}
			}
			for _, c := range []byte(n.Rel) {
				if c < 0x20 || c == 0x7f {
					t.Fatalf("%q resolved to %q, with a control byte", path, n.Rel)
				}
			}
		}
		link := Prefix
		if n.Rel != "." {
			link += escapePath(n.Rel)
		}
		back, ok := resolveName([]byte(link))
		if !ok || back.Rel != n.Rel {
			t.Fatalf("%q resolved to %q, whose link %q resolves to %q, %v", path, n.Rel, link, back.Rel, ok)
		}
	})
}
