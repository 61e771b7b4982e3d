// Command nethttp is the net/http baseline for ferry's load benchmark: the
// endpoints of SPEC.md written the way a net/http user would write them,
// with http.FileServer for reads (sendfile for large bodies) and gzhttp for
// compression, so the comparison is against idiomatic net/http, not a
// strawman.
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"path"
	"path/filepath"

	"github.com/klauspost/compress/gzhttp"

	"ferry/bench/internal/page"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dir := flag.String("dir", ".", "folder served and written under /files/")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page.Home)
	})
	mux.HandleFunc("GET /echo/{s}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, r.PathValue("s"))
	})
	mux.HandleFunc("GET /user-agent", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, r.UserAgent())
	})
	files := gzhttp.GzipHandler(http.StripPrefix("/files", http.FileServer(http.Dir(*dir))))
	mux.Handle("GET /files/", files)
	mux.HandleFunc("POST /files/{path...}", func(w http.ResponseWriter, r *http.Request) {
		target := filepath.Join(*dir, filepath.FromSlash(path.Clean("/"+r.PathValue("path"))))
		if err := writeAtomic(target, r.Body); err != nil {
			http.Error(w, "write failed", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})

	log.Fatal(http.ListenAndServe(*addr, mux))
}

// writeAtomic does what ferry's contract asks of a write (temporary file
// beside the target, synced, then renamed) so the POST row compares equal work.
func writeAtomic(target string, body io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(target), ".upload-*")
	if err != nil {
		return err
	}
	_, err = io.Copy(f, body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), target)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
