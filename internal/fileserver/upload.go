package fileserver

import (
	"crypto/rand"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
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

// maxWriteDepth bounds how many segments (folders and the file) the name
// of a written file may have. An 8 KiB target holds 4,000 one-letter
// folders: making them, and taking them away again when the upload fails,
// costs time that grows with the square of the depth (seconds of CPU for
// one request, under the lock every folder-making upload needs) and disk
// far beyond the body. Real trees are much shallower; reads and deletes
// are not limited, so deeper trees made by other means stay reachable.
const maxWriteDepth = 64

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
//     folder as the target, a Content-Range, a declared length over
//     MaxUpload, a failed precondition), so that a client sending "Expect:
//     100-continue" gets the refusal instead of "100 Continue" and never
//     sends the body;
//  2. missing parent folders are created (and removed again if the upload
//     fails);
//  3. the body streams into a temporary file beside the target, named
//     uploadTempPrefix plus a random suffix, which resolveName never lets a
//     request name; the first read of the body sends "100 Continue";
//  4. the file is synced, and commit checks the preconditions again and
//     renames it over the target, so a reader opens either the old file or
//     the whole new one; the folder is synced so the rename survives a
//     crash.
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
	if r.Header.Has("Content-Range") {
		// A partial body sent as if it were the whole file: storing it
		// would cut the file down to the fragment. RFC 9110 §14.5 has a
		// server that allows PUT answer 400; POST stores the same way, so
		// it gets the same answer.
		http1.Error(w, http1.StatusBadRequest)
		return
	}
	if !identityCoded(r) {
		// A body in a content coding (RFC 9110 §8.4) would be stored as
		// its coded bytes and served back as if they were the file: a
		// gzip'd upload would come back as gzip under text/plain. ferry
		// stores bytes as sent and decodes none, so it refuses the coding
		// and names the one it takes (RFC 9110 §15.5.16).
		w.Header().Set("Accept-Encoding", "identity")
		http1.Error(w, http1.StatusUnsupportedMediaType)
		return
	}
	if name.Dir {
		// A name ending in "/" asks for a folder, which a body cannot be.
		http1.Error(w, http1.StatusConflict)
		return
	}
	if strings.Count(name.Rel, "/") >= maxWriteDepth {
		http1.Error(w, http1.StatusRequestURITooLong)
		return
	}
	if s.opts.MaxUpload > 0 && r.ContentLength > s.opts.MaxUpload {
		tooLarge(w)
		return
	}
	old, status := s.writeTarget(name.Rel)
	if status == 0 {
		status = preconditionStatus(r, old)
	}
	if status != 0 {
		refuse(w, status)
		return
	}
	info, replaced, status := s.store(r, name.Rel, old)
	switch status {
	case 0:
	case http1.StatusRequestEntityTooLarge:
		tooLarge(w)
		return
	default:
		// The server drains a body left unread, or closes the connection
		// when it cannot (a body broken off or badly framed).
		refuse(w, status)
		return
	}
	h := w.Header()
	h.Set("ETag", etagOf(info))
	h.SetContentLength(0)
	if r.Method == "PUT" && replaced {
		w.WriteHeader(http1.StatusNoContent)
		return
	}
	h.Set("Location", string(r.Path))
	w.WriteHeader(http1.StatusCreated)
}

// identityCoded reports whether the request's body is in no content
// coding: no Content-Encoding, or only "identity" in it.
func identityCoded(r *http1.Request) bool {
	for v := range r.Header.Values("Content-Encoding") {
		for coding := range http1.ListElements(v) {
			if !http1.EqualFold(coding, "identity") {
				return false
			}
		}
	}
	return true
}

// writeTarget is the current state of the file a write would replace: its
// information, nil when there is none, or the status refusing the write (a
// folder cannot be replaced by a file).
func (s *Server) writeTarget(rel string) (fs.FileInfo, int) {
	info, err := s.root.Stat(rel)
	switch {
	case err == nil && info.IsDir():
		return nil, http1.StatusConflict
	case errors.Is(err, fs.ErrNotExist):
		return nil, 0
	case err != nil:
		return nil, s.fsStatus(err)
	}
	return info, 0
}

