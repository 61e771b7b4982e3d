package compress

import (
	"strconv"
	"strings"
	"testing"

	"ferry/internal/http1"
)

// parseRequest parses a GET with the given extra header lines.
func parseRequest(t testing.TB, fields ...string) *http1.Request {
	t.Helper()
	raw := "GET /files/a.txt HTTP/1.1\r\nHost: x\r\n" + strings.Join(fields, "") + "\r\n"
	req := new(http1.Request)
	if _, err := http1.ParseHead([]byte(raw), req, &http1.DefaultLimits); err != nil {
		t.Fatalf("ParseHead(%q): %v", raw, err)
	}
	return req
}

func ae(v string) string { return "Accept-Encoding: " + v + "\r\n" }

var negotiateTests = []struct {
	name   string
	fields []string
	want   Coding
	ok     bool
}{
	{"absent", nil, Identity, true},
	{"empty", []string{ae("")}, Identity, true},
	{"gzip", []string{ae("gzip")}, Gzip, true},
	{"curl_compressed", []string{ae("deflate, gzip, br, zstd")}, Gzip, true},
	{"browser", []string{ae("gzip, deflate, br, zstd")}, Gzip, true},
	{"upper_case", []string{ae("GZIP")}, Gzip, true},
	{"x_gzip", []string{ae("x-gzip")}, Gzip, true},
	{"star", []string{ae("*")}, Gzip, true},
	{"gzip_q0", []string{ae("gzip;q=0")}, Identity, true},
	{"gzip_q0_star", []string{ae("gzip;q=0, *")}, Identity, true},
	{"star_q0_identity", []string{ae("*;q=0, identity")}, Identity, true},
	{"gzip_q_half", []string{ae("gzip;q=0.5")}, Gzip, true},
	{"gzip_q_space", []string{ae("gzip ; q=0.5")}, Gzip, true},
	{"gzip_Q_upper", []string{ae("gzip;Q=1")}, Gzip, true},
	{"gzip_q1_000", []string{ae("gzip;q=1.000")}, Gzip, true},
	{"gzip_q0_dot", []string{ae("gzip;q=0.")}, Identity, true},
	{"gzip_q0_001", []string{ae("gzip;q=0.001")}, Gzip, true},
	{"identity_preferred", []string{ae("gzip;q=0.5, identity;q=1")}, Identity, true},
	{"identity_tie", []string{ae("gzip, identity")}, Gzip, true},
	{"identity_lower", []string{ae("identity;q=0.1, gzip")}, Gzip, true},
	{"identity_refused", []string{ae("identity;q=0")}, Identity, false},
	{"all_refused", []string{ae("identity;q=0, *;q=0")}, Identity, false},
	{"star_refused", []string{ae("*;q=0")}, Identity, false},
	{"star_refused_gzip_ok", []string{ae("*;q=0, gzip")}, Gzip, true},
	{"identity_refused_gzip", []string{ae("identity;q=0, gzip")}, Gzip, true},
	{"invalid_encoding", []string{ae("invalid-encoding")}, Identity, true},
	{"invalid_then_gzip", []string{ae("invalid-encoding, gzip")}, Gzip, true},
	{"br_only", []string{ae("br")}, Identity, true},
	{"bad_q_ignored", []string{ae("gzip;q=2")}, Identity, true},
	{"bad_q_letters", []string{ae("gzip;q=high")}, Identity, true},
	{"bad_q_too_precise", []string{ae("gzip;q=0.0001")}, Identity, true},
	{"bad_q_one_point_five", []string{ae("gzip;q=1.5")}, Identity, true},
	{"bad_q_refusal_ignored", []string{ae("gzip, gzip;q=x")}, Gzip, true},
	{"other_param_ignored", []string{ae("gzip;level=9")}, Identity, true},
	{"two_q_ignored", []string{ae("gzip;q=1;q=0")}, Identity, true},
	{"empty_elements", []string{ae(",, gzip ,,")}, Gzip, true},
	{"refusal_wins", []string{ae("gzip, gzip;q=0")}, Identity, true},
	{"two_fields", []string{ae("br"), ae("gzip")}, Gzip, true},
	{"two_fields_refusal", []string{ae("gzip"), ae("gzip;q=0")}, Identity, true},
	{"two_fields_identity_refused", []string{ae("br"), ae("identity;q=0")}, Identity, false},
	{"junk", []string{ae(";;;q=1")}, Identity, true},
	{"quoted", []string{ae(`"gzip"`)}, Identity, true},
}

