// Command ferry is an HTTP/1.1 server and two-way file server. This file is
// flags, wiring and signals; everything else lives under internal/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"ferry/internal/compress"
	"ferry/internal/fileserver"
	"ferry/internal/handlers"
	"ferry/internal/http1"
	"ferry/internal/router"
	"ferry/internal/server"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the parsed command line.
type options struct {
	bind, port, dir string
	files           fileserver.Options
	quiet           bool
	grace           time.Duration
	cfg             server.Config
	// maxConnsAsked is the --max-conns the command line set, 0 when it
	// kept the default.
	maxConnsAsked int
}

// defaultShutdownGrace is how long requests in flight may take to finish
// after SIGINT, SIGTERM or SIGHUP.
const defaultShutdownGrace = 10 * time.Second

// parseFlags reads the command line. Asked for (-h, --help), the usage
// goes to stdout, where a pager or grep can take it; after a bad flag, to
// stderr with the error.
func parseFlags(args []string, stdout, stderr io.Writer) (*options, error) {
	o := &options{cfg: server.DefaultConfig(nil)}
	fs := flag.NewFlagSet("ferry", flag.ContinueOnError)
	fs.SetOutput(stderr)
	// The flag package calls Usage for help and for errors alike; which it
	// was is known once Parse returns.
	fs.Usage = func() {}
	fs.StringVar(&o.bind, "bind", "127.0.0.1", "address to listen on (0.0.0.0 or :: to expose)")
	fs.StringVar(&o.port, "port", "4221", "TCP port; 0 picks a free one")
	fs.StringVar(&o.dir, "directory", ".", "the folder served and written under /files/")
	fs.BoolVar(&o.files.ReadOnly, "read-only", false, "refuse every write (405 with Allow)")
	fs.Int64Var(&o.files.MaxUpload, "max-upload", 0, "largest request body accepted for a write, in bytes (0: no limit)")
	fs.BoolVar(&o.files.ShowHidden, "show-hidden", false, "list dot files in folder listings")
	fs.BoolVar(&o.quiet, "quiet", false, "no access log")
	fs.DurationVar(&o.cfg.HeaderTimeout, "header-timeout", server.DefaultHeaderTimeout, "time a client has to send a request head, from its first byte (0: no limit)")
	fs.DurationVar(&o.cfg.BodyTimeout, "body-timeout", server.DefaultBodyTimeout, "time each read of a request body may wait (0: no limit)")
	fs.DurationVar(&o.cfg.IdleTimeout, "idle-timeout", server.DefaultIdleTimeout, "time a keep-alive connection may wait for its next request (0: no limit)")
	fs.DurationVar(&o.cfg.WriteTimeout, "write-timeout", server.DefaultWriteTimeout, "time each write to a client may take (0: no limit)")
	fs.IntVar(&o.cfg.MaxConns, "max-conns", server.DefaultMaxConns, "connections served at once; past it the one idle longest is closed, or new ones wait")
	fs.DurationVar(&o.grace, "shutdown-grace", defaultShutdownGrace, "time requests in flight get to finish after SIGINT, SIGTERM or SIGHUP")
	fs.IntVar(&o.cfg.Limits.MaxTargetBytes, "max-target-bytes", http1.DefaultLimits.MaxTargetBytes, "longest request target (414 above)")
	fs.IntVar(&o.cfg.Limits.MaxHeaderBytes, "max-header-bytes", http1.DefaultLimits.MaxHeaderBytes, "largest request head (431 above)")
	fs.IntVar(&o.cfg.Limits.MaxHeaderFields, "max-header-fields", http1.DefaultLimits.MaxHeaderFields, "most header fields in a request (431 above)")
	// A bare PORT may come before or after the flags, as python3 -m
	// http.server takes it.
	var bare []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printUsage(fs, stdout)
			} else {
				printUsage(fs, stderr)
			}
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		bare = append(bare, fs.Arg(0))
		args = fs.Args()[1:]
	}
	portSet := false
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "max-conns":
			o.maxConnsAsked = o.cfg.MaxConns
		case "port":
			portSet = true
		}
	})
	switch {
	case len(bare) > 1 || len(bare) == 1 && portSet:
		return nil, usageError(fs, "more than one port given")
	case len(bare) == 1:
		o.port = bare[0]
	}
	if n, err := strconv.Atoi(o.port); err != nil || n < 0 || n > 65535 {
		return nil, usageError(fs, fmt.Sprintf("invalid port %q", o.port))
	}
	// An empty address would listen on every interface, and an empty
	// folder name serve the current one: most likely an unset variable
	// in a script, which must not expose anything.
	if o.bind == "" || o.dir == "" {
		return nil, usageError(fs, "--bind and --directory must not be empty")
	}
	if o.cfg.MaxConns < 1 || o.cfg.Limits.MaxTargetBytes < 1 || o.cfg.Limits.MaxHeaderBytes < 1 || o.cfg.Limits.MaxHeaderFields < 1 {
		return nil, usageError(fs, "limits must be positive")
	}
	if o.files.MaxUpload < 0 {
		return nil, usageError(fs, "--max-upload must not be negative (0: no limit)")
	}
	for _, d := range []time.Duration{o.cfg.HeaderTimeout, o.cfg.BodyTimeout, o.cfg.IdleTimeout, o.cfg.WriteTimeout, o.grace} {
		if d < 0 {
			return nil, usageError(fs, "durations must not be negative")
		}
	}
	return o, nil
}

// errUsage is a command line refused after its usage was printed.
var errUsage = errors.New("bad usage")

func usageError(fs *flag.FlagSet, msg string) error {
	fmt.Fprintf(fs.Output(), "ferry: %s\n", msg)
	printUsage(fs, fs.Output())
	return errUsage
}

