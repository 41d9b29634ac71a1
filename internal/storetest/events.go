package storetest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scoreboard/scoreboard/internal/match"
)

// script is a match of sp in which every kind of event but match_end
// happens, in an order the rules accept: every score kind and card of the
// sport for both sides, the clock events if the sport has a clock, and a
// void of a void. Home leads at the end of the regular periods; a set-based
// sport is still in its first set (see finish).
func script(sp match.Sport) []match.NewEvent {
	var evs []match.NewEvent
	add := func(kind match.EventKind, d match.EventDetail) {
		evs = append(evs, match.NewEvent{Kind: kind, EventDetail: d, RecordedBy: "scorer@example.org"})
	}
	add(match.KindMatchStart, match.EventDetail{})
	add(match.KindPeriodStart, match.EventDetail{Period: 1}) // starts the clock of a timed sport
	for _, side := range []match.Side{match.Home, match.Away} {
		for _, k := range sp.Scores {
			add(match.KindScore, match.EventDetail{Team: side, ScoreKind: k.Key, Player: "No. 9", Assist: "No. 10"})
		}
	}
	for _, c := range sp.Cards {
		add(match.KindCard, match.EventDetail{Team: match.Away, Card: c.Key, Player: "No. 4"})
	}
	add(match.KindSubstitution, match.EventDetail{Team: match.Home, Player: "No. 9", PlayerIn: "No. 14"})
	add(match.KindTimeout, match.EventDetail{Team: match.Away})
	if sp.Clock.Timed {
		add(match.KindClockStop, match.EventDetail{})
		add(match.KindClockAdjust, match.EventDetail{SetClockMs: ptr(int64(61_000))})
		add(match.KindClockStart, match.EventDetail{})
	}
	add(match.KindScoreCorrection, match.EventDetail{Home: ptr(3), Away: ptr(2), Text: "the second goal was home's"})
	add(match.KindNote, match.EventDetail{Text: "rain stops play"})
	note := int64(len(evs))
	add(match.KindVoid, match.EventDetail{VoidSeq: note, Text: "wrong match"})
	add(match.KindVoid, match.EventDetail{VoidSeq: note + 1, Text: "it was this match after all"})
	if sp.Sets == nil { // sets end when a side wins them
		add(match.KindPeriodEnd, match.EventDetail{Period: 1})
		for p := 2; p <= sp.Periods.Count; p++ {
			add(match.KindPeriodStart, match.EventDetail{Period: p})
			add(match.KindPeriodEnd, match.EventDetail{Period: p})
		}
	}
	return evs
}

// testEveryEventKind records every kind of event in a match of every sport
// and checks that the log and the state the store keeps are what was
// recorded, and that the state is the fold of the log.
func testEveryEventKind(t *testing.T, open Opener) {
	s, _, _ := openFresh(t, open)
	kinds := map[match.EventKind]bool{}
	for _, sp := range match.Sports() {
		t.Run(sp.Key, func(t *testing.T) {
			ctx := testContext(t)
			m := createMatch(t, ctx, s, input(sp.Key, 9))
			var want []match.Event
			var last match.State
			add := func(in match.NewEvent) {
				t.Helper()
				n := len(want) + 1
				in.IdempotencyKey = fmt.Sprintf("%s-%d", sp.Key, n)
				ev, st := appendOK(t, ctx, s, m.ID, in)
				if ev.Seq != int64(n) || st.Seq != ev.Seq || ev.MatchID != m.ID {
					t.Fatalf("event %d (%s): got match %d seq %d, state seq %d, want match %d seq %d",
						n, in.Kind, ev.MatchID, ev.Seq, st.Seq, m.ID, n)
				}
				kinds[in.Kind] = true
				want = append(want, ev)
				last = st
			}
			for _, in := range script(sp) {
				add(in)
			}
			finish(t, sp, &last, add)
			if last.Status != match.StatusFinished || last.Winner != match.Home {
				t.Errorf("after match_end: got status %q winner %q, want finished, home", last.Status, last.Winner)
			}
			sn := takeSnapshot(t, ctx, s, m.ID)
			if diff := cmp.Diff(want, sn.Events, eventOpts); diff != "" {
				t.Errorf("Events differ from the appended events (-appended +stored):\n%s", diff)
			}
			if diff := cmp.Diff(last, sn.State, stateOpts); diff != "" {
				t.Errorf("State differs from the last append's (-appended +stored):\n%s", diff)
			}
			if diff := cmp.Diff(match.Fold(sn.Match, sn.Events), sn.State, foldOpts); diff != "" {
				t.Errorf("stored State is not the fold of the stored log (-fold +stored):\n%s", diff)
			}
			if sn.Match.Status != last.Status || sn.Match.Seq != last.Seq {
				t.Errorf("Match: got status %q seq %d, want the state's %q %d", sn.Match.Status, sn.Match.Seq, last.Status, last.Seq)
			}
		})
	}
	// Postponing and cancelling happen to matches that have not started.
	for _, kind := range []match.EventKind{match.KindPostpone, match.KindCancel} {
		t.Run(string(kind), func(t *testing.T) {
			ctx := testContext(t)
			m := createMatch(t, ctx, s, input("football", 11))
			ev, st := appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: kind, EventDetail: match.EventDetail{Text: "waterlogged pitch"}, IdempotencyKey: "k"})
			kinds[kind] = true
			got, err := s.Match(ctx, m.ID)
			if err != nil {
				t.Fatalf("Match: %v", err)
			}
			if ev.Seq != 1 || got.Status != st.Status || got.Status == match.StatusScheduled {
				t.Errorf("after %s: got seq %d, status %q (state %q), want seq 1 and a status that is no longer scheduled", kind, ev.Seq, got.Status, st.Status)
			}
		})
	}
	for _, k := range match.Kinds() {
		if !kinds[k] {
			t.Errorf("kind %s: never recorded, want every kind recorded", k)
		}
	}
}

