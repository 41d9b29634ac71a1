package postgres_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/postgres"
	"github.com/scoreboard/scoreboard/internal/postgres/pgtest"
)

// TestHistoryCommitOrder has writers append updates concurrently while a
// reader resumes from the last update it saw, as a reconnecting subscriber
// does. If a later Seq could commit before an earlier one, the reader would
// step over the earlier one and never see it.
func TestHistoryCommitOrder(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	db := pgtest.Open(t, postgres.Options{})
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
		err := db.UpdatesAfter(ctx, lastID, func(u hub.Update) error {
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

// TestUnknownEventID checks the answer for an id the history does not
// hold, and for one it no longer holds.
func TestUnknownEventID(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	db := pgtest.Open(t, postgres.Options{})
	first, err := db.AppendUpdate(ctx, hub.Update{Topics: []string{"https://example.org/t"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AppendUpdate(ctx, hub.Update{Topics: []string{"https://example.org/t"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.PruneUpdates(ctx, 1, time.Time{}); err != nil {
		t.Fatalf("PruneUpdates: %v", err)
	}
	for _, id := range []string{"urn:uuid:never-published", first.ID} {
		err := db.UpdatesAfter(ctx, id, func(hub.Update) error { return nil })
		if err != hub.ErrUnknownEventID {
			t.Errorf("UpdatesAfter(%s): got %v, want hub.ErrUnknownEventID", id, err)
		}
	}
}
