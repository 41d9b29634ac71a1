package hub_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/hub/hubtest"
)

// A subscriber that stops reading is disconnected once its queue is full,
// and the others keep receiving every update, in order.
func TestSlowSubscriberIsDisconnectedOthersKeepReceiving(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, QueueSize: 4, Heartbeat: time.Hour})
	topic := "https://example.com/busy"
	slow := subscribe(t, th.subURL([]string{topic})) // never read until the end
	fast := subscribe(t, th.subURL([]string{topic}))
	// Big updates fill the slow one's socket buffers, then its queue.
	data := strings.Repeat("x", 64<<10)
	const maxUpdates = 4000 // ~256 MB: far beyond any socket buffer
	sent := 0
	for seq := int64(1); seq <= maxUpdates && th.SubscriberCount() == 2; seq++ {
		id := "urn:example:" + strconv.FormatInt(seq, 10)
		th.Dispatch(hub.Update{ID: id, Topics: []string{topic}, Data: data, Seq: seq})
		sent++
		// The fast one reads each update before the next is sent, so its
		// queue never holds more than one.
		if e := fast.next(t); e.ID != id {
			t.Fatalf("fast subscriber: got id %q, want %q", e.ID, id)
		}
	}
	if n := th.SubscriberCount(); n != 1 {
		t.Fatalf("after %d updates: got %d subscribers, want the slow one disconnected", sent, n)
	}
	if n := th.Stats().SlowDisconnects; n != 1 {
		t.Errorf("SlowDisconnects: got %d, want 1", n)
	}
	if got := slow.ended(t); len(got) >= sent {
		t.Errorf("slow subscriber: got all %d updates, want its stream cut short", len(got))
	}
	th.Dispatch(hub.Update{ID: "urn:example:after", Topics: []string{topic}, Data: "after", Seq: maxUpdates + 1})
	if e := fast.next(t); e.ID != "urn:example:after" {
		t.Errorf("fast subscriber after the slow one left: got %q, want %q", e.ID, "urn:example:after")
	}
}

// The spec recommends HTTP/2: streams, flushes, write deadlines and
// shutdown work over it too.
func TestSubscribeOverHTTP2(t *testing.T) {
	t.Parallel()
	db := newSQLite(t)
	h, err := hub.New(hub.Config{History: db, Transport: db, AllowAnonymous: true, PublisherKey: mustKey(t, publisherSecret)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(func() {
		h.Shutdown()
		srv.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/.well-known/mercure?topic=a", nil)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusOK {
		t.Fatalf("got %s %d, want HTTP/2 200", resp.Proto, resp.StatusCode)
	}
	s := &sse{Stream: hubtest.NewStream(resp, cancel), resp: resp}
	if e, err := s.readRaw(); err != nil || !e.Comment {
		t.Fatalf("first thing on the stream: got %+v, %v; want a comment", e, err)
	}
	h.Dispatch(hub.Update{ID: "urn:example:h2", Topics: []string{"a"}, Data: "over h2", Seq: 1})
	if e := s.next(t); e.ID != "urn:example:h2" || e.Data != "over h2" {
		t.Errorf("got %+v, want the update", e)
	}
	h.Shutdown()
	if got := s.ended(t); len(got) != 0 {
		t.Errorf("after shutdown: got %+v, want the stream closed", got)
	}
}

func TestStatsAndTopicSubscribers(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	topic := "https://example.com/matches/1"
	a := subscribe(t, th.subURL([]string{topic}))
	subscribe(t, th.subURL([]string{topic, "https://example.com/matches/{id}"})) // counted once
	subscribe(t, th.subURL([]string{"https://example.com/matches/2"}))
	if got := th.TopicSubscribers(topic); got != 2 {
		t.Errorf("TopicSubscribers: got %d, want 2", got)
	}
	th.publish(t, form{"topic": {topic}})
	a.next(t)
	st := th.Stats()
	got := [...]uint64{uint64(st.Subscribers), st.Dispatched, st.Delivered, st.Published}
	if want := [...]uint64{3, 1, 2, 1}; got != want {
		t.Errorf("Stats (subscribers, dispatched, delivered, published): got %v, want %v", got, want)
	}
}

func TestSubscriptionEventsNobodyWatchesAreNotDispatched(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, Subscriptions: true})
	topic := "https://example.com/matches/1"
	a := subscribe(t, th.subURL([]string{topic, "*"}))
	// a token that may subscribe, but not to subscription topics
	subscribe(t, th.subURL([]string{topic}), "Authorization", "Bearer "+token(t, th.subKey, nil, []string{topic}, 0))
	th.publish(t, form{"topic": {topic}, "data": {"score"}})
	if got := a.nextData(t); got != "score" {
		t.Fatalf("fan: got %q, want the published update and no subscription event", got)
	}
	if got := th.Stats().Dispatched; got != 1 {
		t.Errorf("Stats.Dispatched: got %d, want 1 (the published update; 3 subscription events that nobody may receive are not dispatched)", got)
	}
}

// A subscriber disconnected as too slow reconnects with the last id it
// received and gets the rest from the history: nothing published is lost.
func TestTooSlowSubscriberResumesFromTheHistory(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, QueueSize: 2, Heartbeat: time.Hour})
	topic := "https://example.com/busy"
	slow := subscribe(t, th.subURL([]string{topic})) // not read until it is disconnected
	fast := subscribe(t, th.subURL([]string{topic}))
	data := strings.Repeat("x", 256<<10)
	const maxUpdates = 400 // ~100 MB: far beyond any socket buffer
	var ids []string
	for len(ids) < maxUpdates && th.SubscriberCount() == 2 {
		id := th.publish(t, form{"topic": {topic}, "data": {data}}) // stored, then dispatched
		ids = append(ids, id)
		if e := fast.next(t); e.ID != id {
			t.Fatalf("fast subscriber: got id %q, want %q", e.ID, id)
		}
	}
	if n := th.Stats().SlowDisconnects; n != 1 {
		t.Fatalf("after %d updates: got %d slow disconnects, want 1", len(ids), n)
	}
	got := slow.ended(t)
	if len(got) >= len(ids) {
		t.Fatalf("slow subscriber: got all %d updates, want its stream cut short", len(ids))
	}
	for i, e := range got {
		if e.ID != ids[i] {
			t.Fatalf("slow subscriber's event #%d: got id %q, want %q", i, e.ID, ids[i])
		}
	}
	lastID := hub.EarliestID
	if len(got) > 0 {
		lastID = got[len(got)-1].ID
	}
	again := subscribe(t, th.subURL([]string{topic}, "lastEventID", lastID))
	rest := ids[len(got):]
	if resumed := again.readIDs(t, len(rest)); !cmp.Equal(resumed, rest) {
		t.Errorf("resuming from %q: got %q, want %q", lastID, resumed, rest)
	}
}

