package fileserver

import (
	"io/fs"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// identity is what a cached file is checked against on every hit: writing
// to a file, truncating it, replacing it (a rename over it, as uploads do),
// changing its mode or touching it changes at least one of these. The
// change time catches writes that keep the size and set the modification
// time back.
type identity struct {
	dev, ino            uint64
	size                int64
	mode                uint32
	mtimeSec, mtimeNsec int64
	ctimeSec, ctimeNsec int64
}

func (id identity) changeTime() time.Time { return time.Unix(id.ctimeSec, id.ctimeNsec) }

// identityOf is an open file's identity, from its fstat.
func identityOf(fi fs.FileInfo) (identity, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return identity{}, false
	}
	return identity{
		dev: uint64(st.Dev), ino: uint64(st.Ino), size: int64(st.Size), mode: uint32(st.Mode),
		mtimeSec: int64(st.Mtim.Sec), mtimeNsec: int64(st.Mtim.Nsec),
		ctimeSec: int64(st.Ctim.Sec), ctimeNsec: int64(st.Ctim.Nsec),
	}, true
}

// openStatDir opens the served folder for statAt. O_PATH needs no read
// permission on the folder, only the right to search it.
func openStatDir(root *os.Root) *os.File {
	dir, err := root.OpenFile(".", unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil
	}
	return dir
}

// statAt is the identity of the file at name under dir, the final name not
// followed if it is a symbolic link. It is one fstatat: os.Root.Stat walks
// the name a component at a time and allocates its result, more than twice
// the cost. Intermediate links are followed by the kernel, even out of the
// folder; that is safe here because a hit also needs the inode, times and
// size of a file first opened through the os.Root.
func statAt(dir *os.File, name string) (identity, bool) {
	var st unix.Stat_t
	if unix.Fstatat(int(dir.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW) != nil {
		return identity{}, false
	}
	return identity{
		dev: uint64(st.Dev), ino: uint64(st.Ino), size: int64(st.Size), mode: uint32(st.Mode),
		mtimeSec: int64(st.Mtim.Sec), mtimeNsec: int64(st.Mtim.Nsec),
		ctimeSec: int64(st.Ctim.Sec), ctimeNsec: int64(st.Ctim.Nsec),
	}, true
}
