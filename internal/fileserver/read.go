package fileserver

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"ferry/internal/http1"
)

// serveRead answers GET and HEAD: a file's bytes, or a folder's listing.
func (s *Server) serveRead(w http1.ResponseWriter, r *http1.Request, name Name) {
	// A name that decoding leaves as it is was looked up by ServeHTTP.
	if !name.Dir && plainFileName(r.Path) == nil {
		if e := s.cache.lookup([]byte(name.Rel), r.Arrival()); e != nil {
			serveCached(w, r, e)
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
		refuse(w, errorStatus(err))
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		refuse(w, errorStatus(err))
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
// segment at a time, and keeps the query, with the bytes a query may not
// hold (RFC 3986 §3.4) percent-encoded.
func redirectToFolder(w http1.ResponseWriter, r *http1.Request, name Name) {
	loc := []byte(Prefix)
	if name.Rel != "." {
		loc = append(append(loc, escapePath(name.Rel)...), '/')
	}
	if len(r.Query) > 0 {
		loc = appendQuery(append(loc, '?'), r.Query)
	}
	w.Header().Set("Location", string(loc))
	http1.Error(w, http1.StatusMovedPermanently)
}

// appendQuery appends the query q, as the request sent it, percent-encoding
// what RFC 3986 §3.4 does not allow in one: a request target may carry
// such bytes ('"', '<', '>', '[', '\\', '^', '`', '{', '|', '}'), and a
// '%' that starts no percent-encoded octet.
func appendQuery(dst, q []byte) []byte {
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '%' && i+2 < len(q) && isHexDigit(q[i+1]) && isHexDigit(q[i+2]):
		case c == '%' || strings.IndexByte("\"<>[\\]^`{|}", c) >= 0:
			dst = appendPercent(dst, c)
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// refuse answers with status, from errorStatus, fsStatus or a check of
// the request. A 503 (out of file descriptors) says when to try again
// (RFC 9110 §10.2.3): a second is enough for connections to close and give
// descriptors back.
func refuse(w http1.ResponseWriter, status int) {
	if status == http1.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	http1.Error(w, status)
}

// errorStatus maps a file system error to the status a client sees; the
// error's text never reaches the client (it names paths on the server).
func errorStatus(err error) int {
	var errno syscall.Errno
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR),
		errors.Is(err, syscall.ELOOP), errors.Is(err, syscall.ENAMETOOLONG),
		errors.Is(err, syscall.EINVAL),
		// Opening a Unix socket: nothing to serve there, as for a FIFO.
		errors.Is(err, syscall.ENXIO), errors.Is(err, syscall.EOPNOTSUPP):
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