// printUsage writes the usage line and the flags, named with the two
// dashes the usage line and the README use (the flag package takes one or
// two, and would list them with one).
func printUsage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, "usage: ferry [--bind ADDR] [--port N] [--directory DIR] [other flags] [PORT]\n\n")
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if kind != "" {
			line += " " + kind
		}
		line += "\n    \t" + usage
		switch def := f.DefValue; {
		case def == "" || def == "false" || def == "0" || def == "0s":
		case kind == "string":
			line += fmt.Sprintf(" (default %q)", def)
		default:
			line += " (default " + def + ")"
		}
		fmt.Fprintln(w, line)
	})
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		// -h or --help, wherever it stands, asked for the usage.
		return 0
	}
	if err != nil {
		return 2
	}
	dir, err := filepath.Abs(o.dir)
	if err == nil {
		var st os.FileInfo
		if st, err = os.Stat(dir); err == nil && !st.IsDir() {
			err = errors.New("not a folder")
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "ferry: cannot serve %q: %v\n", o.dir, unwrapPath(err))
		return 1
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		fmt.Fprintf(stderr, "ferry: cannot serve %q: %v\n", o.dir, unwrapPath(err))
		return 1
	}
	defer root.Close()
	if _, err := root.Stat("."); err != nil {
		fmt.Fprintf(stderr, "ferry: cannot read %q: %v\n", o.dir, unwrapPath(err))
		return 1
	}

	addr := net.JoinHostPort(o.bind, o.port)
	// TCP keep-alive probes are off: the idle, body and write timeouts
	// already drop dead peers, and setting the probes up costs four system
	// calls on every accepted connection.
	lc := net.ListenConfig{KeepAlive: -1}
	ln, err := lc.Listen(context.Background(), listenNetwork(o.bind), addr)
	if err != nil {
		fmt.Fprintf(stderr, "ferry: cannot listen on %s: %v\n", addr, unwrapNet(err))
		return 1
	}
	if !o.quiet {
		o.cfg.AccessLog = stdout
	}
	// The connection bound must be reachable: past the open-file limit,
	// accept fails instead, and idle clients lock new ones out.
	if n := server.ConnsWithinFileLimit(); n > 0 && o.cfg.MaxConns > n {
		o.cfg.MaxConns = n
	}
	o.cfg.Handler = newHandler(root, o.files)
	srv := server.New(o.cfg)
	// Signals are caught before the start line is printed: whoever reads
	// that line may signal at once, and must not kill the process. SIGHUP
	// stops the server as SIGTERM does: one started in a terminal gets it
	// when the terminal or its ssh session closes, and Go's default, to
	// die at once, would leave uploads in flight as temporary files.
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	// The access log goes to stdout, often a pipe: a reader that goes away
	// must end the log, not the server (Go's default for a broken pipe on
	// stdout is to die of SIGPIPE).
	signal.Ignore(syscall.SIGPIPE)
	fmt.Fprintf(stderr, "ferry: serving %s on http://%s/\n", dir, ln.Addr())
	if o.maxConnsAsked > o.cfg.MaxConns {
		fmt.Fprintf(stderr, "ferry: at most %d connections at once, not %d: the open file limit allows no more (ulimit -n)\n", o.cfg.MaxConns, o.maxConnsAsked)
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		fmt.Fprintf(stderr, "ferry: %v\n", err)
		return 1
	case <-signals:
	}
	firstSignal := time.Now()
	stopped := make(chan struct{})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), o.grace)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			fmt.Fprintf(stderr, "ferry: grace period over, closed connections still in flight\n")
		}
		close(stopped)
	}()
	for {
		select {
		case <-stopped:
			return 0
		case <-signals:
			if time.Since(firstSignal) < signalEcho {
				continue
			}
			fmt.Fprintf(stderr, "ferry: second signal, exiting at once\n")
			// Closing every connection makes the handlers in flight
			// fail their reads and writes at once, so an upload removes
			// its temporary file before the process ends.
			srv.Close()
			return 1
		}
	}
}

// signalEcho is how soon after the first a signal is taken for the same
// one delivered twice, not a second: timeout(1) signals both the command
// and its process group, so the server gets two SIGTERMs microseconds
// apart, and must still let requests in flight finish. Someone pressing
// Ctrl-C again takes longer.
const signalEcho = 200 * time.Millisecond

// listenNetwork keeps an IPv4 address to IPv4: Go listens on every
// address of both families for "0.0.0.0" under "tcp", and whoever chose
// 0.0.0.0 over :: (and firewalled IPv4 only) did not mean to expose the
// folder on IPv6 too.
func listenNetwork(bind string) string {
	if ip := net.ParseIP(bind); ip != nil && ip.To4() != nil {
		return "tcp4"
	}
	return "tcp"
}

// newHandler wires the routes, behind the compressing middleware.
func newHandler(root *os.Root, opts fileserver.Options) http1.Handler {
	files := fileserver.New(root, opts)
	rt := router.New()
	rt.Handle("/", []string{"GET"}, http1.HandlerFunc(handlers.Root))
	rt.Handle("/echo/", []string{"GET"}, http1.HandlerFunc(handlers.Echo))
	rt.Handle("/user-agent", []string{"GET"}, http1.HandlerFunc(handlers.UserAgent))
	rt.Handle("/files", files.Methods(), files)
	rt.Handle(fileserver.Prefix, files.Methods(), files)
	return compress.Middleware(rt, compress.Options{})
}

// unwrapPath drops the operation and path from an *os.PathError, which the
// message already names.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// unwrapNet keeps the system's reason ("address already in use") of a
// listen error.
func unwrapNet(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) {
		var se *os.SyscallError
		if errors.As(oe.Err, &se) {
			return se.Err
		}
		return oe.Err
	}
	return err
}
