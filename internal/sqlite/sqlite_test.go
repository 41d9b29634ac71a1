package sqlite_test

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/internal/sqlite"
	"github.com/scoreboard/scoreboard/internal/storetest"
	"github.com/scoreboard/scoreboard/migrations"
)

// open is the suite's Opener: a fresh file in the test's temporary
// directory, or the file at c.Path.
func open(t *testing.T, c storetest.Config) (storetest.Store, string) {
	t.Helper()
	path := c.Path
	if path == "" {
		path = filepath.Join(t.TempDir(), "scoreboard.db")
	}
	db := openDB(t, path, sqlite.Options{MatchTopic: c.Topic})
	return db, path
}

// breakHistory makes hub update inserts fail with a trigger, written
// through a connection of its own.
func breakHistory(t *testing.T, path string) (repair func()) {
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { raw.Close() })
	if _, err := raw.Exec(`CREATE TRIGGER refuse_update BEFORE INSERT ON hub_updates
		BEGIN SELECT RAISE(ABORT, 'history unavailable'); END`); err != nil {
		t.Fatalf("install a failing trigger: %v", err)
	}
	return func() {
		if _, err := raw.Exec(`DROP TRIGGER refuse_update`); err != nil {
			t.Fatalf("drop the failing trigger: %v", err)
		}
	}
}

// insertEvent writes a row of a match's log through a connection of its
// own, behind the store's back.
func insertEvent(t *testing.T, path string, matchID, seq int64, key string) {
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer raw.Close()
	var k any
	if key != "" {
		k = key
	}
	if _, err := raw.Exec(`INSERT INTO match_events
		(match_id, seq, kind, detail, recorded_at, clock_ms, recorded_by, idempotency_key)
		VALUES (?, ?, 'note', '{"text":"hidden"}', 0, 0, '', ?)`, matchID, seq, k); err != nil {
		t.Fatalf("insert a hidden event: %v", err)
	}
}

func openDB(tb testing.TB, path string, opts sqlite.Options) *sqlite.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path, opts)
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	if err := db.Migrate(ctx); err != nil {
		tb.Fatalf("Migrate: %v", err)
	}
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, open, storetest.Hooks{BreakHistory: breakHistory, InsertEvent: insertEvent})
}

// TestMigrateTwice checks that migrating an up-to-date database does
// nothing and keeps the data.
func TestMigrateTwice(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "m.db")
	db := openDB(t, path, sqlite.Options{MatchTopic: storetest.Topic})
	v, err := db.Secret(ctx, "k", func() (string, error) { return "v", nil })
	if err != nil {
		t.Fatalf("Secret: %v", err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	got, err := db.Secret(ctx, "k", func() (string, error) { return "other", nil })
	if err != nil || got != v {
		t.Errorf("Secret after migrating again: got %q, %v, want %q", got, err, v)
	}
}

// TestMigrateKeepsMatches writes a match with the first schema, migrates
// to the latest, and checks that the match still works.
func TestMigrateKeepsMatches(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	fsys, err := fs.Sub(migrations.SQLite, "sqlite")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, raw, fsys, goose.WithDisableGlobalRegistry(true), goose.WithLogger(goose.NopLogger()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 1); err != nil {
		t.Fatalf("migrate to version 1: %v", err)
	}
	m := storetest.OldMatch()
	if _, err := raw.ExecContext(ctx, `INSERT INTO matches (id, competition, sport,
		home_name, home_short_name, home_color, away_name, away_short_name, away_color,
		kick_off, time_zone, venue, status, seq, state, created_at)
		VALUES (7, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', 0, ?, ?)`,
		m.Competition, m.Sport, m.Home.Name, m.Home.ShortName, m.Home.Color, m.Away.Name, m.Away.ShortName, m.Away.Color,
		m.KickOff.UnixMicro(), m.TimeZone, m.Venue, string(storetest.OldState(7)), m.CreatedAt.UnixMicro()); err != nil {
		t.Fatalf("insert a match of the first schema: %v", err)
	}
	raw.Close()
	db := openDB(t, path, sqlite.Options{MatchTopic: storetest.Topic})
	storetest.CheckMigratedMatch(t, db, 7)
}

// TestOddPath opens a file whose name holds URI syntax, and reopens it.
func TestOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?x=1#frag", "50% of it?.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, path, sqlite.Options{MatchTopic: storetest.Topic})
	if _, err := db.Secret(t.Context(), "k", func() (string, error) { return "v", nil }); err != nil {
		t.Fatalf("Secret: %v", err)
	}
	db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: got %v, want it at %s", err, path)
	}
	db = openDB(t, path, sqlite.Options{MatchTopic: storetest.Topic})
	if v, err := db.Secret(t.Context(), "k", func() (string, error) { return "other", nil }); err != nil || v != "v" {
		t.Errorf("Secret after reopening: got %q, %v, want %q", v, err, "v")
	}
}

// TestMigrateConcurrently migrates one new file from several handles at
// once, as several processes starting together would: all succeed.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.db")
	const instances = 4
	dbs := make([]*sqlite.DB, instances)
	for i := range dbs {
		db, err := sqlite.Open(t.Context(), path, sqlite.Options{MatchTopic: storetest.Topic})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	errs := make([]error, instances)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Go(func() {
			<-start
			errs[i] = db.Migrate(t.Context())
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: Migrate: got %v, want nil", i, err)
		}
	}
	if _, err := dbs[0].CreateMatch(t.Context(), benchInput()); err != nil {
		t.Errorf("CreateMatch after migrating: %v", err)
	}
}

// TestOpenErrors checks that a bad path is a clear error, not a panic.
func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name, path string
	}{
		{"empty", ""},
		{"missing directory", filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := sqlite.Open(t.Context(), tt.path, sqlite.Options{})
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q): got nil error, want one", tt.path)
			}
		})
	}
}

// BenchmarkStore runs the stores' shared append benchmarks on SQLite files.
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) storetest.Store {
		return openDB(b, filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{MatchTopic: storetest.Topic})
	})
}

func benchInput() match.MatchInput {
	return match.MatchInput{
		Competition: "Bench", Sport: "football",
		Home:    match.Team{Name: "Home", ShortName: "HOM", Color: "#ff0000"},
		Away:    match.Team{Name: "Away", ShortName: "AWY", Color: "#0000ff"},
		KickOff: time.Date(2030, 1, 1, 15, 0, 0, 0, time.UTC), TimeZone: "UTC", Venue: "Bench Park",
	}
}
