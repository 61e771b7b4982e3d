package fileserver

import (
	"strings"
	"time"

	"ferry/internal/http1"
)

// preconditionState is what the conditional request fields are evaluated
// against: the target's current state, before the request acts on it.
type preconditionState struct {
	// exists reports that the target has a current representation.
	exists bool
	// etag is the current entity tag (etagOf), "" when none.
	etag string
	// modTime is the current modification time; zero when none.
	modTime time.Time
}

// checkPreconditions evaluates If-Match, If-Unmodified-Since, If-None-Match
// and If-Modified-Since in the order of RFC 9110 §13.2.2, for reads and
// writes alike. It returns 0 when the request may go on, else the status to
// answer with: 412 Precondition Failed, or 304 Not Modified for a GET or
// HEAD whose cached copy is current. If-Range is not evaluated here: it only
// decides whether a Range is honoured, so the range code checks it
// (checkIfRange).
func checkPreconditions(r *http1.Request, st preconditionState) (status int) {
	safe := r.Method == "GET" || r.Method == "HEAD"
	if r.Header.Has("If-Match") {
		if !checkIfMatch(r, st) {
			return http1.StatusPreconditionFailed
		}
	} else if t, ok := headerDate(r, "If-Unmodified-Since"); ok && hasModTime(st) {
		if modifiedSince(st, t) {
			return http1.StatusPreconditionFailed
		}
	}
	if r.Header.Has("If-None-Match") {
		if !checkIfNoneMatch(r, st) {
			if safe {
				return http1.StatusNotModified
			}
			return http1.StatusPreconditionFailed
		}
	} else if safe {
		if t, ok := headerDate(r, "If-Modified-Since"); ok && hasModTime(st) {
			if !modifiedSince(st, t) {
				return http1.StatusNotModified
			}
		}
	}
	return 0
}

// checkIfMatch is true when "*" is sent and the target exists, or when one
// of the listed tags strongly matches the current one (RFC 9110 §13.1.1).
func checkIfMatch(r *http1.Request, st preconditionState) bool {
	for v := range r.Header.Values("If-Match") {
		for e := range http1.ListElements(v) {
			if string(e) == "*" {
				if st.exists {
					return true
				}
				continue
			}
			if st.exists && etagStrongMatch(string(e), st.etag) {
				return true
			}
		}
	}
	return false
}

// checkIfNoneMatch is false when "*" is sent and the target exists, or when
// one of the listed tags weakly matches the current one (RFC 9110 §13.1.2).
func checkIfNoneMatch(r *http1.Request, st preconditionState) bool {
	if !st.exists {
		return true
	}
	for v := range r.Header.Values("If-None-Match") {
		for e := range http1.ListElements(v) {
			if string(e) == "*" || etagWeakMatch(string(e), st.etag) {
				return false
			}
		}
	}
	return true
}

// modifiedSince reports whether the target changed after the date t, to
// the second that HTTP dates carry. A modification time in the future is no
// validator: the file can be replaced by another with a time that is
// earlier still, or the same, and the Last-Modified it was served with was
// a stand-in (lastModifiedValue). So such a target counts as modified since
// any date: If-Modified-Since never gets a stale 304 for it, and
// If-Unmodified-Since fails (If-Match with its strong ETag still works).
func modifiedSince(st preconditionState, t time.Time) bool {
	if laterSecond(st.modTime, http1.Now()) {
		return true
	}
	return st.modTime.Truncate(time.Second).After(t)
}

// hasModTime reports whether the target has a modification date that the
// date conditions can be compared with; without one they are ignored. Any
// time a file has counts, 1970 and before included (the Nix store dates
// every file 1970-01-01 00:00:01): it is sent as Last-Modified.
func hasModTime(st preconditionState) bool {
	return st.exists && !st.modTime.IsZero()
}

// headerDate parses the single HTTP-date in the field name. A missing field,
// one sent twice, or one that is not a date reports ok false: RFC 9110
// §13.1.3 and §13.1.4 say to ignore such a field.
func headerDate(r *http1.Request, name string) (t time.Time, ok bool) {
	v, ok := singleField(r, name)
	if !ok {
		return time.Time{}, false
	}
	return parseHTTPDate(v)
}

// checkIfRange reports whether a Range may be honoured (RFC 9110 §13.1.5):
// yes without If-Range; with it, only when its entity tag strongly matches
// the current one, or its date is exactly the current Last-Modified and a
// strong validator (see strongDateAge). When it fails the whole file is
// sent, which is what the client asked for: its partial copy may be stale.
func checkIfRange(r *http1.Request, st preconditionState) bool {
	if !r.Header.Has("If-Range") {
		return true
	}
	v, ok := singleField(r, "If-Range")
	if !ok || !st.exists {
		return false
	}
	if strings.HasPrefix(v, "\"") || strings.HasPrefix(v, "W/") {
		return etagStrongMatch(v, st.etag)
	}
	// A modification time in the future was never sent as Last-Modified
	// (lastModifiedValue), so no date stands for it.
	t, ok := parseHTTPDate(v)
	if !ok || !hasModTime(st) {
		return false
	}
	lastModified := st.modTime.Truncate(time.Second)
	return t.Equal(lastModified) && !http1.Now().Before(lastModified.Add(strongDateAge))
}

// strongDateAge is how long after the second a Last-Modified names a date
// in If-Range can be a strong validator. A date names a whole second, in
// which a file can change twice, so RFC 9110 §8.8.2.2 lets a client present
// one only from a response whose Date is at least a second later (ferry
// dates both on one clock). A response carrying the current Last-Modified
// was sent after the file last changed, so while that second lasts no such
// response can exist and the date presented is weak: honouring it could
// splice a range of the new content onto a copy of the old.
const strongDateAge = time.Second

// httpDateFormats are the forms of HTTP-date a recipient must accept (RFC
// 9110 §5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime forms.
var httpDateFormats = [...]string{
	http1.TimeFormat,
	"Monday, 02-Jan-06 15:04:05 GMT",
	"Mon Jan _2 15:04:05 2006",
}

func parseHTTPDate(s string) (time.Time, bool) {
	for _, layout := range httpDateFormats {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
