package hub

import (
	"sort"
	"sync"
	"time"
)

// recentUpdates keeps the newest stored updates the hub dispatched, each
// already encoded, in a bounded ring: a subscriber resuming from one of
// them (a reconnection storm after a network blip or a restart, thousands
// of fans resuming from nearly the same id) is served from memory, the
// same bytes for all, instead of one range query each. New fills it from
// the history, so that it serves the resumptions after a restart too.
//
// It holds every update dispatched since it was filled, in Seq order, so
// the entries after a given one are exactly the updates after it; it
// forgets the oldest beyond recentKept entries or recentBytes of encoded
// events, and a subscriber resuming from an id it no longer holds is
// served from the history.
type recentUpdates struct {
	mu       sync.RWMutex
	entries  []recentEntry // a ring: the oldest at head
	head, n  int
	bytes    int
	maxBytes int
	byID     map[string]int64 // id → seq of the entries held
}

// recentEntry is one update of the ring: what a replay needs to decide
// whether a subscriber may see it, and its encoding.
type recentEntry struct {
	id      string
	seq     int64
	topics  []string
	private bool
	ev      *event
	added   time.Time // after the update's commit, so after its created_at
}

// How many recent updates the hub keeps encoded, and how many bytes.
const (
	recentKept  = 4096
	recentBytes = 16 << 20
)

func newRecentUpdates(n, maxBytes int) *recentUpdates {
	return &recentUpdates{entries: make([]recentEntry, n), maxBytes: maxBytes, byID: make(map[string]int64, n)}
}

// add appends u, encoded as ev; updates must come in Seq order (an older
// or repeated one is ignored).
func (r *recentUpdates) add(u *Update, ev *event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n > 0 && u.Seq <= r.at(r.n-1).seq {
		return
	}
	for r.n > 0 && (r.n == len(r.entries) || r.bytes+len(ev.data) > r.maxBytes) {
		r.dropOldest()
	}
	if len(ev.data) > r.maxBytes {
		// Too big to keep: the ring, now empty, starts after it, so that
		// no resumption from before it is served without it.
		return
	}
	r.entries[(r.head+r.n)%len(r.entries)] = recentEntry{id: u.ID, seq: u.Seq, topics: u.Topics, private: u.Private, ev: ev, added: time.Now()}
	r.n++
	r.bytes += len(ev.data)
	r.byID[u.ID] = u.Seq
}

func (r *recentUpdates) at(i int) *recentEntry { return &r.entries[(r.head+i)%len(r.entries)] }

func (r *recentUpdates) dropOldest() {
	e := r.at(0)
	delete(r.byID, e.id)
	r.bytes -= len(e.ev.data)
	*e = recentEntry{}
	r.head = (r.head + 1) % len(r.entries)
	r.n--
}

// recentPruneSlack widens the age bound of trim: an entry is added a
// moment after its update was stored, so trimming by the time it was
// added, widened, drops at least what the history dropped.
const recentPruneSlack = time.Second

// trim applies the retention bounds the history was just pruned with
// (see Hub.Prune), dropping at least what the history dropped, so that a
// pruned id is unknown to the ring too: it keeps at most keep entries
// when bounded is set, and none added before before (widened by
// recentPruneSlack) when before is not zero.
func (r *recentUpdates) trim(bounded bool, keep int, before time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.n > 0 && (bounded && r.n > keep || !before.IsZero() && r.at(0).added.Before(before.Add(recentPruneSlack))) {
		r.dropOldest()
	}
}

// has reports whether the ring holds the update whose id is id.
func (r *recentUpdates) has(id string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.byID[id]
	return ok
}

// serves reports whether the ring holds the update whose id is id and a
// subscriber with claims may see it: whether a resumption from id is
// served from the ring (see Hub.replayRecent).
func (r *recentUpdates) serves(id string, claims Claims) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	seq, ok := r.byID[id]
	if !ok {
		return false
	}
	e := r.at(sort.Search(r.n, func(i int) bool { return r.at(i).seq >= seq }))
	return claims.mayReceive(e.private, e.topics)
}

// after returns the entry of the update whose id is id and the entries
// of every update after it, oldest first; ok is false when the ring does
// not hold it.
func (r *recentUpdates) after(id string) (from recentEntry, rest []recentEntry, ok bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	seq, ok := r.byID[id]
	if !ok {
		return recentEntry{}, nil, false
	}
	i := sort.Search(r.n, func(i int) bool { return r.at(i).seq >= seq })
	rest = make([]recentEntry, 0, r.n-i-1)
	for j := i + 1; j < r.n; j++ {
		rest = append(rest, *r.at(j))
	}
	return *r.at(i), rest, true
}
