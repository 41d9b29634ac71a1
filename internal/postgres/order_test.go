package postgres_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/postgres"
	"github.com/scoreboard/scoreboard/internal/postgres/pgtest"
	"github.com/scoreboard/scoreboard/internal/storetest"
)

// Two concurrent publishes, the first of which draws its seq and then
// stalls before its commit (its id waits on another transaction's insert
// of the same id), are seen in seq order by this instance's listeners
// and by a subscriber resuming from the first: the second waits for the
// first's commit (the history's lock), instead of committing a larger
// seq that a listener would deliver first, and resume from, before the
// smaller one became visible.
func TestConcurrentPublishesAreSeenInSeqOrder(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	u := pgtest.URL(t)
	db, err := postgres.Open(ctx, u, postgres.Options{MatchTopic: storetest.Topic})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mu sync.Mutex
	var heard []string
	stop := db.Listen(func(u hub.Update) {
		mu.Lock()
		heard = append(heard, u.ID)
		mu.Unlock()
	})
	defer stop()
	blocker, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close(ctx)
	watcher, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close(ctx)
	btx, err := blocker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer btx.Rollback(ctx)
	const first, second = "urn:example:first", "urn:example:second"
	if _, err := btx.Exec(ctx, `INSERT INTO hub_updates (id, topics, data) VALUES ($1, '{t}', 'blocker')`, first); err != nil {
		t.Fatal(err)
	}
	publish := func(id string) chan hub.Update {
		done := make(chan hub.Update, 1)
		go func() {
			stored, err := db.AppendUpdate(ctx, hub.Update{ID: id, Topics: []string{"https://example.com/order"}, Data: id})
			if err != nil {
				t.Errorf("AppendUpdate(%s): %v", id, err)
			}
			done <- stored
		}()
		return done
	}
	waiting := func(event string) bool {
		var n int
		err := watcher.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = $1`, event).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	poll := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			if ctx.Err() != nil {
				t.Fatalf("not within a minute: %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	a := publish(first)
	poll("the first publish waiting on the blocker's insert of its id", func() bool { return waiting("transactionid") })
	b := publish(second)
	var sb hub.Update
	bDone := false
	poll("the second publish waiting for the first, or committed", func() bool {
		select {
		case sb = <-b:
			bDone = true
			return true
		default:
			return waiting("advisory")
		}
	})
	if err := btx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	sa := <-a
	if !bDone {
		sb = <-b
	}
	if sa.Seq >= sb.Seq {
		t.Errorf("seqs: first %d, second %d; want the first smaller", sa.Seq, sb.Seq)
	}
	poll("both updates heard", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(heard) >= 2 || bDone && len(heard) >= 1 && heard[0] == second
	})
	mu.Lock()
	got := slices.Clone(heard)
	mu.Unlock()
	if want := []string{first, second}; !slices.Equal(got, want) {
		t.Errorf("the listener heard %q, want %q", got, want)
	}
	var resumed []string
	if err := db.UpdatesAfter(ctx, got[0], nil, func(u hub.Update) error { resumed = append(resumed, u.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if got[0] == first && !slices.Equal(resumed, []string{second}) {
		t.Errorf("resuming from %s: got %q, want %q", first, resumed, []string{second})
	}
}
