package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
)

// collect returns the updates UpdatesAfter(lastID) gives.
func collect(t *testing.T, s Store, lastID string) ([]hub.Update, error) {
	t.Helper()
	return collectTopics(t, s, lastID, nil)
}

// collectTopics returns the updates UpdatesAfter(lastID, topics) gives.
func collectTopics(t *testing.T, s Store, lastID string, topics []string) ([]hub.Update, error) {
	t.Helper()
	var got []hub.Update
	err := s.UpdatesAfter(testContext(t), lastID, topics, func(u hub.Update) error {
		got = append(got, u)
		return nil
	})
	return got, err
}

func appendUpdates(t *testing.T, s Store, n int, tag string) []hub.Update {
	t.Helper()
	ctx := testContext(t)
	var out []hub.Update
	for i := range n {
		u := hub.Update{
			ID:     hub.NewID(),
			Topics: []string{fmt.Sprintf("https://example.org/books/%s%d", tag, i), "https://example.org/books"},
			Data:   fmt.Sprintf("line one %d\nline two", i),
			Type:   "message",
		}
		if i%2 == 1 {
			u.Private, u.Type, u.Retry = true, "", 2500
		}
		got, err := s.AppendUpdate(ctx, u)
		if err != nil {
			t.Fatalf("AppendUpdate: %v", err)
		}
		if got.Seq == 0 || (len(out) > 0 && got.Seq <= out[len(out)-1].Seq) {
			t.Fatalf("AppendUpdate: got seq %d, want one greater than the last (%v)", got.Seq, out)
		}
		u.Seq = got.Seq
		if diff := cmp.Diff(u, got); diff != "" {
			t.Fatalf("AppendUpdate returned another update (-given +got):\n%s", diff)
		}
		out = append(out, got)
	}
	return out
}

// testHistory appends updates and replays them from every point.
func testHistory(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, _, _ := openFresh(t, open)
	last, err := s.LastUpdate(ctx)
	if err != nil || !cmp.Equal(last, hub.Update{}) {
		t.Errorf("LastUpdate of an empty history: got %+v, %v, want a zero Update", last, err)
	}
	if got, err := collect(t, s, hub.EarliestID); err != nil || len(got) != 0 {
		t.Errorf("UpdatesAfter(earliest) of an empty history: got %v, %v, want none", got, err)
	}
	if got, err := s.LastUpdates(ctx, 10, 1<<20); err != nil || len(got) != 0 {
		t.Errorf("LastUpdates of an empty history: got %v, %v, want none", got, err)
	}
	us := appendUpdates(t, s, 5, "a")
	tests := []struct {
		name   string
		lastID string
		want   []hub.Update
	}{
		{"earliest", hub.EarliestID, us},
		{"after the first", us[0].ID, us[1:]},
		{"after the third", us[2].ID, us[3:]},
		{"after the last", us[4].ID, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collect(t, s, tt.lastID)
			if err != nil {
				t.Fatalf("UpdatesAfter(%s): %v", tt.lastID, err)
			}
			if diff := cmp.Diff(tt.want, got, eventOpts); diff != "" {
				t.Errorf("UpdatesAfter(%s) (-want +got):\n%s", tt.lastID, diff)
			}
		})
	}
	if _, err := collect(t, s, "urn:uuid:00000000-0000-7000-8000-000000000000"); !errors.Is(err, hub.ErrUnknownEventID) {
		t.Errorf("UpdatesAfter(unknown id): got %v, want hub.ErrUnknownEventID", err)
	}
	for _, u := range us[:2] {
		got, err := s.UpdateByID(ctx, u.ID)
		if err != nil {
			t.Fatalf("UpdateByID(%s): %v", u.ID, err)
		}
		if diff := cmp.Diff(u, got, eventOpts); diff != "" {
			t.Errorf("UpdateByID(%s) (-want +got):\n%s", u.ID, diff)
		}
	}
	if _, err := s.UpdateByID(ctx, "urn:uuid:00000000-0000-7000-8000-000000000000"); !errors.Is(err, hub.ErrUnknownEventID) {
		t.Errorf("UpdateByID(unknown id): got %v, want hub.ErrUnknownEventID", err)
	}
	one := int64(len(us[0].Data))
	for _, tt := range []struct {
		name     string
		n        int
		maxBytes int64
		want     []hub.Update
	}{
		{"the newest 3", 3, 1 << 20, us[2:]},
		{"more than there are", 10, 1 << 20, us},
		{"bounded by bytes", 10, 2*one + 1, us[3:]},
		{"the newest alone too big", 10, one - 1, nil},
	} {
		got, err := s.LastUpdates(ctx, tt.n, tt.maxBytes)
		if err != nil {
			t.Fatalf("LastUpdates(%d, %d): %v", tt.n, tt.maxBytes, err)
		}
		if diff := cmp.Diff(tt.want, got, eventOpts); diff != "" {
			t.Errorf("LastUpdates %s (-want +got):\n%s", tt.name, diff)
		}
	}
	last, err = s.LastUpdate(ctx)
	if err != nil {
		t.Fatalf("LastUpdate: %v", err)
	}
	if diff := cmp.Diff(us[4], last); diff != "" {
		t.Errorf("LastUpdate (-want +got):\n%s", diff)
	}
	stop := errors.New("stop")
	calls := 0
	err = s.UpdatesAfter(ctx, hub.EarliestID, nil, func(hub.Update) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("UpdatesAfter with fn failing: got %v after %d calls, want fn's error after 1", err, calls)
	}
	if _, err := s.AppendUpdate(ctx, us[1]); !errors.Is(err, hub.ErrDuplicateID) {
		t.Errorf("AppendUpdate with an id already stored: got %v, want hub.ErrDuplicateID (ids resume subscribers)", err)
	}
	if _, err := s.AppendUpdate(ctx, hub.Update{Data: "nowhere"}); err == nil {
		t.Errorf("AppendUpdate without a topic: got nil error, want an error")
	}
	testHistoryTopics(t, s, us)
	// A long history replays whole and in order.
	more := appendUpdates(t, s, 600, "b")
	got, err := collect(t, s, us[4].ID)
	if err != nil || len(got) != len(more) || got[0].ID != more[0].ID || got[len(got)-1].ID != more[len(more)-1].ID {
		t.Errorf("UpdatesAfter over %d updates: got %d (err %v), want them all in order", len(more), len(got), err)
	}
	// Updates larger than a page's bytes replay whole, in order, each once.
	big := make([]hub.Update, 3)
	for i := range big {
		u := hub.Update{Topics: []string{"https://example.org/big"}, Data: strings.Repeat(string(rune('a'+i)), 700<<10)}
		if big[i], err = s.AppendUpdate(ctx, u); err != nil {
			t.Fatalf("AppendUpdate of %d bytes: %v", len(u.Data), err)
		}
	}
	got, err = collectTopics(t, s, more[len(more)-1].ID, []string{"https://example.org/big"})
	if err != nil {
		t.Fatalf("UpdatesAfter over big updates: %v", err)
	}
	if diff := cmp.Diff(big, got, eventOpts); diff != "" {
		t.Errorf("UpdatesAfter over big updates (-want +got):\n%.300s", diff)
	}
}

