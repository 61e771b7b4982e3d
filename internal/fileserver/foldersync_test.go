package fileserver

import (
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestFolderSyncsShared: uploads finishing together in one folder share an
// fsync that starts after their renames; one alone always gets its own;
// a folder no upload uses is forgotten.
func TestFolderSyncsShared(t *testing.T) {
	const uploads = 50
	var calls atomic.Int32
	var syncs folderSyncs
	syncs.fsync = func(_ *os.Root, dir string) {
		if calls.Add(1) == 1 && dir == "shared" {
			// Hold the first fsync until every upload has renamed (taken
			// its number): all of them then wait behind it.
			deadline := time.Now().Add(10 * time.Second)
			for syncs.renamedIn(dir) < uploads && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
		}
	}
	var wg sync.WaitGroup
	for range uploads {
		wg.Go(func() { syncs.sync(nil, "shared") })
	}
	wg.Wait()
	if n := calls.Load(); n > 2 {
		t.Errorf("%d uploads finishing together made %d fsyncs, want at most 2", uploads, n)
	}
	calls.Store(0)
	for range 3 {
		syncs.sync(nil, "alone")
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("3 uploads one after another made %d fsyncs, want 3", n)
	}
	if len(syncs.folders) != 0 {
		t.Errorf("%d folders still tracked after the uploads", len(syncs.folders))
	}
}

// renamedIn is how many renames dir's entry has counted, 0 without one.
func (syncs *folderSyncs) renamedIn(dir string) uint64 {
	syncs.mu.Lock()
	defer syncs.mu.Unlock()
	if f := syncs.folders[dir]; f != nil {
		return f.renamed.Load()
	}
	return 0
}
