package compress

import "strings"

// compressible reports whether a body of media type ct is worth
// compressing: text and the structured text formats (JSON, XML, JavaScript,
// SVG), uncompressed fonts and WebAssembly. Images, audio, video, archives,
// PDF and application/octet-stream are left alone, as are types unknown
// here: they are usually compressed already, and compressing them again
// costs CPU for nothing. text/event-stream is excluded because a stream of
// events must reach the client as each is written.
func compressible(ct string) bool {
	ct = mediaType(ct)
	if ct == "" {
		return false
	}
	switch {
	case hasPrefixFold(ct, "text/"):
		return !strings.EqualFold(ct, "text/event-stream")
	case hasSuffixFold(ct, "+json"), hasSuffixFold(ct, "+xml"):
		// application/ld+json, application/rss+xml, image/svg+xml...
		return true
	}
	for _, t := range compressibleTypes {
		if strings.EqualFold(ct, t) {
			return true
		}
	}
	return false
}

// compressibleTypes are the types outside text/* and the +json and +xml
// suffixes that compress well.
var compressibleTypes = [...]string{
	"application/json",
	"application/javascript",
	"application/x-javascript",
	"application/ecmascript",
	"application/xml",
	"application/wasm",
	"application/yaml",
	"application/x-yaml",
	"application/toml",
	"application/x-sh",
	"application/sql",
	"application/graphql",
	"application/vnd.ms-fontobject",
	"font/ttf",
	"font/otf",
	"image/bmp",
	"image/x-icon",
	"image/vnd.microsoft.icon",
}

// mediaType strips parameters and whitespace from a Content-Type value.
func mediaType(ct string) string {
	ct, _, _ = strings.Cut(ct, ";")
	return trimOWS(ct)
}

// trimOWS strips spaces and tabs from both ends of s (RFC 9110 §5.6.3).
func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}