// testHistoryTopics replays us (appended by appendUpdates) filtered by
// topic, canonical or alternate.
func testHistoryTopics(t *testing.T, s Store, us []hub.Update) {
	tests := []struct {
		name   string
		lastID string
		topics []string
		want   []hub.Update
	}{
		{"a canonical topic", hub.EarliestID, []string{"https://example.org/books/a2"}, us[2:3]},
		{"two topics", hub.EarliestID, []string{"https://example.org/books/a3", "https://example.org/books/a0"}, []hub.Update{us[0], us[3]}},
		{"after an id", us[2].ID, []string{"https://example.org/books/a3", "https://example.org/books/a0"}, us[3:4]},
		{"an alternate topic", us[1].ID, []string{"https://example.org/books"}, us[2:]},
		{"no update has it", hub.EarliestID, []string{"https://nothing.example/1"}, nil},
		{"no topic", hub.EarliestID, []string{}, nil},
	}
	for _, tt := range tests {
		t.Run("topics/"+tt.name, func(t *testing.T) {
			got, err := collectTopics(t, s, tt.lastID, tt.topics)
			if err != nil {
				t.Fatalf("UpdatesAfter(%s, %q): %v", tt.lastID, tt.topics, err)
			}
			if diff := cmp.Diff(tt.want, got, eventOpts); diff != "" {
				t.Errorf("UpdatesAfter(%s, %q) (-want +got):\n%s", tt.lastID, tt.topics, diff)
			}
		})
	}
}

