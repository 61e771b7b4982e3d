package fileserver

import (
	"io/fs"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// identity is what the stat validating a hit checks a cached file
// against: writing to a file, truncating it, replacing it (a rename over
// it, as uploads do), changing its mode or touching it changes at least
// one of these. The change time catches writes that keep the size and set
// the modification time back.
type identity struct {
	dev, ino            uint64
	size                int64
	mode                uint32
	mtimeSec, mtimeNsec int64
	ctimeSec, ctimeNsec int64
}

func (id identity) changeTime() time.Time { return time.Unix(id.ctimeSec, id.ctimeNsec) }

// sameFolder reports whether id is a folder, the one folder is: same
// device and inode. Its times and size change with its entries, which do
// not matter here.
func (id identity) sameFolder(folder identity) bool {
	return id.mode&syscall.S_IFMT == syscall.S_IFDIR && id.dev == folder.dev && id.ino == folder.ino
}

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
// permission on the folder, only the right to search it. A system whose
// kernel or sandbox refuses statx gets no folder, which leaves the cache
// off.
func openStatDir(root *os.Root) *os.File {
	dir, err := root.OpenFile(".", unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil
	}
	if _, ok := statAt(dir, statName(".")); !ok {
		dir.Close()
		return nil
	}
	return dir
}

// statName is name as statAt takes it: NUL-terminated, made once per
// cached file so that a hit copies nothing.
func statName(name string) []byte {
	return append([]byte(name), 0)
}

// statxFields are the fields an identity is made of.
const statxFields = unix.STATX_TYPE | unix.STATX_MODE | unix.STATX_INO | unix.STATX_SIZE | unix.STATX_MTIME | unix.STATX_CTIME

// statAt is the identity of the file at name (from statName) under dir,
// the final name not followed if it is a symbolic link. It is one statx
// relative to the folder, made directly: os.Root.Stat walks the name a
// component at a time and allocates its result, more than twice the cost,
// and unix.Statx copies the name to add the NUL. statx's result has the
// same layout on every architecture, unlike fstatat's. Intermediate links
// are followed by the kernel, even out of the folder; that is safe here
// because a hit also needs the inode, times and size of a file first
// opened through the os.Root, and each folder on its way to be the folder
// it was then, not a link (pathFolders).
func statAt(dir *os.File, name []byte) (identity, bool) {
	var st unix.Statx_t
	_, _, errno := syscall.Syscall6(unix.SYS_STATX, dir.Fd(), uintptr(unsafe.Pointer(&name[0])),
		unix.AT_SYMLINK_NOFOLLOW|unix.AT_STATX_SYNC_AS_STAT, statxFields, uintptr(unsafe.Pointer(&st)), 0)
	if errno != 0 || st.Mask&statxFields != statxFields {
		return identity{}, false
	}
	return identity{
		// The device number as stat(2) encodes it, for comparison with
		// identityOf's.
		dev: unix.Mkdev(st.Dev_major, st.Dev_minor), ino: st.Ino, size: int64(st.Size), mode: uint32(st.Mode),
		mtimeSec: st.Mtime.Sec, mtimeNsec: int64(st.Mtime.Nsec),
		ctimeSec: st.Ctime.Sec, ctimeNsec: int64(st.Ctime.Nsec),
	}, true
}
