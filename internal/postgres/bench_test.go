package postgres_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/internal/postgres"
	"github.com/scoreboard/scoreboard/internal/postgres/pgtest"
)

// benchMatch creates a live football match ready for goals.
func benchMatch(b *testing.B, ctx context.Context, db *postgres.DB, n int) int64 {
	b.Helper()
	m, err := db.CreateMatch(ctx, match.MatchInput{
		Competition: "Bench League", Sport: "football",
		Home:    match.Team{Name: fmt.Sprintf("Home %d", n)},
		Away:    match.Team{Name: fmt.Sprintf("Away %d", n)},
		KickOff: time.Date(2030, 6, 1, 15, 0, 0, 0, time.UTC), TimeZone: "UTC",
	})
	if err != nil {
		b.Fatalf("CreateMatch: %v", err)
	}
	for i, in := range []match.NewEvent{
		{Kind: match.KindMatchStart},
		{Kind: match.KindPeriodStart, EventDetail: match.EventDetail{Period: 1}},
	} {
		in.IdempotencyKey = fmt.Sprintf("setup-%d", i)
		if _, _, err := db.AppendEvent(ctx, m.ID, in); err != nil {
			b.Fatalf("AppendEvent(%s): %v", in.Kind, err)
		}
	}
	return m.ID
}

// goal is the i-th goal of a benchmark, alternating sides.
func goal(i int64) match.NewEvent {
	side := match.Home
	if i%2 == 1 {
		side = match.Away
	}
	return match.NewEvent{
		Kind:           match.KindScore,
		EventDetail:    match.EventDetail{Team: side, ScoreKind: "goal", Player: "Player"},
		IdempotencyKey: fmt.Sprintf("goal-%d", i),
		RecordedBy:     "bench@example.org",
	}
}

// BenchmarkAppendEvent appends goals one after another, to matches of up
// to 100 events (a new match every 100), as a scorer does: each append
// locks the match, reads its log, folds it, writes the event, the state and
// the hub update, and commits.
func BenchmarkAppendEvent(b *testing.B) {
	ctx := context.Background()
	db := pgtest.Open(b, postgres.Options{})
	var id int64
	var matches int
	b.ResetTimer()
	for i := range int64(b.N) {
		if i%100 == 0 {
			b.StopTimer()
			matches++
			id = benchMatch(b, ctx, db, matches)
			b.StartTimer()
		}
		if _, _, err := db.AppendEvent(ctx, id, goal(i)); err != nil {
			b.Fatalf("AppendEvent: %v", err)
		}
	}
}

// BenchmarkAppendEventLongLog appends to one match that already has 1,000
// events: the cost of reading and folding a long log on every append.
func BenchmarkAppendEventLongLog(b *testing.B) {
	ctx := context.Background()
	db := pgtest.Open(b, postgres.Options{})
	id := benchMatch(b, ctx, db, 0)
	const preload = 1000
	for i := range int64(preload) {
		if _, _, err := db.AppendEvent(ctx, id, goal(i)); err != nil {
			b.Fatalf("AppendEvent: %v", err)
		}
	}
	b.ResetTimer()
	for i := range int64(b.N) {
		if _, _, err := db.AppendEvent(ctx, id, goal(preload+i)); err != nil {
			b.Fatalf("AppendEvent: %v", err)
		}
	}
}

// BenchmarkAppendEventParallel appends from many goroutines, each to its
// own matches: appends to different matches share only the hub history's
// commit-order lock.
func BenchmarkAppendEventParallel(b *testing.B) {
	ctx := context.Background()
	db := pgtest.Open(b, postgres.Options{})
	var matches atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var id int64
		for i := int64(0); pb.Next(); i++ {
			if i%100 == 0 {
				id = benchMatch(b, ctx, db, int(matches.Add(1)))
			}
			if _, _, err := db.AppendEvent(ctx, id, goal(i)); err != nil {
				b.Errorf("AppendEvent: %v", err)
				return
			}
		}
	})
}