// testPrune bounds the history by count and by age.
func testPrune(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, _, _ := openFresh(t, open)
	checkSpan(t, s, "empty", 0, 0)
	old := appendUpdates(t, s, 3, "old")
	// Sleeps only separate the two batches in time; nothing is timed.
	time.Sleep(5 * time.Millisecond)
	cut := time.Now()
	time.Sleep(5 * time.Millisecond)
	recent := appendUpdates(t, s, 4, "new")
	checkSpan(t, s, "after appending", old[0].Seq, recent[3].Seq)

	if err := s.PruneUpdates(ctx, 0, cut); err != nil {
		t.Fatalf("PruneUpdates(0, cut): %v", err)
	}
	checkSpan(t, s, "after pruning by age", recent[0].Seq, recent[3].Seq)
	got, err := collect(t, s, hub.EarliestID)
	if err != nil {
		t.Fatalf("UpdatesAfter: %v", err)
	}
	if diff := cmp.Diff(recent, got, eventOpts); diff != "" {
		t.Errorf("after pruning by age (-want +got):\n%s", diff)
	}
	if _, err := collect(t, s, old[2].ID); !errors.Is(err, hub.ErrUnknownEventID) {
		t.Errorf("UpdatesAfter(pruned id): got %v, want hub.ErrUnknownEventID", err)
	}
	if err := s.PruneUpdates(ctx, 2, time.Time{}); err != nil {
		t.Fatalf("PruneUpdates(2, zero): %v", err)
	}
	got, _ = collect(t, s, hub.EarliestID)
	if diff := cmp.Diff(recent[2:], got, eventOpts); diff != "" {
		t.Errorf("after keeping 2 (-want +got):\n%s", diff)
	}
	if err := s.PruneUpdates(ctx, 10, time.Time{}); err != nil {
		t.Fatalf("PruneUpdates(10, zero): %v", err)
	}
	got, _ = collect(t, s, recent[2].ID)
	if diff := cmp.Diff(recent[3:], got, eventOpts); diff != "" {
		t.Errorf("keeping more than there are deleted some (-want +got):\n%s", diff)
	}
	// Seqs are never reused after a prune.
	next := appendUpdates(t, s, 1, "next")
	if next[0].Seq <= recent[3].Seq {
		t.Errorf("after pruning: got seq %d, want more than %d", next[0].Seq, recent[3].Seq)
	}
	if err := s.PruneUpdates(ctx, 0, time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("PruneUpdates(0, future): %v", err)
	}
	if last, err := s.LastUpdate(ctx); err != nil || last.ID != "" {
		t.Errorf("after pruning everything: got last %+v, %v, want none", last, err)
	}
	checkSpan(t, s, "after pruning everything", 0, 0)
}

// checkSpan checks that the history's span is oldest to newest.
func checkSpan(t *testing.T, s Store, when string, oldest, newest int64) {
	t.Helper()
	o, n, err := s.HistorySpan(testContext(t))
	if err != nil || o != oldest || n != newest {
		t.Errorf("HistorySpan %s: got %d, %d, %v; want %d, %d", when, o, n, err, oldest, newest)
	}
}

// testAppendEventPublishes checks that AppendEvent writes exactly one hub
// update, on the match's topic with its state, and hands it to its listeners
// once committed; and that a refused append writes and publishes nothing.
func testAppendEventPublishes(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, pub, _ := openFresh(t, open)
	m := createMatch(t, ctx, s, input("volleyball", 9))
	var mu sync.Mutex
	var seen []int64 // the match's stored seq as the listener sees it
	pub.check = func(u hub.Update) {
		st, err := s.State(ctx, m.ID)
		if err != nil {
			t.Errorf("State inside the listener: %v", err)
		}
		mu.Lock()
		seen = append(seen, st.Seq)
		mu.Unlock()
	}
	start, err := s.LastUpdate(ctx)
	if err != nil {
		t.Fatalf("LastUpdate: %v", err)
	}
	ev, st := appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "1"})
	lastID := start.ID
	if lastID == "" {
		lastID = hub.EarliestID
	}
	got, err := collect(t, s, lastID)
	if err != nil {
		t.Fatalf("UpdatesAfter: %v", err)
	}
	if len(got) != 1 {
		t.Fatalf("after one AppendEvent: got %d hub updates, want 1: %+v", len(got), got)
	}
	u := got[0]
	if diff := cmp.Diff([]string{Topic(m.ID)}, u.Topics); diff != "" {
		t.Errorf("update topics (-want +got):\n%s", diff)
	}
	if u.ID == "" || u.Private {
		t.Errorf("update: got id %q private %v, want an id and a public update", u.ID, u.Private)
	}
	var data match.Update
	if err := json.Unmarshal([]byte(u.Data), &data); err != nil {
		t.Fatalf("update data is not a match update: %v\n%s", err, u.Data)
	}
	pubEv := ev
	pubEv.RecordedBy, pubEv.IdempotencyKey = "", ""
	if diff := cmp.Diff(match.Update{Summary: st.Summary, Events: []match.Event{pubEv}}, data, stateOpts); diff != "" {
		t.Errorf("update data (-appended state and event +published):\n%s", diff)
	}
	if st.UpdateID != u.ID {
		t.Errorf("appended state: got update id %q, want the published update's %q", st.UpdateID, u.ID)
	}
	pubs := pub.list()
	if len(pubs) != 2 {
		t.Fatalf("listeners: got %d calls, want 2 (the match's creation and the append)", len(pubs))
	}
	heard := pubs[1]
	if !heard.Coalesce || !u.Coalesce {
		t.Errorf("Coalesce of the update the listener got, of the stored one: got %v, %v; want true (a match's update carries its whole state, so it coalesces, read back from the history too)", heard.Coalesce, u.Coalesce)
	}
	if diff := cmp.Diff(u, heard); diff != "" {
		t.Errorf("the update the listener got differs from the stored one (-stored +heard):\n%s", diff)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != ev.Seq {
		t.Errorf("inside the listener: got stored seqs %v, want [%d] (called after commit)", seen, ev.Seq)
	}

	_, err = s.AppendEvent(ctx, m.ID, match.NewEvent{Kind: match.KindVoid, EventDetail: match.EventDetail{VoidSeq: 42}, IdempotencyKey: "2"})
	wantCode(t, "void of a missing event", err, match.EINVALID)
	if got, _ := collect(t, s, u.ID); len(got) != 0 {
		t.Errorf("after a refused append: got %d hub updates, want 0", len(got))
	}
	if n := len(pub.list()); n != 2 {
		t.Errorf("after a refused append: got %d listener calls, want 2", n)
	}
}

