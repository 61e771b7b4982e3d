package fileserver

import "ferry/internal/http1"

// serveWrite answers POST and PUT: an atomic upload.
func (s *Server) serveWrite(w http1.ResponseWriter, r *http1.Request, name Name) {
	http1.Error(w, http1.StatusNotImplemented)
}

// serveDelete answers DELETE.
func (s *Server) serveDelete(w http1.ResponseWriter, r *http1.Request, name Name) {
	http1.Error(w, http1.StatusNotImplemented)
}
