package fileserver

import "ferry/internal/http1"

// serveRead answers GET and HEAD for a file or a folder.
func (s *Server) serveRead(w http1.ResponseWriter, r *http1.Request, name Name) {
	http1.Error(w, http1.StatusNotImplemented)
}
