package fileserver

import (
	"errors"
	"io"
	"io/fs"
	"syscall"

	"ferry/internal/http1"
)

// serveDelete answers DELETE: 204 for a file, a symbolic link or an empty
// folder, 404 for a name that is not there, 409 for a folder that is not
// empty (deleting it would take more than the client named), 405 for the
// served folder itself.
//
// A symbolic link is removed, not what it points to; named with a trailing
// slash, it stands for the folder it leads to, which must exist, be inside
// and be empty. A folder is checked for emptiness before the preconditions, because RFC 9110 §13.2.1 has a server
// ignore preconditions when it would refuse the request anyway.
func (s *Server) serveDelete(w http1.ResponseWriter, r *http1.Request, name Name) {
	if !s.writable(w) {
		return
	}
	if name.Rel == "." {
		refuseRoot(w)
		return
	}
	if status := s.remove(r, name); status != 0 {
		refuse(w, status)
		return
	}
	w.WriteHeader(http1.StatusNoContent)
}

// remove checks and removes name, returning 0 or the status refusing it.
// It holds s.commitMu throughout, so an upload cannot replace the target
// between the precondition check and the removal (see commit).
func (s *Server) remove(r *http1.Request, name Name) int {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	link, err := s.root.Lstat(name.Rel)
	if err != nil {
		return s.deleteStatus(err)
	}
	info := link
	if link.Mode()&fs.ModeSymlink != 0 {
		target, err := s.root.Stat(name.Rel)
		switch {
		case err == nil:
			info = target
		case name.Dir:
			// "link/" names the folder the link leads to, which
			// is missing, a loop of links (404) or out of bounds
			// (403): the statuses GET gives.
			return errorStatus(err)
		}
	}
	if name.Dir && !info.IsDir() {
		return http1.StatusNotFound
	}
	if link.IsDir() || (name.Dir && info.IsDir()) {
		// "link/" stands for the folder the link leads to, which must be
		// empty too; then the link goes, never the folder. An upload
		// that has just made a folder has its file in it before it lets
		// go of foldersMu (see store): the folder is not taken away from
		// under it.
		s.foldersMu.Lock()
		defer s.foldersMu.Unlock()
		empty, err := s.emptyFolder(name.Rel)
		if err != nil {
			return s.deleteStatus(err)
		}
		if !empty {
			return http1.StatusConflict
		}
	}
	if status := preconditionStatus(r, info); status != 0 {
		return status
	}
	if err := s.root.Remove(name.Rel); err != nil {
		return s.deleteStatus(err)
	}
	return 0
}

// emptyFolder reports whether the folder rel holds no entry at all, hidden
// ones and unfinished uploads included.
func (s *Server) emptyFolder(rel string) (bool, error) {
	d, err := s.root.Open(rel)
	if err != nil {
		return false, err
	}
	defer d.Close()
	names, err := d.Readdirnames(1)
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	return len(names) == 0, err
}

// deleteStatus is fsStatus, except that a name running through a file or
// through a loop of links, or too long for the file system, names nothing,
// so it is 404 (as for GET) rather than 409 or 400.
func (s *Server) deleteStatus(err error) int {
	if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.ENAMETOOLONG) {
		return http1.StatusNotFound
	}
	return s.fsStatus(err)
}