// store writes the request body to rel through a temporary file, as
// serveWrite describes; old is the target as it was when the request
// arrived, whose permissions a replacement keeps. It returns the stored
// file's information and whether it replaced a file, or the status to
// answer with when it failed.
func (s *Server) store(r *http1.Request, rel string, old fs.FileInfo) (info fs.FileInfo, replaced bool, status int) {
	dir := parentOf(rel)
	tmpName := uploadTempPrefix + rand.Text()
	tmp := joinRel(dir, tmpName)
	// The folders are made and the temporary file put in them under
	// foldersMu, which a failed upload's cleanup takes too: an upload
	// cannot take away a folder another has just found or made before
	// that one has a file in it.
	//
	// The temporary file is made, and removed if the upload fails,
	// through a handle on its folder rather than by its name from the top:
	// a folder renamed or swapped on disk while the body arrives would
	// otherwise keep the file, out of reach of the name.
	s.foldersMu.Lock()
	made, err := s.makeParents(dir)
	claimed := s.claimFolders(dir, made)
	var folder *os.Root
	if err == nil {
		folder, err = s.root.OpenRoot(dir)
	}
	var f *os.File
	if err == nil {
		if f, err = folder.OpenFile(tmpName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, uploadFilePerm); err != nil {
			folder.Close()
		}
	}
	s.foldersMu.Unlock()
	if err != nil {
		s.releaseFolders(claimed, true)
		return nil, false, s.fsStatus(err)
	}
	closed := false
	defer func() {
		if status != 0 {
			if !closed {
				f.Close()
			}
			folder.Remove(tmpName)
		}
		folder.Close()
		s.releaseFolders(claimed, status != 0)
	}()
	if old != nil {
		if err := f.Chmod(old.Mode().Perm()); err != nil {
			return nil, false, s.fsStatus(err)
		}
	}
	if status := s.receive(f, r); status != 0 {
		return nil, false, status
	}
	if err := f.Sync(); err != nil {
		return nil, false, s.fsStatus(err)
	}
	info, err = f.Stat()
	closed = true
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, false, s.fsStatus(err)
	}
	if info, replaced, status = s.commit(r, tmp, rel, info); status != 0 {
		return nil, false, status
	}
	s.folderSyncs.sync(s.root, dir)
	return info, replaced, 0
}

// commit renames the finished upload tmp, whose information is info, over
// rel. The preconditions were checked when the request arrived, but the
// target may have changed while the body was on its way: two clients that
// read the same ETag would both pass If-Match, and the later rename would
// silently undo the earlier one's update. So they are checked again here,
// against the target as it is now, and the check and the rename happen
// under s.commitMu, which every write and delete takes around its own
// check and change: none can slip in between. Whether the upload created
// or replaced the file is decided here too, for the same reason.
func (s *Server) commit(r *http1.Request, tmp, rel string, info fs.FileInfo) (fs.FileInfo, bool, int) {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	cur, status := s.writeTarget(rel)
	if status == 0 {
		status = preconditionStatus(r, cur)
	}
	if status != 0 {
		return nil, false, status
	}
	if cur != nil && info.Size() == cur.Size() && !info.ModTime().After(cur.ModTime()) {
		// A kernel with coarse timestamps can give a quick replacement the
		// old file's time, and a body written before the current file's
		// can have an earlier one; with the same size it would get an ETag
		// already handed out, and If-Match would take a stale tag for the
		// current one.
		later := cur.ModTime().Add(time.Microsecond)
		err := s.root.Chtimes(tmp, later, later)
		if err == nil {
			info, err = s.root.Stat(tmp)
		}
		if err != nil {
			return nil, false, s.fsStatus(err)
		}
	}
	if err := s.root.Rename(tmp, rel); err != nil {
		return nil, false, s.fsStatus(err)
	}
	// The rename moved the file's change time, which its ETag carries: the
	// answer names the tag a GET will find.
	if renamed, err := s.root.Lstat(rel); err == nil {
		info = renamed
	}
	return info, cur != nil, 0
}

// makeParents makes dir and whichever of its parents are missing, and
// returns the folders it made, deepest first, so that a failed upload can
// take them away again and leave the tree as it found it. When making them
// fails partway (a name too long, a full disk), it returns all the missing
// ones with the error: those it did make go too.
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
		if _, err := s.root.Lstat(d); err == nil {
			// A link that leads nowhere: folders made through it would
			// be made where it points, under another name, and a failed
			// upload's cleanup would take the link away. The path needs
			// a folder there and has none: 409, as for a file.
			return nil, &fs.PathError{Op: "mkdir", Path: d, Err: syscall.ENOTDIR}
		}
		missing = append(missing, d)
	}
	if len(missing) == 0 {
		return nil, nil
	}
	if err := s.root.MkdirAll(dir, uploadFolderPerm); err != nil {
		return missing, err
	}
	return missing, nil
}

