package compress

import "sync"

// DefaultCacheBytes bounds the compressed-file cache when Options leave it
// unset: 32 MiB holds the compressed forms of a few thousand typical web
// files (HTML, CSS, JS of tens of KiB), which is what makes repeated
// downloads cheap, and is small next to the memory a busy server uses.
const DefaultCacheBytes = 32 << 20

// maxCachedFile is the largest identity body whose compressed form is
// cached. Larger files are streamed: holding one in memory while it is
// compressed would cost more than the cache saves, and one huge entry would
// evict hundreds of small hot ones.
const maxCachedFile = 1 << 20

// entryOverhead is what an entry costs beyond its data and key (the struct,
// its strings, the map slot), counted so that many tiny entries cannot
// outgrow the bound.
const entryOverhead = 256

// cache keeps compressed bodies keyed by coding and request path, valid
// for one ETag: a file that changes gets a new ETag, the lookup misses, and
// the fresh compressed form replaces the stale one under the same key. It is
// least-recently-used, bounded by bytes.
type cache struct {
	mu      sync.Mutex
	max     int64
	size    int64
	entries map[string]*entry
	lru     entry // sentinel: lru.next is the most recently used entry
}

// entry is one cached body. Its fields never change once it is in the
// cache, so a hit may write data to a socket without holding the lock.
type entry struct {
	key string
	// etag, ctype and srcLen identify the identity body the handler
	// declared; all three must match for a hit.
	etag   string
	ctype  string
	srcLen int64
	// etagOut is the ETag sent with the compressed body, kept to send it
	// without building the string again.
	etagOut    string
	data       []byte
	prev, next *entry
}

func newCache(max int64) *cache {
	c := &cache{max: max, entries: make(map[string]*entry)}
	c.lru.prev, c.lru.next = &c.lru, &c.lru
	return c
}

func (e *entry) cost() int64 { return int64(len(e.data)+len(e.key)) + entryOverhead }

// get returns the entry under key when it holds the body described by
// etag, ctype and srcLen, or nil.
func (c *cache) get(key []byte, etag, ctype string, srcLen int64) *entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[string(key)]
	if e == nil || e.etag != etag || e.ctype != ctype || e.srcLen != srcLen {
		return nil
	}
	c.unlink(e)
	c.pushFront(e)
	return e
}

// put stores e, replacing any entry under the same key, and evicts the
// least recently used entries until the cache fits its bound again.
func (c *cache) put(e *entry) {
	if e.cost() > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[e.key]; old != nil {
		c.remove(old)
	}
	c.entries[e.key] = e
	c.pushFront(e)
	c.size += e.cost()
	for c.size > c.max {
		c.remove(c.lru.prev)
	}
}

func (c *cache) remove(e *entry) {
	c.unlink(e)
	delete(c.entries, e.key)
	c.size -= e.cost()
}

func (c *cache) unlink(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (c *cache) pushFront(e *entry) {
	e.prev, e.next = &c.lru, c.lru.next
	c.lru.next.prev = e
	c.lru.next = e
}
