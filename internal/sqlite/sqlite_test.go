package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/internal/sqlite"
	"github.com/scoreboard/scoreboard/internal/storetest"
)

// open is the suite's Opener: a fresh file in the test's temporary
// directory, or the file at c.Path.
func open(t *testing.T, c storetest.Config) (storetest.Store, string) {
	t.Helper()
	path := c.Path
	if path == "" {
		path = filepath.Join(t.TempDir(), "scoreboard.db")
	}
	db := openDB(t, path, sqlite.Options{MatchTopic: c.Topic, Published: c.Published})
	return db, path
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
	storetest.Run(t, open)
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

// TestAppendWithoutTopic checks that a store opened without MatchTopic
// refuses to append rather than publishing on an empty topic.
func TestAppendWithoutTopic(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "t.db"), sqlite.Options{})
	_, _, err := db.AppendEvent(t.Context(), 1, match.NewEvent{Kind: match.KindNote})
	if err == nil {
		t.Fatalf("AppendEvent without MatchTopic: got nil error, want one")
	}
}

// BenchmarkAppendEvent appends notes to matches of up to 1,000 events,
// starting a new match then, so that the figure is for a realistic log.
func BenchmarkAppendEvent(b *testing.B) {
	ctx := context.Background()
	db := openDB(b, filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{MatchTopic: storetest.Topic})
	b.ReportAllocs()
	var m match.Match
	n := 0
	for i := 0; b.Loop(); i++ {
		if n == 0 || n == 1000 {
			var err error
			if m, err = db.CreateMatch(ctx, benchInput()); err != nil {
				b.Fatalf("CreateMatch: %v", err)
			}
			if _, _, err := db.AppendEvent(ctx, m.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "start"}); err != nil {
				b.Fatalf("AppendEvent(start): %v", err)
			}
			n = 1
		}
		_, _, err := db.AppendEvent(ctx, m.ID, match.NewEvent{Kind: match.KindNote,
			EventDetail: match.EventDetail{Text: "bench"}, IdempotencyKey: fmt.Sprint(i)})
		if err != nil {
			b.Fatalf("AppendEvent: %v", err)
		}
		n++
	}
}

func benchInput() match.MatchInput {
	return match.MatchInput{
		Competition: "Bench", Sport: "football",
		Home:    match.Team{Name: "Home", ShortName: "HOM", Color: "#ff0000"},
		Away:    match.Team{Name: "Away", ShortName: "AWY", Color: "#0000ff"},
		KickOff: time.Date(2030, 1, 1, 15, 0, 0, 0, time.UTC), TimeZone: "UTC", Venue: "Bench Park",
	}
}
