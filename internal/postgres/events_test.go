package postgres_test

import (
	"sync"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/internal/postgres"
	"github.com/scoreboard/scoreboard/internal/postgres/pgtest"
	"github.com/scoreboard/scoreboard/internal/storetest"
)

// TestAppendEventAtomic makes the hub update's insert fail, as the last
// statement of AppendEvent's transaction: the event and the state must not
// be stored either, and nothing published. A goal nobody saw is as wrong as
// a goal that was never stored.
func TestAppendEventAtomic(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	var (
		mu        sync.Mutex
		published []hub.Update
	)
	db := pgtest.Open(t, postgres.Options{MatchTopic: storetest.Topic})
	t.Cleanup(db.Listen(func(u hub.Update) {
		mu.Lock()
		published = append(published, u)
		mu.Unlock()
	}))
	m, err := db.CreateMatch(ctx, match.MatchInput{
		Competition: "Cup", Sport: "football",
		Home: match.Team{Name: "Home Town"}, Away: match.Team{Name: "Away United"},
		KickOff: time.Date(2030, 6, 1, 15, 0, 0, 0, time.UTC), TimeZone: "UTC",
	})
	if err != nil {
		t.Fatalf("CreateMatch: %v", err)
	}
	if _, err := db.Pool().Exec(ctx, `
		CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'history unavailable'; END $$;
		CREATE TRIGGER refuse_update BEFORE INSERT ON hub_updates
			FOR EACH ROW EXECUTE FUNCTION refuse_update()`); err != nil {
		t.Fatalf("install failing trigger: %v", err)
	}
	start := match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "start"}
	if _, _, err := db.AppendEvent(ctx, m.ID, start); err == nil {
		t.Fatal("AppendEvent with a failing history: got nil error, want one")
	}
	events, err := db.Events(ctx, m.ID)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	st, err := db.State(ctx, m.ID)
	if err != nil {
		t.Fatalf("State: %v", err)
	}
	if len(events) != 0 || st.Seq != 0 || st.Status != match.StatusScheduled {
		t.Errorf("after a failed append: got %d events, state seq %d status %s; want none, 0, scheduled",
			len(events), st.Seq, st.Status)
	}

	if _, err := db.Pool().Exec(ctx, `DROP TRIGGER refuse_update ON hub_updates`); err != nil {
		t.Fatal(err)
	}
	ev, _, err := db.AppendEvent(ctx, m.ID, start)
	if err != nil {
		t.Fatalf("AppendEvent once the history works: %v", err)
	}
	if ev.Seq != 1 {
		t.Errorf("first stored event: got seq %d, want 1", ev.Seq)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(published) != 1 {
		t.Errorf("listeners: got %d calls, want 1 (none for the failed append)", len(published))
	}
}