// testAppendWithoutTopic opens a store without Config.Topic: creating a
// match or appending an event, which must publish on the match's topic,
// fails and stores nothing.
func testAppendWithoutTopic(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, path := open(t, Config{})
	if _, err := s.CreateMatch(ctx, input("football", 10)); err == nil {
		t.Errorf("CreateMatch without a match topic: got nil error, want one")
	}
	if _, err := s.CreateMatches(ctx, []match.MatchInput{input("football", 10)}); err == nil {
		t.Errorf("CreateMatches without a match topic: got nil error, want one")
	}
	if ms, err := s.Matches(ctx, match.MatchFilter{}); err != nil || len(ms) != 0 {
		t.Errorf("after the refused creations: got %d matches (%v), want none", len(ms), err)
	}
	// A match made by a store that publishes cannot be appended to by one
	// that does not.
	s2, _ := open(t, Config{Path: path, Topic: Topic})
	m := createMatch(t, ctx, s2, input("football", 10))
	if _, err := s.AppendEvent(ctx, m.ID, match.NewEvent{Kind: match.KindMatchStart}); err == nil {
		t.Errorf("AppendEvent without a match topic: got nil error, want one")
	}
	if _, _, err := s.EditMatch(ctx, m.ID, m.Input()); err == nil {
		t.Errorf("EditMatch without a match topic: got nil error, want one")
	}
	if evs, err := s.Events(ctx, m.ID, 0); err != nil || len(evs) != 0 {
		t.Errorf("after the refused append: got %d events (%v), want none", len(evs), err)
	}
}

// testAppendEventAtomic makes the hub update's insert fail, the last write
// of AppendEvent's transaction: the event and the state must not be stored
// either, and nothing published. A goal nobody saw is as wrong as a goal
// that was never stored.
func testAppendEventAtomic(t *testing.T, open Opener, breakHistory HistoryBreaker) {
	ctx := testContext(t)
	s, pub, path := openFresh(t, open)
	m := createMatch(t, ctx, s, input("football", 14))
	before := takeSnapshot(t, ctx, s, m.ID)
	repair := breakHistory(t, path)
	start := match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "start"}
	if _, err := s.AppendEvent(ctx, m.ID, start); err == nil {
		t.Fatal("AppendEvent with a failing history: got nil error, want one")
	}
	if diff := cmp.Diff(before, takeSnapshot(t, ctx, s, m.ID), stateOpts); diff != "" {
		t.Errorf("a failed append changed the store (-before +after):\n%s", diff)
	}
	repair()
	ev, _ := appendOK(t, ctx, s, m.ID, start)
	if ev.Seq != 1 {
		t.Errorf("first stored event: got seq %d, want 1", ev.Seq)
	}
	if n := len(pub.list()); n != 2 {
		t.Errorf("listeners: got %d calls, want 2 (the match's creation and the append, none for the failed append)", n)
	}
}
