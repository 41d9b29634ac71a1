package hub

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
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

// latencyBounds are the upper bounds, in seconds, of the latency
// histogram's buckets: a delivery is expected within milliseconds, and
// one past seconds is a subscriber or a hub in trouble.
var latencyBounds = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// newLatency returns the histogram of the delivery latency (Prometheus's,
// lock-free and allocation-free to observe); Stats reads it.
func newLatency() prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hub_delivery_latency_seconds", Buckets: latencyBounds})
}

// latencySnapshot reads l as Stats has it.
func latencySnapshot(l prometheus.Histogram) LatencyHistogram {
	var m dto.Metric
	if err := l.Write(&m); err != nil {
		return LatencyHistogram{}
	}
	h := m.GetHistogram()
	s := LatencyHistogram{Count: h.GetSampleCount(), Sum: h.GetSampleSum()}
	for _, b := range h.GetBucket() {
		s.Bounds = append(s.Bounds, b.GetUpperBound())
		s.Counts = append(s.Counts, b.GetCumulativeCount())
	}
	return s
}

// counters are the atomic counters behind Stats.
type counters struct {
	dispatched, delivered, published, slow atomic.Uint64
	writeErrors, expired                   atomic.Uint64
	ringReplays, historyReplays            atomic.Uint64
	latency                                prometheus.Histogram // newLatency
}

// wrote records the end of a write to a subscriber whose oldest update
// was ev (nil, or a heartbeat: nothing to record).
func (c *counters) wrote(ev *event) {
	if ev != nil && !ev.at.IsZero() {
		c.latency.Observe(time.Since(ev.at).Seconds())
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
		Latency:         latencySnapshot(h.stats.latency),
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