// finish plays a set-based sport's sets until home has won the match, and
// ends the match.
func finish(t *testing.T, sp match.Sport, st *match.State, add func(match.NewEvent)) {
	t.Helper()
	for i := 0; sp.Sets != nil && st.Winner == "" && i < 500; i++ {
		set := st.Periods[len(st.Periods)-1]
		if set.Winner == match.Home {
			add(match.NewEvent{Kind: match.KindPeriodStart, EventDetail: match.EventDetail{Period: set.Number + 1}})
			continue
		}
		add(match.NewEvent{Kind: match.KindScore, EventDetail: match.EventDetail{Team: match.Home, ScoreKind: sp.Scores[0].Key}})
	}
	add(match.NewEvent{Kind: match.KindMatchEnd})
}

// testVoid voids an event, then voids the void: the state follows.
func testVoid(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, _, _ := openFresh(t, open)
	m := createMatch(t, ctx, s, input("football", 9))
	appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "1"})
	appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindPeriodStart, EventDetail: match.EventDetail{Period: 1}, IdempotencyKey: "2"})
	goal, scored := appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindScore, EventDetail: match.EventDetail{Team: match.Home, ScoreKind: "goal"}, IdempotencyKey: "3"})
	if scored.Home.Score != 1 {
		t.Fatalf("after a home goal: got home score %d, want 1", scored.Home.Score)
	}
	_, voided := appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindVoid, EventDetail: match.EventDetail{VoidSeq: goal.Seq, Text: "offside"}, IdempotencyKey: "4"})
	if voided.Home.Score != 0 || voided.Seq != goal.Seq+1 {
		t.Errorf("after voiding the goal: got home score %d seq %d, want 0 and %d", voided.Home.Score, voided.Seq, goal.Seq+1)
	}
	st, _ := s.State(ctx, m.ID)
	if diff := cmp.Diff(voided, st, stateOpts); diff != "" {
		t.Errorf("stored state after a void (-appended +stored):\n%s", diff)
	}
	_, restored := appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindVoid, EventDetail: match.EventDetail{VoidSeq: goal.Seq + 1, Text: "VAR: onside"}, IdempotencyKey: "5"})
	if restored.Home.Score != 1 {
		t.Errorf("after voiding the void: got home score %d, want 1", restored.Home.Score)
	}
	sn := takeSnapshot(t, ctx, s, m.ID)
	if diff := cmp.Diff(restored, sn.State, stateOpts); diff != "" {
		t.Errorf("stored state after a void of a void (-appended +stored):\n%s", diff)
	}
	if len(sn.Events) != 5 {
		t.Errorf("Events: got %d events, want 5 (voids keep what they void)", len(sn.Events))
	}
	// A client that polls reads only what came after the seq it has.
	for _, since := range []int64{0, goal.Seq, sn.State.Seq, sn.State.Seq + 10} {
		got, err := s.Events(ctx, m.ID, since)
		if err != nil {
			t.Fatalf("Events(since %d): %v", since, err)
		}
		want := []match.Event{}
		for _, ev := range sn.Events {
			if ev.Seq > since {
				want = append(want, ev)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Events(since %d): not the log after it (-want +got):\n%s", since, diff)
		}
	}
	if _, err := s.Events(ctx, 424242, sn.State.Seq); match.ErrorCode(err) != match.ENOTFOUND {
		t.Errorf("Events of a match that does not exist, after a seq: got %v, want ENOTFOUND", err)
	}
}

