// Package compress chooses a content coding from Accept-Encoding and
// compresses responses on the fly, keeping the compressed form of unchanged
// files so that serving them again costs no compression.
package compress

import "ferry/internal/http1"

// Coding is a content coding ferry can send (RFC 9110 §8.4.1).
type Coding uint8

// The codings ferry sends. Identity is no coding at all.
const (
	Identity Coding = iota
	Gzip
)

// String is the coding's name as written in Content-Encoding.
func (c Coding) String() string {
	if c == Gzip {
		return "gzip"
	}
	return "identity"
}

// qMax is the weight 1 in thousandths: q-values have at most three decimals
// (RFC 9110 §12.4.2), so thousandths keep them exact in an integer.
const qMax = 1000

// unlisted marks a coding the client did not name.
const unlisted = -1

// prefs are the weights, in thousandths, an Accept-Encoding list gives the
// codings ferry cares about; any other coding is ignored.
type prefs struct {
	gzip, identity, star int16
}

// Negotiate picks the coding to send for a request's Accept-Encoding fields
// (RFC 9110 §12.5.3): the acceptable coding ferry offers with the highest
// weight, gzip on ties, identity when none is acceptable or identity is
// explicitly preferred. ok is false when the client refused identity as
// well as every coding ferry offers; RFC 9110 lets a server answer 406 then
// or send identity anyway, and ferry's middleware sends identity.
//
// A request without Accept-Encoding gets identity: the RFC would allow any
// coding, but clients that say nothing (scripts, old tools) expect none.
func Negotiate(h *http1.Header) (c Coding, ok bool) {
	p := prefs{gzip: unlisted, identity: unlisted, star: unlisted}
	for v := range h.Values("Accept-Encoding") {
		p.parse(v)
	}
	return p.choose()
}

// parse records the weights of one Accept-Encoding field value. A coding
// named twice keeps its lowest weight, so that a refusal anywhere in the
// list stands. Elements that do not follow the grammar (a bad token, a bad
// or repeated q, any other parameter) are ignored, as if absent.
func (p *prefs) parse(v []byte) {
	for len(v) > 0 {
		elem := v
		if i := indexByte(v, ','); i >= 0 {
			elem, v = v[:i], v[i+1:]
		} else {
			v = nil
		}
		name, q, ok := parseElement(elem)
		if !ok {
			continue
		}
		switch {
		case http1.EqualFold(name, "gzip"), http1.EqualFold(name, "x-gzip"):
			// RFC 9110 §8.4.1.3: x-gzip is gzip.
			p.gzip = lowest(p.gzip, q)
		case http1.EqualFold(name, "identity"):
			p.identity = lowest(p.identity, q)
		case len(name) == 1 && name[0] == '*':
			p.star = lowest(p.star, q)
		}
	}
}

// choose applies the weights. A coding not named takes the weight of "*".
// Identity not named is acceptable unless "*;q=0" says otherwise, and it
// only wins over a coding when the client named it with a higher weight:
// "gzip;q=0.5" alone still means "gzip, please".
func (p prefs) choose() (Coding, bool) {
	gz := p.gzip
	if gz == unlisted {
		gz = max(p.star, 0)
	}
	identityOK := p.identity > 0 || p.identity == unlisted && p.star != 0
	if gz > 0 && gz >= p.identity {
		return Gzip, true
	}
	return Identity, identityOK
}

func lowest(old, q int16) int16 {
	if old == unlisted {
		return q
	}
	return min(old, q)
}

// parseElement splits one list element, "coding *( OWS ; OWS q=qvalue )",
// into its coding and weight (qMax when absent).
func parseElement(e []byte) (name []byte, q int16, ok bool) {
	e = http1.TrimOWS(e)
	n := 0
	for n < len(e) && isTokenChar(e[n]) {
		n++
	}
	if n == 0 {
		return nil, 0, false
	}
	name, e = e[:n], http1.TrimOWS(e[n:])
	q = qMax
	seenQ := false
	for len(e) > 0 {
		if e[0] != ';' {
			return nil, 0, false
		}
		param := e[1:]
		end := indexByte(param, ';')
		if end < 0 {
			end = len(param)
		}
		param, e = http1.TrimOWS(param[:end]), param[end:]
		if seenQ || len(param) < 2 || lower(param[0]) != 'q' || param[1] != '=' {
			return nil, 0, false
		}
		if q, ok = parseQ(param[2:]); !ok {
			return nil, 0, false
		}
		seenQ = true
	}
	return name, q, true
}

// parseQ parses a qvalue, "0" [ "." 0*3DIGIT ] / "1" [ "." 0*3("0") ]
// (RFC 9110 §12.4.2), into thousandths.
func parseQ(b []byte) (int16, bool) {
	if len(b) == 0 || len(b) > 5 || b[0] != '0' && b[0] != '1' {
		return 0, false
	}
	q := int16(b[0]-'0') * qMax
	if len(b) == 1 {
		return q, true
	}
	if b[1] != '.' {
		return 0, false
	}
	scale := int16(100)
	for _, c := range b[2:] {
		if c < '0' || c > '9' {
			return 0, false
		}
		q += int16(c-'0') * scale
		scale /= 10
	}
	return q, q <= qMax
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// isTokenChar reports whether c is a tchar (RFC 9110 §5.6.2).
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}
