package storetest

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
)

// The tests in this file write from several goroutines at once: what the
// stores promise under concurrency (gapless logs, one event per retried
// request, updates heard and read back in Seq order).

// testConcurrentAppends appends from many goroutines to one match: every
// append succeeds and the log has no gap.
func testConcurrentAppends(t *testing.T, open Opener) {
	const workers, each = 20, 10
	ctx := testContext(t)
	s, pub, _ := openFresh(t, open)
	m := createMatch(t, ctx, s, input("ice_hockey", 9))
	appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "start"})
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				in := match.NewEvent{Kind: match.KindNote, EventDetail: match.EventDetail{Text: fmt.Sprintf("w%d e%d", w, i)},
					IdempotencyKey: fmt.Sprintf("w%d-e%d", w, i)}
				if _, err := s.AppendEvent(ctx, m.ID, in); err != nil {
					errs <- fmt.Errorf("worker %d event %d: %w", w, i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	sn := takeSnapshot(t, ctx, s, m.ID)
	const total = workers*each + 1
	if len(sn.Events) != total {
		t.Fatalf("Events: got %d, want %d", len(sn.Events), total)
	}
	for i, ev := range sn.Events {
		if ev.Seq != int64(i+1) {
			t.Fatalf("Events[%d]: got seq %d, want %d (gapless, in order)", i, ev.Seq, i+1)
		}
	}
	if sn.State.Seq != total || sn.Match.Seq != total {
		t.Errorf("after %d appends: got state seq %d, match seq %d, want %d", total, sn.State.Seq, sn.Match.Seq, total)
	}
	if diff := cmp.Diff(match.Fold(sn.Match, sn.Events), sn.State, foldOpts); diff != "" {
		t.Errorf("stored state is not the fold of the log (-fold +stored):\n%s", diff)
	}
	if got := len(pub.list()); got != total+1 {
		t.Errorf("published: got %d updates, want %d (the match's creation and each append)", got, total+1)
	}
}

// testConcurrentRetries sends one request with one idempotency key from
// several goroutines at once, as a client retrying over a flaky network
// does: one event is stored and published, and every caller gets it.
func testConcurrentRetries(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, pub, _ := openFresh(t, open)
	m := createMatch(t, ctx, s, input("basketball", 11))
	const attempts = 8
	events := make([]match.Event, attempts)
	recorded := make([]bool, attempts) // the attempts not answered as retries
	var wg sync.WaitGroup
	for i := range attempts {
		wg.Go(func() {
			a, err := s.AppendEvent(ctx, m.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "once", RecordedBy: "a@example.org"})
			if err != nil {
				t.Errorf("attempt %d: AppendEvent: %v", i, err)
			}
			events[i], recorded[i] = a.Event, err == nil && !a.Retry
		})
	}
	wg.Wait()
	n := 0
	for _, r := range recorded {
		if r {
			n++
		}
	}
	if n != 1 {
		t.Errorf("after %d concurrent attempts: %d said they recorded the event (Retry unset), want exactly 1", attempts, n)
	}
	stored, err := s.Events(ctx, m.ID, 0)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if len(stored) != 1 {
		t.Fatalf("after %d concurrent attempts: got %d events stored, want 1", attempts, len(stored))
	}
	for i, ev := range events {
		if diff := cmp.Diff(stored[0], ev, eventOpts); diff != "" {
			t.Errorf("attempt %d: got another event than the stored one (-stored +got):\n%s", i, diff)
		}
	}
	if n := len(pub.list()); n != 2 {
		t.Errorf("listeners: got %d calls, want 2 (the match's creation and one append)", n)
	}
}