// testIdempotency retries an append: the original event comes back and
// nothing is appended; the same key for another request is a conflict.
func testIdempotency(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, pub, _ := openFresh(t, open)
	m := createMatch(t, ctx, s, input("basketball", 9))
	appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "start"})
	in := match.NewEvent{Kind: match.KindNote, EventDetail: match.EventDetail{Text: "first note"}, IdempotencyKey: "note-1", ExpectedSeq: ptr(int64(1))}
	a, err := s.AppendEvent(ctx, m.ID, in)
	if err != nil || a.Retry {
		t.Fatalf("first append: got Retry %v, error %v; want a new event", a.Retry, err)
	}
	first, st := a.Event, a.State
	before := takeSnapshot(t, ctx, s, m.ID)
	published := len(pub.list())

	// The retry's ExpectedSeq is stale by now; the key wins.
	a, err = s.AppendEvent(ctx, m.ID, in)
	if err != nil || !a.Retry {
		t.Fatalf("retry: got Retry %v, error %v; want the retry answered from the log", a.Retry, err)
	}
	again, st2 := a.Event, a.State
	if diff := cmp.Diff(first, again, eventOpts); diff != "" {
		t.Errorf("retry: got another event (-first +retry):\n%s", diff)
	}
	if diff := cmp.Diff(st, st2, stateOpts); diff != "" {
		t.Errorf("retry: got another state (-first +retry):\n%s", diff)
	}
	after := takeSnapshot(t, ctx, s, m.ID)
	if diff := cmp.Diff(before, after, stateOpts); diff != "" {
		t.Errorf("retry changed the store (-before +after):\n%s", diff)
	}
	if got := len(pub.list()); got != published {
		t.Errorf("retry: got %d published updates, want %d (a retry publishes nothing)", got, published)
	}

	other := in
	other.Text = "another note"
	_, err = s.AppendEvent(ctx, m.ID, other)
	wantCode(t, "same key, other request", err, match.ECONFLICT)
	if diff := cmp.Diff(before, takeSnapshot(t, ctx, s, m.ID), stateOpts); diff != "" {
		t.Errorf("refused reuse of a key changed the store (-before +after):\n%s", diff)
	}

	// Without a key, every append is a new event.
	n1, _ := appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindNote, EventDetail: match.EventDetail{Text: "keyless"}})
	n2, _ := appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindNote, EventDetail: match.EventDetail{Text: "keyless"}})
	if n2.Seq != n1.Seq+1 || n1.IdempotencyKey != "" {
		t.Errorf("two appends without a key: got seqs %d, %d (key %q), want two events in a row and no key", n1.Seq, n2.Seq, n1.IdempotencyKey)
	}

	// A late retry gets the original event and the state as it is now.
	late, lateSt := appendOK(t, ctx, s, m.ID, in)
	if late.Seq != first.Seq || lateSt.Seq != n2.Seq {
		t.Errorf("late retry: got event %d, state seq %d, want event %d and the current seq %d", late.Seq, lateSt.Seq, first.Seq, n2.Seq)
	}

	// Keys belong to a match: another match may use the same one.
	m2 := createMatch(t, ctx, s, input("basketball", 10))
	appendOK(t, ctx, s, m2.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "start"})
}

