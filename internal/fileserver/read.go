package fileserver

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"syscall"

	"ferry/internal/http1"
)

// serveRead answers GET and HEAD: a file's bytes, or a folder's listing.
func (s *Server) serveRead(w http1.ResponseWriter, r *http1.Request, name Name) {
	if !name.Dir {
		if e := s.cache.lookup(name.Rel); e != nil {
			serveFile(w, r, newMemContent(e.data), e.fi, e.meta)
			return
		}
	}
	// O_NONBLOCK makes opening a FIFO return at once instead of waiting for
	// a writer, so the name can be opened before its type is known and
	// stat'd through the descriptor: one path walk instead of two. It also
	// spares the runtime's attempt to make a regular file pollable, which
	// costs several system calls per open; reads of regular files ignore it.
	f, err := s.root.OpenFile(name.Rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		http1.Error(w, errorStatus(err))
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		http1.Error(w, errorStatus(err))
		return
	}
	switch {
	case fi.IsDir() && !bytes.HasSuffix(r.Path, []byte("/")):
		redirectToFolder(w, r, name)
	case fi.IsDir():
		s.serveListing(w, r, f, name)
	case fi.Mode().IsRegular() && !name.Dir:
		meta := metaOf(fi, name.Rel)
		meta.contentType = labelCharset(meta.contentType, f, fi.Size())
		serveFile(w, r, s.cache.content(f, fi, name.Rel, meta), fi, meta)
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
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		// Out of file descriptors: the same request can succeed later.
		return http1.StatusServiceUnavailable
	case !errors.As(err, &errno):
		// Not a system error: os.Root itself refused a name that leads
		// outside the folder (a symbolic link pointing out).
		return http1.StatusForbidden
	}
	return http1.StatusInternalServerError
}
