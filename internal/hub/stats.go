package hub

import "sync/atomic"

// Stats are the hub's counters since New, for metrics and the admin UI.
type Stats struct {
	// Subscribers is the number of open streams.
	Subscribers int
	// Dispatched counts updates dispatched (stored ones, and subscription
	// events that a subscriber would receive); Delivered counts the
	// (update, subscriber) pairs queued.
	Dispatched, Delivered uint64
	// SlowDisconnects counts subscribers disconnected for a full queue.
	SlowDisconnects uint64
}

// counters are the atomic counters behind Stats.
type counters struct {
	dispatched, delivered, slow atomic.Uint64
}

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	return Stats{
		Subscribers:     h.reg.count(),
		Dispatched:      h.stats.dispatched.Load(),
		Delivered:       h.stats.delivered.Load(),
		SlowDisconnects: h.stats.slow.Load(),
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
