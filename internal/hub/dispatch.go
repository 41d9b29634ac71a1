package hub

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// The fan-out runs off the commit path. The Transport hands each committed
// update to Dispatch while the store holds the lock that orders its
// commits; Dispatch only queues it (a channel send) and returns, and one
// goroutine, the dispatcher, fans the queued updates out in the order they
// came: in Seq order, as the Transport promises. So a fan-out to many
// subscribers no longer delays the next commit, and a later Seq is still
// never delivered before an earlier one.
//
// Replay plus live never duplicate, whatever the dispatcher's delay: a
// subscriber registers before it reads the history, so an update committed
// but not yet fanned out reaches it live and, if the replay read it too,
// is dropped as at or below the replay's boundary.
//
// Publish waits until the dispatcher has fanned out the update it stored
// (the watermark), so that a publisher that got its answer knows every
// subscriber has the update queued, as when the fan-out ran inside the
// commit.

// dispatchBacklog is how many committed updates may wait for the
// dispatcher; beyond it, Dispatch blocks the committer (backpressure: the
// backlog's memory is bounded).
const dispatchBacklog = 1024

// publishWait bounds how long Publish waits for its update to be fanned
// out; the update is stored either way.
const publishWait = 5 * time.Second

// Dispatch delivers u, already stored in the history (Seq set), to the
// subscribers it may reach. The Transport calls it after each commit, in
// Seq order; it queues u for the dispatcher and returns at once (it blocks
// only when dispatchBacklog updates wait already). The dispatcher encodes
// u once, finds its subscribers through the selector index and never
// blocks on one: a subscriber whose queue is full is disconnected. After
// Shutdown it drops u.
func (h *Hub) Dispatch(u Update) {
	select {
	case h.pending <- received{u, time.Now()}:
	case <-h.ctx.Done():
	}
}

// dispatcher fans out the updates Dispatch queued, in order, until
// Shutdown. It takes them in batches, what waits at once: of the
// coalescing updates of a batch (Update.Coalesce, a match's whole state)
// only the newest of each topic is fanned out, the older ones being
// superseded by it before any subscriber could get them. So a burst of
// one match's updates costs a fan-out per batch, not per update, which
// is what lets 1,000 updates a second reach tens of thousands of
// subscribers. The superseded ones still enter the ring of recent
// updates and move the watermark: a resume from one is exact. A burst is
// when the previous batch held several updates and was fanned out less
// than coalesceWindow ago: then a batch with a coalescing update first
// waits out the window, taking what comes meanwhile, so that a burst is
// fanned out at most every coalesceWindow. Outside a burst an update is
// fanned out at once, and so is the next: a match scored by hand loses no
// time, and each of its states reaches the subscribers that keep up.
func (h *Hub) dispatcher() {
	defer close(h.dispatched)
	batch := make([]received, 0, dispatchBatch)
	var last time.Time // of the previous fan-out
	burst := false     // the previous batch held several updates
	for {
		select {
		case r := <-h.pending:
			batch = append(batch[:0], r)
		case <-h.ctx.Done():
			return
		}
		batch = h.takeWaiting(batch)
		if wait := coalesceWindow - time.Since(last); burst && wait > 0 && hasCoalescing(batch) {
			batch = h.gather(batch, wait)
		}
		last, burst = time.Now(), len(batch) > 1
		for i := range batch {
			superseded := batch[i].u.Coalesce && supersededIn(batch[i+1:], &batch[i].u)
			h.fanOut(batch[i].u, batch[i].at, superseded)
		}
		clear(batch)
	}
}

// dispatchBatch bounds how many updates the dispatcher takes at once.
const dispatchBatch = 256

// coalesceWindow is the least time between two fan-outs of a batch with
// coalescing updates (see dispatcher): the most it delays an update of a
// match in a burst, and 100 fan-outs a second at most for the burst.
const coalesceWindow = 10 * time.Millisecond

// takeWaiting appends to batch what Dispatch queued already, up to
// dispatchBatch updates.
func (h *Hub) takeWaiting(batch []received) []received {
	for len(batch) < dispatchBatch {
		select {
		case r := <-h.pending:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// gather appends to batch what Dispatch queues for d, up to
// dispatchBatch updates.
func (h *Hub) gather(batch []received, d time.Duration) []received {
	t := time.NewTimer(d)
	defer t.Stop()
	for len(batch) < dispatchBatch {
		select {
		case r := <-h.pending:
			batch = append(batch, r)
		case <-t.C:
			return batch
		case <-h.ctx.Done():
			return batch
		}
	}
	return batch
}

// hasCoalescing reports whether batch holds a coalescing update.
func hasCoalescing(batch []received) bool {
	for i := range batch {
		if batch[i].u.Coalesce {
			return true
		}
	}
	return false
}

// supersededIn reports whether a coalescing update of later supersedes
// u: one on the same topics with the same privacy, which so reaches the
// same subscribers with a newer state.
func supersededIn(later []received, u *Update) bool {
	for i := range later {
		v := &later[i].u
		if v.Coalesce && v.Private == u.Private && slices.Equal(v.Topics, u.Topics) {
			return true
		}
	}
	return false
}

// received is an update Dispatch queued, and when: the start of its
// delivery latency, which so counts its wait for the dispatcher.
type received struct {
	u  Update
	at time.Time
}

// fanOut delivers u, received at at, to its subscribers, unless a later
// update of its batch superseded it, and moves the watermark past it.
// Either way u enters the ring of recent updates: a client may resume
// from it (having had it from another instance, or before the burst).
func (h *Hub) fanOut(u Update, at time.Time, superseded bool) {
	ev := newEvent(u)
	ev.at = at
	h.recent.add(&u, ev) // before the fan-out: a subscriber that registers meanwhile finds it in one or the other
	n := 0
	if !superseded {
		n, _ = h.reg.dispatch(&u, ev)
		h.counted(n)
	}
	h.stats.published.Add(1)
	h.watermark.advance(u.Seq)
	if h.log.Enabled(context.Background(), slog.LevelDebug) { // the arguments allocate even when disabled
		h.log.Debug("hub: dispatched update", "id", u.ID, "seq", u.Seq, "topics", u.Topics, "private", u.Private, "subscribers", n, "superseded", superseded)
	}
}

// watermark is the Seq of the last update the dispatcher fanned out, for
// those who wait for theirs.
type watermark struct {
	mu  sync.Mutex
	seq int64
	ch  chan struct{} // closed at the next advance; nil while nobody waits
}

// advance moves the watermark to seq and wakes the waiters.
func (w *watermark) advance(seq int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seq = max(w.seq, seq)
	if w.ch != nil {
		close(w.ch)
		w.ch = nil
	}
}

// wait returns once the watermark reaches seq, or when ctx is done.
func (w *watermark) wait(ctx context.Context, seq int64) {
	for {
		w.mu.Lock()
		if w.seq >= seq {
			w.mu.Unlock()
			return
		}
		if w.ch == nil {
			w.ch = make(chan struct{})
		}
		ch := w.ch
		w.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
	}
}
