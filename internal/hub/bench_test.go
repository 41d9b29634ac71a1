package hub

import (
	"context"
	"fmt"
	"runtime"
	"testing"
)

// benchmarkFanOut dispatches one update to n subscribers of one literal
// topic through the registry (index lookup, encoding once, a non-blocking
// enqueue per subscriber), with the writers replaced by draining the
// queues. Beside them sit 100 subscribers of other topics and 10 template
// subscribers, which the index must not make it visit.
func benchmarkFanOut(b *testing.B, n int) {
	r := newRegistry(newest{})
	topic := "https://scores.example.org/matches/42"
	subs := make([]*subscriber, n)
	for i := range subs {
		subs[i] = newTestSubscriber(b, r, DefaultQueueSize, topic)
	}
	for i := range 100 {
		newTestSubscriber(b, r, DefaultQueueSize, fmt.Sprintf("https://scores.example.org/matches/%d", 1000+i))
	}
	for i := range 10 {
		newTestSubscriber(b, r, DefaultQueueSize, fmt.Sprintf("https://scores.example.org/competitions/%d/{match}", i))
	}
	data := `{"id":42,"status":"live","seq":17,"home":{"score":2},"away":{"score":1}}`
	var before, after runtime.MemStats
	var drained []*event
	b.ReportAllocs()
	b.ResetTimer()
	runtime.ReadMemStats(&before)
	for i := 0; i < b.N; i++ {
		u := Update{ID: NewID(), Topics: []string{topic}, Data: data, Seq: int64(i + 1)}
		if got, _ := r.dispatch(&u, newEvent(u)); got != n {
			b.Fatalf("delivered to %d, want %d", got, n)
		}
		for _, s := range subs {
			drained = s.queue.take(drained[:0])
		}
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
	// allocs/op are the update's own (its id, its encoding), whatever n:
	// a delivery allocates nothing.
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(n)/float64(b.N), "allocs/delivery")
}

func BenchmarkFanOut1000(b *testing.B)  { benchmarkFanOut(b, 1000) }
func BenchmarkFanOut10000(b *testing.B) { benchmarkFanOut(b, 10000) }

// BenchmarkDispatchUnwatched10000 is a subscription event (a private update
// on a topic no fan selects) with 10,000 fans connected: it must cost a
// few map lookups, not a visit of every fan.
func BenchmarkDispatchUnwatched10000(b *testing.B) {
	r := newRegistry(newest{})
	for i := range 10000 {
		newTestSubscriber(b, r, DefaultQueueSize, fmt.Sprintf("https://scores.example.org/matches/%d", i%50))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u := Update{ID: NewID(), Topics: []string{SubscriptionTopic("https://scores.example.org/matches/1", "urn:uuid:x")}, Private: true}
		if got, _ := r.dispatch(&u, newEvent(u)); got != 0 {
			b.Fatalf("delivered to %d, want 0", got)
		}
	}
}

// BenchmarkConnectWithSubscriptionEvents is one subscriber connecting (and
// its subscription event dispatched) while 15,000 fans of 50 matches are
// connected and active subscriptions are on: the cost of a connection
// storm, per connection. The reference hub visits every subscriber for
// each such event.
func BenchmarkConnectWithSubscriptionEvents(b *testing.B) {
	h := &Hub{
		cfg:      Config{Subscriptions: true},
		reg:      newRegistry(newest{}),
		volatile: newVolatileIDs(volatileIDsKept),
		ctx:      context.Background(),
	}
	for i := range 15000 {
		newTestSubscriber(b, h.reg, DefaultQueueSize, fmt.Sprintf("https://scores.example.org/matches/%d", i%50))
	}
	sels := []Selector{mustParseSelector("https://scores.example.org/matches/7")}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := newSubscriber(NewID(), sels, Claims{}, DefaultQueueSize)
		h.reg.add(s)
		h.announce(s, true)
		h.reg.remove(s)
		h.announce(s, false)
	}
}
