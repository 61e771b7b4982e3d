// Command loadbench measures ferry against baselines side by side on
// loopback: the server under test and each baseline pinned to one core,
// the load generator (wrk, curl, or this program for idle connections)
// to the other, runs alternating A B B A A B, medians and ratios printed as a
// table and as Markdown for the README. bench/run.sh builds everything and
// runs it; see bench/README.md.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	var (
		rowsRe    = flag.String("rows", "", "regexp selecting rows by id or label (see -list); default all, or the -short set")
		duration  = flag.Duration("duration", 5*time.Second, "length of one wrk run")
		reps      = flag.Int("reps", 3, "runs per server and row, alternating subject and baseline")
		warmup    = flag.Duration("warmup", time.Second, "unrecorded wrk run per server before each row")
		short     = flag.Bool("short", false, "fewer rows, 3 s runs, 2 reps (explicit -rows/-duration/-reps win)")
		subject   = flag.String("subject", kindFerry, "server under test: ferry, nethttp, fasthttp or nginx")
		vs        = flag.String("vs", "", `baselines, comma-separated, or "all"; default each row's own (fasthttp, or nginx for plain file rows)`)
		binDir    = flag.String("bin", "", "folder holding the ferry, nethttp and fasthttp binaries (bench/run.sh builds them)")
		workDir   = flag.String("work", "", "scratch folder for test files, configs and logs; default a new temporary one, removed at the end")
		serverCPU = flag.String("server-cpu", "0", "core the servers are pinned to")
		clientCPU = flag.String("client-cpu", "1", "core wrk and curl are pinned to")
		noPin     = flag.Bool("no-pin", false, "do not pin anything (results will be noisier)")
		idleConns = flag.Int("idle-conns", 10000, "connections held open in the idle row")
		ferryArgs = flag.String("ferry-args", "", "extra flags for ferry, space-separated")
		mdFile    = flag.String("md", "", "also write the Markdown table to this file")
		list      = flag.Bool("list", false, "list the rows and exit")
	)
	flag.Parse()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *short {
		if !set["duration"] {
			*duration = 3 * time.Second
		}
		if !set["reps"] {
			*reps = 2
		}
	}
	if *list {
		for _, r := range allRows() {
			fmt.Printf("%-18s %-8s %s\n", r.id, r.vs, r.label)
		}
		return
	}
	rows, err := selectRows(*rowsRe, *short && !set["rows"])
	if err != nil {
		fatal(err)
	}
	for _, r := range rows {
		if r.kind == idleRow {
			r.label = fmt.Sprintf("%d idle keep-alive conns, RSS KiB/conn (lower is better)", *idleConns)
		}
	}
	if *reps < 1 {
		fatal(fmt.Errorf("-reps must be at least 1"))
	}

	e := &env{binDir: *binDir, serverCPU: *serverCPU, clientCPU: *clientCPU, ferryArgs: strings.Fields(*ferryArgs)}
	if *noPin {
		e.serverCPU, e.clientCPU = "", ""
	} else if err := canPin(e.serverCPU, e.clientCPU); err != nil {
		fmt.Fprintf(os.Stderr, "loadbench: not pinning: %v\n", err)
		e.serverCPU, e.clientCPU = "", ""
	}
	if e.binDir == "" {
		fatal(fmt.Errorf("-bin is required (use bench/run.sh)"))
	}
	if e.work = *workDir; e.work == "" {
		if e.work, err = os.MkdirTemp("", "loadbench-"); err != nil {
			fatal(err)
		}
		defer os.RemoveAll(e.work)
	}
	e.filesDir = filepath.Join(e.work, "files")
	if err := prepare(e, rows, *subject, *vs); err != nil {
		fatal(err)
	}
	raiseFileLimit()

	b := &bench{env: e, subject: *subject, duration: *duration, warmup: *warmup, reps: *reps,
		idleConns: *idleConns, servers: map[string]*server{}}
	started, loadAvg := time.Now().UTC(), loadAverage()
	var results []*result
	for _, r := range rows {
		bases := baselinesFor(r, *vs, *subject)
		if len(bases) == 0 {
			fmt.Fprintf(os.Stderr, "%s: no baseline in -vs %q serves this row; skipped\n", r.id, *vs)
		}
		for _, base := range bases {
			results = append(results, b.run(r, base))
		}
	}
	b.stopAll()

	rep := report{subject: *subject, loadAvg: loadAvg, results: results, started: started, duration: *duration,
		reps: *reps, serverCPU: e.serverCPU, clientCPU: e.clientCPU, command: commandLine()}
	fmt.Println()
	rep.text(os.Stdout)
	fmt.Println()
	md := rep.markdown()
	fmt.Print(md)
	if *mdFile != "" {
		if err := os.WriteFile(*mdFile, []byte(md), 0o644); err != nil {
			fatal(err)
		}
	}
}

// prepare checks the tools and binaries the selected rows need and creates
// their test files and wrk scripts.
func prepare(e *env, rows []*row, subject, vs string) error {
	tools := []string{"wrk"}
	if e.serverCPU != "" {
		tools = append(tools, "taskset")
	}
	kinds := map[string]bool{subject: true}
	for _, r := range rows {
		for _, b := range baselinesFor(r, vs, subject) {
			kinds[b] = true
		}
		if r.kind == downloadRow {
			tools = append(tools, "curl")
		}
	}
	for k := range kinds {
		switch k {
		case kindNginx:
			tools = append(tools, "nginx")
		case kindFerry, kindNetHTTP, kindFastHTTP:
			if _, err := os.Stat(filepath.Join(e.binDir, k)); err != nil {
				return fmt.Errorf("no %s binary in %s (did it build?)", k, e.binDir)
			}
		default:
			return fmt.Errorf("unknown server %q", k)
		}
	}
	if err := lookPath(tools...); err != nil {
		return err
	}
	if err := os.MkdirAll(e.filesDir, 0o755); err != nil {
		return err
	}
	// A private temporary folder would keep nginx's worker out.
	if err := os.Chmod(e.work, 0o755); err != nil {
		return err
	}
	for _, r := range rows {
		if r.file != nil {
			if err := r.file.create(e.filesDir); err != nil {
				return err
			}
		}
	}
	return writeScripts(e.work)
}

