package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// scripts are the wrk Lua scripts rows refer to by name.
var scripts = map[string]string{
	// wrk sends the 16 requests in one write and counts each response.
	"pipeline16.lua": `local depth = 16
init = function(args)
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format(nil, "/echo/hello")
  end
  req = table.concat(r)
end
request = function()
  return req
end
`,
	"post1k.lua": fmt.Sprintf(`wrk.method = "POST"
wrk.body = string.rep("x", %d)
wrk.headers["Content-Type"] = "application/octet-stream"
`, postBody),
}

func writeScripts(dir string) error {
	for name, text := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// sample is one measurement of one server on one row.
type sample struct {
	ok       bool          // measured; false when the run failed
	value    float64       // req/s, MB/s or KiB per connection, by row kind
	p99      time.Duration // wrk rows only
	requests int
	errors   int // socket errors plus non-2xx/3xx responses
	note     string
	// rssBefore and rssAfter are VmRSS readings in KiB: before and after
	// the idle row's connections, before and at the peak of a download.
	rssBefore, rssAfter int
}

var (
	reRPS      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reTransfer = regexp.MustCompile(`Transfer/sec:\s+([0-9.]+)(B|KB|MB|GB|TB)`)
	reP99      = regexp.MustCompile(`(?m)^\s+99(?:\.000)?%\s+([0-9.]+)(us|ms|s|m)\s*$`)
	reRequests = regexp.MustCompile(`(\d+) requests in`)
	reSockErr  = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	reNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

// runWrk runs one wrk measurement: one thread on the client core, which is
// what keeps the load generator from competing with the server's core.
func runWrk(e *env, s *server, r *row, d time.Duration) (sample, error) {
	args := []string{"wrk", "-t1", fmt.Sprintf("-c%d", r.conns), "-d" + wrkDuration(d),
		"--latency", "--timeout", "10s"}
	for _, h := range r.headers {
		args = append(args, "-H", h)
	}
	if r.script != "" {
		args = append(args, "-s", filepath.Join(e.work, r.script))
	}
	args = append(args, "http://"+s.addr+r.path)
	cmd := pinned(e.clientCPU, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return sample{}, fmt.Errorf("wrk: %v: %s", err, out.String())
	}
	return parseWrk(out.String(), r.transfer)
}

// wrkDuration renders d the way wrk's option parser takes it (whole
// seconds, or milliseconds for short warm-ups).
func wrkDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.Itoa(int(d/time.Second)) + "s"
	}
	return strconv.Itoa(int(max(d/time.Millisecond, 1))) + "ms"
}

// parseWrk reads wrk's report: requests/s, or with transfer the bytes
// moved per second in MB/s (wrk's own units are powers of 1024).
func parseWrk(out string, transfer bool) (sample, error) {
	var s sample
	m := reRPS.FindStringSubmatch(out)
	if transfer {
		m = reTransfer.FindStringSubmatch(out)
	}
	if m == nil {
		return s, fmt.Errorf("no Requests/sec or Transfer/sec in wrk output:\n%s", out)
	}
	s.value, _ = strconv.ParseFloat(m[1], 64)
	if transfer {
		scale := map[string]float64{"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}[m[2]]
		s.value *= scale / 1e6
	}
	s.ok = true
	if m := reP99.FindStringSubmatch(out); m != nil {
		v, _ := strconv.ParseFloat(m[1], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second, "m": time.Minute}[m[2]]
		s.p99 = time.Duration(v * float64(unit))
	}
	if m := reRequests.FindStringSubmatch(out); m != nil {
		s.requests, _ = strconv.Atoi(m[1])
	}
	if m := reSockErr.FindStringSubmatch(out); m != nil {
		for _, v := range m[1:] {
			n, _ := strconv.Atoi(v)
			s.errors += n
		}
	}
	if m := reNon2xx.FindStringSubmatch(out); m != nil {
		n, _ := strconv.Atoi(m[1])
		s.errors += n
	}
	return s, nil
}

// checkRow sends the row's request once and compares the answer with what
// the row expects.
func checkRow(s *server, r *row) error {
	var body io.Reader
	if r.method == "POST" {
		body = strings.NewReader(strings.Repeat("x", postBody))
	}
	req, err := http.NewRequest(r.method, "http://"+s.addr+r.path, body)
	if err != nil {
		return err
	}
	for _, h := range r.headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	client := &http.Client{
		Timeout:   time.Minute,
		Transport: &http.Transport{DisableCompression: true, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	want := r.expect
	if resp.StatusCode != want.status {
		return fmt.Errorf("status %d, want %d", resp.StatusCode, want.status)
	}
	if ct := resp.Header.Get("Content-Type"); want.ctype != "" && !strings.HasPrefix(ct, want.ctype) {
		return fmt.Errorf("Content-Type %q, want one starting with %s", ct, want.ctype)
	}
	var rd io.Reader = resp.Body
	if enc := resp.Header.Get("Content-Encoding"); want.gzip {
		if enc != "gzip" {
			return fmt.Errorf("Content-Encoding %q, want gzip", enc)
		}
		zr, err := gzip.NewReader(bufio.NewReader(resp.Body))
		if err != nil {
			return fmt.Errorf("gzip body: %w", err)
		}
		rd = zr
	}
	// Keep at most a small body: the 1 GiB file is only counted.
	var got bytes.Buffer
	n, err := io.Copy(&limitedBuffer{&got, 4 * kib}, rd)
	if err != nil {
		return fmt.Errorf("reading body: %w", err)
	}
	if want.body != "" && got.String() != want.body {
		return fmt.Errorf("body %q, want %q", got.String(), want.body)
	}
	if want.size >= 0 && n != want.size {
		return fmt.Errorf("body of %d bytes, want %d", n, want.size)
	}
	return nil
}

// limitedBuffer keeps the first max bytes written to it and drops the rest.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// download fetches the row's file once with curl on the client core and
// returns MB/s (10^6 bytes per second), with the server's RSS before and
// its peak while it sent the file (sampled every 20 ms), which shows that
// memory stays flat whatever the file's size.
func download(e *env, s *server, r *row) (sample, error) {
	pid, err := s.rssPID()
	if err != nil {
		return sample{}, err
	}
	before, err := rssKiB(pid)
	if err != nil {
		return sample{}, err
	}
	done := make(chan struct{})
	peak := make(chan int)
	go func() {
		high := before
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				peak <- high
				return
			case <-tick.C:
				if kib, err := rssKiB(pid); err == nil {
					high = max(high, kib)
				}
			}
		}
	}()
	cmd := pinned(e.clientCPU, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_total}",
		"http://"+s.addr+r.path)
	out, err := cmd.Output()
	close(done)
	high := <-peak
	if err != nil {
		return sample{}, fmt.Errorf("curl: %v", err)
	}
	var code int
	var size int64
	var secs float64
	if _, err := fmt.Sscan(string(out), &code, &size, &secs); err != nil {
		return sample{}, fmt.Errorf("curl output %q: %v", out, err)
	}
	if code != r.expect.status || size != r.expect.size {
		return sample{}, fmt.Errorf("download: status %d, %d bytes; want %d, %d bytes", code, size, r.expect.status, r.expect.size)
	}
	return sample{ok: true, value: float64(size) / secs / 1e6, requests: 1, rssBefore: before, rssAfter: high}, nil
}

func lookPath(names ...string) error {
	var missing []string
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing tools: %s (bench/run.sh installs them with apt-get)", strings.Join(missing, ", "))
	}
	return nil
}
