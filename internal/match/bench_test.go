package match

import (
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
