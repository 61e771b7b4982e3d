package fileserver

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ferry/internal/http1"
)

// smallFileCache keeps the bytes of small, hot files in memory. A hit costs
// at most one stat instead of an open, a fstat, a read and a close: a few
// microseconds per request, which is most of the cost of serving a small
// file. Every hit is validated by a stat (size, modification and change
// times, mode, inode, device) made after the request arrived, so a file
// changed on disk by anyone, ferry's own uploads included, is never served
// stale. One stat serves every request that arrived shortly before it
// began (see maxSharedCheckLead): a request answered with the file as
// that stat found it was sent before the stat, so no change it could have
// seen happen first is missed.
type smallFileCache struct {
	// racy is racyWindow and limit maxCacheBytes; tests shorten them.
	racy  time.Duration
	limit int64
	// dir is the served folder, opened once for statAt; nil where the
	// system offers no such stat, which leaves the cache off.
	dir *os.File

	mu      sync.RWMutex
	entries map[string]*cachedFile
	bytes   int64
}

type cachedFile struct {
	// statName is the name the entry is kept under, as statAt takes it.
	statName []byte
	id       identity
	// checked is when the latest stat that found the entry unchanged
	// began, in Unix nanoseconds; 0 before the first.
	checked atomic.Int64
	// folders are those on the way to the file (see pathFolders).
	folders []cachedFolder
	fi      fs.FileInfo
	meta    fileMeta
	data    []byte
}

// cost is the memory the entry holds, as the cache's bound counts it.
func (e *cachedFile) cost() int64 {
	n := int64(len(e.data) + 2*len(e.statName) + entryOverhead)
	for _, f := range e.folders {
		n += int64(len(f.statName) + folderOverhead)
	}
	return n
}

// cachedFolder is a folder on the way to a cached file, as it was when
// the file was cached.
type cachedFolder struct {
	statName []byte
	id       identity
}

// memContent is a cached file's bytes as served: a reader for ranges, and
// the bytes themselves for sendBody's single write.
type memContent struct {
	bytes.Reader
	data []byte
}

func newMemContent(data []byte) *memContent {
	m := new(memContent)
	m.reset(data)
	return m
}

func (m *memContent) reset(data []byte) {
	m.data = data
	m.Reset(data)
}

// memContents recycles the readers cache hits are served through, so that
// a hit allocates nothing.
var memContents = sync.Pool{New: func() any { return new(memContent) }}

// serveCached answers GET or HEAD from a cache entry lookup returned.
func serveCached(w http1.ResponseWriter, r *http1.Request, e *cachedFile) {
	m := memContents.Get().(*memContent)
	m.reset(e.data)
	serveFile(w, r, m, e.fi, e.meta)
	m.reset(nil)
	memContents.Put(m)
}

const (
	// maxCachedFileBytes is the largest file kept: past it, sendfile from
	// the page cache costs about as much as a copy from ours.
	maxCachedFileBytes = 64 << 10
	// maxCacheBytes bounds the memory the cache holds, counted by cost.
	maxCacheBytes = 32 << 20
	// entryOverhead is what an entry costs beyond its bytes and names
	// (the structs, the file information, the map slot), counted so that
	// many empty files cannot outgrow the bound; folderOverhead is what
	// each folder on its way costs beyond the folder's name (its record
	// and identity, the name's own allocation).
	entryOverhead  = 512
	folderOverhead = 128
	// maxCachedDepth is the most folders a cached file may be in: a hit
	// checks each of them with a stat that walks the name from the top,
	// so deeper files would cost more to check than to open.
	maxCachedDepth = 8
	// racyWindow keeps out files changed in the last two seconds. A write
	// that lands within the file system's timestamp granularity of the
	// moment it was cached would leave its times unchanged; a file whose
	// change time is older than this cannot be in that case (the idea of
	// git's "racy git" check).
	racyWindow = 2 * time.Second
)

func newSmallFileCache(root *os.Root) *smallFileCache {
	return &smallFileCache{racy: racyWindow, limit: maxCacheBytes, dir: openStatDir(root), entries: make(map[string]*cachedFile)}
}

