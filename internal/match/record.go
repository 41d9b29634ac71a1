package match

import (
	"time"
)

// Record validates in against the state that log folds to and returns the
// event to append and the new state. The event gets Seq (one past the
// log's last), RecordedAt (now, in UTC), ClockMs (the match clock at now),
// RecordedBy and IdempotencyKey from in. It returns ECONFLICT when
// in.ExpectedSeq is set and is not the log's last sequence number, and
// EINVALID with a message saying what to fix for an event the sport's rules
// or the match's state do not allow. It is strict where the rule is clear
// but never blocks a correction: void and score_correction are always
// accepted on a match that has started.
func Record(m Match, log []Event, in NewEvent, now time.Time) (Event, State, error) {
	last := lastSeq(log)
	sp, err := recordable(m, in, last)
	if err != nil {
		return Event{}, State{}, err
	}
	f, counts := foldLog(m, log, 1)
	before := f.state()
	before.Seq = last
	v := validator{sport: sp, st: before, target: scanTarget(log, counts)}
	if err := v.check(in); err != nil {
		return Event{}, State{}, err
	}
	ev := newEvent(m, in, before, now)
	if ev.Kind == KindVoid {
		// A void changes which earlier events count, so fold from scratch.
		return ev, Fold(m, append(log[:len(log):len(log)], ev)), nil
	}
	// Any other event leaves the earlier ones as they were: apply it.
	f.apply(ev)
	after := f.state()
	after.Seq = ev.Seq
	return ev, after, nil
}

// lastSeq returns the sequence number of log's last event, 0 for none.
func lastSeq(log []Event) int64 {
	if len(log) == 0 {
		return 0
	}
	return log[len(log)-1].Seq
}

// recordable returns m's sport, and the error Record returns before it
// looks at the log's state: for a sport this build does not know, or a
// log that has moved on since the client's ExpectedSeq.
func recordable(m Match, in NewEvent, last int64) (Sport, error) {
	sp, ok := SportByKey(m.Sport)
	if !ok {
		return Sport{}, Errorf(EINVALID,
			"match %d has sport %q, which this scoreboard does not know; known sports: %s", m.ID, m.Sport, SportKeys())
	}
	if in.ExpectedSeq != nil && *in.ExpectedSeq != last {
		return Sport{}, Errorf(ECONFLICT,
			"match %d is at seq %d, you last saw %d; reload and try again", m.ID, last, *in.ExpectedSeq)
	}
	return sp, nil
}

// newEvent returns the event that in, accepted in the state before, makes.
func newEvent(m Match, in NewEvent, before State, now time.Time) Event {
	return Event{
		MatchID: m.ID, Seq: before.Seq + 1, Kind: in.Kind, EventDetail: in.EventDetail,
		RecordedAt: now.UTC(), ClockMs: before.Clock.ElapsedAt(now),
		RecordedBy: in.RecordedBy, IdempotencyKey: in.IdempotencyKey,
	}
}
