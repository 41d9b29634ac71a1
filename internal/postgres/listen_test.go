package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/internal/postgres"
	"github.com/scoreboard/scoreboard/internal/postgres/pgtest"
)

// recorder records what a listener hears.
type recorder struct {
	mu      sync.Mutex
	updates []hub.Update
}

func (r *recorder) add(u hub.Update) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.updates = append(r.updates, u)
}

func (r *recorder) list() []hub.Update {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hub.Update(nil), r.updates...)
}

// waitFor waits until r has heard n updates, and fails the test after
// 30 seconds.
func (r *recorder) waitFor(t *testing.T, what string, n int) []hub.Update {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := r.list()
		if len(got) >= n || time.Now().After(deadline) {
			if len(got) < n {
				t.Fatalf("%s: got %d updates after 30s, want %d", what, len(got), n)
			}
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// openOn opens another store on the database at u.
func openOn(t *testing.T, u string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(testContext(t), u, postgres.Options{MatchTopic: func(id int64) string {
		return fmt.Sprintf("https://example.org/matches/%d", id)
	}})
	if err != nil {
		t.Fatalf("Open(%s): %v", u, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// history returns every stored update, in Seq order.
func history(t *testing.T, db *postgres.DB) []hub.Update {
	t.Helper()
	var us []hub.Update
	if err := db.UpdatesAfter(testContext(t), hub.EarliestID, nil, func(u hub.Update) error {
		us = append(us, u)
		return nil
	}); err != nil {
		t.Fatalf("UpdatesAfter: %v", err)
	}
	return us
}

// checkSame fails the test unless got is the history: every update once,
// in Seq order, with its data.
func checkSame(t *testing.T, who string, got, want []hub.Update) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d updates, want the history's %d", who, len(got), len(want))
	}
	for i := range want {
		if got[i].Seq != want[i].Seq || got[i].ID != want[i].ID || got[i].Data != want[i].Data || got[i].Coalesce != want[i].Coalesce {
			t.Fatalf("%s: update %d: got seq %d id %s (%d bytes, coalesce %v), want seq %d id %s (%d bytes, coalesce %v)",
				who, i, got[i].Seq, got[i].ID, len(got[i].Data), got[i].Coalesce, want[i].Seq, want[i].ID, len(want[i].Data), want[i].Coalesce)
		}
	}
}

// rollBackSeq draws a seq of the history and rolls it back, leaving a gap
// for good.
func rollBackSeq(t *testing.T, db *postgres.DB) {
	t.Helper()
	ctx := testContext(t)
	tx, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO hub_updates (id, topics) VALUES ($1, '{https://example.org/gap}')`, hub.NewID()); err != nil {
		t.Fatalf("insert an update to roll back: %v", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestInstancesShareUpdates has two instances on one database write at
// once, updates of every size and match writes, with a seq rolled back
// between them: each instance's listener hears every update of both once,
// in Seq order.
func TestInstancesShareUpdates(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	a, b := openOn(t, u), openOn(t, u)
	var ra, rb recorder
	t.Cleanup(a.Listen(ra.add))
	t.Cleanup(b.Listen(rb.add))
	ctx := testContext(t)

	const writers, each = 4, 25
	var wg sync.WaitGroup
	for w := range writers {
		db := a
		if w%2 == 1 {
			db = b
		}
		wg.Go(func() {
			for i := range each {
				data := fmt.Sprintf("writer %d update %d", w, i)
				if i == 7 {
					data = strings.Repeat("x", 10_000) // beyond NOTIFY's payload
				}
				if _, err := db.AppendUpdate(ctx, hub.Update{Topics: []string{"https://example.org/t"}, Data: data}); err != nil {
					t.Errorf("AppendUpdate: %v", err)
					return
				}
				if i == 12 {
					rollBackSeq(t, db)
				}
			}
		})
	}
	wg.Go(func() {
		if _, err := b.CreateMatch(ctx, match.MatchInput{
			Competition: "Test League", Sport: "football", TimeZone: "Europe/Paris",
			Home:    match.Team{Name: "Home Town", ShortName: "HOM", Color: "#aa0000"},
			Away:    match.Team{Name: "Away United", ShortName: "AWY", Color: "#0000aa"},
			KickOff: time.Date(2030, 6, 1, 15, 30, 0, 0, time.UTC),
		}); err != nil {
			t.Errorf("CreateMatch: %v", err)
		}
	})
	wg.Wait()
	want := history(t, a)
	if n := writers*each + 1; len(want) != n {
		t.Fatalf("history: got %d updates, want %d", len(want), n)
	}
	if coalescing := slices.IndexFunc(want, func(u hub.Update) bool { return u.Coalesce }); coalescing < 0 || strings.Contains(want[coalescing].Data, "writer") {
		t.Errorf("history: the match's update is not stored as coalescing (a publisher's never are)")
	}
	checkSame(t, "instance a", ra.waitFor(t, "instance a", len(want)), want)
	checkSame(t, "instance b", rb.waitFor(t, "instance b", len(want)), want)
	time.Sleep(100 * time.Millisecond) // a duplicate would come late
	checkSame(t, "instance a", ra.list(), want)
	checkSame(t, "instance b", rb.list(), want)
}

// TestListenCatchesUp cuts an instance's listening connection with
// pg_terminate_backend and keeps it from connecting again while another
// instance publishes: it says it is not ready, and once it listens again
// it has caught up from the history, with no loss, no duplicate and the
// order kept. Its own publish while cut off reaches it at once, after
// what it missed.
func TestListenCatchesUp(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	a, b := openOn(t, u), openOn(t, u)
	var ra recorder
	t.Cleanup(a.Listen(ra.add))
	ctx := testContext(t)
	publish := func(db *postgres.DB, n int, what string) {
		t.Helper()
		for i := range n {
			if _, err := db.AppendUpdate(ctx, hub.Update{Topics: []string{"https://example.org/t"}, Data: fmt.Sprintf("%s %d", what, i)}); err != nil {
				t.Fatalf("AppendUpdate: %v", err)
			}
		}
	}
	if err := a.Ping(ctx); err != nil {
		t.Fatalf("Ping before the cut: got %v, want nil", err)
	}
	publish(b, 5, "before")
	ra.waitFor(t, "before the cut", 5)

	admin, err := pgx.Connect(ctx, pgtest.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	pu, _ := url.Parse(u)
	name := pgx.Identifier{strings.TrimPrefix(pu.Path, "/")}.Sanitize()
	if _, err := admin.Exec(ctx, `ALTER DATABASE `+name+` ALLOW_CONNECTIONS false`); err != nil {
		t.Fatal(err)
	}
	var cut int
	if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = $1 AND application_name = 'scoreboard-listen'`, strings.TrimPrefix(pu.Path, "/")).Scan(&cut); err != nil {
		t.Fatal(err)
	}
	if cut != 1 {
		t.Fatalf("listening connections cut: got %d, want 1", cut)
	}
	deadline := time.Now().Add(30 * time.Second)
	for err = a.Ping(ctx); err == nil && time.Now().Before(deadline); err = a.Ping(ctx) {
		time.Sleep(10 * time.Millisecond)
	}
	if err == nil || !strings.Contains(err.Error(), "not listening") {
		t.Fatalf("Ping while cut off: got %v, want an error saying it is not listening", err)
	}

	publish(b, 5, "while cut off")
	publish(a, 1, "own, while cut off")
	checkSame(t, "own publish while cut off", ra.list(), history(t, a))

	publish(b, 5, "while cut off, after")
	if _, err := admin.Exec(ctx, `ALTER DATABASE `+name+` ALLOW_CONNECTIONS true`); err != nil {
		t.Fatal(err)
	}
	want := history(t, b)
	checkSame(t, "after the catch-up", ra.waitFor(t, "after the catch-up", len(want)), want)
	for err = a.Ping(ctx); err != nil && time.Now().Before(deadline); err = a.Ping(ctx) {
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("Ping after the catch-up: got %v, want nil", err)
	}
	publish(b, 3, "after")
	want = history(t, b)
	checkSame(t, "after", ra.waitFor(t, "after", len(want)), want)
	time.Sleep(100 * time.Millisecond)
	checkSame(t, "after", ra.list(), want)
}

// TestListenAgain stops the only listener and listens again, as a hub
// that is shut down and built anew on the same store: the new listener
// hears the other instance's updates from then on, and Listen does not
// wait for a connection that is already up.
func TestListenAgain(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	a, b := openOn(t, u), openOn(t, u)
	ctx := testContext(t)
	var first recorder
	a.Listen(first.add)()
	var again recorder
	start := time.Now()
	t.Cleanup(a.Listen(again.add))
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Listen again took %s, want it at once", d)
	}
	if err := a.Ping(ctx); err != nil {
		t.Fatalf("Ping: got %v, want nil", err)
	}
	if _, err := b.AppendUpdate(ctx, hub.Update{Topics: []string{"https://example.org/t"}}); err != nil {
		t.Fatal(err)
	}
	checkSame(t, "listening again", again.waitFor(t, "listening again", 1), history(t, b))
	if n := len(first.list()); n != 0 {
		t.Errorf("stopped listener: got %d updates, want 0", n)
	}
}
