package fileserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"ferry/internal/http1"
	"ferry/internal/servertest"
)

// heldUpload is a PUT whose head the server has taken and whose body the
// test still holds back.
type heldUpload struct {
	c    net.Conn
	br   *bufio.Reader
	body string
}

// startUpload sends the head of a PUT of body to target with "Expect:
// 100-continue" and waits for "100 Continue". The server sends it at the
// first read of the body, after every check it makes on the head alone, so
// once it has arrived the request has passed the early precondition check:
// no sleep is needed to know that.
func startUpload(t *testing.T, addr, target, body string, fields ...string) *heldUpload {
	t.Helper()
	c := servertest.Dial(t, addr)
	send(t, c, fmt.Sprintf("PUT %s HTTP/1.1\r\nHost: ferry.test\r\nExpect: 100-continue\r\n%sContent-Length: %d\r\n\r\n",
		target, fieldLines(fields), len(body)))
	br := bufio.NewReader(c)
	servertest.ReadContinue(t, br)
	return &heldUpload{c: c, br: br, body: body}
}

// finish sends the held body and reads the response.
func (u *heldUpload) finish(t *testing.T) *servertest.Response {
	t.Helper()
	send(t, u.c, u.body)
	return readResponse(t, u.br, "PUT")
}

// wantStatus fails unless resp has the status and, for an error, the
// plain body naming it.
func wantStatus(t *testing.T, what string, resp *servertest.Response, status int) {
	t.Helper()
	if resp.Status != status {
		t.Fatalf("%s: status %d, want %d", what, resp.Status, status)
	}
	if status >= 400 {
		if want := fmt.Sprintf("%d %s\n", status, statusWord(status)); string(resp.Body) != want {
			t.Errorf("%s: body %q, want %q", what, resp.Body, want)
		}
	}
}

// TestCommitIfMatchRace is the lost update If-Match exists to prevent, with
// both uploads under way at once: both pass the check on their heads, the
// first to finish replaces the file, and the second, whose tag is stale by
// the time its body is complete, gets 412 instead of overwriting it. The
// bodies have the same size, so only the modification time tells the
// versions apart.
func TestCommitIfMatchRace(t *testing.T) {
	addr, dir := startFiles(t, Options{})
	writeFile(t, dir, "doc", "original")
	tag := etagOnDisk(t, dir, "doc")
	a := startUpload(t, addr, "/files/doc", "update A", "If-Match: "+tag)
	b := startUpload(t, addr, "/files/doc", "update B", "If-Match: "+tag)
	ra := a.finish(t)
	wantStatus(t, "first update", ra, 204)
	rb := b.finish(t)
	wantStatus(t, "second update with the same tag", rb, 412)
	if rb.Get("Connection") == "close" {
		t.Errorf("the 412 closes the connection, though the body was read whole")
	}
	wantFile(t, dir, "doc", "update A")
	wantNoTemp(t, dir)
	// The refused upload's connection still serves, and sees A's version.
	send(t, b.c, "GET /files/doc HTTP/1.1\r\nHost: ferry.test\r\n\r\n")
	get := readResponse(t, b.br, "GET")
	if get.Status != 200 || string(get.Body) != "update A" || get.Get("ETag") != ra.Get("ETag") {
		t.Errorf("GET after: %d %q ETag %s, want 200 %q ETag %s", get.Status, get.Body, get.Get("ETag"), "update A", ra.Get("ETag"))
	}
}

// TestCommitIfNoneMatchRace: two creators with "If-None-Match: *" under
// way at once; the first creates the file (and the folders above it), the
// second finds it there when its body is complete and gets 412.
func TestCommitIfNoneMatchRace(t *testing.T) {
	addr, dir := startFiles(t, Options{})
	a := startUpload(t, addr, "/files/new/sub/f", "from A", "If-None-Match: *")
	b := startUpload(t, addr, "/files/new/sub/f", "from B", "If-None-Match: *")
	ra := a.finish(t)
	wantStatus(t, "first create", ra, 201)
	if ra.Get("Location") != "/files/new/sub/f" {
		t.Errorf("Location %q", ra.Get("Location"))
	}
	wantStatus(t, "second create", b.finish(t), 412)
	wantFile(t, dir, "new/sub/f", "from A")
	wantNoTemp(t, dir)
}