// madeFolder is a folder an upload in flight made: the uploads in flight
// inside it, and what it was when made, so that only that folder is ever
// taken away again, not whatever has been put under its name since (a
// link, another folder).
type madeFolder struct {
	uploads int
	info    fs.FileInfo
}

// claimFolders records, under foldersMu, that an upload into dir is in
// flight inside the folders it made (made, from makeParents) and inside
// those of dir's parents that other uploads in flight made. It returns
// them all, deepest first, for releaseFolders.
func (s *Server) claimFolders(dir string, made []string) []string {
	for _, d := range made {
		// One that making the folders failed before has no information,
		// and is never taken away.
		info, _ := s.root.Lstat(d)
		s.madeFolders[d] = &madeFolder{info: info}
	}
	var claimed []string
	for d := dir; d != "."; d = parentOf(d) {
		if m, ok := s.madeFolders[d]; ok {
			m.uploads++
			claimed = append(claimed, d)
		}
	}
	return claimed
}

// releaseFolders ends an upload's claim on the folders claimFolders gave
// it. The last upload in flight inside a folder that uploads made takes it
// away when that upload failed and the folder is empty, deepest first,
// stopping at the first one another request put something in. So failed
// uploads leave the tree as they found it, however they overlapped: the
// one that made a folder may fail first, while another's temporary file
// is still in it. A name that no longer holds the folder made there (it
// was moved, or a link put in its place) is left alone, and so are the
// folders above it.
func (s *Server) releaseFolders(claimed []string, failed bool) {
	s.foldersMu.Lock()
	defer s.foldersMu.Unlock()
	removing := failed
	for _, d := range claimed {
		m := s.madeFolders[d]
		if m.uploads--; m.uploads > 0 {
			removing = false
			continue
		}
		delete(s.madeFolders, d)
		if !removing || m.info == nil {
			// Never made: no reason to stop above it.
			continue
		}
		now, err := s.root.Lstat(d)
		if err != nil || !now.IsDir() || !os.SameFile(now, m.info) || s.root.Remove(d) != nil {
			removing = false
		}
	}
}

// receive copies the request body to f, refusing it once it grows past
// MaxUpload. It returns 0, or the status to answer with. The buffer is
// written out once half full, or at the body's end, not after every read:
// a body in tiny chunks would otherwise cost a write(2) per chunk. Half
// leaves each read room enough to bypass the connection's buffer.
func (s *Server) receive(f *os.File, r *http1.Request) int {
	bp := uploadBufPool.Get().(*[]byte)
	defer uploadBufPool.Put(bp)
	buf := *bp
	var total int64
	filled := 0
	for {
		n, rerr := r.Body.Read(buf[filled:])
		filled += n
		total += int64(n)
		if s.opts.MaxUpload > 0 && total > s.opts.MaxUpload {
			return http1.StatusRequestEntityTooLarge
		}
		if rerr != nil && rerr != io.EOF {
			return bodyStatus(rerr)
		}
		if filled >= len(buf)/2 || rerr == io.EOF {
			if _, err := f.Write(buf[:filled]); err != nil {
				return s.fsStatus(err)
			}
			filled = 0
		}
		if rerr == io.EOF {
			return 0
		}
	}
}

// bodyStatus is the answer to a body that could not be read: the status of
// a framing error, 408 when the client went silent past the body read
// timeout, 503 when the server closed the connection (shutting down, its
// grace period over), and 400 when the client stopped short of the length
// it announced (it probably went away). In the last two nobody reads the
// answer; the access log does.
func bodyStatus(err error) int {
	var pe *http1.ProtocolError
	switch {
	case errors.As(err, &pe):
		return pe.Status
	case errors.Is(err, os.ErrDeadlineExceeded):
		return http1.StatusRequestTimeout
	case errors.Is(err, net.ErrClosed):
		return http1.StatusServiceUnavailable
	}
	return http1.StatusBadRequest
}
