package fileserver

import (
	"crypto/rand"
	"errors"
	"io"
	"io/fs"
	"os"
	"sync"
	"time"

	"ferry/internal/http1"
)

// uploadBufferSize is the size of the buffer an upload is copied through:
// large enough that a fast client costs few read(2) and write(2) calls, and
// at least the connection reader's buffer, so that reads bypass that buffer
// and the bytes are copied once. Buffers are pooled, so concurrent uploads
// do not each allocate one.
const uploadBufferSize = 128 << 10

var uploadBufPool = sync.Pool{New: func() any { b := make([]byte, uploadBufferSize); return &b }}

// uploadFolderPerm and uploadFilePerm are the permissions of the folders an
// upload creates and of a file it creates (before the umask). A replaced
// file keeps its own.
const (
	uploadFolderPerm = 0o755
	uploadFilePerm   = 0o644
)

// serveWrite answers POST and PUT: an atomic upload.
//
// Life of an upload:
//  1. everything that can be refused without the body is refused first (a
//     folder as the target, a declared length over MaxUpload, a failed
//     precondition), so that a client sending "Expect: 100-continue" gets
//     the refusal instead of "100 Continue" and never sends the body;
//  2. missing parent folders are created (and removed again if the upload
//     fails);
//  3. the body streams into a temporary file beside the target, named
//     uploadTempPrefix plus a random suffix, which resolveName never lets a
//     request name; the first read of the body sends "100 Continue";
//  4. the file is synced and renamed over the target, so a reader opens
//     either the old file or the whole new one; the folder is synced so the
//     rename survives a crash.
//
// Any failure removes the temporary file and the folders made for it, and
// leaves the target as it was.
func (s *Server) serveWrite(w http1.ResponseWriter, r *http1.Request, name Name) {
	if !s.writable(w) {
		return
	}
	if name.Rel == "." {
		refuseRoot(w)
		return
	}
	if name.Dir {
		// A name ending in "/" asks for a folder, which a body cannot be.
		http1.Error(w, http1.StatusConflict)
		return
	}
	if s.opts.MaxUpload > 0 && r.ContentLength > s.opts.MaxUpload {
		tooLarge(w)
		return
	}
	old, err := s.root.Stat(name.Rel)
	switch {
	case err == nil && old.IsDir():
		http1.Error(w, http1.StatusConflict)
		return
	case errors.Is(err, fs.ErrNotExist):
		old = nil
	case err != nil:
		http1.Error(w, s.fsStatus(err))
		return
	}
	if status := preconditionStatus(r, old); status != 0 {
		http1.Error(w, status)
		return
	}
	info, status := s.store(r, name.Rel, old)
	switch status {
	case 0:
	case http1.StatusRequestEntityTooLarge:
		tooLarge(w)
		return
	default:
		// The server drains a body left unread, or closes the connection
		// when it cannot (a body broken off or badly framed).
		http1.Error(w, status)
		return
	}
	h := w.Header()
	h.Set("ETag", etagOf(info))
	h.SetContentLength(0)
	if r.Method == "PUT" && old != nil {
		w.WriteHeader(http1.StatusNoContent)
		return
	}
	h.Set("Location", string(r.Path))
	w.WriteHeader(http1.StatusCreated)
}

