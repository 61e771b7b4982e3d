package http1

// The request head parser, in the shape of picohttpparser: bytes in, the
// number consumed out, ErrIncomplete when more bytes are needed. It never
// allocates for the methods ferry knows: every slice it stores points into
// buf.

// ParseHead parses the request line and header fields at the start of buf
// into req and returns the length of the head including its final empty
// line. It returns ErrIncomplete when buf holds no complete head yet and no
// limit has been crossed, and a *ProtocolError for a request to refuse.
func ParseHead(buf []byte, req *Request, lim *Limits) (int, error) {
	req.reset()
	pos, err := skipEmptyLines(buf)
	if err != nil {
		return 0, err
	}
	n, err := parseRequestLine(buf[pos:], req, lim)
	if err != nil {
		return 0, tooLargeIfIncomplete(err, buf, lim)
	}
	pos += n
	for {
		if pos > lim.MaxHeaderBytes {
			return 0, &ProtocolError{Status: StatusRequestHeaderFieldsTooLarge, Reason: "header section too large"}
		}
		line, next, err := nextLine(buf, pos)
		if err != nil {
			return 0, tooLargeIfIncomplete(err, buf, lim)
		}
		if next > lim.MaxHeaderBytes {
			return 0, &ProtocolError{Status: StatusRequestHeaderFieldsTooLarge, Reason: "header section too large"}
		}
		pos = next
		if len(line) == 0 {
			break
		}
		if req.Header.Len() >= lim.MaxHeaderFields {
			return 0, errTooManyFields
		}
		f, err := parseField(line)
		if err != nil {
			return 0, err
		}
		req.Header.fields = append(req.Header.fields, f)
	}
	if err := interpret(req); err != nil {
		return 0, err
	}
	return pos, nil
}

var errTooManyFields = &ProtocolError{Status: StatusRequestHeaderFieldsTooLarge, Reason: "too many header fields"}

// skipEmptyLines returns the position after the empty lines at the start of
// buf. RFC 9112 §2.2: a server SHOULD ignore at least one empty line
// received before the request line; some clients send a CRLF after a POST
// body.
func skipEmptyLines(buf []byte) (int, error) {
	pos := 0
	for pos < len(buf) && (buf[pos] == '\r' || buf[pos] == '\n') {
		if buf[pos] == '\r' && (pos+1 >= len(buf) || buf[pos+1] != '\n') {
			if pos+1 >= len(buf) {
				return 0, ErrIncomplete
			}
			return 0, badRequest("bare CR before request line")
		}
		pos++
	}
	return pos, nil
}

// partialHead checks a head that has not all arrived for what can already
// be refused: a request line that cannot be one (a TLS handshake sent to
// the plain port, a line of junk), a malformed header line, one field too
// many. Without it such a client would wait for the header timeout, holding
// its connection, before hearing 400. It makes the checks ParseHead makes,
// in the same order, so a head is refused with the status ParseHead would
// give it whole. Each header line is looked at once, when it is complete;
// the request line, at most a target's length, while it arrives, each
// time what has arrived of it has doubled, passed the target's limit, or
// ended. So a client trickling a long line a byte at a time costs work in
// proportion to the line, not to its square.
type partialHead struct {
	// checked is how far complete lines were found good, 0 until the
	// request line was; fields counts the header lines among them.
	checked, fields int
	// unended is how far the line after checked is known to hold
	// neither an LF nor a bare CR (see lineEnds), and tried how much had
	// arrived when the request line was last parsed.
	unended, tried int
}

// check looks at buf, the head so far (with no end yet), and returns the
// error to refuse it with, or nil to wait for more; final says no more
// will come, so the request line is parsed whatever has arrived of it.
// The request line goes into req as it is parsed, so that a refusal knows
// the method (a HEAD is answered without a body); ParseHead parses it
// again once the head is whole. The target is not kept: it is a slice of
// the read buffer, whose bytes may move before the head is whole or
// refused.
func (p *partialHead) check(buf []byte, req *Request, lim *Limits, final bool) error {
	if p.checked == 0 {
		// A target past its limit is refused as soon as it is: the
		// parse is due then too.
		pastLimit := len(buf) > lim.MaxTargetBytes && p.tried <= lim.MaxTargetBytes
		if !p.lineEnds(buf) && len(buf) < 2*p.tried && !pastLimit && !final {
			return nil
		}
		p.tried = len(buf)
		pos, err := skipEmptyLines(buf)
		if err != nil {
			return ignoreIncomplete(err)
		}
		n, err := parseRequestLine(buf[pos:], req, lim)
		if err == nil || err == ErrIncomplete {
			req.Target = nil
		}
		if err != nil {
			return ignoreIncomplete(err)
		}
		p.checked, p.unended = pos+n, pos+n
	}
	for p.lineEnds(buf) {
		line, next, err := nextLine(buf, p.checked)
		if err != nil || len(line) == 0 {
			return ignoreIncomplete(err)
		}
		if p.fields >= lim.MaxHeaderFields {
			return errTooManyFields
		}
		if _, err := parseField(line); err != nil {
			return err
		}
		p.checked, p.unended, p.fields = next, next, p.fields+1
	}
	return nil
}

