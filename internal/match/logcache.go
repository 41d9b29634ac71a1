package match

import (
	"context"
	"fmt"
	"sync"
)

// LogCache keeps the logs of the matches appended to lately, each with
// what Record needs of it (Log), so that a store's append neither reads a
// whole log back nor folds it. A cached log is used only when it ends at
// the sequence number the database holds for the match (Log.Refresh): the
// log is append-only, so it is then the whole log, and an entry left stale
// by another process is never trusted. The zero value is ready to use.
//
// A store checks a match's log out before its transaction (Checkout) and
// releases it after the commit (Log.Release), having committed its event
// to it (Log.Commit): so the next append to the match in this process
// waits for the log to have the event instead of finding it stale and
// reading the whole log again. Appends to one match are serialized by the
// database anyway; taking the log before any lock of the database's
// leaves no way for the two to deadlock.
type LogCache struct {
	mu   sync.Mutex
	logs map[int64]*Log
}

// logCacheSize bounds the cache; a busy day has far fewer live matches.
const logCacheSize = 256

// Checkout returns the cached log of match id, empty if none is cached,
// for the caller's use alone until it calls Release: it waits while
// another caller has it. It fails only when ctx ends first.
func (c *LogCache) Checkout(ctx context.Context, id int64) (*Log, error) {
	c.mu.Lock()
	l, ok := c.logs[id]
	if !ok {
		l = newLog()
		c.put(id, l)
	}
	c.mu.Unlock()
	select {
	case l.sem <- struct{}{}:
		return l, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the log of match %d: %w", id, context.Cause(ctx))
	}
}

// put caches l for match id; c.mu must be held.
func (c *LogCache) put(id int64, l *Log) {
	if c.logs == nil {
		c.logs = make(map[int64]*Log)
	}
	if _, ok := c.logs[id]; !ok && len(c.logs) >= logCacheSize {
		// Evict one at random. A log checked out stays its holder's; the
		// next Checkout of that match starts afresh.
		for k := range c.logs {
			delete(c.logs, k)
			break
		}
	}
	c.logs[id] = l
}

// Refresh makes l, checked out, the whole log of m: it keeps l when l ends
// at m.Seq, else it replaces it with the log read returns, the database's.
func (l *Log) Refresh(m Match, read func() ([]Event, error)) error {
	if l.at(m.Seq) {
		return nil
	}
	log, err := read()
	if err != nil {
		return err
	}
	l.reset(log)
	return nil
}

// Release gives l, checked out, back to its cache, dropping any event
// Record staged that Commit did not append.
func (l *Log) Release() {
	l.staged = nil
	select {
	case <-l.sem:
	default: // not checked out
	}
}
