package http1

// AppendUnescaped appends s with its %XX escapes (RFC 3986 §2.1) decoded to
// dst. A malformed escape makes it report false rather than pass the bytes
// through, because a path that decodes two ways is how traversal filters
// are bypassed.
func AppendUnescaped(dst, s []byte) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			dst = append(dst, s[i])
			continue
		}
		if i+2 >= len(s) {
			return nil, false
		}
		hi, lo := unhex(s[i+1]), unhex(s[i+2])
		if hi < 0 || lo < 0 {
			return nil, false
		}
		dst = append(dst, byte(hi<<4|lo))
		i += 2
	}
	return dst, true
}