// A subscriber that stops reading while its queue never fills is
// disconnected by the write deadline, not held forever.
func TestStalledReaderIsDisconnectedByTheWriteDeadline(t *testing.T) {
	t.Parallel()
	const updates = 600 // ~38 MB: far beyond the socket buffers of a reader that does not read
	th := newHub(t, hub.Config{AllowAnonymous: true, QueueSize: updates + 1, WriteTimeout: 200 * time.Millisecond, Heartbeat: time.Hour})
	topic := "https://example.com/stalled"
	stalled := subscribe(t, th.subURL([]string{topic})) // never read until the end
	data := strings.Repeat("x", 64<<10)
	for seq := int64(1); seq <= updates && th.SubscriberCount() == 1; seq++ {
		th.Dispatch(hub.Update{ID: "urn:example:" + strconv.FormatInt(seq, 10), Topics: []string{topic}, Data: data, Seq: seq})
	}
	deadline := time.Now().Add(streamTimeout) // a bound, not an assertion
	for th.SubscriberCount() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("stalled reader still connected after %s, want it disconnected by the %s write deadline", streamTimeout, 200*time.Millisecond)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := th.Stats().SlowDisconnects; n != 0 {
		t.Errorf("SlowDisconnects: got %d, want 0 (the queue never filled)", n)
	}
	if got := stalled.ended(t); len(got) >= updates {
		t.Errorf("stalled reader: got all %d updates, want its stream cut short", updates)
	}
}

