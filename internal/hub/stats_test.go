package hub_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/hub/hubtest"
)

// subscribeWith is hubtest.SubscribeWith, over plain HTTP even in
// hubtest's TLS mode (whose servers answer it on the same port): these
// tests pick the delivery path by the client.
func subscribeWith(t *testing.T, client *http.Client, rawURL string, hdr ...string) *hubtest.Stream {
	t.Helper()
	return hubtest.SubscribeWith(t, client, strings.Replace(rawURL, "https://", "http://", 1), hdr...)
}

// paths are the two delivery paths and a client whose streams take each.
var paths = []struct {
	name   string
	client *http.Client
}{{"hijacked HTTP/1.1", http.DefaultClient}, {"net/http (h2c)", hubtest.H2C}}

// waitStats polls the hub's stats until ok holds of them, or fails.
func waitStats(t *testing.T, th *testHub, what string, ok func(hub.Stats) bool) hub.Stats {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := th.Stats()
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats: got %+v, want %s", st, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Every delivery written is timed, on both paths: one observation per
// batch written, each update here being its own batch (read before the
// next is published).
func TestStatsLatencyOnBothPaths(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, Heartbeat: time.Hour})
	topic := "https://example.com/matches/1"
	var streams []*hubtest.Stream
	for _, p := range paths {
		streams = append(streams, subscribeWith(t, p.client, th.subURL([]string{topic})))
	}
	const updates = 3
	for i := range updates {
		id := th.publish(t, form{"topic": {topic}, "data": {strconv.Itoa(i)}})
		for j, s := range streams {
			if e := s.Next(t); e.ID != id {
				t.Fatalf("%s: got id %q, want %q", paths[j].name, e.ID, id)
			}
		}
	}
	want := uint64(updates * len(paths))
	st := waitStats(t, th, "a latency count of "+strconv.FormatUint(want, 10), func(st hub.Stats) bool { return st.Latency.Count >= want })
	if st.Latency.Count != want || st.Delivered != want || st.Published != updates {
		t.Errorf("latency count, deliveries, published: got %d, %d, %d; want %d, %d, %d", st.Latency.Count, st.Delivered, st.Published, want, want, updates)
	}
	l := st.Latency
	if len(l.Bounds) == 0 || len(l.Counts) != len(l.Bounds) || l.Sum <= 0 {
		t.Fatalf("latency: got %+v, want buckets and a positive sum", l)
	}
	for i := range l.Counts {
		if i > 0 && (l.Counts[i] < l.Counts[i-1] || l.Bounds[i] <= l.Bounds[i-1]) || l.Counts[i] > l.Count {
			t.Fatalf("latency: got %+v, want increasing bounds and cumulative counts at most the count", l)
		}
	}
}

// A stream whose token expires is a drop for that reason, on both paths;
// one whose client leaves is no drop.
func TestStatsDropsTokenExpired(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, Heartbeat: time.Hour})
	topic := "https://example.com/matches/1"
	tok := token(t, th.subKey, nil, []string{topic}, 2*time.Second)
	var streams []*hubtest.Stream
	for _, p := range paths {
		streams = append(streams, subscribeWith(t, p.client, th.subURL([]string{topic}), "Authorization", "Bearer "+tok))
	}
	left := subscribeWith(t, http.DefaultClient, th.subURL([]string{topic}))
	left.Close()
	for _, s := range streams {
		s.Ended(t)
	}
	waitStats(t, th, "no subscriber", func(st hub.Stats) bool { return st.Subscribers == 0 })
	st := th.Stats()
	if st.TokenExpiries != 2 || st.WriteErrors != 0 || st.SlowDisconnects != 0 {
		t.Errorf("drops (token expired, write error, slow): got %d, %d, %d; want 2, 0, 0", st.TokenExpiries, st.WriteErrors, st.SlowDisconnects)
	}
}

// A subscriber that stops reading while its queue has room is dropped
// for a write error once a write passes the write timeout, on both paths.
func TestStatsDropsWriteError(t *testing.T) {
	t.Parallel()
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			th := newHub(t, hub.Config{AllowAnonymous: true, Heartbeat: time.Hour, QueueSize: 4096, WriteTimeout: 200 * time.Millisecond})
			topic := "https://example.com/busy"
			subscribeWith(t, p.client, th.subURL([]string{topic})) // never read
			data := strings.Repeat("x", 64<<10)
			for seq := int64(1); seq <= 2000 && th.SubscriberCount() == 1; seq++ {
				th.Dispatch(hub.Update{ID: "urn:example:" + strconv.FormatInt(seq, 10), Topics: []string{topic}, Data: data, Seq: seq})
				time.Sleep(time.Millisecond) // slower than the write timeout: the queue never fills
			}
			st := waitStats(t, th, "no subscriber", func(st hub.Stats) bool { return st.Subscribers == 0 })
			if st.WriteErrors != 1 || st.SlowDisconnects != 0 || st.TokenExpiries != 0 {
				t.Errorf("drops (write error, slow, token expired): got %d, %d, %d; want 1, 0, 0", st.WriteErrors, st.SlowDisconnects, st.TokenExpiries)
			}
		})
	}
}

// A resumption from a recent id is served from the ring, one from an
// older (here, unknown) id from the history; a subscription without a
// Last-Event-ID is no replay.
func TestStatsReplays(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, Heartbeat: time.Hour})
	topic := "https://example.com/matches/1"
	id := th.publish(t, form{"topic": {topic}})
	subscribe(t, th.subURL([]string{topic}))
	subscribe(t, th.subURL([]string{topic}), "Last-Event-ID", id)
	subscribe(t, th.subURL([]string{topic}), "Last-Event-ID", "urn:example:unknown")
	subscribe(t, th.subURL([]string{topic}, "lastEventID", id))
	if st := th.Stats(); st.RingReplays != 2 || st.HistoryReplays != 1 {
		t.Errorf("replays from the ring, from the history: got %d, %d; want 2, 1", st.RingReplays, st.HistoryReplays)
	}
}
