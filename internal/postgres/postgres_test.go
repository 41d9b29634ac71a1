package postgres_test

import (
	"context"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/scoreboard/scoreboard/internal/hub"
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
	db, err := postgres.Open(testContext(t), u, postgres.Options{MatchTopic: c.Topic})
	if err != nil {
		t.Fatalf("Open(%s): %v", u, err)
	}
	t.Cleanup(func() { db.Close() })
	return db, u
}

// breakHistory makes hub update inserts fail with a trigger.
func breakHistory(t *testing.T, url string) (repair func()) {
	ctx := testContext(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, `
		CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'history unavailable'; END $$;
		CREATE TRIGGER refuse_update BEFORE INSERT ON hub_updates
			FOR EACH ROW EXECUTE FUNCTION refuse_update()`); err != nil {
		t.Fatalf("install a failing trigger: %v", err)
	}
	return func() {
		if _, err := conn.Exec(ctx, `DROP TRIGGER refuse_update ON hub_updates`); err != nil {
			t.Fatalf("drop the failing trigger: %v", err)
		}
	}
}

// insertEvent writes a row of a match's log through a connection of its
// own, behind the store's back.
func insertEvent(t *testing.T, url string, matchID, seq int64, key string) {
	ctx := testContext(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	defer conn.Close(ctx)
	var k *string
	if key != "" {
		k = &key
	}
	if _, err := conn.Exec(ctx, `INSERT INTO match_events
		(match_id, seq, kind, detail, recorded_at, clock_ms, recorded_by, idempotency_key)
		VALUES ($1, $2, 'note', '{"text":"hidden"}', now(), 0, '', $3)`, matchID, seq, k); err != nil {
		t.Fatalf("insert a hidden event: %v", err)
	}
}

func TestStore(t *testing.T) {
	storetest.Run(t, open, storetest.Hooks{BreakHistory: breakHistory, InsertEvent: insertEvent})
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

// TestMigrateKeepsMatches writes a match with the first schema, migrates
// to the latest, and checks that the match still works.
func TestMigrateKeepsMatches(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	u := pgtest.EmptyURL(t)
	db, err := postgres.Open(ctx, u, postgres.Options{MatchTopic: storetest.Topic})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fsys, err := fs.Sub(migrations.Postgres, "postgres")
	if err != nil {
		t.Fatal(err)
	}
	sqlDB := stdlib.OpenDBFromPool(db.Pool())
	defer sqlDB.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, fsys, goose.WithDisableGlobalRegistry(true), goose.WithLogger(goose.NopLogger()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 1); err != nil {
		t.Fatalf("migrate to version 1: %v", err)
	}
	m := storetest.OldMatch()
	if _, err := db.Pool().Exec(ctx, `INSERT INTO matches (id, competition, sport,
		home_name, home_short_name, home_color, away_name, away_short_name, away_color,
		kick_off, time_zone, venue, status, seq, state, created_at)
		VALUES (7, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'scheduled', 0, $12, $13)`,
		m.Competition, m.Sport, m.Home.Name, m.Home.ShortName, m.Home.Color, m.Away.Name, m.Away.ShortName, m.Away.Color,
		m.KickOff, m.TimeZone, m.Venue, storetest.OldState(7), m.CreatedAt); err != nil {
		t.Fatalf("insert a match of the first schema: %v", err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	storetest.CheckMigratedMatch(t, db, 7)
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
