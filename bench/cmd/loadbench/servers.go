package main

import (
	_ "embed"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/template"
	"time"

	"ferry/bench/internal/page"
)

//go:embed nginx.conf.tmpl
var nginxConf string

var nginxTemplate = template.Must(template.New("nginx.conf").Parse(nginxConf))

// Server kinds the benchmark knows how to start.
const (
	kindFerry    = "ferry"
	kindNetHTTP  = "nethttp"
	kindFastHTTP = "fasthttp"
	kindNginx    = "nginx"
)

var allKinds = []string{kindFerry, kindNetHTTP, kindFastHTTP, kindNginx}

// server is one running server under load, pinned to the server core.
type server struct {
	kind string
	addr string
	cmd  *exec.Cmd
	log  string
	logs []string // more files worth showing when it fails (nginx's error.log)
	done chan struct{}
	err  error
}

// env is what starting a server needs to know about the run.
type env struct {
	binDir    string
	work      string
	filesDir  string
	serverCPU string // "" when pinning is off
	clientCPU string
	ferryArgs []string
}

// freePort asks the kernel for a port nobody listens on. Another process
// could take it before the server binds it; on a benchmark box that is rare
// and shows up as a clear start failure.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// pinned prefixes argv with taskset when a core is given. taskset execs the
// program, so the process id stays the server's own (needed for VmRSS).
// The child gets SIGTERM if this process dies first, so an interrupted run
// leaves no server behind holding a port and a core.
func pinned(cpu string, argv ...string) *exec.Cmd {
	if cpu != "" {
		argv = append([]string{"taskset", "-c", cpu}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	return cmd
}

var startSeq int

// start launches one server of the given kind on a fresh port and waits
// until it accepts connections.
func start(e *env, kind string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	startSeq++
	logPath := filepath.Join(e.work, "logs", fmt.Sprintf("%s-%d.log", kind, startSeq))
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, err
	}
	var argv, extraLogs []string
	switch kind {
	case kindFerry:
		argv = append([]string{filepath.Join(e.binDir, "ferry"), "--bind", "127.0.0.1",
			"--port", strconv.Itoa(port), "--directory", e.filesDir, "--quiet"}, e.ferryArgs...)
	case kindNetHTTP, kindFastHTTP:
		argv = []string{filepath.Join(e.binDir, kind), "-addr", addr, "-dir", e.filesDir}
	case kindNginx:
		prefix := filepath.Join(e.work, fmt.Sprintf("nginx-%d", startSeq))
		conf, err := writeNginxConf(prefix, e.filesDir, port)
		if err != nil {
			return nil, err
		}
		errLog := filepath.Join(prefix, "error.log")
		argv = []string{"nginx", "-p", prefix, "-c", conf, "-e", errLog}
		extraLogs = []string{errLog}
	default:
		return nil, fmt.Errorf("unknown server %q", kind)
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := pinned(e.serverCPU, argv...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", kind, err)
	}
	s := &server{kind: kind, addr: addr, cmd: cmd, log: logPath, logs: extraLogs, done: make(chan struct{})}
	go func() { s.err = cmd.Wait(); close(s.done) }()
	if err := s.waitReady(10 * time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func writeNginxConf(prefix, dir string, port int) (string, error) {
	if err := os.MkdirAll(prefix, 0o755); err != nil {
		return "", err
	}
	conf := filepath.Join(prefix, "nginx.conf")
	f, err := os.Create(conf)
	if err != nil {
		return "", err
	}
	// The idle row needs more than 10,000 connections: allow as many as
	// this process may open (run.sh raises the limit to its hard maximum).
	noFile := uint64(20480)
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		noFile = lim.Max
	}
	err = nginxTemplate.Execute(f, map[string]any{
		"Prefix": prefix, "Dir": dir, "Port": port, "Home": page.Home, "NoFile": noFile,
		// A root master would hand the worker to "nobody", who cannot read
		// a private temporary folder.
		"Root": os.Geteuid() == 0,
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return conf, err
}

func (s *server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("%s exited before listening (%v): %s", s.kind, s.err, s.tail())
		default:
		}
		c, err := net.DialTimeout("tcp", s.addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s not listening on %s after %v: %s", s.kind, s.addr, limit, s.tail())
}

// tail is the end of the server's own output, for error messages.
func (s *server) tail() string {
	var b []byte
	for _, p := range append([]string{s.log}, s.logs...) {
		more, _ := os.ReadFile(p)
		b = append(b, more...)
	}
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return strings.TrimSpace(string(b))
}

func (s *server) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// stop asks the server to exit (SIGTERM; nginx's fast shutdown is the same
// signal) and kills it if it has not gone after a few seconds.
func (s *server) stop() {
	if !s.alive() {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// rssPID is the process whose memory is the server's: nginx's worker, the
// process itself otherwise.
func (s *server) rssPID() (int, error) {
	pid := s.cmd.Process.Pid
	if s.kind != kindNginx {
		return pid, nil
	}
	for range 100 {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
		if err != nil {
			return 0, err
		}
		if f := strings.Fields(string(b)); len(f) > 0 {
			return strconv.Atoi(f[0])
		}
		time.Sleep(50 * time.Millisecond)
	}
	return 0, errors.New("nginx has no worker process")
}

// rssKiB reads VmRSS of a process from /proc.
func rssKiB(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
		}
	}
	return 0, errors.New("no VmRSS line")
}
