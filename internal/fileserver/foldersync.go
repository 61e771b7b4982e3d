package fileserver

import (
	"os"
	"sync"
	"sync/atomic"
)

// folderSyncs makes uploads' renames durable with as few folder fsyncs as
// concurrent uploads allow. An fsync of a folder that starts after a rename
// in it covers that rename, so uploads that finish together in one folder
// share one fsync instead of queueing for one each (the group commit of
// databases). It is best effort, as each fsync was: the new file is
// already in place and whole, and a folder that cannot be synced (some
// file systems refuse) is no reason to report an upload as failed.
type folderSyncs struct {
	// fsync syncs a folder; tests count the calls.
	fsync func(root *os.Root, dir string)

	mu      sync.Mutex
	folders map[string]*folderSync
}

// folderSync is one folder's state, kept while some upload uses it.
type folderSync struct {
	users int // guarded by folderSyncs.mu

	// renamed counts the renames in the folder: each upload takes its
	// number after its rename.
	renamed atomic.Uint64
	// mu is held while an fsync runs; synced is the highest number the
	// last finished fsync covers.
	mu     sync.Mutex
	synced uint64
}

// sync makes the rename just done in dir durable.
func (syncs *folderSyncs) sync(root *os.Root, dir string) {
	f := syncs.acquire(dir)
	defer syncs.release(dir, f)
	mine := f.renamed.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.synced >= mine {
		return
	}
	// Every number taken so far belongs to a rename already done: this
	// fsync, starting now, covers them all.
	covered := f.renamed.Load()
	syncs.fsync(root, dir)
	f.synced = covered
}

func fsyncFolder(root *os.Root, dir string) {
	if d, err := root.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

func (syncs *folderSyncs) acquire(dir string) *folderSync {
	syncs.mu.Lock()
	defer syncs.mu.Unlock()
	if syncs.folders == nil {
		syncs.folders = make(map[string]*folderSync)
	}
	f := syncs.folders[dir]
	if f == nil {
		f = &folderSync{}
		syncs.folders[dir] = f
	}
	f.users++
	return f
}

// release forgets a folder no upload uses any more: a later upload starts
// afresh and syncs for itself.
func (syncs *folderSyncs) release(dir string, f *folderSync) {
	syncs.mu.Lock()
	defer syncs.mu.Unlock()
	if f.users--; f.users == 0 {
		delete(syncs.folders, dir)
	}
}
