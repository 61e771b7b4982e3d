package router_test

import (
	"io"
	"testing"

	"ferry/internal/http1"
	"ferry/internal/router"
	"ferry/internal/servertest"
)

// named answers with its own name, so a test sees which route matched.
func named(name string) http1.Handler {
	return http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		io.WriteString(w, name)
	})
}

func start(t *testing.T) string {
	rt := router.New()
	rt.Handle("/", []string{"GET"}, named("root"))
	rt.Handle("/echo/", []string{"GET"}, named("echo"))
	rt.Handle("/exact", []string{"GET", "POST"}, named("exact"))
	rt.Handle("/files", []string{"GET", "PUT", "DELETE"}, named("files-bare"))
	rt.Handle("/files/", []string{"GET", "PUT", "DELETE"}, named("files"))
	rt.Handle("/narrow/", []string{"GET", "PUT"}, narrowAtTop{named("narrow")})
	return servertest.Start(t, rt)
}

// narrowAtTop takes only reads at its own top path, as the file server
// does at its folder.
type narrowAtTop struct{ http1.Handler }

func (narrowAtTop) MethodsFor(path []byte) []string {
	if string(path) == "/narrow/" {
		return []string{"GET", "HEAD", "OPTIONS"}
	}
	return nil
}

func TestRouter(t *testing.T) {
	addr := start(t)
	for _, tt := range []struct {
		name, method, target string
		status               int
		body, allow          string
	}{
		{"root", "GET", "/", 200, "root", ""},
		{"root_is_exact", "GET", "/other", 404, "", ""},
		{"prefix", "GET", "/echo/x/y", 200, "echo", ""},
		{"prefix_itself", "GET", "/echo/", 200, "echo", ""},
		{"prefix_without_slash", "GET", "/echo", 404, "", ""},
		{"prefix_lookalike", "GET", "/echoes/x", 404, "", ""},
		{"exact", "POST", "/exact", 200, "exact", ""},
		{"exact_no_subpath", "GET", "/exact/x", 404, "", ""},
		{"exact_before_prefix", "GET", "/files", 200, "files-bare", ""},
		{"case_sensitive", "GET", "/ECHO/x", 404, "", ""},
		{"head_where_get", "HEAD", "/exact", 200, "", ""},
		{"wrong_method", "DELETE", "/exact", 405, "", "GET, POST, HEAD, OPTIONS"},
		{"wrong_method_prefix", "POST", "/echo/x", 405, "", "GET, HEAD, OPTIONS"},
		{"unknown_method", "BREW", "/files/x", 501, "", ""},
		{"options_path", "OPTIONS", "/files/x", 204, "", "GET, PUT, DELETE, HEAD, OPTIONS"},
		{"options_unknown_path", "OPTIONS", "/nowhere", 404, "", ""},
		{"options_narrowed_path", "OPTIONS", "/narrow/", 204, "", "GET, HEAD, OPTIONS"},
		{"options_not_narrowed", "OPTIONS", "/narrow/x", 204, "", "GET, PUT, HEAD, OPTIONS"},
		{"unknown_method_unknown_path", "BREW", "/nowhere", 501, "", ""},
		{"lower_case_method", "get", "/", 501, "", ""},
		{"webdav_method", "PROPFIND", "/files/x", 501, "", ""},
		{"options_asterisk", "OPTIONS", "*", 204, "", "GET, HEAD, OPTIONS, POST, PUT, DELETE"},
		{"trace", "TRACE", "/", 501, "", ""},
		{"trace_unknown_path", "TRACE", "/nowhere", 501, "", ""},
		{"connect", "CONNECT", "/", 501, "", ""},
		{"patch", "PATCH", "/exact", 501, "", ""},
		{"not_found", "GET", "/nowhere", 404, "404 Not Found\n", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := servertest.Do(t, addr, tt.method+" "+tt.target+" HTTP/1.1\r\nHost: x\r\n\r\n")
			if resp.Status != tt.status {
				t.Fatalf("status %d, want %d", resp.Status, tt.status)
			}
			if tt.body != "" && string(resp.Body) != tt.body {
				t.Errorf("body %q, want %q", resp.Body, tt.body)
			}
			if got := resp.Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
			if tt.status == 204 && (len(resp.Body) != 0 || resp.Get("Content-Length") != "") {
				t.Errorf("204 with a body or Content-Length %q", resp.Get("Content-Length"))
			}
		})
	}
}
