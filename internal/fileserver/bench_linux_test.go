package fileserver

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkHitCheckFstatat is the hit check as it was before statAt: one
// fstatat relative to the folder through golang.org/x/sys/unix, which
// copies the name to add its NUL on every call. Run with BenchmarkHitCheck
// to compare.
func BenchmarkHitCheckFstatat(b *testing.B) {
	d, err := os.Open(hitCheckDir(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	b.ReportAllocs()
	var st unix.Stat_t
	for b.Loop() {
		if err := unix.Fstatat(int(d.Fd()), "f.bin", &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			b.Fatal(err)
		}
	}
}
