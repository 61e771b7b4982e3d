package fileserver

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"sync"
	"syscall"

	"ferry/internal/http1"
)

// The write side (upload.go, delete.go) chooses its statuses here, in one
// place, so that the same failure reads the same way for every method and no
// error's text ever reaches a client.

// rootMethods are the methods the served folder itself takes: it can be
// listed, but neither replaced by a file nor deleted, whatever its state, so
// writes to it get 405 rather than 409.
var rootMethods = []string{"GET", "HEAD", "OPTIONS"}

// fsStatus turns a filesystem error met while writing into a status:
//   - a missing name: 404;
//   - a name that is, or runs through, something of the wrong kind (a file
//     where a folder is needed, a folder where a file is, a folder that is
//     not empty, a loop of symbolic links): 409, the state of the resource
//     conflicts with the request;
//   - a name longer than the filesystem stores: 400, no state would let
//     the request succeed;
//   - no space or quota left: 507 (RFC 4918 §11.5);
//   - no permission, a read-only file system, or a symbolic link leading
//     out of the folder: 403;
//   - no file descriptor left: 503, the same request can succeed later;
//   - anything else: 500.
func (s *Server) fsStatus(err error) int {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return http1.StatusNotFound
	case errors.Is(err, syscall.ENOTDIR), errors.Is(err, syscall.EISDIR),
		errors.Is(err, syscall.EEXIST), errors.Is(err, syscall.ENOTEMPTY),
		errors.Is(err, syscall.ELOOP):
		return http1.StatusConflict
	case errors.Is(err, syscall.ENAMETOOLONG):
		return http1.StatusBadRequest
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return http1.StatusInsufficientStorage
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS), s.escapes(err):
		return http1.StatusForbidden
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return http1.StatusServiceUnavailable
	}
	return http1.StatusInternalServerError
}

// escapes reports whether err is os.Root refusing a name that leads outside
// the folder through a symbolic link.
func (s *Server) escapes(err error) bool {
	sentinel := pathEscapes(s.root)
	return sentinel != nil && errors.Is(err, sentinel)
}

// pathEscapes is the error os.Root wraps when a name leads outside it. The
// os package does not export it, and matching its text would break silently
// if the wording changed, so it is taken, once, from a root itself: ".."
// from the top always escapes. Every Root shares the one sentinel.
func pathEscapes(root *os.Root) error {
	escapeOnce.Do(func() {
		_, err := root.Lstat("..")
		var pe *fs.PathError
		if errors.As(err, &pe) {
			escapeSentinel = pe.Err
		}
	})
	return escapeSentinel
}

var (
	escapeOnce     sync.Once
	escapeSentinel error
)

// tooLarge answers 413 and closes the connection: draining the rest of a
// body too large to take would mean reading what was just refused (RFC 9110
// §15.5.14 lets the server close).
func tooLarge(w http1.ResponseWriter) {
	w.Header().SetClose()
	http1.Error(w, http1.StatusRequestEntityTooLarge)
}

// writable answers 405 and reports false when the server is read-only. The
// router already refuses writes then, from Methods; this keeps the handler
// safe when it is mounted without one.
func (s *Server) writable(w http1.ResponseWriter) bool {
	if s.opts.ReadOnly {
		http1.MethodNotAllowed(w, s.Methods())
		return false
	}
	return true
}

// refuseRoot answers a write or delete aimed at the served folder itself.
func refuseRoot(w http1.ResponseWriter) {
	http1.MethodNotAllowed(w, rootMethods)
}

// joinRel joins a folder and a name the way os.Root expects, without the
// "./" that path.Join would otherwise have to clean away.
func joinRel(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}

// parentOf is the folder part of a slash-separated name, "." at the top.
func parentOf(rel string) string {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		return rel[:i]
	}
	return "."
}

// preconditionStatus evaluates the conditional fields of a write or delete
// against the target's current state (info is nil when there is none). It
// returns 0 when the request may go on, else 412.
func preconditionStatus(r *http1.Request, info fs.FileInfo) int {
	st := preconditionState{}
	if info != nil {
		st = preconditionState{exists: true, etag: etagOf(info), modTime: info.ModTime()}
	}
	return checkPreconditions(r, st)
}