// testListenInOrder writes to several matches and publishes plain updates
// at once: the listeners hear every update once, in Seq order, which is
// what lets a subscriber resume by id without a gap or a duplicate.
func testListenInOrder(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, pub, _ := openFresh(t, open)
	pub.check = func(hub.Update) { runtime.Gosched() } // lets the next write commit first if it can
	const writers, each = 6, 15
	var wg sync.WaitGroup
	for w := range writers {
		m := createMatch(t, ctx, s, input("football", 8+w))
		wg.Go(func() {
			for i := range each {
				var err error
				if i%2 == 0 {
					_, err = s.AppendEvent(ctx, m.ID, match.NewEvent{Kind: match.KindNote,
						EventDetail: match.EventDetail{Text: "n"}, IdempotencyKey: fmt.Sprint(i)})
				} else {
					_, err = s.AppendUpdate(ctx, hub.Update{Topics: []string{"https://example.org/plain"}, Data: "x"})
				}
				if err != nil {
					t.Errorf("writer %d, write %d: %v", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	got := pub.list()
	if want := writers * (each + 1); len(got) != want { // each match's creation publishes too
		t.Fatalf("listeners: got %d updates, want %d", len(got), want)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Seq <= got[i-1].Seq {
			t.Fatalf("listener call %d: got seq %d after %d, want increasing seqs", i, got[i].Seq, got[i-1].Seq)
		}
	}
	stop := s.Listen(func(hub.Update) { t.Error("a stopped listener was called") })
	stop()
	if _, err := s.AppendUpdate(ctx, hub.Update{Topics: []string{"https://example.org/plain"}}); err != nil {
		t.Fatalf("AppendUpdate: %v", err)
	}
}

// testHistoryCommitOrder has writers append updates concurrently while a
// reader resumes from the last update it saw, as a reconnecting subscriber
// does. If a later Seq could commit before an earlier one, the reader would
// step over the earlier one and never see it.
func testHistoryCommitOrder(t *testing.T, open Opener) {
	ctx := testContext(t)
	db, _, _ := openFresh(t, open)
	const writers, each = 8, 40

	var wg sync.WaitGroup
	appended := make(chan int64, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				u, err := db.AppendUpdate(ctx, hub.Update{Topics: []string{"https://example.org/order"}, Data: fmt.Sprintf("%d/%d", w, i)})
				if err != nil {
					t.Errorf("AppendUpdate: %v", err)
					return
				}
				appended <- u.Seq
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	seen := map[int64]bool{}
	last, lastID := int64(0), hub.EarliestID
	read := func() {
		err := db.UpdatesAfter(ctx, lastID, nil, func(u hub.Update) error {
			if u.Seq <= last {
				return fmt.Errorf("got seq %d after %d, want increasing", u.Seq, last)
			}
			seen[u.Seq], last, lastID = true, u.Seq, u.ID
			return nil
		})
		if err != nil {
			t.Fatalf("UpdatesAfter(%s): %v", lastID, err)
		}
	}
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		read() // after done, this last read sees everything committed
	}
	close(appended)
	var missed []int64
	n := 0
	for seq := range appended {
		n++
		if !seen[seq] {
			missed = append(missed, seq)
		}
	}
	if n != writers*each || len(missed) > 0 {
		t.Errorf("reader missed %d of %d updates (seqs %v); want none missed", len(missed), n, missed)
	}
}

// testConcurrentScorers has ten scorers record a goal at once, each having
// seen the same seq: one goal is stored, the nine others get ECONFLICT,
// so that two scorers can never silently record the same goal twice.
func testConcurrentScorers(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, _, _ := openFresh(t, open)
	m := createMatch(t, ctx, s, input("football", 7))
	_, st := appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "start"})
	const scorers = 10
	codes := make([]string, scorers)
	var wg sync.WaitGroup
	for i := range scorers {
		wg.Go(func() {
			_, err := s.AppendEvent(ctx, m.ID, match.NewEvent{Kind: match.KindScore,
				EventDetail:    match.EventDetail{Team: match.Home, ScoreKind: "goal"},
				IdempotencyKey: fmt.Sprintf("scorer-%d", i), ExpectedSeq: &st.Seq})
			codes[i] = match.ErrorCode(err)
		})
	}
	wg.Wait()
	count := map[string]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[""] != 1 || count[match.ECONFLICT] != scorers-1 {
		t.Errorf("ten scorers at seq %d: got outcomes %v, want 1 stored and %d conflicts", st.Seq, count, scorers-1)
	}
	if evs, err := s.Events(ctx, m.ID, 0); err != nil || len(evs) != 2 {
		t.Errorf("log after the race: got %d events (%v), want 2", len(evs), err)
	}
}

// testTwoWriters has two stores on one database (two instances, or a
// command beside the server) take turns on one match. Each keeps the logs
// it appended to, and must never trust its copy once the other has
// written: a void of the other's event, a void of that void, a retry of
// the other's key and an edit of the teams the other made all answer as
// if from the database's log.
func testTwoWriters(t *testing.T, open Opener) {
	ctx := testContext(t)
	a, _, path := openFresh(t, open)
	b, _ := open(t, Config{Path: path, Topic: Topic})
	m := createMatch(t, ctx, a, input("football", 9))
	goal := match.NewEvent{Kind: match.KindScore, EventDetail: match.EventDetail{Team: match.Home, ScoreKind: "goal"}, IdempotencyKey: "goal"}
	renamed := input("football", 9)
	renamed.Home.Name = "Renamed Town"
	steps := []struct {
		name string
		s    Store
		in   match.NewEvent
		edit bool // EditMatch(renamed) instead of an append
	}{
		{"a starts", a, match.NewEvent{Kind: match.KindMatchStart}, false},
		{"a notes", a, match.NewEvent{Kind: match.KindNote, EventDetail: match.EventDetail{Text: "n"}}, false},
		{"b scores", b, goal, false},
		{"a voids b's goal", a, match.NewEvent{Kind: match.KindVoid, EventDetail: match.EventDetail{VoidSeq: 3}}, false},
		{"b voids a's void", b, match.NewEvent{Kind: match.KindVoid, EventDetail: match.EventDetail{VoidSeq: 4}}, false},
		{"a retries b's goal", a, goal, false},
		{"b renames a team", b, match.NewEvent{}, true},
		{"a notes after the rename", a, match.NewEvent{Kind: match.KindNote, EventDetail: match.EventDetail{Text: "n2"}}, false},
	}
	for _, step := range steps {
		var st match.State
		if step.edit {
			var err error
			if _, st, err = step.s.EditMatch(ctx, m.ID, renamed); err != nil {
				t.Fatalf("%s: EditMatch: %v", step.name, err)
			}
		} else {
			_, st = appendOK(t, ctx, step.s, m.ID, step.in)
		}
		sn := takeSnapshot(t, ctx, a, m.ID)
		if diff := cmp.Diff(match.Fold(sn.Match, sn.Events), st, foldOpts); diff != "" {
			t.Fatalf("%s: the state returned is not the fold of the stored log (-fold +returned):\n%s", step.name, diff)
		}
	}
	sn := takeSnapshot(t, ctx, b, m.ID)
	if sn.State.Seq != 6 || sn.State.Home.Score != 1 || sn.State.Home.Name != "Renamed Town" {
		t.Errorf("at the end: got seq %d, home %q %d, want seq 6, home %q 1 (the goal restored)",
			sn.State.Seq, sn.State.Home.Name, sn.State.Home.Score, "Renamed Town")
	}
}