// lineEnds reports whether the line after checked can be judged: it has
// ended in buf, or holds a bare CR, which nextLine refuses before the end.
// It searches only what was not searched before; a CR at the end of buf is
// searched again, since an LF may follow.
func (p *partialHead) lineEnds(buf []byte) bool {
	for i := p.unended; i < len(buf); i++ {
		switch {
		case buf[i] == '\n':
			return true
		case buf[i] == '\r' && i+1 < len(buf) && buf[i+1] != '\n':
			return true
		}
	}
	p.unended = len(buf)
	if len(buf) > 0 && buf[len(buf)-1] == '\r' {
		p.unended--
	}
	return false
}

func ignoreIncomplete(err error) error {
	if err == ErrIncomplete {
		return nil
	}
	return err
}

// tooLargeIfIncomplete turns ErrIncomplete into 431 once buf is longer
// than a whole head may be: more bytes cannot make the head acceptable, and
// a caller that keeps reading would buffer without bound.
func tooLargeIfIncomplete(err error, buf []byte, lim *Limits) error {
	if err == ErrIncomplete && len(buf) > lim.MaxHeaderBytes {
		return &ProtocolError{Status: StatusRequestHeaderFieldsTooLarge, Reason: "header section too large"}
	}
	return err
}

// nextLine returns the line starting at pos without its terminator, and the
// position after the terminator. RFC 9112 §2.2 lets a recipient accept a
// bare LF as a terminator; a bare CR is refused because it is a known
// smuggling vector (one parser sees a line end, another does not).
func nextLine(buf []byte, pos int) (line []byte, next int, err error) {
	for i := pos; i < len(buf); i++ {
		switch buf[i] {
		case '\n':
			end := i
			if end > pos && buf[end-1] == '\r' {
				end--
			}
			return buf[pos:end], i + 1, nil
		case '\r':
			if i+1 < len(buf) && buf[i+1] != '\n' {
				return nil, 0, badRequest("bare CR in request head")
			}
		}
	}
	return nil, 0, ErrIncomplete
}

// maxMethodBytes bounds the method token: the longest registered method
// (UPDATEREDIRECTREF) has 17 letters, and an unknown method is copied into
// a string, so a longer one is answered at once with the 501 RFC 9112 §3
// suggests rather than buffered and copied.
const maxMethodBytes = 32

func parseRequestLine(buf []byte, req *Request, lim *Limits) (int, error) {
	i := 0
	for i < len(buf) && isTokenChar(buf[i]) {
		i++
	}
	if i > maxMethodBytes {
		return 0, &ProtocolError{Status: StatusNotImplemented, Reason: "method too long"}
	}
	if i == len(buf) {
		return 0, ErrIncomplete
	}
	if i == 0 || buf[i] != ' ' {
		return 0, badRequest("malformed method")
	}
	req.Method = internMethod(buf[:i])
	i++
	start := i
	for i < len(buf) && buf[i] > ' ' && buf[i] < 0x7f {
		i++
	}
	if i-start > lim.MaxTargetBytes {
		return 0, &ProtocolError{Status: StatusRequestURITooLong, Reason: "request target too long"}
	}
	if i == len(buf) {
		return 0, ErrIncomplete
	}
	if i == start || buf[i] != ' ' {
		return 0, badRequest("malformed request target")
	}
	req.Target = buf[start:i]
	i++
	line, next, err := nextLine(buf, i)
	if err != nil {
		return 0, err
	}
	if err := parseVersion(line, req); err != nil {
		return 0, err
	}
	if err := splitTarget(req); err != nil {
		return 0, err
	}
	return next, nil
}

