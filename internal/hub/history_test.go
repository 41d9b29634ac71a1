package hub_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/postgres"
	"github.com/scoreboard/scoreboard/internal/postgres/pgtest"
)

// publishN publishes n updates on topic with data prefix+i and returns
// their ids.
func (th *testHub) publishN(t testing.TB, topic, prefix string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range n {
		ids[i] = th.publish(t, form{"topic": {topic}, "data": {prefix + strconv.Itoa(i)}})
	}
	return ids
}

// readIDs reads n events and returns their ids.
func (s *sse) readIDs(t testing.TB, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = s.next(t).ID
	}
	return ids
}

func TestHubShouldSendEventsPublishedAfterLastEventID(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	ids := th.publishN(t, "a", "u", 4)
	th.publish(t, form{"topic": {"other"}, "data": {"not selected"}})
	tests := []struct {
		name       string
		header     string
		query      string
		wantHeader string
		want       []string
	}{
		{name: "header", header: ids[1], wantHeader: ids[1], want: ids[2:]},
		{name: "query", query: ids[0], wantHeader: ids[0], want: ids[1:]},
		{name: "header takes precedence over query", header: ids[2], query: ids[0], wantHeader: ids[2], want: ids[3:]},
		{name: "earliest", query: hub.EarliestID, wantHeader: hub.EarliestID, want: ids},
		{name: "unknown id replays what is retained", header: "urn:uuid:00000000-0000-7000-8000-000000000000", wantHeader: hub.EarliestID, want: ids},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var q, h []string
			if tt.query != "" {
				q = []string{"lastEventID", tt.query}
			}
			if tt.header != "" {
				h = []string{"Last-Event-ID", tt.header}
			}
			s := subscribe(t, th.subURL([]string{"a", "urn:marker:" + tt.name}, q...), h...)
			if got := s.resp.Header.Get("Last-Event-ID"); got != tt.wantHeader {
				t.Errorf("Last-Event-ID response header: got %q, want %q", got, tt.wantHeader)
			}
			got := s.readIDs(t, len(tt.want))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("replayed ids (-want +got):\n%s", diff)
			}
			// nothing else was replayed: the next event is a live one
			marker := th.publish(t, form{"topic": {"urn:marker:" + tt.name}})
			if e := s.next(t); e.ID != marker {
				t.Errorf("after the replay: got %+v, want the live marker %q", e, marker)
			}
		})
	}
}

func TestLastEventIDResponseHeaderWithoutRequestedID(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	s := subscribe(t, th.subURL([]string{"a"}))
	if got := s.resp.Header.Get("Last-Event-ID"); got != hub.EarliestID {
		t.Errorf("empty history: got %q, want %q", got, hub.EarliestID)
	}
	ids := th.publishN(t, "b", "u", 2)
	s2 := subscribe(t, th.subURL([]string{"a"}))
	if got := s2.resp.Header.Get("Last-Event-ID"); got != ids[1] {
		t.Errorf("got %q, want the newest update %q", got, ids[1])
	}
	// A new hub on the same history knows its newest update too.
	th2 := newHub(t, hub.Config{AllowAnonymous: true, History: th.history})
	s3 := subscribe(t, th2.subURL([]string{"a"}))
	if got := s3.resp.Header.Get("Last-Event-ID"); got != ids[1] {
		t.Errorf("after a restart: got %q, want %q", got, ids[1])
	}
}

func TestReplayMustNotSendPrivateUpdatesToUnauthorizedSubscribers(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	th.publish(t, form{"topic": {"a"}, "data": {"secret"}, "private": {"on"}})
	public := th.publish(t, form{"topic": {"a"}, "data": {"public"}})
	anon := subscribe(t, th.subURL([]string{"a"}, "lastEventID", hub.EarliestID))
	if e := anon.next(t); e.ID != public {
		t.Errorf("anonymous replay: got %+v, want only the public update", e)
	}
	authed := subscribe(t, th.subURL([]string{"a"}, "lastEventID", hub.EarliestID), "Authorization", "Bearer "+token(t, th.subKey, nil, []string{"a"}, 0))
	if got := []string{authed.next(t).Data, authed.next(t).Data}; !cmp.Equal(got, []string{"secret", "public"}) {
		t.Errorf("authorized replay: got %q, want both", got)
	}
}

func TestReconnectionReceivesExactlyTheMissedUpdates(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testReconnection(t, open(t))
		})
	}
}

// stores opens each real History for a test: SQLite always, PostgreSQL
// when it answers (pgtest skips, or fails when SCOREBOARD_TEST_REQUIRE
// names it).
var stores = map[string]func(t *testing.T) hub.History{
	"sqlite": func(t *testing.T) hub.History { return newSQLite(t) },
	"postgres": func(t *testing.T) hub.History {
		return pgtest.Open(t, postgres.Options{MatchTopic: matchTopic})
	},
}

