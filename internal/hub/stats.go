package hub

import (
	"strings"
	"sync/atomic"
	"time"
)

// Stats are the hub's counters since New, for metrics and the admin UI.
type Stats struct {
	// Subscribers is the number of open streams.
	Subscribers int
	// Dispatched counts updates dispatched (stored ones, and subscription
	// events that a subscriber would receive); Delivered counts the
	// (update, subscriber) pairs queued.
	Dispatched, Delivered uint64
	// Published counts the stored updates dispatched: every update
	// committed to the history, whichever instance stored it.
	Published uint64
	// SlowDisconnects, WriteErrors and TokenExpiries count the streams
	// the hub ended: for a full queue (the subscriber did not read fast
	// enough), for a write that failed or passed its deadline (a client
	// that vanished mid-write counts here too), for an expired token. A
	// client that leaves, and the hub's shutdown, end streams too, and are
	// counted nowhere.
	SlowDisconnects, WriteErrors, TokenExpiries uint64
	// RingReplays counts the resumptions served from the ring of recent
	// updates, HistoryReplays those that read the history.
	RingReplays, HistoryReplays uint64
	// Latency is the time from the hub's receipt of an update to the end
	// of its write to a subscriber's connection (see LatencyHistogram).
	Latency LatencyHistogram
}

// LatencyHistogram is a snapshot of the delivery latency: Counts[i] is
// how many observations were at most Bounds[i] (cumulative, as
// Prometheus has them), Count how many there were in all and Sum their
// total in seconds.
type LatencyHistogram struct {
	Bounds []float64
	Counts []uint64
	Count  uint64
	Sum    float64
}

// latencyBounds are the upper bounds of the latency histogram's buckets:
// a delivery is expected within milliseconds, and one past seconds is a
// subscriber or a hub in trouble.
var latencyBounds = [...]time.Duration{
	500 * time.Microsecond, time.Millisecond, 2500 * time.Microsecond,
	5 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond,
	50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond,
	500 * time.Millisecond, time.Second, 2500 * time.Millisecond,
	5 * time.Second, 10 * time.Second,
}

// latency is a histogram of durations made of atomic counters, so that
// observing costs a few atomic adds and no allocation, on every writer at
// once.
type latency struct {
	buckets [len(latencyBounds) + 1]atomic.Uint64 // the last is +Inf
	count   atomic.Uint64
	sumNs   atomic.Uint64
}

// observe records d.
func (l *latency) observe(d time.Duration) {
	d = max(d, 0)
	i := 0
	for i < len(latencyBounds) && d > latencyBounds[i] {
		i++
	}
	l.buckets[i].Add(1)
	l.sumNs.Add(uint64(d))
	l.count.Add(1)
}

// snapshot returns the histogram as Stats has it.
func (l *latency) snapshot() LatencyHistogram {
	s := LatencyHistogram{Bounds: make([]float64, len(latencyBounds)), Counts: make([]uint64, len(latencyBounds))}
	var n uint64
	for i, b := range latencyBounds {
		n += l.buckets[i].Load()
		s.Bounds[i], s.Counts[i] = b.Seconds(), n
	}
	// count is read last: it is at least the buckets' total, so that the
	// +Inf bucket (Count) is never below a finite one.
	s.Sum = time.Duration(l.sumNs.Load()).Seconds()
	s.Count = max(l.count.Load(), n)
	return s
}

// counters are the atomic counters behind Stats.
type counters struct {
	dispatched, delivered, published, slow atomic.Uint64
	writeErrors, expired                   atomic.Uint64
	ringReplays, historyReplays            atomic.Uint64
	latency                                latency
}

// wrote records the end of a write to a subscriber whose oldest update
// was ev (nil, or a heartbeat: nothing to record).
func (c *counters) wrote(ev *event) {
	if ev != nil && !ev.at.IsZero() {
		c.latency.observe(time.Since(ev.at))
	}
}

// ended counts the end of a stream that ended for reason, its
// subscriber killed for killed ("" when it was not), if the hub dropped
// it. The slow ones are counted when they are killed (Hub.tooSlow).
func (c *counters) ended(killed, reason string) {
	if killed != "" {
		reason = killed // the first cause: a kill makes the write in progress fail
	}
	switch {
	case strings.HasPrefix(reason, tokenExpiredPrefix):
		c.expired.Add(1)
	case strings.HasPrefix(reason, writeFailedPrefix):
		c.writeErrors.Add(1)
	}
}

// The reasons of the streams the hub drops, which ended counts: made
// here, beside what reads them, so that both delivery paths say the same.
const (
	tokenExpiredPrefix = "the token expired at "
	writeFailedPrefix  = "write failed: "
)

// tokenExpired is the reason of a stream whose token expired at exp.
func tokenExpired(exp time.Time) string {
	return tokenExpiredPrefix + exp.Format(time.RFC3339)
}

// writeFailed is the reason of a stream whose write of what (an update,
// a heartbeat) failed with err, its deadline passed included.
func writeFailed(what string, err error) string {
	return writeFailedPrefix + what + ": " + err.Error()
}

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	return Stats{
		Subscribers:     h.reg.count(),
		Dispatched:      h.stats.dispatched.Load(),
		Delivered:       h.stats.delivered.Load(),
		Published:       h.stats.published.Load(),
		SlowDisconnects: h.stats.slow.Load(),
		WriteErrors:     h.stats.writeErrors.Load(),
		TokenExpiries:   h.stats.expired.Load(),
		RingReplays:     h.stats.ringReplays.Load(),
		HistoryReplays:  h.stats.historyReplays.Load(),
		Latency:         h.stats.latency.snapshot(),
	}
}

// TopicSubscribers returns how many open streams would receive a public
// update on topic (a live viewer count), through the selector index.
func (h *Hub) TopicSubscribers(topic string) int {
	return h.reg.selecting(topic)
}

// selecting counts the subscribers with a selector matching topic.
func (r *registry) selecting(topic string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gen++
	n := 0
	r.all.visit([]string{topic}, r.gen, func(s *subscriber) {
		if s.mark != r.gen {
			s.mark = r.gen
			n++
		}
	})
	return n
}
