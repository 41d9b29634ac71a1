package hub

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A subscriber that is behind skips the coalescing updates a newer one of
// the same topic supersedes, and gets every other update, in order.
func TestWriteQueuedCoalesces(t *testing.T) {
	h := &Hub{cfg: Config{QueueSize: 16}, stats: counters{latency: newLatency()}}
	s := newSubscriber("s", nil, Claims{}, 16)
	evs := []Update{
		{ID: "m1", Topics: []string{"match/1"}, Seq: 1, Coalesce: true},
		{ID: "p1", Topics: []string{"match/1"}, Seq: 2}, // a publisher's: never skipped
		{ID: "m2", Topics: []string{"match/1"}, Seq: 3, Coalesce: true},
		{ID: "o1", Topics: []string{"match/2"}, Seq: 4, Coalesce: true},
		{ID: "m3", Topics: []string{"match/1"}, Seq: 5, Coalesce: true},
		{ID: "old", Topics: []string{"match/3"}, Seq: 0}, // not stored: never a duplicate
	}
	for _, u := range evs {
		s.queue.push(newEvent(u), 16)
	}
	rec := httptest.NewRecorder()
	sw := &sseWriter{w: rec, rc: http.NewResponseController(rec), timeout: time.Second}
	if err := h.writeQueued(s, sw, 0); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if id, ok := strings.CutPrefix(line, "id: "); ok {
			got = append(got, id)
		}
	}
	if want := "p1 o1 m3 old"; strings.Join(got, " ") != want {
		t.Errorf("written: got %q, want %q", got, want)
	}
	if n := s.queue.len(); n != 0 {
		t.Errorf("left %d queued, want none", n)
	}
}
