package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/scoreboard/scoreboard/internal/match"
)

// BenchOpener opens a fresh, migrated store for a benchmark, with its
// match topic set; the opener closes it when the benchmark ends.
type BenchOpener func(b *testing.B) Store

// Bench runs the append benchmarks on the stores open makes, so that both
// stores are measured on the same work: goals appended as a scorer does
// (each append locks the match, folds its log, writes the event, the state
// and the hub update, and commits).
func Bench(b *testing.B, open BenchOpener) {
	b.Run("AppendEvent/log=1..100", func(b *testing.B) {
		s := open(b)
		b.ReportAllocs()
		var id int64
		for i := 0; b.Loop() && !b.Failed(); i++ {
			if i%100 == 0 {
				id = benchMatch(b, s, i)
			}
			benchGoal(b, s, id, i)
		}
	})
	b.Run("AppendEvent/log=1000+", func(b *testing.B) {
		s := open(b)
		id := benchMatch(b, s, 0)
		const preload = 1000
		for i := range preload {
			benchGoal(b, s, id, i)
		}
		b.ReportAllocs()
		for i := preload; b.Loop() && !b.Failed(); i++ {
			benchGoal(b, s, id, i)
		}
	})
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("AppendEvent/voided-notes/log=%d", n), func(b *testing.B) {
			benchVoidedNotes(b, open(b), n)
		})
	}
	b.Run("UpdateSize", func(b *testing.B) { benchUpdateSize(b, open(b)) })
	b.Run("AppendEventParallel/one-match", func(b *testing.B) {
		// Scorers' and integrators' requests racing on one match, as in
		// a burst: the appends to it run one at a time, and what the
		// store spends between two of them counts.
		s := open(b)
		id := benchMatch(b, s, 0)
		var n atomic.Int64
		b.ReportAllocs()
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() && !b.Failed() {
				benchGoal(b, s, id, int(n.Add(1)))
			}
		})
	})
	b.Run("AppendEventParallel", func(b *testing.B) {
		s := open(b)
		var matches atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var id int64
			for i := 0; pb.Next() && !b.Failed(); i++ {
				if i%100 == 0 {
					id = benchMatch(b, s, int(matches.Add(1)))
				}
				benchGoal(b, s, id, i)
			}
		})
	})
}

// benchMatch creates a live football match. It reports errors with Errorf:
// it runs in RunParallel's goroutines, where Fatalf may not be called.
func benchMatch(b *testing.B, s Store, n int) int64 {
	ctx := context.Background()
	m, err := s.CreateMatch(ctx, input("football", n%24))
	if err != nil {
		b.Errorf("CreateMatch: %v", err)
		return 0
	}
	if _, err := s.AppendEvent(ctx, m.ID, match.NewEvent{Kind: match.KindMatchStart, IdempotencyKey: "start"}); err != nil {
		b.Errorf("AppendEvent(match_start): %v", err)
	}
	return m.ID
}

// benchGoal appends the i-th goal of a benchmark, alternating sides.
func benchGoal(b *testing.B, s Store, id int64, i int) {
	side := match.Home
	if i%2 == 1 {
		side = match.Away
	}
	_, err := s.AppendEvent(context.Background(), id, match.NewEvent{
		Kind:           match.KindScore,
		EventDetail:    match.EventDetail{Team: side, ScoreKind: "goal", Player: "No. 9"},
		IdempotencyKey: fmt.Sprintf("goal-%d", i),
		RecordedBy:     "bench@example.org",
	})
	if err != nil {
		b.Errorf("AppendEvent(goal %d): %v", i, err)
	}
}

// benchVoidedNotes appends to a match whose log already holds n events
// what the load test's burst does: notes, each voided by the next event,
// so that the timeline stays short while the log grows. The cost of an
// append should not grow with n.
func benchVoidedNotes(b *testing.B, s Store, n int) {
	id := benchMatch(b, s, 0)
	// note is the note the next event voids; 0: the next is a note.
	// match_start is the log's first event.
	var note int64
	for i := 1; i < n; i++ {
		note = benchNoteOrVoid(b, s, id, i, note)
	}
	b.ReportAllocs()
	for i := n; b.Loop() && !b.Failed(); i++ {
		note = benchNoteOrVoid(b, s, id, i, note)
	}
}

// benchNoteOrVoid appends the i-th event of benchVoidedNotes: a note when
// note is 0, else a void of note. It returns the note the next event is to
// void.
func benchNoteOrVoid(b *testing.B, s Store, id int64, i int, note int64) int64 {
	in := match.NewEvent{Kind: match.KindNote, EventDetail: match.EventDetail{Text: "burst"},
		IdempotencyKey: fmt.Sprintf("burst-%d", i), RecordedBy: "bench@example.org"}
	if note > 0 {
		in.Kind, in.VoidSeq = match.KindVoid, note
	}
	a, err := s.AppendEvent(context.Background(), id, in)
	if err != nil {
		b.Fatalf("AppendEvent(%s %d): %v", in.Kind, i, err)
	}
	if note > 0 {
		return 0
	}
	return a.Event.Seq
}

// benchUpdateSize plays a football match of 200 events and reports the
// size of its update at event 1 and at event 200 (update_bytes/event_1,
// update_bytes/event_200), so that a change that makes updates grow shows.
func benchUpdateSize(b *testing.B, s Store) {
	ctx := context.Background()
	var first, last int
	for b.Loop() {
		m, err := s.CreateMatch(ctx, footballMatch())
		if err != nil {
			b.Fatalf("CreateMatch: %v", err)
		}
		for i := 1; i <= 200; i++ {
			a, err := s.AppendEvent(ctx, m.ID, footballEvent(i))
			if err != nil {
				b.Fatalf("AppendEvent(%d): %v", i, err)
			}
			st := a.State
			if i == 1 || i == 200 {
				u, err := s.LastUpdate(ctx)
				if err != nil || u.ID != st.UpdateID {
					b.Fatalf("LastUpdate: got %q (%v), want the append's update %q", u.ID, err, st.UpdateID)
				}
				if i == 1 {
					first = len(u.Data)
				} else {
					last = len(u.Data)
				}
			}
		}
	}
	b.ReportMetric(float64(first), "update_bytes/event_1")
	b.ReportMetric(float64(last), "update_bytes/event_200")
}
