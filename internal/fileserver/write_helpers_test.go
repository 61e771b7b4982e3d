package fileserver

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ferry/internal/servertest"
)

// startFiles serves a fresh folder through the real connection loop and
// returns the listener's address and the folder.
func startFiles(t *testing.T, opts Options) (addr, dir string) {
	t.Helper()
	dir = t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return servertest.Start(t, New(root, opts)), dir
}

// request is a raw HTTP/1.1 request with a Content-Length body.
func request(method, target, body string, fields ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: ferry.test\r\n", method, target)
	for _, f := range fields {
		b.WriteString(f + "\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return b.String()
}

// chunkedRequest is a raw HTTP/1.1 request whose body is sent as the given
// chunks, then a last chunk carrying one trailer field.
func chunkedRequest(method, target string, chunks ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: ferry.test\r\nTransfer-Encoding: chunked\r\n\r\n", method, target)
	for _, c := range chunks {
		fmt.Fprintf(&b, "%x\r\n%s\r\n", len(c), c)
	}
	b.WriteString("0\r\nX-Trailer: yes\r\n\r\n")
	return b.String()
}

// roundTrip sends raw on its own connection and reads the response.
func roundTrip(t *testing.T, addr, raw string) *servertest.Response {
	t.Helper()
	return servertest.Do(t, addr, raw)
}

// writeFile puts content at name under dir, creating folders.
func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// wantFile fails unless name under dir holds exactly content.
func wantFile(t *testing.T, dir, name, content string) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if string(got) != content {
		t.Errorf("%s holds %q, want %q", name, trim(string(got)), trim(content))
	}
}

// wantAbsent fails if name exists under dir.
func wantAbsent(t *testing.T, dir, name string) {
	t.Helper()
	if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name))); !os.IsNotExist(err) {
		t.Errorf("%s: want it absent, Lstat says %v", name, err)
	}
}

func trim(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// tempFiles lists the upload temporary files anywhere under dir. The
// server may be removing files and folders meanwhile: what vanishes during
// the walk is skipped.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p != dir {
			return nil
		}
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), uploadTempPrefix) {
			found = append(found, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// wantNoTemp fails if an upload left a temporary file under dir.
func wantNoTemp(t *testing.T, dir string) {
	t.Helper()
	if found := tempFiles(t, dir); len(found) > 0 {
		t.Errorf("temporary files left behind: %q", found)
	}
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline. It is for effects of a connection the test has closed, which
// no response can announce.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(servertest.Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// etagOnDisk is the ETag the file name under dir has now.
func etagOnDisk(t *testing.T, dir, name string) string {
	t.Helper()
	fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return etagOf(fi)
}

// readResponse reads one response off a connection the test keeps using.
func readResponse(t *testing.T, br *bufio.Reader, method string) *servertest.Response {
	t.Helper()
	resp, err := servertest.ReadResponse(br, method)
	if err != nil {
		t.Fatalf("reading the response to %s: %v", method, err)
	}
	return resp
}

// send writes raw to c.
func send(t *testing.T, c net.Conn, raw string) {
	t.Helper()
	if _, err := c.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
}
