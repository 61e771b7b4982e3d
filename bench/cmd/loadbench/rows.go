package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

type rowKind int

const (
	wrkRow      rowKind = iota // wrk against a URL: requests/s and p99
	downloadRow                // one big download with curl: MB/s
	idleRow                    // RSS growth while holding idle keep-alive connections
)

// row is one line of the result table: a load shape run against the
// subject and a baseline alike.
type row struct {
	id      string
	label   string
	kind    rowKind
	method  string
	path    string
	conns   int
	headers []string
	script  string // wrk Lua script (see scripts), "" for a plain GET
	// transfer measures MB/s rather than requests/s: a few 100 MiB
	// responses per run make a coarse count, bytes moved a fine one.
	transfer bool
	file     *fixture // the test file the row needs, if any
	expect   expectation
	vs       string // the baseline the issue sets the target against
	nginxOK  bool   // nginx serves this path too (it has "/" and /files/ only)
	short    bool   // part of the -short selection
}

// expectation is what one response must look like before a row is
// measured, so a server answering 404 fast never wins a row.
type expectation struct {
	status int
	body   string // exact body, when set
	size   int64  // decoded body length, when >= 0
	gzip   bool   // Content-Encoding: gzip required
	ctype  string // Content-Type prefix, when set
}

const postBody = 1 * kib

func allRows() []*row {
	var rows []*row
	for _, c := range []int{1, 50, 256} {
		rows = append(rows, &row{
			id: fmt.Sprintf("root-c%d", c), label: fmt.Sprintf("GET / keep-alive, %d conn", c),
			kind: wrkRow, method: "GET", path: "/", conns: c, vs: kindFastHTTP, nginxOK: true,
			expect: expectation{status: 200, size: -1, ctype: "text/html"}, short: c == 50,
		})
	}
	echo := expectation{status: 200, body: "hello", size: 5, ctype: "text/plain"}
	for _, c := range []int{1, 50, 256} {
		rows = append(rows, &row{
			id: fmt.Sprintf("echo-c%d", c), label: fmt.Sprintf("GET /echo/hello keep-alive, %d conn", c),
			kind: wrkRow, method: "GET", path: "/echo/hello", conns: c, vs: kindFastHTTP,
			expect: echo, short: c == 50,
		})
	}
	rows = append(rows,
		&row{id: "echo-pipeline16", label: "GET /echo/hello pipelined 16 deep, 50 conn",
			kind: wrkRow, method: "GET", path: "/echo/hello", conns: 50, script: "pipeline16.lua",
			vs: kindFastHTTP, expect: echo, short: true},
		&row{id: "echo-close", label: "GET /echo/hello Connection: close, 50 conn",
			kind: wrkRow, method: "GET", path: "/echo/hello", conns: 50, headers: []string{"Connection: close"},
			vs: kindFastHTTP, expect: echo, short: true},
	)
	for _, f := range []struct {
		fx    *fixture
		conns int
		short bool
	}{{&fileEmpty, 50, false}, {&file1K, 50, true}, {&file64K, 50, false}, {&file1M, 50, true}, {&file100M, 4, false}} {
		r := &row{
			id:    "files-" + sizeName(f.fx.size),
			label: fmt.Sprintf("GET /files/ %s, %d conn", sizeName(f.fx.size), f.conns),
			kind:  wrkRow, method: "GET", path: "/files/" + f.fx.name, conns: f.conns, file: f.fx,
			vs: kindNginx, nginxOK: true, expect: expectation{status: 200, size: f.fx.size}, short: f.short,
			transfer: f.fx.size >= 100*mib,
		}
		if r.transfer {
			r.label += " (MB/s)"
		}
		rows = append(rows, r)
	}
	rows = append(rows,
		&row{id: "gzip-text64KiB", label: "GET /files/ 64 KiB text, gzip, 50 conn",
			kind: wrkRow, method: "GET", path: "/files/" + fileText.name, conns: 50, file: &fileText,
			headers: []string{"Accept-Encoding: gzip"}, vs: kindFastHTTP,
			expect: expectation{status: 200, size: fileText.size, gzip: true}, short: true},
		&row{id: "post-1KiB", label: "POST /files/ 1 KiB, 50 conn",
			kind: wrkRow, method: "POST", path: "/files/uploads/post.bin", conns: 50, script: "post1k.lua",
			vs: kindFastHTTP, expect: expectation{status: 201, size: -1}, short: true},
		&row{id: "download-1GiB", label: "GET /files/ 1 GiB, one download at a time (MB/s)",
			kind: downloadRow, method: "GET", path: "/files/" + file1G.name, conns: 1, file: &file1G,
			vs: kindNginx, nginxOK: true, expect: expectation{status: 200, size: file1G.size}},
		&row{id: "idle-10k", label: "idle keep-alive conns, RSS KiB/conn",
			kind: idleRow, method: "GET", path: "/", vs: kindFastHTTP, nginxOK: true,
			expect: expectation{status: 200, size: -1}, short: true},
	)
	return rows
}

func sizeName(n int64) string {
	switch {
	case n >= gib:
		return fmt.Sprintf("%dGiB", n/gib)
	case n >= mib:
		return fmt.Sprintf("%dMiB", n/mib)
	case n >= kib:
		return fmt.Sprintf("%dKiB", n/kib)
	}
	return fmt.Sprintf("%dB", n)
}

// supports says whether a server kind serves everything the row asks.
func (r *row) supports(kind string) bool {
	return kind != kindNginx || r.nginxOK
}

// selectRows applies -rows (matched against id and label) or, without it,
// the -short subset.
func selectRows(pattern string, short bool) ([]*row, error) {
	var re *regexp.Regexp
	if pattern != "" {
		var err error
		if re, err = regexp.Compile(pattern); err != nil {
			return nil, fmt.Errorf("-rows: %w", err)
		}
	}
	var out []*row
	for _, r := range allRows() {
		switch {
		case re != nil && !re.MatchString(r.id) && !re.MatchString(r.label):
		case re == nil && short && !r.short:
		default:
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no row matches -rows %q", pattern)
	}
	return out, nil
}

// baselinesFor lists the baselines a row is compared against: its own
// target baseline by default, or those named by -vs that can serve it.
func baselinesFor(r *row, vs, subject string) []string {
	var names []string
	switch vs {
	case "":
		names = []string{r.vs}
	case "all":
		names = allKinds
	default:
		names = strings.Split(vs, ",")
	}
	var out []string
	for _, n := range names {
		if n != subject && r.supports(n) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
