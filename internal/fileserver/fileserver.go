// Package fileserver serves and stores files under one folder: downloads
// with ranges and conditional requests, listings, uploads and deletes. All
// file access goes through an *os.Root, so no request can reach outside the
// folder, whatever its path says.
package fileserver

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"ferry/internal/http1"
)

// Options configure a Server.
type Options struct {
	// ReadOnly refuses every write; the router then offers only the read
	// methods, so writes get 405 with Allow.
	ReadOnly bool
	// MaxUpload is the largest request body accepted for a write, in bytes;
	// zero or less means no limit.
	MaxUpload int64
	// ShowHidden lists dot files in folder listings.
	ShowHidden bool
}

// Server answers requests under the /files/ prefix.
type Server struct {
	root  *os.Root
	opts  Options
	cache *smallFileCache
	// commitMu is held by a write from its last precondition check to its
	// rename, and by a delete from its check to its removal, so that a
	// precondition still holds when the change it guards is made.
	commitMu sync.Mutex
	// foldersMu orders uploads making folders against failed uploads
	// taking theirs away and deletes of empty folders (see store). It is
	// never held while waiting for commitMu. It guards madeFolders: for
	// each folder an upload in flight made, the number of uploads in
	// flight inside it (see claimFolders).
	foldersMu   sync.Mutex
	madeFolders map[string]*madeFolder
	folderSyncs folderSyncs
	// listings holds a token for each listing being built, and
	// listingBytes counts the bytes of large ones being sent, at most
	// listingBudget (see buildListing and serveListing).
	listings      chan struct{}
	listingBytes  atomic.Int64
	listingBudget int64
}

// Prefix is the path under which the file server is mounted.
const Prefix = "/files/"

// New returns a Server for the folder root.
func New(root *os.Root, opts Options) *Server {
	return &Server{
		root:          root,
		opts:          opts,
		cache:         newSmallFileCache(root),
		madeFolders:   make(map[string]*madeFolder),
		folderSyncs:   folderSyncs{fsync: fsyncFolder},
		listings:      make(chan struct{}, max(2, runtime.GOMAXPROCS(0))),
		listingBudget: listingBytesBudget,
	}
}

// Methods are the methods the file server takes, for the router's Allow.
func (s *Server) Methods() []string {
	if s.opts.ReadOnly {
		return []string{"GET", "HEAD", "OPTIONS"}
	}
	return []string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"}
}

// MethodsFor narrows Methods for the served folder itself, which takes no
// writes (see rootMethods), so that OPTIONS agrees with the 405.
func (s *Server) MethodsFor(path []byte) []string {
	if name, ok := resolveName(path); ok && name.Rel == "." && !s.opts.ReadOnly {
		return rootMethods
	}
	return nil
}

// ServeHTTP dispatches by method; the router has already refused methods
// not in Methods.
func (s *Server) ServeHTTP(w http1.ResponseWriter, r *http1.Request) {
	if r.Method == "GET" || r.Method == "HEAD" {
		// The hot path: a small file the cache holds, looked up by the
		// request's own bytes, before any name is decoded or copied.
		if e := s.cache.lookup(plainFileName(r.Path), r.Arrival()); e != nil {
			serveCached(w, r, e)
			return
		}
	}
	name, ok := resolveName(r.Path)
	if !ok {
		http1.Error(w, http1.StatusBadRequest)
		return
	}
	switch r.Method {
	case "GET", "HEAD":
		s.serveRead(w, r, name)
	case "POST", "PUT":
		s.serveWrite(w, r, name)
	case "DELETE":
		s.serveDelete(w, r, name)
	default:
		http1.MethodNotAllowed(w, s.Methods())
	}
}