// testReconnection cuts a subscriber mid-stream, publishes while it is
// away, and checks that resuming from its last id gives exactly the
// missed updates, in order, then live ones without duplicates; and the
// same after a restart of the hub on the same history.
func testReconnection(t *testing.T, history hub.History) {
	th := newHub(t, hub.Config{AllowAnonymous: true, History: history})
	topic := "https://example.com/matches/1"
	s := subscribe(t, th.subURL([]string{topic}))
	seen := th.publishN(t, topic, "before ", 3)
	if got := s.readIDs(t, 3); !cmp.Equal(got, seen) {
		t.Fatalf("before the cut: got %q, want %q", got, seen)
	}
	s.close() // cut mid-stream
	missed := th.publishN(t, topic, "away ", 5)
	th.publish(t, form{"topic": {"https://example.com/matches/2"}, "data": {"other match"}})

	s = subscribe(t, th.subURL([]string{topic}), "Last-Event-ID", seen[2])
	if got := s.readIDs(t, 5); !cmp.Equal(got, missed) {
		t.Errorf("after reconnecting: got %q, want exactly the missed %q", got, missed)
	}
	live := th.publish(t, form{"topic": {topic}, "data": {"live"}})
	if e := s.next(t); e.ID != live {
		t.Errorf("next event: got %+v, want the live update %q", e, live)
	}
	s.close()

	// The same across a restart: a new hub on the same history.
	th.Shutdown()
	after := th.publishN(t, topic, "during restart ", 2)
	th2 := newHub(t, hub.Config{AllowAnonymous: true, History: history})
	s = subscribe(t, th2.subURL([]string{topic}), "Last-Event-ID", live)
	if got := s.readIDs(t, 2); !cmp.Equal(got, after) {
		t.Errorf("after a restart: got %q, want %q", got, after)
	}
}

// While updates are being published, subscribers resume from one of them:
// each must get every later update exactly once and in order, whether it
// came from the replay or live.
func TestReplayThenLiveHasNoGapAndNoDuplicate(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testReplayThenLive(t, open(t))
		})
	}
}

func testReplayThenLive(t *testing.T, history hub.History) {
	th := newHub(t, hub.Config{AllowAnonymous: true, History: history})
	const total, subscribers = 120, 6
	first := th.publishN(t, "a", "seed ", 10)
	var mu sync.Mutex
	all := append([]string(nil), first...)
	var wg sync.WaitGroup
	wg.Add(1)
	tok := token(t, th.pubKey, []string{"*"}, nil, 0)
	go func() {
		defer wg.Done()
		for i := range total {
			id, err := th.tryPublish(tok, form{"topic": {"a"}, "data": {fmt.Sprint(i)}})
			if err != nil {
				t.Errorf("publish #%d: %v", i, err)
				return
			}
			mu.Lock()
			all = append(all, id)
			mu.Unlock()
		}
	}()
	type result struct {
		from int
		got  []string
	}
	results := make(chan result, subscribers)
	for i := range subscribers {
		mu.Lock()
		from := len(all) - 1 - i
		lastID := all[from]
		mu.Unlock()
		s := subscribe(t, th.subURL([]string{"a"}), "Last-Event-ID", lastID)
		go func() {
			want := len(first) + total - from - 1
			ids := make([]string, 0, want)
			for len(ids) < want {
				e, err := s.readRaw()
				if err != nil {
					break
				}
				if !e.Comment {
					ids = append(ids, e.ID)
				}
			}
			results <- result{from, ids}
		}()
	}
	wg.Wait()
	for range subscribers {
		r := <-results
		want := all[r.from+1:]
		if diff := cmp.Diff(want, r.got); diff != "" {
			t.Errorf("resuming after update #%d (-want +got):\n%s", r.from, diff)
		}
	}
}

func TestPruneKeepsTheNewestUpdates(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, RetainUpdates: 2})
	ids := th.publishN(t, "a", "u", 5)
	if err := th.Prune(context.Background()); err != nil {
		t.Fatalf("prune: %v", err)
	}
	s := subscribe(t, th.subURL([]string{"a"}, "lastEventID", ids[0]))
	if got := s.resp.Header.Get("Last-Event-ID"); got != hub.EarliestID {
		t.Errorf("resuming from a pruned id: Last-Event-ID got %q, want %q", got, hub.EarliestID)
	}
	if got := s.readIDs(t, 2); !cmp.Equal(got, ids[3:]) {
		t.Errorf("got %q, want the two retained %q", got, ids[3:])
	}
}

func TestHubPrunesTheHistoryAtStart(t *testing.T) {
	t.Parallel()
	history := newSQLite(t)
	th := newHub(t, hub.Config{AllowAnonymous: true, History: history})
	ids := th.publishN(t, "a", "u", 5)
	tests := []struct {
		name string
		c    hub.Config
		want []string
	}{
		{"by count", hub.Config{RetainUpdates: 3}, ids[2:]},
		{"by age", hub.Config{RetainFor: time.Nanosecond}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.AllowAnonymous, tt.c.History = true, history
			th2 := newHub(t, tt.c)
			waitForHistory(t, history, len(tt.want)) // the first prune runs in the hub's retention goroutine
			s := subscribe(t, th2.subURL([]string{"a"}, "lastEventID", hub.EarliestID))
			live := th2.publish(t, form{"topic": {"a"}})
			want := append(append([]string(nil), tt.want...), live)
			if got := s.readIDs(t, len(want)); !cmp.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// waitForHistory waits, for at most streamTimeout, until history holds n
// updates, and fails the test if it does not.
func waitForHistory(t *testing.T, history hub.History, n int) {
	t.Helper()
	deadline := time.Now().Add(streamTimeout)
	for {
		got := 0
		err := history.UpdatesAfter(context.Background(), hub.EarliestID, nil, func(hub.Update) error { got++; return nil })
		if err != nil {
			t.Fatalf("read the history: %v", err)
		}
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("history: got %d updates after %s, want %d", got, streamTimeout, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
