// Command fasthttp is the fasthttp baseline for ferry's load benchmark: the
// endpoints of SPEC.md on fasthttp with its defaults, fasthttp.FS for files
// (Compress true, so gzip'd copies are cached as its documentation
// describes) and a server left as fast as fasthttp makes it by default.
package main

import (
	"bytes"
	"flag"
	"log"
	"os"
	"path"
	"path/filepath"

	"github.com/valyala/fasthttp"

	"ferry/bench/internal/page"
)

var (
	prefixEcho  = []byte("/echo/")
	prefixFiles = []byte("/files/")
	pathUA      = []byte("/user-agent")
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dir := flag.String("dir", ".", "folder served and written under /files/")
	flag.Parse()

	// Compressed copies go to their own folder so they do not show up in
	// the served one (and in the other servers' listings of it).
	compressRoot, err := os.MkdirTemp("", "fasthttp-gz-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(compressRoot)
	fs := &fasthttp.FS{
		Root:               *dir,
		CompressRoot:       compressRoot,
		GenerateIndexPages: true,
		Compress:           true,
		AcceptByteRange:    true,
		PathRewrite:        fasthttp.NewPathSlashesStripper(1),
	}
	serveFiles := fs.NewRequestHandler()

	handler := func(ctx *fasthttp.RequestCtx) {
		p := ctx.Path()
		switch {
		case ctx.IsGet() && len(p) == 1 && p[0] == '/':
			ctx.SetContentType("text/html; charset=utf-8")
			ctx.SetBodyString(page.Home)
		case ctx.IsGet() && bytes.HasPrefix(p, prefixEcho):
			ctx.SetContentType("text/plain")
			ctx.SetBody(p[len(prefixEcho):])
		case ctx.IsGet() && bytes.Equal(p, pathUA):
			ctx.SetContentType("text/plain")
			ctx.SetBody(ctx.UserAgent())
		case (ctx.IsGet() || ctx.IsHead()) && bytes.HasPrefix(p, prefixFiles):
			serveFiles(ctx)
		case ctx.IsPost() && bytes.HasPrefix(p, prefixFiles):
			rel := path.Clean("/" + string(p[len(prefixFiles):]))
			if err := writeAtomic(filepath.Join(*dir, filepath.FromSlash(rel)), ctx.PostBody()); err != nil {
				ctx.Error("write failed", fasthttp.StatusInternalServerError)
				return
			}
			ctx.SetStatusCode(fasthttp.StatusCreated)
		default:
			ctx.Error("not found", fasthttp.StatusNotFound)
		}
	}

	s := &fasthttp.Server{Handler: handler, Name: "fasthttp"}
	log.Fatal(s.ListenAndServe(*addr))
}

// writeAtomic does what ferry's contract asks of a write (temporary file
// beside the target, synced, then renamed) so the POST row compares equal work.
func writeAtomic(target string, body []byte) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(target), ".upload-*")
	if err != nil {
		return err
	}
	_, err = f.Write(body)
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