// testStaleSeq appends with an ExpectedSeq the log has moved past.
func testStaleSeq(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, _, _ := openFresh(t, open)
	m := createMatch(t, ctx, s, input("handball", 9))
	appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "a", ExpectedSeq: ptr(int64(0))})
	appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindNote, EventDetail: match.EventDetail{Text: "one"}, IdempotencyKey: "b", ExpectedSeq: ptr(int64(1))})
	appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindNote, EventDetail: match.EventDetail{Text: "two"}, IdempotencyKey: "c", ExpectedSeq: ptr(int64(2))})
	before := takeSnapshot(t, ctx, s, m.ID)
	_, err := s.AppendEvent(ctx, m.ID, match.NewEvent{Kind: match.KindNote, EventDetail: match.EventDetail{Text: "late"}, IdempotencyKey: "d", ExpectedSeq: ptr(int64(1))})
	wantCode(t, "stale ExpectedSeq", err, match.ECONFLICT)
	if msg := match.ErrorMessage(err); !strings.Contains(msg, "seq 3") {
		t.Errorf("stale ExpectedSeq: got message %q, want it to name the current seq 3", msg)
	}
	if diff := cmp.Diff(before, takeSnapshot(t, ctx, s, m.ID), stateOpts); diff != "" {
		t.Errorf("refused append changed the store (-before +after):\n%s", diff)
	}
}

// testBadEvent appends events the rules refuse: each is EINVALID and
// leaves the log, the state and the hub history as they were.
func testBadEvent(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, pub, _ := openFresh(t, open)
	m := createMatch(t, ctx, s, input("football", 9))
	appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "1"})
	appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindPeriodStart, EventDetail: match.EventDetail{Period: 1}, IdempotencyKey: "2"})
	football, _ := match.SportByKey("football")
	tests := []struct {
		name string
		in   match.NewEvent
	}{
		{"unknown kind", match.NewEvent{Kind: "teleport"}},
		{"team not in the match", match.NewEvent{Kind: match.KindScore, EventDetail: match.EventDetail{Team: "visitors", ScoreKind: "goal"}}},
		{"unknown score kind", match.NewEvent{Kind: match.KindScore, EventDetail: match.EventDetail{Team: match.Home, ScoreKind: "touchdown"}}},
		{"negative score correction", match.NewEvent{Kind: match.KindScoreCorrection, EventDetail: match.EventDetail{Home: ptr(-1), Away: ptr(0)}}},
		{"period past the last", match.NewEvent{Kind: match.KindPeriodStart, EventDetail: match.EventDetail{Period: football.LastPeriod() + 1}}},
		{"void of a missing event", match.NewEvent{Kind: match.KindVoid, EventDetail: match.EventDetail{VoidSeq: 99}}},
	}
	before := takeSnapshot(t, ctx, s, m.ID)
	published := len(pub.list())
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.IdempotencyKey = "bad-" + strconv.Itoa(i)
			_, err := s.AppendEvent(ctx, m.ID, tt.in)
			wantCode(t, tt.name, err, match.EINVALID)
		})
	}
	if diff := cmp.Diff(before, takeSnapshot(t, ctx, s, m.ID), stateOpts); diff != "" {
		t.Errorf("refused events changed the store (-before +after):\n%s", diff)
	}
	if got := len(pub.list()); got != published {
		t.Errorf("refused events: got %d published updates, want %d", got, published)
	}
	// A refused event's key is not used up.
	appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindNote, EventDetail: match.EventDetail{Text: "fine"}, IdempotencyKey: "bad-0"})
}

// testReopen closes the store and opens the same database again: the state,
// the log and the history are what they were.
func testReopen(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, _, path := openFresh(t, open)
	m := createMatch(t, ctx, s, input("rugby_union", 9))
	for i, in := range script(mustSport(t, "rugby_union"))[:8] {
		in.IdempotencyKey = strconv.Itoa(i)
		appendOK(t, ctx, s, m.ID, in)
	}
	before := takeSnapshot(t, ctx, s, m.ID)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: got %v, want nil", err)
	}
	s2, _ := open(t, Config{Path: path, Topic: Topic})
	after := takeSnapshot(t, ctx, s2, m.ID)
	if diff := cmp.Diff(before, after, stateOpts); diff != "" {
		t.Errorf("after reopening (-before +after):\n%s", diff)
	}
	// The reopened store goes on where the first stopped.
	ev, _ := appendOK(t, ctx, s2, m.ID, match.NewEvent{Kind: match.KindNote, EventDetail: match.EventDetail{Text: "after reopening"}, IdempotencyKey: "after"})
	if ev.Seq != before.State.Seq+1 {
		t.Errorf("append after reopening: got seq %d, want %d", ev.Seq, before.State.Seq+1)
	}
}

func mustSport(t *testing.T, key string) match.Sport {
	t.Helper()
	sp, ok := match.SportByKey(key)
	if !ok {
		t.Fatalf("SportByKey(%q): not found", key)
	}
	return sp
}
