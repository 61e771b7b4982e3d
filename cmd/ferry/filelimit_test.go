//go:build unix

package main

import (
	"bufio"
	"io"
	"os/exec"
	"strings"
	"testing"

	"ferry/internal/servertest"
)

// TestConnsWithinFileLimit runs ferry under an open-file limit of 48 with
// a --max-conns far above what that allows: the bound is lowered to 32
// (one descriptor a connection, 16 kept for the server), which stderr says
// after the start line, so that more idle keep-alive clients than the
// limit could hold are all served, the idlest closed to make room, instead
// of accept failing for lack of descriptors while idle clients hold them.
func TestConnsWithinFileLimit(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to set the limit with")
	}
	cmd := exec.Command(sh, "-c", `ulimit -n 48 && exec "$0" "$@"`, binary,
		"--port", "0", "--directory", t.TempDir(), "--quiet", "--max-conns", "1000")
	p := startCmd(t, nil, cmd)
	lines := strings.Split(strings.TrimSpace(p.stderr.String()), "\n")
	if !startLine.MatchString(lines[0] + "\n") {
		t.Errorf("the first line on stderr is not the start line: %q", lines)
	}
	for i := range 60 {
		c := servertest.Dial(t, p.addr)
		if _, err := io.WriteString(c, "GET /echo/x HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		if resp, err := servertest.ReadResponse(bufio.NewReader(c), "GET"); err != nil || resp.Status != 200 {
			t.Fatalf("client %d: %v %v", i, resp, err)
		}
	}
	stderr := p.stderr.String()
	if !strings.Contains(stderr, "at most 32 connections at once, not 1000") {
		t.Errorf("stderr does not say the bound was lowered: %q", stderr)
	}
	if strings.Contains(stderr, "too many open files") {
		t.Errorf("accept ran out of descriptors: %q", stderr)
	}
}