func TestNegotiate(t *testing.T) {
	for _, tt := range negotiateTests {
		t.Run(tt.name, func(t *testing.T) {
			req := parseRequest(t, tt.fields...)
			got, ok := Negotiate(&req.Header)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Negotiate(%q) = %v, %v; want %v, %v", tt.fields, got, ok, tt.want, tt.ok)
			}
			if rgot, rok := referenceNegotiate(values(req)); rgot != got || rok != ok {
				t.Errorf("reference(%q) = %v, %v; Negotiate = %v, %v", tt.fields, rgot, rok, got, ok)
			}
		})
	}
}

func TestNegotiateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, v := range []string{"gzip, deflate, br", "gzip, deflate, br, zstd", "gzip;q=1.0, identity; q=0.5, *;q=0"} {
		req := parseRequest(t, ae(v))
		if n := testing.AllocsPerRun(100, func() { Negotiate(&req.Header) }); n != 0 {
			t.Errorf("Negotiate(%q): %v allocations, want 0", v, n)
		}
	}
}

func values(req *http1.Request) []string {
	var vs []string
	for v := range req.Header.Values("Accept-Encoding") {
		vs = append(vs, string(v))
	}
	return vs
}

// referenceNegotiate is a second, plainly written reading of RFC 9110
// §12.5.3 that the fuzz target checks Negotiate against.
func referenceNegotiate(fields []string) (Coding, bool) {
	weights := map[string]int{}
	for _, f := range fields {
		for _, elem := range strings.Split(f, ",") {
			parts := strings.Split(elem, ";")
			name := strings.ToLower(strings.Trim(parts[0], " \t"))
			if name == "" || strings.IndexFunc(name, func(r rune) bool { return r > 127 || !isTokenChar(byte(r)) }) >= 0 {
				continue
			}
			q := 1000
			if len(parts) > 2 {
				continue
			}
			if len(parts) == 2 {
				p := strings.Trim(parts[1], " \t")
				if len(p) < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=' {
					continue
				}
				var ok bool
				if q, ok = referenceQ(p[2:]); !ok {
					continue
				}
			}
			if name == "x-gzip" {
				name = "gzip"
			}
			if old, seen := weights[name]; !seen || q < old {
				weights[name] = q
			}
		}
	}
	star, starSeen := weights["*"]
	gz, gzSeen := weights["gzip"]
	if !gzSeen && starSeen {
		gz = star
	}
	id, idSeen := weights["identity"]
	identityOK := idSeen && id > 0 || !idSeen && (!starSeen || star > 0)
	if gz > 0 && (!idSeen || gz >= id) {
		return Gzip, true
	}
	return Identity, identityOK
}

func referenceQ(s string) (int, bool) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole != "0" && whole != "1" || len(frac) > 3 || !dot && s != whole {
		return 0, false
	}
	for len(frac) < 3 {
		frac += "0"
	}
	f, err := strconv.Atoi(frac)
	if err != nil || strings.ContainsAny(frac, "+-") {
		return 0, false
	}
	q := 1000*int(whole[0]-'0') + f
	return q, q <= 1000
}

func FuzzNegotiate(f *testing.F) {
	for _, tt := range negotiateTests {
		if len(tt.fields) == 1 {
			f.Add(strings.TrimSuffix(strings.TrimPrefix(tt.fields[0], "Accept-Encoding: "), "\r\n"))
		}
	}
	f.Fuzz(func(t *testing.T, v string) {
		if strings.ContainsAny(v, "\r\n\x00") {
			return
		}
		req := new(http1.Request)
		raw := "GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: " + v + "\r\n\r\n"
		if _, err := http1.ParseHead([]byte(raw), req, &http1.DefaultLimits); err != nil {
			return
		}
		got, ok := Negotiate(&req.Header)
		if !ok && got != Identity {
			t.Fatalf("Negotiate(%q) = %v, false: a refusal must come with identity", v, got)
		}
		if want, wantOK := referenceNegotiate(values(req)); got != want || ok != wantOK {
			t.Fatalf("Negotiate(%q) = %v, %v; reference says %v, %v", v, got, ok, want, wantOK)
		}
	})
}
