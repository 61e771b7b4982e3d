package http1

import (
	"net/url"
	"testing"
)

func TestAppendUnescaped(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"abc", "abc", true},
		{"a%20b", "a b", true},
		{"%2e%2E/%2F", "../\x2f", true},
		{"%00", "\x00", true},
		{"%c3%A9", "é", true},
		{"a+b", "a+b", true},
		{"%41%42", "AB", true},
		{"%", "", false},
		{"%4", "", false},
		{"a%4", "", false},
		{"%zz", "", false},
		{"%4g", "", false},
		{"%%41", "", false},
		{"100%", "", false},
	}
	for _, tc := range tests {
		got, ok := AppendUnescaped([]byte("pre:"), []byte(tc.in))
		if ok != tc.ok || (ok && string(got) != "pre:"+tc.want) {
			t.Errorf("AppendUnescaped(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzAppendUnescaped checks the decoder against net/url's on any input.
func FuzzAppendUnescaped(f *testing.F) {
	for _, s := range []string{"a%20b", "%2e%2e%2f", "%", "%4", "%zz", "%c3%a9", "+%2B", "%%", "%252e"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		got, ok := AppendUnescaped(nil, s)
		want, err := url.PathUnescape(string(s))
		if ok != (err == nil) || (ok && string(got) != want) {
			t.Fatalf("AppendUnescaped(%q) = %q, %v; net/url: %q, %v", s, got, ok, want, err)
		}
	})
}
