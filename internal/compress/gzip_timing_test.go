//go:build unix

package compress

import (
	stdgzip "compress/gzip"
	"io"
	"syscall"
	"testing"

	"github.com/klauspost/compress/gzip"

	"ferry/internal/http1"
)

// BenchmarkGzip64KiB compresses a 64 KiB text file with a reused writer, as
// the middleware does, with klauspost/compress and with the standard
// library at the levels ferry uses: the case for the dependency.
func BenchmarkGzip64KiB(b *testing.B) {
	src := text(64<<10, 12)
	for _, level := range []int{streamLevel, cacheLevel} {
		b.Run("klauspost/level"+itoa(level), func(b *testing.B) {
			zw, _ := gzip.NewWriterLevel(io.Discard, level)
			benchGzip(b, src, zw)
		})
		b.Run("stdlib/level"+itoa(level), func(b *testing.B) {
			zw, _ := stdgzip.NewWriterLevel(io.Discard, level)
			benchGzip(b, src, zw)
		})
	}
}

type resetWriter interface {
	io.WriteCloser
	Reset(io.Writer)
}

func benchGzip(b *testing.B, src []byte, zw resetWriter) {
	var out sink
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		out.b = out.b[:0]
		zw.Reset(&out)
		zw.Write(src)
		zw.Close()
	}
	cpu.report(b)
	b.ReportMetric(float64(len(out.b))/float64(len(src)), "ratio")
}

// cpuClock measures the process's CPU time over a benchmark loop. On a
// shared, loaded machine wall time per operation swings by several times
// from run to run; CPU time per operation barely moves, so it is the number
// to compare codecs by.
type cpuClock struct{ start int64 }

func startCPU() cpuClock { return cpuClock{cpuNanos()} }

func (c cpuClock) report(b *testing.B) {
	b.ReportMetric(float64(cpuNanos()-c.start)/float64(b.N), "cpu-ns/op")
}

func cpuNanos() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func itoa(n int) string { return string(rune('0' + n)) }

// BenchmarkMiddleware64KiB serves a 64 KiB text file through the
// middleware: compressed on every request, and sent from the cache.
func BenchmarkMiddleware64KiB(b *testing.B) {
	src := text(64<<10, 13)
	file := http1.HandlerFunc(func(w http1.ResponseWriter, r *http1.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("ETag", `"v1"`)
		w.Header().SetContentLength(int64(len(src)))
		w.Write(src)
	})
	for _, bc := range []struct {
		name string
		opts Options
	}{{"compressed", Options{CacheBytes: -1}}, {"cached", Options{}}} {
		b.Run(bc.name, func(b *testing.B) {
			h := Middleware(file, bc.opts)
			req := parseRequest(b, ae("gzip"))
			fw := new(fakeWriter)
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				fw.reset()
				h.ServeHTTP(fw, req)
			}
			cpu.report(b)
		})
	}
}