// TestCommitDecidesStatus checks that the outcome is decided when the file
// is renamed into place, not when the head arrived: of two plain PUTs of a
// new name, the first creates it (201) and the second replaces it (204);
// and preconditions that held on the head but no longer do when the body
// is complete (the file deleted meanwhile, or replaced since the date)
// give 412 and leave the target as the other request left it.
func TestCommitDecidesStatus(t *testing.T) {
	t.Run("create_then_replace", func(t *testing.T) {
		addr, dir := startFiles(t, Options{})
		a := startUpload(t, addr, "/files/f", "first")
		b := startUpload(t, addr, "/files/f", "second")
		wantStatus(t, "first", a.finish(t), 201)
		wantStatus(t, "second", b.finish(t), 204)
		wantFile(t, dir, "f", "second")
	})
	t.Run("if_match_after_delete", func(t *testing.T) {
		addr, dir := startFiles(t, Options{})
		writeFile(t, dir, "f", "v1")
		tag := etagOnDisk(t, dir, "f")
		a := startUpload(t, addr, "/files/f", "v2", "If-Match: "+tag)
		del := roundTrip(t, addr, request("DELETE", "/files/f", "", "If-Match: "+tag))
		wantStatus(t, "delete", del, 204)
		wantStatus(t, "update of the deleted file", a.finish(t), 412)
		wantAbsent(t, dir, "f")
		wantNoTemp(t, dir)
	})
	t.Run("if_unmodified_since_after_replace", func(t *testing.T) {
		addr, dir := startFiles(t, Options{})
		writeFile(t, dir, "f", "v1")
		hourAgo := time.Now().Add(-time.Hour)
		if err := os.Chtimes(filepath.Join(dir, "f"), hourAgo, hourAgo); err != nil {
			t.Fatal(err)
		}
		since := "If-Unmodified-Since: " + hourAgo.UTC().Format(http1.TimeFormat)
		a := startUpload(t, addr, "/files/f", "from A", since)
		wantStatus(t, "plain replace", roundTrip(t, addr, request("PUT", "/files/f", "other")), 204)
		wantStatus(t, "update since replaced", a.finish(t), 412)
		wantFile(t, dir, "f", "other")
		wantNoTemp(t, dir)
	})
}

// TestCommitManyCreators sends several "If-None-Match: *" uploads of one
// name, all past the check on their heads, and then their bodies at once:
// exactly one creates the file, every other gets 412, and the file holds
// the winner's body.
func TestCommitManyCreators(t *testing.T) {
	const n = 8
	addr, dir := startFiles(t, Options{})
	uploads := make([]*heldUpload, n)
	for i := range uploads {
		uploads[i] = startUpload(t, addr, "/files/f", fmt.Sprintf("client %02d", i), "If-None-Match: *")
	}
	statuses := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, u := range uploads {
		wg.Go(func() {
			if _, err := io.WriteString(u.c, u.body); err != nil {
				errs[i] = err
				return
			}
			resp, err := servertest.ReadResponse(u.br, "PUT")
			if err != nil {
				errs[i] = err
				return
			}
			statuses[i] = resp.Status
		})
	}
	wg.Wait()
	winner := -1
	for i, st := range statuses {
		if errs[i] != nil {
			t.Fatalf("client %d: %v", i, errs[i])
		}
		switch {
		case st == 201 && winner < 0:
			winner = i
		case st != 412:
			t.Errorf("client %d: status %d (statuses %v), want one 201 and 412 for the rest", i, st, statuses)
		}
	}
	if winner < 0 {
		t.Fatalf("no client created the file: %v", statuses)
	}
	wantFile(t, dir, "f", uploads[winner].body)
	wantNoTemp(t, dir)
}
