package match

import "sync"

// LogCache keeps the logs of the matches appended to lately, so that a
// store's append need not read a whole log back (Record needs all of it).
// A cached log is used only when it ends at the sequence number the
// database holds for the match: the log is append-only, so it is then the
// whole log, and an entry left stale by another process is never trusted.
// The zero value is ready to use.
type LogCache struct {
	mu   sync.Mutex
	logs map[int64][]Event
}

// logCacheSize bounds the cache; a busy day has far fewer live matches.
const logCacheSize = 256

// Get returns the cached log of m if it ends at m.Seq. The caller must not
// modify it (append to a clipped copy).
func (c *LogCache) Get(m Match) ([]Event, bool) {
	c.mu.Lock()
	log, ok := c.logs[m.ID]
	c.mu.Unlock()
	if !ok || int64(len(log)) != m.Seq || (m.Seq > 0 && log[len(log)-1].Seq != m.Seq) {
		return nil, false
	}
	return log, true
}

// Put caches log, the whole log of match id as just committed.
func (c *LogCache) Put(id int64, log []Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.logs == nil {
		c.logs = make(map[int64][]Event)
	}
	if _, ok := c.logs[id]; !ok && len(c.logs) >= logCacheSize {
		for k := range c.logs { // evict one at random
			delete(c.logs, k)
			break
		}
	}
	c.logs[id] = log
}