// parseVersion accepts HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112
// §2.3). A well-formed version other than 1.x is answered 505.
func parseVersion(v []byte, req *Request) error {
	if len(v) != 8 || string(v[:5]) != "HTTP/" || !isDigit(v[5]) || v[6] != '.' || !isDigit(v[7]) {
		return badRequest("malformed HTTP version")
	}
	if v[5] != '1' {
		return &ProtocolError{Status: StatusHTTPVersionNotSupported, Reason: "unsupported HTTP version"}
	}
	req.ProtoMinor = min(int(v[7]-'0'), 1)
	return nil
}

// splitTarget finds the path and query of the request target in its
// origin-form, absolute-form or asterisk-form (RFC 9112 §3.2).
func splitTarget(req *Request) error {
	t := req.Target
	// RFC 9112 §3.2: no form of request-target has a fragment; a '#'
	// anywhere (path, query or authority) is refused, not split off.
	if indexByte(t, '#') >= 0 {
		return badRequest("fragment in request target")
	}
	switch {
	case req.Method == "CONNECT" && t[0] != '/':
		// Its authority-form target (RFC 9112 §3.2.3) asks for a tunnel,
		// which ferry does not make.
		return &ProtocolError{Status: StatusNotImplemented, Reason: "CONNECT is not implemented"}
	case t[0] == '/':
	case len(t) == 1 && t[0] == '*':
		if req.Method != "OPTIONS" {
			return badRequest("asterisk-form target on a method other than OPTIONS")
		}
		req.Path = t
		return nil
	case hasSchemePrefix(t):
		// The authority ends at the path or the query, whichever comes
		// first ("http://h?q=/x" has path "/" and query "q=/x"). RFC 9112
		// §3.2.2: it, not the Host field, names the host; an empty or
		// malformed one (userinfo included, RFC 9110 §4.2.4) is refused.
		rest := t[indexByte(t, ':')+3:]
		end := 0
		for end < len(rest) && rest[end] != '/' && rest[end] != '?' {
			end++
		}
		if end == 0 || !validHost(rest[:end]) {
			return badRequest("malformed authority in absolute-form target")
		}
		req.Host = rest[:end]
		if end == len(rest) || rest[end] == '?' {
			if end < len(rest) {
				req.Query = rest[end+1:]
			}
			req.Path = rootPath
			return nil
		}
		t = rest[end:]
	default:
		return badRequest("malformed request target")
	}
	if q := indexByte(t, '?'); q >= 0 {
		req.Path, req.Query = t[:q], t[q+1:]
	} else {
		req.Path = t
	}
	return nil
}

var rootPath = []byte("/")

func hasSchemePrefix(t []byte) bool {
	return (len(t) > 7 && EqualFold(t[:7], "http://")) || (len(t) > 8 && EqualFold(t[:8], "https://"))
}

func parseField(line []byte) (Field, error) {
	if line[0] == ' ' || line[0] == '\t' {
		return Field{}, badRequest("obsolete line folding")
	}
	i := 0
	for i < len(line) && isTokenChar(line[i]) {
		i++
	}
	if i == len(line) || line[i] != ':' {
		if i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			return Field{}, badRequest("whitespace before header colon")
		}
		return Field{}, badRequest("malformed header field name")
	}
	if i == 0 {
		return Field{}, badRequest("empty header field name")
	}
	value := TrimOWS(line[i+1:])
	for _, c := range value {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return Field{}, badRequest("control character in header value")
		}
	}
	return Field{Name: line[:i], Value: value}, nil
}

func internMethod(m []byte) string {
	switch string(m) {
	case "GET":
		return "GET"
	case "HEAD":
		return "HEAD"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "DELETE":
		return "DELETE"
	case "OPTIONS":
		return "OPTIONS"
	}
	return string(m)
}

// tokenChars marks tchar of RFC 9110 §5.6.2.
var tokenChars = alnumAnd("!#$%&'*+-.^_`|~")

// alnumAnd is a byte class: ASCII letters and digits, and extra.
func alnumAnd(extra string) [256]bool {
	return charsOf("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" + extra)
}

// charsOf is the byte class of the ASCII characters in s.
func charsOf(s string) (t [256]bool) {
	for i := range len(s) {
		t[s[i]] = true
	}
	return t
}

func isTokenChar(c byte) bool { return tokenChars[c] }

// IsToken reports whether b is a non-empty RFC 9110 token.
func IsToken(b []byte) bool {
	for _, c := range b {
		if !tokenChars[c] {
			return false
		}
	}
	return len(b) > 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func indexByte(b []byte, c byte) int {
	for i := range b {
		if b[i] == c {
			return i
		}
	}
	return -1
}