// maxSharedCheckLead bounds how long before a stat a request may have
// arrived for that stat to answer it. Arrivals are stamped on the wall
// clock, so stats are timed on it too: set back, it could make a stat
// look later than requests that arrived after it, and this bounds for how
// long. Requests that arrive bunched together are microseconds apart; one
// that waited longer is checked on its own.
const maxSharedCheckLead = 100 * time.Millisecond

// lookup returns name's cached entry when the cache holds it and the file
// is unchanged since, as seen by a stat that began after arrival (a
// request's http1.Request.Arrival; the zero time, unknown, always stats).
// The name is bytes so that the hot path can look up a slice of the
// request target without copying it.
func (c *smallFileCache) lookup(name []byte, arrival time.Time) *cachedFile {
	if c.dir == nil {
		return nil
	}
	c.mu.RLock()
	e := c.entries[string(name)]
	c.mu.RUnlock()
	if e == nil {
		return nil
	}
	if !arrival.IsZero() {
		if lead := e.checked.Load() - arrival.UnixNano(); lead > 0 && lead < int64(maxSharedCheckLead) {
			return e
		}
	}
	began := time.Now().UnixNano()
	if id, ok := statAt(c.dir, e.statName); !ok || id != e.id {
		c.forget(string(name), e)
		return nil
	}
	for _, f := range e.folders {
		if id, ok := statAt(c.dir, f.statName); !ok || !id.sameFolder(f.id) {
			c.forget(string(name), e)
			return nil
		}
	}
	e.checked.Store(began)
	return e
}

// pathFolders returns the folders on the way to the file name, from the
// top, each with its identity, or false when one is not a plain folder (a
// symbolic link). statAt follows the links on the way, so a hit checks
// each of them too: otherwise a folder moved out of the served one, with a
// link to it put in its place, would keep serving its cached files, which
// os.Root now refuses to reach (403).
func (c *smallFileCache) pathFolders(name string) ([]cachedFolder, bool) {
	folders := make([]cachedFolder, 0, strings.Count(name, "/"))
	for i := range len(name) {
		if name[i] != '/' {
			continue
		}
		sn := statName(name[:i])
		id, ok := statAt(c.dir, sn)
		if !ok || !id.sameFolder(id) {
			return nil, false
		}
		folders = append(folders, cachedFolder{statName: sn, id: id})
	}
	return folders, true
}

// content returns what to serve name's open file f from: its bytes, read
// now and kept, when it is small and settled, or f itself.
func (c *smallFileCache) content(f *os.File, fi fs.FileInfo, name string, meta fileMeta) fileContent {
	size := fi.Size()
	if c.dir == nil || size > maxCachedFileBytes || strings.Count(name, "/") > maxCachedDepth {
		return f
	}
	id, ok := identityOf(fi)
	if !ok || time.Since(id.changeTime()) < c.racy {
		return f
	}
	// Hits are checked by a stat that does not follow a final symbolic
	// link: a name that is one would never hit, so it is not kept.
	sn := statName(name)
	if byName, ok := statAt(c.dir, sn); !ok || byName != id {
		return f
	}
	folders, ok := c.pathFolders(name)
	if !ok {
		return f
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		f.Seek(0, io.SeekStart)
		return f
	}
	e := &cachedFile{statName: sn, id: id, folders: folders, fi: fi, meta: meta, data: data}
	cost := e.cost()
	c.mu.Lock()
	if old := c.entries[name]; old != nil {
		c.bytes -= old.cost()
		delete(c.entries, name)
	}
	for key, old := range c.entries {
		if c.bytes+cost <= c.limit {
			break
		}
		// Map order is random: this evicts random entries, which is
		// enough to bound memory without bookkeeping on every hit.
		delete(c.entries, key)
		c.bytes -= old.cost()
	}
	c.entries[name] = e
	c.bytes += cost
	c.mu.Unlock()
	return newMemContent(data)
}

// forget drops name's entry if it is still e.
func (c *smallFileCache) forget(name string, e *cachedFile) {
	c.mu.Lock()
	if c.entries[name] == e {
		delete(c.entries, name)
		c.bytes -= e.cost()
	}
	c.mu.Unlock()
}