// canPin checks that the two cores differ and taskset can use them. (This
// process may itself be pinned by run.sh, so its own CPU count says
// nothing about the machine's.)
func canPin(server, client string) error {
	if server == client {
		return fmt.Errorf("server and client share core %s", server)
	}
	for _, cpu := range []string{server, client} {
		if out, err := exec.Command("taskset", "-c", cpu, "true").CombinedOutput(); err != nil {
			return fmt.Errorf("taskset -c %s: %v %s", cpu, err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// raiseFileLimit lifts the open-file limit to its hard maximum for this
// process and the servers it starts (the idle row holds 10,000 sockets on
// each side). An explicit Setrlimit also stops os/exec from restoring the
// old soft limit in children.
func raiseFileLimit() {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench: raising the open-file limit:", err)
	}
}

// loadAverage is the machine's 1-minute load average: above about 0.1 on
// an idle two-core box, something else is competing for the cores.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return ""
}

// commandLine is how the run was started, for the README: run.sh passes
// its own command line in BENCH_COMMAND.
func commandLine() string {
	if c := os.Getenv("BENCH_COMMAND"); c != "" {
		return c
	}
	return strings.Join(os.Args, " ")
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadbench:", err)
	os.Exit(1)
}

// bench holds the servers kept running across rows, so each row does not
// pay for start-up; a server that died is started again.
type bench struct {
	*env
	subject   string
	duration  time.Duration
	warmup    time.Duration
	reps      int
	idleConns int
	servers   map[string]*server
}

func (b *bench) get(kind string) (*server, error) {
	if s := b.servers[kind]; s != nil {
		if s.alive() {
			return s, nil
		}
		fmt.Fprintf(os.Stderr, "  %s had exited (%v): %s\n  starting it again\n", kind, s.err, s.tail())
	}
	s, err := start(b.env, kind)
	if err != nil {
		return nil, err
	}
	b.servers[kind] = s
	return s, nil
}

func (b *bench) stopAll() {
	for _, s := range b.servers {
		s.stop()
	}
}

// run measures one row against one baseline, alternating the two servers
// (A B B A A B ...).
func (b *bench) run(r *row, base string) *result {
	res := &result{row: r, subject: b.subject, base: base}
	kinds := []string{b.subject, base}
	fmt.Fprintf(os.Stderr, "%s vs %s: %s\n", r.id, base, r.label)
	if r.kind != idleRow {
		for _, k := range kinds {
			s, err := b.get(k)
			if err == nil {
				err = checkRow(s, r)
			}
			if err != nil {
				res.skip = fmt.Sprintf("%s: %v", k, err)
				fmt.Fprintf(os.Stderr, "  skipped: %s\n", res.skip)
				return res
			}
			if r.kind == wrkRow && b.warmup > 0 {
				if _, err := runWrk(b.env, s, r, b.warmup); err != nil {
					res.skip = fmt.Sprintf("%s warm-up: %v", k, err)
					fmt.Fprintf(os.Stderr, "  skipped: %s\n", res.skip)
					return res
				}
			}
		}
	}
	for rep := range b.runs(r) {
		// A B, then B A: the machine drifts (neighbours come and go), and a
		// fixed order would hand each trend's gain to the server run second.
		order := []int{0, 1}
		if rep%2 == 1 {
			order = []int{1, 0}
		}
		for _, i := range order {
			k := kinds[i]
			sm, err := b.measure(r, k)
			if err != nil {
				sm = sample{note: err.Error(), errors: 1}
				fmt.Fprintf(os.Stderr, "  %d %-8s failed: %v\n", rep+1, k, err)
			} else {
				fmt.Fprintf(os.Stderr, "  %d %-8s %s\n", rep+1, k, sm.describe(r))
			}
			if i == 0 {
				res.a = append(res.a, sm)
			} else {
				res.b = append(res.b, sm)
			}
		}
	}
	return res
}

// downloadRunsPerRep multiplies the runs of the download row: one 1 GiB
// download takes well under a second on loopback, and single downloads
// vary by up to 2× (1.3-3.5 GB/s seen for the same server within a
// minute), so three times as many keep its median from resting on one
// lucky or unlucky run, for a few seconds more.
const downloadRunsPerRep = 3

// runs is how many runs per server the row gets.
func (b *bench) runs(r *row) int {
	if r.kind == downloadRow {
		return downloadRunsPerRep * b.reps
	}
	return b.reps
}

func (b *bench) measure(r *row, kind string) (sample, error) {
	if r.kind == idleRow {
		return measureIdle(b.env, kind, r, b.idleConns)
	}
	s, err := b.get(kind)
	if err != nil {
		return sample{}, err
	}
	if r.kind == downloadRow {
		return download(b.env, s, r)
	}
	return runWrk(b.env, s, r, b.duration)
}

// lookPathOK reports whether a program is installed; used for the report's
// tool versions.
func lookPathOK(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}
