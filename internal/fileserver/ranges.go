package fileserver

import (
	"math"
	"strconv"
	"strings"
)

// httpRange is one satisfiable byte range of a file.
type httpRange struct {
	start, length int64
}

// contentRange is the range's Content-Range value (RFC 9110 §14.4).
func (r httpRange) contentRange(size int64) string {
	b := make([]byte, 0, 64)
	b = append(b, "bytes "...)
	b = strconv.AppendInt(b, r.start, 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, r.start+r.length-1, 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, size, 10)
	return string(b)
}

// maxRanges is the most ranges one request may ask for. Real clients ask
// for one, or a handful (PDF viewers, download managers); hundreds of tiny
// ranges only cost the server work, so such a request gets the whole file.
const maxRanges = 100

// parseRanges reads a Range field value (RFC 9110 §14.2) against a file of
// size bytes. It reports ok false when the field is to be ignored and the
// whole file sent: a unit other than bytes, malformed syntax (including a
// range whose last position precedes its first), more than maxRanges
// ranges, or ranges that add up to more than the file (overlap used to
// amplify the response, as in CVE-2011-3192). With ok true, ranges holds
// the satisfiable ranges in the order asked; none means 416.
//
// An empty file ignores Range too: RFC 9110 §14.1.2 counts a suffix range
// of it as satisfiable, yet no Content-Range can describe a part of
// nothing, so the whole (empty) file is the answer, as nginx gives it.
func parseRanges(v string, size int64) (ranges []httpRange, ok bool) {
	if size == 0 {
		return nil, false
	}
	unit, set, found := strings.Cut(v, "=")
	if !found || !strings.EqualFold(strings.TrimSpace(unit), "bytes") {
		return nil, false
	}
	count := 0
	var total int64
	for spec := range strings.SplitSeq(set, ",") {
		spec = strings.Trim(spec, " \t")
		if spec == "" {
			continue // empty list elements are allowed (RFC 9110 §5.6.1.2)
		}
		if count++; count > maxRanges {
			return nil, false
		}
		r, satisfiable, valid := parseRangeSpec(spec, size)
		if !valid {
			return nil, false
		}
		if satisfiable {
			ranges = append(ranges, r)
			total += r.length
		}
	}
	if count == 0 || total > size {
		return nil, false
	}
	return ranges, true
}

// parseRangeSpec reads one int-range ("first-last", "first-") or
// suffix-range ("-length") and clips it to the file.
func parseRangeSpec(spec string, size int64) (r httpRange, satisfiable, valid bool) {
	first, last, found := strings.Cut(spec, "-")
	if !found {
		return httpRange{}, false, false
	}
	if first == "" {
		n, ok := parseDigits(last)
		if !ok {
			return httpRange{}, false, false
		}
		if n == 0 || size == 0 {
			return httpRange{}, false, true
		}
		n = min(n, size)
		return httpRange{start: size - n, length: n}, true, true
	}
	start, ok := parseDigits(first)
	if !ok {
		return httpRange{}, false, false
	}
	end := int64(math.MaxInt64)
	if last != "" {
		if end, ok = parseDigits(last); !ok || end < start {
			return httpRange{}, false, false
		}
	}
	if start >= size {
		return httpRange{}, false, true
	}
	end = min(end, size-1)
	return httpRange{start: start, length: end - start + 1}, true, true
}

// parseDigits reads 1*DIGIT; a number past int64 saturates, which for a
// position is as good as infinity.
func parseDigits(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (math.MaxInt64-9)/10 {
			n = math.MaxInt64
			continue
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
