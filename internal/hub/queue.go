package hub

import "sync"

// queueInline is how many events a queue holds without storage of its
// own: a subscriber that keeps up has one or two waiting at a time.
const queueInline = 2

// queue is a subscriber's events waiting for its writer, oldest first.
// An idle subscriber pays for queueInline slots and no more: the storage
// grows on demand up to the limit (Config.QueueSize) and is given back
// each time the writer drains it, so that the memory of tens of
// thousands of idle fans does not scale with the queue size.
//
// A coalescing event (see Update.Coalesce) replaces the queued event of
// its key, which the writer has not taken yet: the older one is removed
// and the newer one goes to the end, so the order of what is written is
// still the dispatch order, and a subscriber behind in a burst of one
// match's updates holds one event per match, however long the burst.
// What the writer has taken is never replaced: it may be written already.
type queue struct {
	mu     sync.Mutex
	evs    []*event // nil or inline[:n] while small
	inline [queueInline]*event
}

// push appends ev, or replaces the queued event ev supersedes, and
// reports whether it did (ok false when limit events wait already: a slow
// consumer) and whether it replaced one: then the writer, woken for the
// one replaced and yet to take it, needs no other wake.
func (q *queue) push(ev *event, limit int) (ok, replaced bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if ev.key != "" {
		// at most one queued event per key: the push that queued it
		// replaced any before it
		for i := len(q.evs) - 1; i >= 0; i-- {
			if q.evs[i].key == ev.key {
				copy(q.evs[i:], q.evs[i+1:])
				q.evs[len(q.evs)-1] = ev
				return true, true
			}
		}
	}
	if len(q.evs) >= limit {
		return false, false
	}
	if q.evs == nil {
		q.evs = q.inline[:0]
	}
	q.evs = append(q.evs, ev)
	return true, false
}

// take appends every queued event to dst, oldest first, empties the
// queue and gives back the storage it grew.
func (q *queue) take(dst []*event) []*event {
	q.mu.Lock()
	defer q.mu.Unlock()
	dst = append(dst, q.evs...)
	clear(q.evs)
	clear(q.inline[:]) // grown storage leaves copies there
	q.evs = nil
	return dst
}

// len returns how many events wait.
func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.evs)
}
