package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// result is one row measured against one baseline.
type result struct {
	row     *row
	subject string
	base    string
	a, b    []sample // subject, baseline
	skip    string   // why the row was not measured
}

func (r *row) unit() string {
	switch {
	case r.kind == downloadRow || r.transfer:
		return "MB/s"
	case r.kind == idleRow:
		return "KiB/conn"
	}
	return "req/s"
}

func (s sample) describe(r *row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", formatValue(s.value, r.unit()), r.unit())
	if r.kind == wrkRow {
		fmt.Fprintf(&b, ", p99 %s, %d requests", formatLatency(s.p99), s.requests)
	}
	if s.errors > 0 {
		fmt.Fprintf(&b, ", %d errors", s.errors)
	}
	if s.note != "" {
		b.WriteString(", " + s.note)
	}
	return b.String()
}

// median of the successful samples; ok is false when there were none.
func median(ss []sample, get func(sample) float64) (float64, bool) {
	var v []float64
	for _, s := range ss {
		if s.ok {
			v = append(v, get(s))
		}
	}
	if len(v) == 0 {
		return 0, false
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

// withLatency drops runs in which no response completed (possible on the
// 100 MiB row), which have no p99.
func withLatency(ss []sample) []sample {
	var out []sample
	for _, s := range ss {
		if s.p99 > 0 {
			out = append(out, s)
		}
	}
	return out
}

func value(s sample) float64 { return s.value }
func p99(s sample) float64   { return float64(s.p99) }

// cells is the table line for a result: row, vs, subject, baseline,
// ratio, p99 subject, p99 baseline, notes.
func (res *result) cells() []string {
	r := res.row
	c := []string{r.label, res.base}
	if res.skip != "" {
		return append(c, "-", "-", "-", "-", "-", "-", "skipped: "+res.skip)
	}
	unit := r.unit()
	va, okA := median(res.a, value)
	vb, okB := median(res.b, value)
	c = append(c, orDash(okA, formatValue(va, unit)), orDash(okB, formatValue(vb, unit)))
	c = append(c, orDash(okA && okB && vb > 0, fmt.Sprintf("%.2f", va/vb)), res.ratioRange())
	if r.kind == wrkRow {
		pa, okA := median(withLatency(res.a), p99)
		pb, okB := median(withLatency(res.b), p99)
		c = append(c, orDash(okA, formatLatency(time.Duration(pa))), orDash(okB, formatLatency(time.Duration(pb))))
	} else {
		c = append(c, "", "")
	}
	notes := res.notes()
	switch r.kind {
	case idleRow:
		notes = joinNotes(res.rss(""), notes)
	case downloadRow:
		notes = joinNotes(res.rss("peak "), notes)
	}
	return append(c, notes)
}

// rss names both servers' median RSS before and after the idle
// connections (or before and at the peak of a download, label "peak "), in
// MiB, so the per-connection figure can be checked and flat memory seen.
func (res *result) rss(label string) string {
	var parts []string
	for i, ss := range [][]sample{res.a, res.b} {
		before, okB := median(ss, func(s sample) float64 { return float64(s.rssBefore) })
		after, okA := median(ss, func(s sample) float64 { return float64(s.rssAfter) })
		if okB && okA {
			parts = append(parts, fmt.Sprintf("%s RSS %.1f → %s%.1f MiB", []string{res.subject, res.base}[i], before/1024, label, after/1024))
		}
	}
	return strings.Join(parts, ", ")
}

func joinNotes(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// ratioRange is the lowest and highest ratio of the runs paired in time
// (subject run i against baseline run i): how far one run can be trusted.
func (res *result) ratioRange() string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range min(len(res.a), len(res.b)) {
		a, b := res.a[i], res.b[i]
		if a.ok && b.ok && b.value > 0 {
			lo, hi = min(lo, a.value/b.value), max(hi, a.value/b.value)
		}
	}
	if lo > hi {
		return "-"
	}
	return fmt.Sprintf("%.2f–%.2f", lo, hi)
}

// notes flags anything that makes a number suspect: errors, failed runs.
func (res *result) notes() string {
	var n []string
	for i, ss := range [][]sample{res.a, res.b} {
		who := []string{res.subject, res.base}[i]
		var errs, reqs, failed int
		for _, s := range ss {
			if !s.ok {
				failed++
			}
			errs += s.errors
			reqs += s.requests
		}
		if failed > 0 {
			n = append(n, fmt.Sprintf("%s: %d of %d runs failed", who, failed, len(ss)))
		}
		if errs > 0 && res.row.kind == idleRow {
			n = append(n, fmt.Sprintf("%s closed %d idle connections", who, errs))
		} else if errs > 0 {
			n = append(n, fmt.Sprintf("%s: %d errors in %d requests", who, errs, reqs))
		}
	}
	return strings.Join(n, "; ")
}

func orDash(ok bool, s string) string {
	if !ok {
		return "-"
	}
	return s
}

func formatValue(v float64, unit string) string {
	switch unit {
	case "req/s", "MB/s":
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func formatLatency(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// report is the whole run, printed for the terminal and as Markdown.
type report struct {
	subject   string
	loadAvg   string // /proc/loadavg's 1-minute figure when the run began
	results   []*result
	started   time.Time
	duration  time.Duration
	reps      int
	serverCPU string
	clientCPU string
	command   string
}

func (rep *report) header() []string {
	return []string{"row", "vs", rep.subject, "baseline", rep.subject + "/baseline", "range",
		"p99 " + rep.subject, "p99 baseline", "notes"}
}

func (rep *report) text(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(rep.header(), "\t"))
	for _, res := range rep.results {
		fmt.Fprintln(tw, strings.Join(res.cells(), "\t"))
	}
	tw.Flush()
}

func (rep *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s UTC with `%s`: %s.\n", rep.started.Format("2006-01-02 15:04"), rep.command, rep.machine())
	fmt.Fprintf(&b, "Each value is the median of %d runs of %s per server (%d downloads for the download row), alternating %s and baseline; "+
		"range: the lowest and highest ratio of runs paired in time; "+
		"req/s and MB/s: higher is better, KiB/conn: lower is better.\n\n", rep.reps, rep.duration, downloadRunsPerRep*rep.reps, rep.subject)
	fmt.Fprintf(&b, "| %s |\n", strings.Join(rep.header(), " | "))
	fmt.Fprintf(&b, "|%s\n", strings.Repeat(" --- |", len(rep.header())))
	for _, res := range rep.results {
		c := res.cells()
		for i := range c {
			c[i] = strings.ReplaceAll(c[i], "|", `\|`)
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(c, " | "))
	}
	return b.String()
}

// machine describes where the numbers come from.
func (rep *report) machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	cores := "?"
	if b, err := os.ReadFile("/sys/devices/system/cpu/online"); err == nil {
		cores = strings.TrimSpace(string(b))
	}
	parts := []string{fmt.Sprintf("%s (cpus %s)", cpu, cores), runtime.Version()}
	if out, err := exec.Command("uname", "-r").Output(); err == nil {
		parts = append(parts, "Linux "+strings.TrimSpace(string(out)))
	}
	if rep.loadAvg != "" {
		parts = append(parts, "load average "+rep.loadAvg+" at the start")
	}
	if rep.serverCPU != "" {
		parts = append(parts, fmt.Sprintf("server on core %s, wrk (1 thread) on core %s", rep.serverCPU, rep.clientCPU))
	} else {
		parts = append(parts, "not pinned")
	}
	if lookPathOK("wrk") {
		if out, _ := exec.Command("wrk", "-v").CombinedOutput(); len(out) > 0 {
			if f := strings.Fields(string(out)); len(f) > 1 {
				parts = append(parts, "wrk "+f[1])
			}
		}
	}
	if lookPathOK("nginx") {
		if out, _ := exec.Command("nginx", "-v").CombinedOutput(); len(out) > 0 {
			if _, v, ok := strings.Cut(strings.TrimSpace(string(out)), "nginx/"); ok {
				parts = append(parts, "nginx "+v)
			}
		}
	}
	return strings.Join(parts, ", ")
}
