package hub

import (
	"cmp"
	"context"
	"sync"
	"time"
)

// stream writes live updates, and heartbeats when idle, until the stream
// ends; it returns why.
func (h *Hub) stream(ctx context.Context, s *subscriber, sw *sseWriter, boundary int64) string {
	heartbeat := time.NewTicker(h.cfg.Heartbeat)
	defer heartbeat.Stop()
	var expired <-chan time.Time
	if exp := s.claims.ExpiresAt; !exp.IsZero() {
		t := time.NewTimer(time.Until(exp))
		defer t.Stop()
		expired = t.C
	}
	// ready says that s may have events queued; it starts full for those
	// queued during the replay.
	ready := make(chan struct{}, 1)
	ready <- struct{}{}
	h.reg.mu.Lock()
	s.wake = func() {
		select {
		case ready <- struct{}{}:
		default:
		}
	}
	h.reg.mu.Unlock()
	for {
		select {
		case <-ready:
			if err := h.writeQueued(s, sw, boundary); err != nil {
				return writeFailed("updates", err)
			}
		case <-heartbeat.C:
			if err := sw.write(comment); err != nil {
				return writeFailed("heartbeat", err)
			}
			if err := sw.flush(); err != nil {
				return writeFailed("heartbeat", err)
			}
		case <-expired:
			return tokenExpired(s.claims.ExpiresAt)
		case <-s.done:
			return s.reason
		case <-ctx.Done():
			return "the client left"
		}
	}
}

// writeQueued writes what s has queued, then flushes once: a burst costs
// one flush, not one per update. Updates at or below boundary, which the
// replay sent, are skipped. A subscriber that fell behind in coalescing
// updates (see Update.Coalesce) finds only the newest of each topic
// queued (see queue): it skips to the newest state, and its
// Last-Event-ID stays exact (what it skipped precedes what it got, and
// is superseded by it).
func (h *Hub) writeQueued(s *subscriber, sw *sseWriter, boundary int64) error {
	bp := batches.Get().(*[]*event)
	defer func() {
		clear(*bp)
		*bp = (*bp)[:0]
		batches.Put(bp)
	}()
	*bp = s.queue.take(*bp)
	if len(*bp) == 0 {
		return nil // woken for what an earlier batch took
	}
	var oldest *event // the first written, for the latency
	for _, ev := range *bp {
		if ev.seq != 0 && ev.seq <= boundary {
			continue
		}
		if err := sw.write(ev.data); err != nil {
			return err
		}
		oldest = cmp.Or(oldest, ev)
	}
	if err := sw.flush(); err != nil {
		return err
	}
	h.stats.wrote(oldest)
	return nil
}

// batches are the writers' buffers, shared: a subscriber holds one only
// while it writes.
var batches = sync.Pool{New: func() any { b := make([]*event, 0, DefaultQueueSize); return &b }}
