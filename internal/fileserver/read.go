package fileserver

import (
	"bytes"
	"errors"
	"io/fs"
	"syscall"

	"ferry/internal/http1"
)

// serveRead answers GET and HEAD: a file's bytes, or a folder's listing.
func (s *Server) serveRead(w http1.ResponseWriter, r *http1.Request, name Name) {
	// Stat before opening: opening a FIFO or a device could block or act,
	// so only regular files and folders are opened at all.
	fi, err := s.root.Stat(name.Rel)
	if err != nil {
		http1.Error(w, errorStatus(err))
		return
	}
	switch {
	case fi.IsDir() && !bytes.HasSuffix(r.Path, []byte("/")):
		redirectToFolder(w, r, name)
		return
	case !fi.IsDir() && (name.Dir || !fi.Mode().IsRegular()):
		http1.Error(w, http1.StatusNotFound)
		return
	}
	f, err := s.root.Open(name.Rel)
	if err != nil {
		http1.Error(w, errorStatus(err))
		return
	}
	defer f.Close()
	// Stat the open file again: the name may have been replaced since.
	if fi, err = f.Stat(); err != nil {
		http1.Error(w, errorStatus(err))
		return
	}
	switch {
	case fi.IsDir():
		s.serveListing(w, r, f, name)
	case fi.Mode().IsRegular() && !name.Dir:
		serveFile(w, r, f, fi, name.Rel)
	default:
		http1.Error(w, http1.StatusNotFound)
	}
}

// redirectToFolder sends a folder asked for without its trailing slash to
// the slash form (301), so that the listing's relative links resolve
// inside it. The Location is built from the decoded name, re-encoded one
// segment at a time, and keeps the query.
func redirectToFolder(w http1.ResponseWriter, r *http1.Request, name Name) {
	loc := Prefix
	if name.Rel != "." {
		loc += escapePath(name.Rel) + "/"
	}
	if len(r.Query) > 0 {
		loc += "?" + string(r.Query)
	}
	w.Header().Set("Location", loc)
	http1.Error(w, http1.StatusMovedPermanently)
}

// errorStatus maps a file system error to the status a client sees; the
// error's text never reaches the client (it names paths on the server).
func errorStatus(err error) int {
	var errno syscall.Errno
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR),
		errors.Is(err, syscall.ELOOP), errors.Is(err, syscall.ENAMETOOLONG),
		errors.Is(err, syscall.EINVAL):
		return http1.StatusNotFound
	case errors.Is(err, fs.ErrPermission):
		return http1.StatusForbidden
	case !errors.As(err, &errno):
		// Not a system error: os.Root itself refused a name that leads
		// outside the folder (a symbolic link pointing out).
		return http1.StatusForbidden
	}
	return http1.StatusInternalServerError
}
