package fileserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ferry/internal/servertest"
)

func TestDelete(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, dir string)
		target string
		status int
		// gone must no longer exist; kept must still exist.
		gone, kept []string
	}{
		{name: "file", setup: old("f", "x"), target: "/files/f", status: 204, gone: []string{"f"}},
		{name: "nested_file", setup: old("a/b/f", "x"), target: "/files/a/b/f", status: 204,
			gone: []string{"a/b/f"}, kept: []string{"a/b"}},
		{name: "absent", target: "/files/nothing", status: 404},
		{name: "under_a_file", setup: old("f", "x"), target: "/files/f/x", status: 404, kept: []string{"f"}},
		{name: "file_with_slash", setup: old("f", "x"), target: "/files/f/", status: 404, kept: []string{"f"}},
		{name: "empty_folder", setup: folder("d"), target: "/files/d", status: 204, gone: []string{"d"}},
		{name: "empty_folder_slash", setup: folder("d"), target: "/files/d/", status: 204, gone: []string{"d"}},
		{name: "folder_with_file", setup: old("d/f", "x"), target: "/files/d/", status: 409, kept: []string{"d/f"}},
		{name: "folder_with_hidden_file", setup: old("d/.h", "x"), target: "/files/d", status: 409, kept: []string{"d/.h"}},
		{name: "link_to_folder", setup: linkTo("real/f", "real", "ln"), target: "/files/ln", status: 204,
			gone: []string{"ln"}, kept: []string{"real/f"}},
		{name: "link_to_file", setup: linkTo("real/f", "real/f", "ln"), target: "/files/ln", status: 204,
			gone: []string{"ln"}, kept: []string{"real/f"}},
		{name: "link_to_folder_slash", setup: linkTo("real/f", "real", "ln"), target: "/files/ln/", status: 409,
			kept: []string{"ln", "real/f"}},
		{name: "link_to_empty_folder_slash", setup: func(t *testing.T, dir string) {
			folder("real")(t, dir)
			rawLink("real", "ln")(t, dir)
		}, target: "/files/ln/", status: 204, gone: []string{"ln"}, kept: []string{"real"}},
		{name: "link_out", setup: rawLink("..", "out"), target: "/files/out", status: 204, gone: []string{"out"}},
		{name: "link_out_slash", setup: rawLink("..", "out"), target: "/files/out/", status: 403, kept: []string{"out"}},
		{name: "dangling_link", setup: rawLink("nothing", "ln"), target: "/files/ln", status: 204, gone: []string{"ln"}},
		{name: "dangling_link_slash", setup: rawLink("nothing", "ln"), target: "/files/ln/", status: 404, kept: []string{"ln"}},
		{name: "link_loop_slash", setup: rawLink("ln", "ln"), target: "/files/ln/", status: 404, kept: []string{"ln"}},
		{name: "link_loop", setup: rawLink("ln", "ln"), target: "/files/ln", status: 204, gone: []string{"ln"}},
		{name: "inside_link_loop", setup: rawLink("ln", "ln"), target: "/files/ln/sub", status: 404, kept: []string{"ln"}},
		{name: "deep_inside_link_loop", setup: rawLink("ln", "ln"), target: "/files/ln/a/b/", status: 404, kept: []string{"ln"}},
		// No file can have a name longer than the file system allows.
		{name: "name_too_long", target: "/files/" + strings.Repeat("n", 300), status: 404},
		{name: "root", target: "/files/", status: 405},
		{name: "root_no_slash", target: "/files", status: 405},
		{name: "temp_name", setup: old(uploadTempPrefix+"x", "x"), target: "/files/" + uploadTempPrefix + "x",
			status: 400, kept: []string{uploadTempPrefix + "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, dir := startFiles(t, Options{})
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			resp := roundTrip(t, addr, request("DELETE", tt.target, ""))
			if resp.Status != tt.status {
				t.Fatalf("status %d, want %d", resp.Status, tt.status)
			}
			if tt.status == 405 && resp.Get("Allow") != "GET, HEAD, OPTIONS" {
				t.Errorf("Allow %q", resp.Get("Allow"))
			}
			for _, name := range tt.gone {
				wantAbsent(t, dir, name)
			}
			for _, name := range tt.kept {
				if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
					t.Errorf("%s should still be there: %v", name, err)
				}
			}
		})
	}
}

// folder is a setup making an empty folder.
func folder(name string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// linkTo is a setup writing the file file and making link a symbolic link
// to target (relative to the folder).
func linkTo(file, target, link string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		writeFile(t, dir, file, "x")
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
}

// rawLink is a setup making link a symbolic link to target, which need not
// exist or be inside the folder.
func rawLink(target, link string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDeleteFolderDuringUpload races a PUT into a new folder with a DELETE
// of that folder: the DELETE may find nothing (404), an empty folder (204)
// or the upload's file in it (409), but it never takes the folder away
// between the upload making it and putting its file there, so every PUT
// stores its file. (Before, about one PUT in ten got 404 and stored
// nothing.)
func TestDeleteFolderDuringUpload(t *testing.T) {
	addr, dir := startFiles(t, Options{})
	for i := range 100 {
		folder := fmt.Sprintf("d%d", i)
		deleted := make(chan error, 1)
		go func() {
			status, err := exchangeStatus(addr, request("DELETE", "/files/"+folder+"/", ""))
			if err == nil && status != 404 && status != 204 && status != 409 {
				err = fmt.Errorf("DELETE: %d", status)
			}
			deleted <- err
		}()
		resp := roundTrip(t, addr, request("PUT", "/files/"+folder+"/f", "body"))
		if err := <-deleted; err != nil {
			t.Fatal(err)
		}
		if resp.Status != 201 {
			t.Fatalf("PUT into %s: %d, want 201", folder, resp.Status)
		}
		wantFile(t, dir, folder+"/f", "body")
	}
}

// exchangeStatus sends raw on a connection of its own and returns the
// response's status; unlike roundTrip it may run off the test goroutine.
func exchangeStatus(addr, raw string) (int, error) {
	c, err := net.DialTimeout("tcp", addr, servertest.Timeout)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(servertest.Timeout))
	if _, err := io.WriteString(c, raw); err != nil {
		return 0, err
	}
	resp, err := servertest.ReadResponse(bufio.NewReader(c), strings.Fields(raw)[0])
	if err != nil {
		return 0, err
	}
	return resp.Status, nil
}
