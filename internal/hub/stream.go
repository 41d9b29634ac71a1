package hub

import (
	"cmp"
	"context"
	"slices"
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
	for {
		select {
		case ev := <-s.queue:
			if err := h.writeQueued(s, sw, ev, boundary); err != nil {
				return "write: " + err.Error()
			}
		case <-heartbeat.C:
			if err := sw.write(comment); err != nil {
				return "write heartbeat: " + err.Error()
			}
			if err := sw.flush(); err != nil {
				return "flush heartbeat: " + err.Error()
			}
		case <-expired:
			return "the token expired at " + s.claims.ExpiresAt.Format(time.RFC3339)
		case <-s.done:
			return s.reason
		case <-ctx.Done():
			return "the client left"
		}
	}
}

// writeQueued writes ev and whatever else is already queued (at most a
// queue's worth), then flushes once: a burst costs one flush, not one per
// update. Of the coalescing updates in the batch (see Update.Coalesce),
// only the newest of each topic is written: a subscriber that fell behind
// skips to the newest state, and its Last-Event-ID stays exact (what it
// skipped precedes what it got, and is superseded by it).
func (h *Hub) writeQueued(s *subscriber, sw *sseWriter, ev *event, boundary int64) error {
	bp := batches.Get().(*[]*event)
	defer func() {
		clear(*bp)
		*bp = (*bp)[:0]
		batches.Put(bp)
	}()
	batch := append(*bp, ev)
	coalescing := ev.key != ""
	for len(batch) < h.cfg.QueueSize {
		select {
		case ev = <-s.queue:
			batch = append(batch, ev)
			coalescing = coalescing || ev.key != ""
			continue
		default:
		}
		break
	}
	*bp = batch
	if coalescing {
		supersede(batch)
	}
	var oldest *event // the first written, for the latency
	for _, ev := range batch {
		if ev == nil || ev.seq != 0 && ev.seq <= boundary {
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

// batches are writeQueued's buffers, shared: a subscriber holds one only
// while it writes.
var batches = sync.Pool{New: func() any { b := make([]*event, 0, DefaultQueueSize); return &b }}

// supersede sets to nil each coalescing event of batch that a later one
// with the same key follows.
func supersede(batch []*event) {
	var seen []string // the keys met from the end; a burst has one or a few
	for i := len(batch) - 1; i >= 0; i-- {
		k := batch[i].key
		if k == "" {
			continue
		}
		if slices.Contains(seen, k) {
			batch[i] = nil
			continue
		}
		seen = append(seen, k)
	}
}
