package fileserver

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"ferry/internal/http1"
)

// TestWritePreconditions checks If-Match, If-Unmodified-Since and
// If-None-Match on PUT, POST and DELETE against a file "f" holding "v1".
// "ETAG" in a field stands for the file's current ETag.
func TestWritePreconditions(t *testing.T) {
	tests := []struct {
		name, method, target string
		field                string
		status               int
		// want is what "f" holds afterwards, "" for no file.
		want string
	}{
		{"put_if_match_current", "PUT", "/files/f", "If-Match: ETAG", 204, "v2"},
		{"put_if_match_list", "PUT", "/files/f", `If-Match: "other", ETAG`, 204, "v2"},
		{"put_if_match_other", "PUT", "/files/f", `If-Match: "other"`, 412, "v1"},
		{"put_if_match_weak", "PUT", "/files/f", "If-Match: W/ETAG", 412, "v1"},
		{"put_if_match_star", "PUT", "/files/f", "If-Match: *", 204, "v2"},
		{"put_if_match_star_absent", "PUT", "/files/g", "If-Match: *", 412, "v1"},
		{"put_if_none_match_star", "PUT", "/files/f", "If-None-Match: *", 412, "v1"},
		{"put_if_none_match_star_absent", "PUT", "/files/g", "If-None-Match: *", 201, "v1"},
		{"put_if_none_match_current", "PUT", "/files/f", "If-None-Match: ETAG", 412, "v1"},
		{"put_if_none_match_other", "PUT", "/files/f", `If-None-Match: "other"`, 204, "v2"},
		{"put_if_unmodified_since_before", "PUT", "/files/f", "If-Unmodified-Since: BEFORE", 412, "v1"},
		{"put_if_unmodified_since_after", "PUT", "/files/f", "If-Unmodified-Since: AFTER", 204, "v2"},
		{"put_if_unmodified_since_bad_date", "PUT", "/files/f", "If-Unmodified-Since: yesterday", 204, "v2"},
		{"post_if_match_other", "POST", "/files/f", `If-Match: "other"`, 412, "v1"},
		{"post_if_match_current", "POST", "/files/f", "If-Match: ETAG", 201, "v2"},
		{"post_if_none_match_star", "POST", "/files/f", "If-None-Match: *", 412, "v1"},
		{"delete_if_match_other", "DELETE", "/files/f", `If-Match: "other"`, 412, "v1"},
		{"delete_if_match_current", "DELETE", "/files/f", "If-Match: ETAG", 204, ""},
		{"delete_if_unmodified_since_before", "DELETE", "/files/f", "If-Unmodified-Since: BEFORE", 412, "v1"},
		// RFC 9110 §13.2.1: preconditions are ignored when the answer
		// would not be 2xx without them.
		{"delete_absent_if_match", "DELETE", "/files/g", "If-Match: *", 404, "v1"},
		{"put_folder_if_match", "PUT", "/files/f/", "If-Match: ETAG", 409, "v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, dir := startFiles(t, Options{})
			writeFile(t, dir, "f", "v1")
			// A file written this very second has no Last-Modified the
			// date conditions can rely on (laterSecond); this one is old.
			old := time.Now().Add(-time.Minute)
			if err := os.Chtimes(filepath.Join(dir, "f"), old, old); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(filepath.Join(dir, "f"))
			if err != nil {
				t.Fatal(err)
			}
			field := strings.NewReplacer(
				"ETAG", etagOf(fi),
				"BEFORE", fi.ModTime().Add(-time.Hour).UTC().Format(http1.TimeFormat),
				"AFTER", fi.ModTime().Add(time.Hour).UTC().Format(http1.TimeFormat),
			).Replace(tt.field)
			body := ""
			if tt.method != "DELETE" {
				body = "v2"
			}
			resp := roundTrip(t, addr, request(tt.method, tt.target, body, field))
			if resp.Status != tt.status {
				t.Fatalf("%s: status %d, want %d", field, resp.Status, tt.status)
			}
			if tt.want == "" {
				wantAbsent(t, dir, "f")
			} else {
				wantFile(t, dir, "f", tt.want)
			}
			switch {
			case tt.status == 412:
				wantAbsent(t, dir, "g")
			case tt.target == "/files/g" && tt.status == 201:
				wantFile(t, dir, "g", "v2")
			}
			wantNoTemp(t, dir)
		})
	}
}

