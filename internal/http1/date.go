package http1

import "sync/atomic"

// dateCache holds the formatted Date header value of the current second.
// Formatting a date costs more than the rest of a small response; RFC 9110
// §6.6.1 only asks for one-second resolution, so it is formatted once per
// second, by whichever response first notices the second changed.
type dateCache struct {
	unix  int64
	value []byte
}

var currentDate atomic.Pointer[dateCache]

func appendDate(dst []byte) []byte {
	now := coarseNow()
	d := currentDate.Load()
	if d == nil || d.unix != now.Unix() {
		d = &dateCache{unix: now.Unix(), value: now.UTC().AppendFormat(nil, TimeFormat)}
		currentDate.Store(d)
	}
	return append(dst, d.value...)
}

// TimeFormat is the IMF-fixdate format of HTTP dates (RFC 9110 §5.6.7).
const TimeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"
