package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
)

// The tests in this file pin down where the two stores used to differ:
// both must now say the same thing, in the same words.

// testDuplicateEvent has a row written behind the store's back collide
// with the store's next append, on the sequence number and on the
// idempotency key: both stores refuse it with ECONFLICT and the same
// message (SQLite used to report an internal error), and store nothing.
func testDuplicateEvent(t *testing.T, open Opener, insertEvent EventInserter) {
	ctx := testContext(t)
	s, _, path := openFresh(t, open)
	m := createMatch(t, ctx, s, input("football", 9))
	appendOK(t, ctx, s, m.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "start"})
	before := takeSnapshot(t, ctx, s, m.ID)

	// The store still believes its log ends at seq 1 (the match's seq), so
	// it numbers the next event 2.
	insertEvent(t, path, m.ID, 50, "taken")
	_, err := s.AppendEvent(ctx, m.ID, match.NewEvent{Kind: match.KindNote, EventDetail: match.EventDetail{Text: "a"}, IdempotencyKey: "taken"})
	wantMessage(t, "AppendEvent with a key a hidden row took", err, match.ECONFLICT,
		fmt.Sprintf("idempotency key %q was already used in match %d; send a new key for a new event", "taken", m.ID))

	insertEvent(t, path, m.ID, 2, "")
	_, err = s.AppendEvent(ctx, m.ID, match.NewEvent{Kind: match.KindNote, EventDetail: match.EventDetail{Text: "b"}, IdempotencyKey: "fresh"})
	wantMessage(t, "AppendEvent at a seq a hidden row took", err, match.ECONFLICT,
		fmt.Sprintf("event 2 of match %d was recorded at the same time; reload and retry", m.ID))

	after := takeSnapshot(t, ctx, s, m.ID)
	if diff := cmp.Diff(before.State, after.State, stateOpts); diff != "" || after.Last.ID != before.Last.ID {
		t.Errorf("refused appends changed the state or the history (-before +after):\n%s", diff)
	}
}

// wantMessage fails the test unless err has code and exactly message.
func wantMessage(t *testing.T, what string, err error, code, message string) {
	t.Helper()
	wantCode(t, what, err, code)
	if got := match.ErrorMessage(err); got != message {
		t.Errorf("%s: got message %q, want %q", what, got, message)
	}
}

// testPruneByCountAndAge prunes by count and by age in one call, which
// both stores do in one transaction: exactly the updates within both
// bounds are left.
func testPruneByCountAndAge(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, _, _ := openFresh(t, open)
	appendUpdates(t, s, 3, "old")
	// Sleeps only separate the two batches in time; nothing is timed.
	time.Sleep(5 * time.Millisecond)
	cut := time.Now()
	time.Sleep(5 * time.Millisecond)
	recent := appendUpdates(t, s, 5, "new")
	tests := []struct {
		name string
		keep int
	}{
		{"the count is the tighter bound", 2},
		{"the age is the tighter bound", 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := openFresh(t, open)
			appendUpdates(t, s, 3, "old")
			time.Sleep(5 * time.Millisecond)
			cut := time.Now()
			time.Sleep(5 * time.Millisecond)
			recent := appendUpdates(t, s, 5, "new")
			if err := s.PruneUpdates(ctx, tt.keep, cut); err != nil {
				t.Fatalf("PruneUpdates(%d, cut): %v", tt.keep, err)
			}
			got, err := collect(t, s, hub.EarliestID)
			if err != nil {
				t.Fatalf("UpdatesAfter: %v", err)
			}
			want := recent[len(recent)-min(tt.keep, len(recent)):]
			if diff := cmp.Diff(want, got, eventOpts); diff != "" {
				t.Errorf("after PruneUpdates(%d, cut) (-want +got):\n%s", tt.keep, diff)
			}
		})
	}
	// Both bounds at once on one history: keeping 4 and cutting at the
	// batches' border leaves the newest 4, all recent.
	if err := s.PruneUpdates(ctx, 4, cut); err != nil {
		t.Fatalf("PruneUpdates(4, cut): %v", err)
	}
	got, _ := collect(t, s, hub.EarliestID)
	if diff := cmp.Diff(recent[1:], got, eventOpts); diff != "" {
		t.Errorf("after PruneUpdates(4, cut) (-want +got):\n%s", diff)
	}
}

// testUserMessages checks that both stores word the refusals of users the
// same way (they used to differ); s holds ann@example.org.
func testUserMessages(t *testing.T, s Store) {
	ctx := testContext(t)
	in := match.UserInput{Email: " ANN@example.org", Role: match.RoleScorer, Password: "long enough password"}
	_, err := s.CreateUser(ctx, in)
	wantMessage(t, "CreateUser(taken email)", err, match.ECONFLICT, `a user with email "ann@example.org" already exists; choose another email`)
	_, err = s.UserByEmail(ctx, " Nobody@Example.org ")
	wantMessage(t, "UserByEmail(unknown)", err, match.ENOTFOUND, `no user has email "nobody@example.org"`)
	_, err = s.User(ctx, 424242)
	wantMessage(t, "User(unknown)", err, match.ENOTFOUND, "user 424242 does not exist")
	_, err = s.Match(ctx, 424242)
	wantMessage(t, "Match(unknown)", err, match.ENOTFOUND, "match 424242 does not exist")
	_, err = s.Events(ctx, 424242, 0)
	wantMessage(t, "Events(unknown)", err, match.ENOTFOUND, "match 424242 does not exist")
}