// store writes the request body to rel through a temporary file, as
// serveWrite describes. It returns the stored file's information, or the
// status to answer with when it failed.
func (s *Server) store(r *http1.Request, rel string, old fs.FileInfo) (fs.FileInfo, int) {
	dir := parentOf(rel)
	made, err := s.makeParents(dir)
	if err != nil {
		return nil, s.fsStatus(err)
	}
	tmp := joinRel(dir, uploadTempPrefix+rand.Text())
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, uploadFilePerm)
	if errors.Is(err, fs.ErrNotExist) && dir != "." {
		// A failed upload beside this one took away the folder it had
		// made and this one found; make it again, once.
		if made, err = s.makeParents(dir); err == nil {
			f, err = s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, uploadFilePerm)
		}
	}
	if err != nil {
		s.removeFolders(made)
		return nil, s.fsStatus(err)
	}
	renamed := false
	defer func() {
		if !renamed {
			f.Close()
			s.root.Remove(tmp)
			s.removeFolders(made)
		}
	}()
	if old != nil {
		if err := f.Chmod(old.Mode().Perm()); err != nil {
			return nil, s.fsStatus(err)
		}
	}
	if status := s.receive(f, r); status != 0 {
		return nil, status
	}
	info, err := f.Stat()
	if err != nil {
		return nil, s.fsStatus(err)
	}
	if old != nil && info.Size() == old.Size() && !info.ModTime().After(old.ModTime()) {
		// A kernel with coarse timestamps can give a quick replacement the
		// old file's time; with the same size it would get the old ETag,
		// and If-Match would take a stale tag for the current one.
		later := old.ModTime().Add(time.Microsecond)
		if err := s.root.Chtimes(tmp, later, later); err != nil {
			return nil, s.fsStatus(err)
		}
		if info, err = f.Stat(); err != nil {
			return nil, s.fsStatus(err)
		}
	}
	if err := f.Sync(); err != nil {
		return nil, s.fsStatus(err)
	}
	if err := f.Close(); err != nil {
		return nil, s.fsStatus(err)
	}
	if err := s.root.Rename(tmp, rel); err != nil {
		return nil, s.fsStatus(err)
	}
	renamed = true
	s.syncFolder(dir)
	return info, 0
}

// makeParents makes dir and whichever of its parents are missing, and
// returns the folders it made, deepest first, so that a failed upload can
// take them away again and leave the tree as it found it.
func (s *Server) makeParents(dir string) ([]string, error) {
	var missing []string
	for d := dir; d != "."; d = parentOf(d) {
		_, err := s.root.Stat(d)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		missing = append(missing, d)
	}
	if len(missing) == 0 {
		return nil, nil
	}
	if err := s.root.MkdirAll(dir, uploadFolderPerm); err != nil {
		return nil, err
	}
	return missing, nil
}

// removeFolders removes the folders a failed upload made, deepest first,
// stopping at the first one that is no longer empty because another
// request put something in it.
func (s *Server) removeFolders(made []string) {
	for _, d := range made {
		if s.root.Remove(d) != nil {
			return
		}
	}
}

// receive copies the request body to f, refusing it once it grows past
// MaxUpload. It returns 0, or the status to answer with.
func (s *Server) receive(f *os.File, r *http1.Request) int {
	bp := uploadBufPool.Get().(*[]byte)
	defer uploadBufPool.Put(bp)
	buf := *bp
	var total int64
	for {
		n, rerr := r.Body.Read(buf)
		if n > 0 {
			total += int64(n)
			if s.opts.MaxUpload > 0 && total > s.opts.MaxUpload {
				return http1.StatusRequestEntityTooLarge
			}
			if _, err := f.Write(buf[:n]); err != nil {
				return s.fsStatus(err)
			}
		}
		if rerr == io.EOF {
			return 0
		}
		if rerr != nil {
			return bodyStatus(rerr)
		}
	}
}

// bodyStatus is the answer to a body that could not be read: the status of
// a framing error, 408 when the client went silent past the body read
// timeout, and 400 when it stopped short of the length it announced (it
// probably went away, and then nobody reads the answer).
func bodyStatus(err error) int {
	var pe *http1.ProtocolError
	switch {
	case errors.As(err, &pe):
		return pe.Status
	case errors.Is(err, os.ErrDeadlineExceeded):
		return http1.StatusRequestTimeout
	}
	return http1.StatusBadRequest
}

// syncFolder makes a rename in dir durable. It is best effort: the new file
// is already in place and whole, and a folder that cannot be synced (some
// filesystems refuse) is no reason to report the upload as failed.
func (s *Server) syncFolder(dir string) {
	d, err := s.root.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
