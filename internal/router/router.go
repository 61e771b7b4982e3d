// Package router matches a request's method and path to a handler, and
// answers what no handler does: 404 for unknown paths, 405 with Allow for a
// method a path does not take, 501 for methods ferry does not implement,
// and OPTIONS.
package router

import (
	"strings"

	"ferry/internal/http1"
)

// Router holds the routes in registration order; there are a handful, so a
// linear scan beats any index.
type Router struct {
	routes []route
	// allowAll is the Allow value of "OPTIONS *": every method some route
	// takes.
	allowAll string
}

type route struct {
	pattern string
	prefix  bool
	methods []string
	allow   string
	handler http1.Handler
}

// New returns an empty Router.
func New() *Router { return &Router{} }

// Handle routes requests for pattern to h when their method is one of
// methods. A pattern ending in "/" (other than "/" itself) matches every
// path under it; any other pattern matches exactly. HEAD is allowed wherever
// GET is, and OPTIONS everywhere.
func (rt *Router) Handle(pattern string, methods []string, h http1.Handler) {
	all := append([]string(nil), methods...)
	if contains(all, "GET") && !contains(all, "HEAD") {
		all = append(all, "HEAD")
	}
	if !contains(all, "OPTIONS") {
		all = append(all, "OPTIONS")
	}
	rt.routes = append(rt.routes, route{
		pattern: pattern,
		prefix:  pattern != "/" && strings.HasSuffix(pattern, "/"),
		methods: all,
		allow:   strings.Join(all, ", "),
		handler: h,
	})
	var every []string
	for _, r := range rt.routes {
		for _, m := range r.methods {
			if !contains(every, m) {
				every = append(every, m)
			}
		}
	}
	rt.allowAll = strings.Join(every, ", ")
}

// PathMethods is implemented by a handler some of whose paths take fewer
// methods than its route (the file server's own folder takes no writes):
// OPTIONS and the router's 405 then advertise what that path takes, as the
// handler's own 405 does. nil means the route's methods.
type PathMethods interface {
	MethodsFor(path []byte) []string
}

// implemented are the methods ferry's handlers implement, on some path in
// some configuration (--read-only refuses writes with 405, as a method a
// path does not take). Any other method, unrecognised (BREW) or
// recognised but implemented nowhere (CONNECT, TRACE, PATCH, WebDAV's), is
// answered 501 wherever it is sent (RFC 9110 §9.1, §15.6.2).
var implemented = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"}

// ServeHTTP implements http1.Handler.
func (rt *Router) ServeHTTP(w http1.ResponseWriter, r *http1.Request) {
	if !contains(implemented, r.Method) {
		http1.Error(w, http1.StatusNotImplemented)
		return
	}
	if len(r.Path) == 1 && r.Path[0] == '*' {
		rt.options(w, rt.allowAll)
		return
	}
	for i := range rt.routes {
		rte := &rt.routes[i]
		if !rte.matches(r.Path) {
			continue
		}
		switch {
		case r.Method == "OPTIONS":
			rt.options(w, rte.allowFor(r.Path))
		case contains(rte.methods, r.Method):
			rte.handler.ServeHTTP(w, r)
		default:
			w.Header().Set("Allow", rte.allowFor(r.Path))
			http1.Error(w, http1.StatusMethodNotAllowed)
		}
		return
	}
	http1.Error(w, http1.StatusNotFound)
}

func (rt *Router) options(w http1.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	w.WriteHeader(http1.StatusNoContent)
}

// allowFor is the Allow value for path: the route's methods, unless its
// handler narrows them there (PathMethods).
func (r *route) allowFor(path []byte) string {
	if pm, ok := r.handler.(PathMethods); ok {
		if methods := pm.MethodsFor(path); methods != nil {
			return strings.Join(methods, ", ")
		}
	}
	return r.allow
}

func (r *route) matches(path []byte) bool {
	if r.prefix {
		return len(path) >= len(r.pattern) && string(path[:len(r.pattern)]) == r.pattern
	}
	return string(path) == r.pattern
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