// A subscriber that falls behind in a burst of coalescing updates (a
// match's, which carry its whole state) skips to the newest state of the
// topic instead of being disconnected as too slow, still gets, in order,
// the update that does not coalesce (a Mercure publisher's), and resuming
// from an id it got replays exactly the stored updates after it, those
// it skipped included.
func TestCoalescingUpdatesSkipToTheNewestAndResumeExactly(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, QueueSize: 4, WriteTimeout: time.Minute, Heartbeat: time.Hour})
	topic := "https://example.com/matches/7"
	behind := subscribe(t, th.subURL([]string{topic})) // not read until the burst is over
	ctx := context.Background()
	store := func(data string, coalesce bool) string {
		t.Helper()
		u, err := th.history.AppendUpdate(ctx, hub.Update{Topics: []string{topic}, Data: data, Coalesce: coalesce})
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	const burst = 400 // 64 KiB each, ~26 MB: far beyond the socket buffers and the queue of 4
	state := strings.Repeat("x", 64<<10)
	var ids []string
	publisher := ""
	for i := range burst {
		if i == burst/2 {
			publisher = store("from a publisher", false)
			ids = append(ids, publisher)
		}
		ids = append(ids, store(state, true))
	}
	var got []string
	for len(got) == 0 || got[len(got)-1] != ids[len(ids)-1] {
		got = append(got, behind.next(t).ID)
	}
	if n := th.Stats().SlowDisconnects; n != 0 {
		t.Fatalf("SlowDisconnects: got %d, want 0 (coalescing updates never fill the queue)", n)
	}
	if len(got) >= len(ids) {
		t.Errorf("got all %d updates, want the superseded ones skipped", len(ids))
	}
	pos := map[string]int{}
	for i, id := range ids {
		pos[id] = i
	}
	for i, id := range got {
		if i > 0 && pos[id] <= pos[got[i-1]] {
			t.Fatalf("event #%d: got %q after %q, want ids in the order stored", i, id, got[i-1])
		}
	}
	if !slices.Contains(got, publisher) {
		t.Errorf("the publisher's update %q was skipped, want every update that does not coalesce", publisher)
	}
	behind.close()
	// Three more, stored at once: live, a may be superseded by c in the
	// dispatcher's batch (watcher gets c last either way); a resume
	// replays all three.
	watcher := subscribe(t, th.subURL([]string{topic}))
	more := []string{store("a", true), store("b", false), store("c", true)}
	for e := watcher.next(t); e.ID != more[2]; e = watcher.next(t) {
	}
	// From the last id it got: exactly what followed.
	again := subscribe(t, th.subURL([]string{topic}, "lastEventID", got[len(got)-1]))
	if resumed := again.readIDs(t, len(more)); !cmp.Equal(resumed, more) {
		t.Errorf("resuming from the newest state %q: got %q, want %q", got[len(got)-1], resumed, more)
	}
	// From the one before: every stored update after it, skipped ones too.
	from := got[len(got)-2]
	want := append(slices.Clone(ids[pos[from]+1:]), more...)
	if resumed := subscribe(t, th.subURL([]string{topic}, "lastEventID", from)).readIDs(t, len(want)); !cmp.Equal(resumed, want) {
		t.Errorf("resuming from %q: got %d ids %q, want %d: %q", from, len(resumed), resumed, len(want), want)
	}
	last := store("after", true)
	if e := again.next(t); e.ID != last {
		t.Errorf("after the replay: got %q, want %q alone", e.ID, last)
	}
}

// A burst of one match's updates that the dispatcher finds waiting
// together is fanned out once, its newest: a subscriber that keeps up
// gets fewer updates than were dispatched, in order, ending with the
// newest, and every update that does not coalesce.
func TestBurstOfCoalescingUpdatesIsFannedOutOnce(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, Heartbeat: time.Hour})
	topic := "https://example.com/matches/8"
	s := subscribe(t, th.subURL([]string{topic}))
	const burst = 100
	before := th.Stats().Delivered
	var ids, plain []string
	for i := range burst {
		u := hub.Update{ID: fmt.Sprintf("urn:burst:%d", i), Seq: int64(i + 1), Topics: []string{topic}, Data: "state", Coalesce: i%10 != 5}
		if !u.Coalesce {
			plain = append(plain, u.ID)
		}
		ids = append(ids, u.ID)
		th.Dispatch(u)
	}
	var got []string
	for len(got) == 0 || got[len(got)-1] != ids[burst-1] {
		got = append(got, s.next(t).ID)
	}
	// Dispatched in microseconds, all but the first few wait out one
	// coalescing window together, and only the newest of them is fanned
	// out (queued for the subscriber: Delivered).
	if n := th.Stats().Delivered - before; n > burst/2 {
		t.Errorf("queued %d of %d updates for the subscriber, want the superseded ones not fanned out", n, burst)
	}
	pos := map[string]int{}
	for i, id := range ids {
		pos[id] = i
	}
	for i := 1; i < len(got); i++ {
		if pos[got[i]] <= pos[got[i-1]] {
			t.Fatalf("got %q after %q, want the order dispatched", got[i], got[i-1])
		}
	}
	for _, id := range plain {
		if !slices.Contains(got, id) {
			t.Errorf("update %q, which does not coalesce, was skipped", id)
		}
	}
}