// TestWriteLostUpdate is the use If-Match exists for: two clients read the
// same version, the first one's replacement wins, the second one's is
// refused instead of silently overwriting it. The contents have the same
// size, so only the modification time tells the versions apart.
func TestWriteLostUpdate(t *testing.T) {
	addr, dir := startFiles(t, Options{})
	first := roundTrip(t, addr, request("PUT", "/files/doc", "version 1"))
	if first.Status != 201 {
		t.Fatalf("create: %d", first.Status)
	}
	tag := first.Get("ETag")
	alice := roundTrip(t, addr, request("PUT", "/files/doc", "version A", "If-Match: "+tag))
	if alice.Status != 204 {
		t.Fatalf("first update: %d", alice.Status)
	}
	if alice.Get("ETag") == tag {
		t.Fatalf("the replacement kept the ETag %s", tag)
	}
	get := roundTrip(t, addr, "GET /files/doc HTTP/1.1\r\nHost: ferry.test\r\n\r\n")
	if string(get.Body) != "version A" || get.Get("ETag") != alice.Get("ETag") {
		t.Errorf("GET after the update: %q with ETag %s, want the update's %s", get.Body, get.Get("ETag"), alice.Get("ETag"))
	}
	bob := roundTrip(t, addr, request("PUT", "/files/doc", "version B", "If-Match: "+tag))
	if bob.Status != 412 {
		t.Fatalf("second update with the stale tag: %d, want 412", bob.Status)
	}
	wantFile(t, dir, "doc", "version A")
	if got := etagOnDisk(t, dir, "doc"); got != alice.Get("ETag") {
		t.Errorf("ETag on disk %s, the update answered %s", got, alice.Get("ETag"))
	}
}

func TestMethods(t *testing.T) {
	writes := []string{"POST", "PUT", "DELETE"}
	root, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	rw := New(root, Options{}).Methods()
	ro := New(root, Options{ReadOnly: true}).Methods()
	for _, m := range []string{"GET", "HEAD", "OPTIONS"} {
		if !slices.Contains(rw, m) || !slices.Contains(ro, m) {
			t.Errorf("%s missing: read-write %v, read-only %v", m, rw, ro)
		}
	}
	for _, m := range writes {
		if !slices.Contains(rw, m) {
			t.Errorf("read-write Methods %v lack %s", rw, m)
		}
		if slices.Contains(ro, m) {
			t.Errorf("read-only Methods %v offer %s", ro, m)
		}
	}
}

// TestReadOnly checks that a read-only server refuses every write itself,
// even when no router stands in front of it, and changes nothing.
func TestReadOnly(t *testing.T) {
	addr, dir := startFiles(t, Options{ReadOnly: true})
	writeFile(t, dir, "f", "old")
	for _, raw := range []string{
		request("PUT", "/files/f", "new"),
		request("PUT", "/files/g", "new"),
		request("POST", "/files/f", "new"),
		chunkedRequest("POST", "/files/d/g", "new"),
		request("DELETE", "/files/f", ""),
	} {
		resp := roundTrip(t, addr, raw)
		if resp.Status != 405 || resp.Get("Allow") != "GET, HEAD, OPTIONS" {
			t.Errorf("%s: %d with Allow %q, want 405 with GET, HEAD, OPTIONS",
				strings.Fields(raw)[:2], resp.Status, resp.Get("Allow"))
		}
	}
	wantFile(t, dir, "f", "old")
	wantAbsent(t, dir, "g")
	wantAbsent(t, dir, "d")
}

// TestFSStatus covers the error mapping for failures a test cannot cause
// on a real disk (a full one, a failing one).
func TestFSStatus(t *testing.T) {
	root, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	s := New(root, Options{})
	_, escape := root.Lstat("../x")
	wrap := func(errno error) error { return &fs.PathError{Op: "write", Path: "f", Err: errno} }
	tests := []struct {
		name   string
		err    error
		status int
	}{
		{"no_space", wrap(syscall.ENOSPC), 507},
		{"quota", wrap(syscall.EDQUOT), 507},
		{"not_found", wrap(syscall.ENOENT), 404},
		{"not_a_folder", wrap(syscall.ENOTDIR), 409},
		{"is_a_folder", wrap(syscall.EISDIR), 409},
		{"exists", wrap(syscall.EEXIST), 409},
		{"not_empty", wrap(syscall.ENOTEMPTY), 409},
		{"link_loop", wrap(syscall.ELOOP), 409},
		{"name_too_long", wrap(syscall.ENAMETOOLONG), 400},
		{"permission", wrap(syscall.EACCES), 403},
		{"not_permitted", wrap(syscall.EPERM), 403},
		{"escape", escape, 403},
		{"read_only_fs", wrap(syscall.EROFS), 403},
		{"no_descriptor", wrap(syscall.EMFILE), 503},
		{"no_system_descriptor", wrap(syscall.ENFILE), 503},
		{"io_error", wrap(syscall.EIO), 500},
		{"other", errors.New("something else"), 500},
	}
	for _, tt := range tests {
		if got := s.fsStatus(tt.err); got != tt.status {
			t.Errorf("%s (%v): %d, want %d", tt.name, tt.err, got, tt.status)
		}
	}
}

// TestWriteForbidden checks a folder the server may not write into: 403,
// and the body names no path. Root ignores permissions, so it skips.
func TestWriteForbidden(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("permissions do not bind root")
	}
	addr, dir := startFiles(t, Options{})
	locked := filepath.Join(dir, "locked")
	if err := os.Mkdir(locked, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	resp := roundTrip(t, addr, request("PUT", "/files/locked/f", "x"))
	if resp.Status != 403 || string(resp.Body) != "403 Forbidden\n" {
		t.Errorf("got %d %q, want 403 and its plain name", resp.Status, resp.Body)
	}
	wantAbsent(t, dir, "locked/f")
}
