package compress

import "ferry/internal/http1"

// Options configure the middleware.
type Options struct {
	// CacheBytes bounds the memory kept for compressed files: zero means
	// DefaultCacheBytes, a negative value turns the cache off.
	CacheBytes int64
}

// Handler compresses the responses of the handler it wraps.
type Handler struct {
	next  http1.Handler
	cache *cache
	// streams holds a token for each response being compressed as it is
	// sent (see maxStreams).
	streams chan struct{}
}

// Middleware returns a Handler compressing next's responses for clients
// that accept it. Responses to requests without Accept-Encoding pass
// untouched, at no cost: those clients cannot take a coding, and caches
// learn of the negotiation from the Vary sent to the clients that can.
// Only GET and HEAD are compressed; other methods answer with statuses and
// short bodies not worth it, and keep the handler's writer as is. Every
// request's If-Match loses the suffix compressed representations' tags
// carry (unmarkTags), and so does If-None-Match, except on a GET or HEAD
// that will get the identity body.
func Middleware(next http1.Handler, opts Options) *Handler {
	h := &Handler{next: next, streams: make(chan struct{}, maxStreams)}
	switch {
	case opts.CacheBytes == 0:
		h.cache = newCache(DefaultCacheBytes)
	case opts.CacheBytes > 0:
		h.cache = newCache(opts.CacheBytes)
	}
	return h
}

// ServeHTTP implements http1.Handler.
func (h *Handler) ServeHTTP(w http1.ResponseWriter, r *http1.Request) {
	acceptEncoding, conditional := scanFields(&r.Header)
	read := r.Method == "GET" || r.Method == "HEAD"
	coding := Identity
	if acceptEncoding && read {
		coding, _ = Negotiate(&r.Header)
	}
	inmCoded, identityTags := false, false
	if conditional {
		identityTags = coding != Identity && read && onlyIdentityTags(&r.Header)
		unmarkTags(&r.Header, "If-Match")
		// A GET or HEAD that will get the identity body keeps its
		// compressed tags: they name another representation than the one
		// selected, so they must not match it (RFC 9110 §13.1.2).
		if coding != Identity || !read {
			inmCoded = unmarkTags(&r.Header, "If-None-Match")
		}
	}
	if !acceptEncoding || !read {
		h.next.ServeHTTP(w, r)
		return
	}
	cw := writerPool.Get().(*writer)
	cw.reset(w, r, coding, h, inmCoded, identityTags)
	defer func() {
		// A handler that panicked (one cut off mid-body does) leaves its
		// writer to the garbage collector, but the stream slot it holds
		// must come back.
		if cw != nil {
			cw.freeStream()
		}
	}()
	h.next.ServeHTTP(cw, r)
	// An error here is the connection's: the underlying writer has
	// recorded it and the server closes the connection.
	cw.finish()
	if cw.state == withheld {
		// The handler's 304 was earned by a tag the compressed form
		// does not carry: the whole compressed form is the answer, as if
		// the tags had not matched (RFC 9110 §13.1.2).
		w.Header().Clear()
		blankField(&r.Header, "If-None-Match")
		cw.reset(w, r, coding, h, false, false)
		h.next.ServeHTTP(cw, r)
		cw.finish()
	}
	cw.release()
	writerPool.Put(cw)
	cw = nil
}
