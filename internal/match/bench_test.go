package match

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// longMatch returns a football match with a 1,000-event log: scores, cards,
// substitutions, clock stops and starts, notes, corrections and voids
// through two halves.
func longMatch(b *testing.B) *scorer {
	s := newScorer(b, "football").kind(KindMatchStart)
	for i := 1; len(s.log) < 1000; i++ {
		s.tick(5 * time.Second)
		side := []Side{Home, Away}[i%2]
		switch {
		case i == 400:
			s.kind(KindPeriodEnd).kind(KindPeriodStart)
		case i%10 == 0:
			s.rec(KindVoid, EventDetail{VoidSeq: int64(len(s.log))})
		case i%10 == 1:
			s.rec(KindCard, EventDetail{Team: side, Card: "yellow", Player: "Four"})
		case i%10 == 2:
			s.rec(KindSubstitution, EventDetail{Team: side, Player: "A", PlayerIn: "B"})
		case i%10 == 3:
			s.kind(KindClockStop)
		case i%10 == 4:
			s.kind(KindClockStart)
		case i%10 == 5:
			s.rec(KindNote, EventDetail{Text: "corner"})
		case i%50 == 6:
			s.rec(KindScoreCorrection, EventDetail{Home: ptr(i / 10), Away: ptr(i / 20)})
		default:
			s.rec(KindScore, EventDetail{Team: side, ScoreKind: "goal", Player: "Nine"})
		}
	}
	return s
}

func BenchmarkFold1000(b *testing.B) {
	s := longMatch(b)
	b.ReportAllocs()
	for b.Loop() {
		Fold(s.m, s.log)
	}
}

func BenchmarkRecord(b *testing.B) {
	s := longMatch(b)
	in := NewEvent{Kind: KindScore, EventDetail: EventDetail{Team: Home, ScoreKind: "goal"}, ExpectedSeq: ptr(int64(len(s.log)))}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Record(s.m, s.log, in, s.now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecordVoid(b *testing.B) {
	s := longMatch(b)
	in := NewEvent{Kind: KindVoid, EventDetail: EventDetail{VoidSeq: 500}}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Record(s.m, s.log, in, s.now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVoidedNotes appends the load test's burst (notes, each voided
// by the next event) to a log of 100 to 10,000 events: through Record on
// the whole log, as the stores did, and through a Log, as they do, whose
// cost must not grow with the log.
func BenchmarkVoidedNotes(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("Record/log=%d", n), func(b *testing.B) {
			s, l := burstLog(b, n)
			log := slices.Clone(l.events)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				ev, _, err := Record(s.m, log, burstEvent(log), s.now)
				if err != nil {
					b.Fatal(err)
				}
				log = append(log, ev)
			}
		})
		b.Run(fmt.Sprintf("Log/log=%d", n), func(b *testing.B) {
			s, l := burstLog(b, n)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := l.Record(s.m, burstEvent(l.events), s.now); err != nil {
					b.Fatal(err)
				}
				l.Commit()
			}
		})
	}
}

// burstLog returns a live football match whose log has n events, all but
// the first a burst's.
func burstLog(b *testing.B, n int) (*scorer, *Log) {
	s := newScorer(b, "football").kind(KindMatchStart)
	l := loadedLog(s.m, slices.Clone(s.log))
	for len(l.events) < n {
		if _, _, err := l.Record(s.m, burstEvent(l.events), s.now); err != nil {
			b.Fatal(err)
		}
		l.Commit()
	}
	return s, l
}

// burstEvent returns the burst's next event after log: a void of the last
// event if it is a note, else a note.
func burstEvent(log []Event) NewEvent {
	if last := log[len(log)-1]; last.Kind == KindNote {
		return NewEvent{Kind: KindVoid, EventDetail: EventDetail{VoidSeq: last.Seq}, IdempotencyKey: fmt.Sprintf("k%d", last.Seq+1)}
	}
	return NewEvent{Kind: KindNote, EventDetail: EventDetail{Text: "burst"}, IdempotencyKey: fmt.Sprintf("k%d", len(log)+1)}
}
