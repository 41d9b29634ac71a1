package match

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
)

// LogCache keeps the logs of the matches appended to lately, each with
// what Record needs of it (Log), so that a store's append neither reads a
// whole log back nor folds it. A cached log is used only when it ends at
// the sequence number the database holds for the match (Log.Refresh): the
// log is append-only, so it is then the whole log, and an entry left stale
// by another process is never trusted. The zero value is ready to use.
//
// A store appends to a match through Append, which runs its append with
// the match's log checked out, and edits a match with the log checked out
// (Checkout) until it releases it (Log.Release); either way the log is
// taken before the transaction and given back after the commit, having
// the event committed to it (Log.Commit): so the next append to the match
// in this process waits for the log to have the event instead of finding
// it stale and reading the whole log again. Appends to one match are
// serialized by the database anyway; taking the log before any lock of
// the database's leaves no way for the two to deadlock.
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
	l := c.entry(id)
	select {
	case l.sem <- struct{}{}:
		return l, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the log of match %d: %w", id, context.Cause(ctx))
	}
}

// entry returns the cached log of match id, a new empty one if none is
// cached.
func (c *LogCache) entry(id int64) *Log {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entryLocked(id)
}

// entryLocked is entry with c.mu held.
func (c *LogCache) entryLocked(id int64) *Log {
	l, ok := c.logs[id]
	if !ok {
		l = newLog()
		c.put(id, l)
	}
	return l
}

// Append runs appendTo, the caller's append to match id, with the match's
// log checked out, and returns what it returns; once appendTo returns
// without error, the event it stored (the one Log.Record staged, if any:
// a retry stages none) is committed to the log. The appends to one match in this process are run one
// after another by one goroutine, the leader: the caller that finds no
// other leading takes the log, runs every append queued, its own first
// among them, then those queued meanwhile, and hands the lead to the
// next caller waiting once it has run maxLeadAppends. Under load a batch
// of appends so costs one handoff of the log between goroutines instead
// of one each: on busy CPUs a handoff waits for the next goroutine to be
// scheduled, and those waits, not the appends, were what bounded a
// match's appends a second. An append whose ctx has ended before its turn
// is not run; one that has begun runs to its end, as it would alone.
func (c *LogCache) Append(ctx context.Context, id int64, appendTo func(*Log) (Appended, error)) (Appended, error) {
	t := &turn{ctx: ctx, run: appendTo, done: make(chan turnResult, 1)}
	c.mu.Lock()
	l := c.entryLocked(id)
	l.queue = append(l.queue, t)
	lead := !l.leading
	l.leading = true
	c.mu.Unlock()
	if lead {
		c.lead(id, l)
	}
	for {
		r := <-t.done
		if !r.lead {
			return r.a, r.err
		}
		c.lead(id, l)
	}
}

// maxLeadAppends bounds the appends a leader runs before it hands the
// lead on, so that its own answer is not held back for long.
const maxLeadAppends = 64

// turn is an append waiting for its turn (see Append).
type turn struct {
	ctx  context.Context
	run  func(*Log) (Appended, error)
	done chan turnResult // buffered: the append's result, or the lead
}

// turnResult is what a turn's caller gets: its append's result, or the
// lead (lead true), with its append still queued.
type turnResult struct {
	a    Appended
	err  error
	lead bool
}

// lead runs the queued appends of match id's log l with l checked out,
// until none is left or it has run maxLeadAppends; then it hands the lead
// to the first waiting. A log that no append read (a match that does not
// exist) leaves the cache once none is queued.
func (c *LogCache) lead(id int64, l *Log) {
	l.sem <- struct{}{} // as Checkout: an edit may hold the log a moment
	defer l.Release()
	for ran := 0; ; {
		c.mu.Lock()
		batch := l.queue
		if len(batch) == 0 {
			l.leading = false
			if !l.loaded && c.logs[id] == l {
				// No append read the log: the match does not exist, or its
				// read failed. Its place is not taken from a live match's.
				delete(c.logs, id)
			}
			c.mu.Unlock()
			return
		}
		if ran >= maxLeadAppends {
			c.mu.Unlock()
			batch[0].done <- turnResult{lead: true} // it stays queued, and runs first
			return
		}
		l.queue = nil
		c.mu.Unlock()
		for _, t := range batch {
			t.done <- l.runTurn(id, t)
			ran++
		}
	}
}

// runTurn runs t's append on l, match id's log, unless its caller has gone. A panic is
// the append's error, with its stack: the callers waiting behind it must
// still get their turns.
func (l *Log) runTurn(id int64, t *turn) (r turnResult) {
	if t.ctx.Err() != nil {
		return turnResult{err: fmt.Errorf("wait for the log of match %d: %w", id, context.Cause(t.ctx))}
	}
	defer func() {
		if p := recover(); p != nil {
			r = turnResult{err: fmt.Errorf("append to match %d panicked: %v\n%s", id, p, debug.Stack())}
		}
	}()
	l.staged = nil // so that a turn that stages nothing commits nothing of an earlier one's
	a, err := t.run(l)
	if err == nil {
		l.Commit() // the event is stored: the cached log has it from now on
	}
	return turnResult{a: a, err: err}
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
