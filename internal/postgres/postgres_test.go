package postgres_test

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/internal/postgres"
	"github.com/scoreboard/scoreboard/internal/postgres/pgtest"
	"github.com/scoreboard/scoreboard/internal/storetest"
	"github.com/scoreboard/scoreboard/migrations"
)

// open is the suite's Opener: a fresh database per call with an empty
// Path, the same database again with the Path it returned.
func open(t *testing.T, c storetest.Config) (storetest.Store, string) {
	t.Helper()
	u := c.Path
	if u == "" {
		u = pgtest.URL(t)
	}
	db, err := postgres.Open(testContext(t), u, postgres.Options{MatchTopic: c.Topic, Published: c.Published})
	if err != nil {
		t.Fatalf("Open(%s): %v", u, err)
	}
	t.Cleanup(func() { db.Close() })
	return db, u
}

func TestStore(t *testing.T) {
	storetest.Run(t, open)
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestMigrateConcurrently starts two instances on one fresh database at
// once: the advisory lock must make one wait for the other, so both succeed
// and every migration runs once.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	u := pgtest.EmptyURL(t)
	const instances = 2
	dbs := make([]*postgres.DB, instances)
	for i := range dbs {
		db, err := postgres.Open(ctx, u, postgres.Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	errs := make([]error, instances)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, db := range dbs {
		wg.Go(func() {
			<-start
			errs[i] = db.Migrate(ctx)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: Migrate: got %v, want nil", i, err)
		}
	}

	files, err := fs.Glob(migrations.Postgres, "postgres/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var applied int
	if err := dbs[0].Pool().QueryRow(ctx,
		`SELECT count(*) FROM goose_db_version WHERE version_id > 0 AND is_applied`).Scan(&applied); err != nil {
		t.Fatalf("count applied migrations: %v", err)
	}
	if applied != len(files) {
		t.Errorf("applied migrations: got %d rows, want %d (one per file)", applied, len(files))
	}
	// Migrating an up-to-date database is a no-op, not an error.
	if err := dbs[1].Migrate(ctx); err != nil {
		t.Errorf("second Migrate: got %v, want nil", err)
	}
	if _, err := dbs[1].AppendUpdate(ctx, hub.Update{Topics: []string{"https://example.org/t"}, Data: "x"}); err != nil {
		t.Errorf("AppendUpdate after Migrate: got %v, want nil", err)
	}
}

// TestMigrateWaitsForLock holds the migration lock as another instance
// would while it migrates: Migrate must wait for it, not migrate beside it.
func TestMigrateWaitsForLock(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	u := pgtest.EmptyURL(t)
	holder, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_lock($1)`, postgres.MigrateLockID); err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(ctx, u, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Migrate tries the lock at once, then every second: give up after
	// the first try.
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := db.Migrate(short); err == nil {
		t.Fatal("Migrate while another session holds the lock: got nil error, want it to wait and time out")
	}
	// (goose creates its version table before it takes the lock; that
	// much it does safely.)
	var table *string
	if err := holder.QueryRow(ctx, `SELECT to_regclass('matches')::text`).Scan(&table); err != nil {
		t.Fatal(err)
	}
	if table != nil {
		t.Errorf("Migrate without the lock created table %s; want no migration applied", *table)
	}

	if _, err := holder.Exec(ctx, `SELECT pg_advisory_unlock($1)`, postgres.MigrateLockID); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Errorf("Migrate once the lock is free: got %v, want nil", err)
	}
}

// TestOpenErrors checks that a bad URL or an unreachable server is an error
// that says what went wrong, and leaks no password.
func TestOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url, want string
	}{
		{"unreachable", "postgres://postgres:s3cret@127.0.0.1:1/scoreboard?sslmode=disable", "connect to PostgreSQL at 127.0.0.1:1: "},
		{"bad port", "postgres://postgres:s3cret@127.0.0.1:port/scoreboard", "parse PostgreSQL URL: "},
		{"bad URL", "postgres://postgres:s3cret@[::1/scoreboard", "parse PostgreSQL URL: "},
		{"bad option", "postgres://postgres:s3cret@127.0.0.1/scoreboard?sslmode=sometimes", "parse PostgreSQL URL: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db, err := postgres.Open(testContext(t), tt.url, postgres.Options{})
			if err == nil {
				db.Close()
				t.Fatalf("Open(%s): got nil error, want one starting %q", tt.url, tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Open(%s): got error %q, want it to start %q", tt.url, err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("Open(%s): error %q shows the password", tt.url, err)
			}
		})
	}
}

// TestOpenMissingDatabase checks that a server that answers but refuses the
// connection is reported as such.
func TestOpenMissingDatabase(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t) // skips without a server
	missing := strings.Replace(u, "scoreboard_test_", "scoreboard_missing_", 1)
	db, err := postgres.Open(testContext(t), missing, postgres.Options{})
	if err == nil {
		db.Close()
		t.Fatalf("Open(%s): got nil error, want one", missing)
	}
	if want := "does not exist"; !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "connect to PostgreSQL at ") {
		t.Errorf("Open(%s): got error %q, want it to say connect to PostgreSQL at … %s", missing, err, want)
	}
}

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
	db := pgtest.Open(t, postgres.Options{
		MatchTopic: storetest.Topic,
		Published: func(u hub.Update) {
			mu.Lock()
			published = append(published, u)
			mu.Unlock()
		},
	})
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
		t.Errorf("Published: got %d calls, want 1 (none for the failed append)", len(published))
	}
}

// TestConcurrentRetries sends one request many times at once, as a client
// that retries before its first attempt has answered: exactly one event is
// stored and published, and every attempt gets it back.
func TestConcurrentRetries(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	var calls atomic.Int64
	db := pgtest.Open(t, postgres.Options{Published: func(hub.Update) { calls.Add(1) }})
	m, err := db.CreateMatch(ctx, match.MatchInput{
		Competition: "Cup", Sport: "basketball",
		Home: match.Team{Name: "Home Town"}, Away: match.Team{Name: "Away United"},
		KickOff: time.Date(2030, 6, 1, 15, 0, 0, 0, time.UTC), TimeZone: "UTC",
	})
	if err != nil {
		t.Fatalf("CreateMatch: %v", err)
	}
	const attempts = 8
	events := make([]match.Event, attempts)
	var wg sync.WaitGroup
	for i := range attempts {
		wg.Go(func() {
			ev, _, err := db.AppendEvent(ctx, m.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "once", RecordedBy: "a@example.org"})
			if err != nil {
				t.Errorf("attempt %d: AppendEvent: %v", i, err)
			}
			events[i] = ev
		})
	}
	wg.Wait()
	stored, err := db.Events(ctx, m.ID)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if len(stored) != 1 {
		t.Fatalf("after %d concurrent attempts: got %d events stored, want 1", attempts, len(stored))
	}
	for i, ev := range events {
		if !cmp.Equal(ev, stored[0]) {
			t.Errorf("attempt %d: got event %+v, want the stored one %+v", i, ev, stored[0])
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("Published: got %d calls, want 1", n)
	}
}
