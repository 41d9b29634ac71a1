package match

import (
	"fmt"
	"testing"
	"time"
)

// t0 is when every test match kicks off.
var t0 = time.Date(2026, 5, 9, 15, 0, 0, 0, time.UTC)

// scorer records events on one match through Record, the way a store does,
// with a clock the test moves by hand.
type scorer struct {
	t   testing.TB
	m   Match
	log []Event
	now time.Time
	st  State
}

func newScorer(t testing.TB, sport string) *scorer {
	t.Helper()
	m := Match{ID: 7, Sport: sport, Competition: "Cup",
		Home:    Team{Name: "Lions", ShortName: "LIO", Color: "#112233"},
		Away:    Team{Name: "Tigers", ShortName: "TIG", Color: "#445566"},
		KickOff: t0, TimeZone: "UTC", Status: StatusScheduled}
	return &scorer{t: t, m: m, now: t0, st: Fold(m, nil)}
}

// tick moves the test clock on.
func (s *scorer) tick(d time.Duration) *scorer {
	s.now = s.now.Add(d)
	return s
}

// try records an event and returns Record's error.
func (s *scorer) try(kind EventKind, d EventDetail) error {
	ev, st, err := Record(s.m, s.log, NewEvent{Kind: kind, EventDetail: d, RecordedBy: "ref@example.com"}, s.now)
	if err != nil {
		return err
	}
	s.log = append(s.log, ev)
	s.st = st
	return nil
}

// rec records an event that must be accepted.
func (s *scorer) rec(kind EventKind, d EventDetail) *scorer {
	s.t.Helper()
	if err := s.try(kind, d); err != nil {
		s.t.Fatalf("record %s %+v at seq %d: %v", kind, d, len(s.log)+1, err)
	}
	return s
}

func (s *scorer) kind(k EventKind) *scorer { s.t.Helper(); return s.rec(k, EventDetail{}) }

func (s *scorer) goal(side Side, kind string) *scorer {
	s.t.Helper()
	return s.rec(KindScore, EventDetail{Team: side, ScoreKind: kind})
}

// points scores n points of kind for side.
func (s *scorer) points(side Side, kind string, n int) *scorer {
	s.t.Helper()
	for range n {
		s.goal(side, kind)
	}
	return s
}

// nextPeriod ends the current period and starts the next.
func (s *scorer) nextPeriod() *scorer {
	s.t.Helper()
	return s.kind(KindPeriodEnd).kind(KindPeriodStart)
}

func ptr[T any](v T) *T { return &v }

func fmtAny(v any) string { return fmt.Sprintf("%v", v) }
