package match

import (
	"cmp"
	"maps"
	"slices"
	"time"
)

// Log is a match's whole log kept with what Record and Retry need of it,
// brought up to date event by event, so that an append to a long log costs
// what the event does rather than what the log does: which events still
// count (and which void cancels each of the others), the event of each
// idempotency key, and the state the log folds to. Log.Record, Log.Retry
// and Log.Edit answer exactly as Record, Retry and Edit do on the whole
// log, which stay the reference.
//
// A Log is used by one goroutine at a time: a LogCache hands it out
// checked out (Checkout) until Release. Record leaves the log as it was
// and stages its event; Commit, once the store has committed the event,
// appends it.
type Log struct {
	sem chan struct{} // full while checked out
	// queue holds the appends waiting for their turn and leading says
	// that a caller runs them (LogCache.Append); guarded by the cache's
	// mutex.
	queue   []*turn
	leading bool
	loaded  bool    // whether events is a log read (Refresh, loadedLog)
	events  []Event // the whole log; Commit appends in place
	// ordered says that the events' seqs increase strictly, as a store's
	// do: only then are by, keys and f kept, and a seq found without a
	// scan. Any other log is answered by Record, Retry and Fold.
	ordered bool
	// by holds, for each event, the seq of the last counting void that
	// cancels it; 0 when the event counts.
	by   []int64
	keys map[string]int // the index of the first event of each idempotency key
	f    *folder        // the counting events folded; nil until needed
	// claimed says that Record has applied an event to a copy of f whose
	// timeline shares f's array, writing past f's events: a state it
	// returned may hold that slot, so the next Record must not write there
	// until Commit makes it f's.
	claimed bool
	staged  *staged // what Record accepted, for Commit
}

// staged is an event that Log.Record accepted and Commit is to append.
type staged struct {
	ev Event
	f  *folder // the fold with ev; nil for a log not ordered
	by []int64 // by with ev, when ev changed more than its target (a void of a void); nil otherwise
}

// loadedLog returns log (which the Log owns from now on) as a Log, for m,
// folded: what Refresh makes of a log read, for the tests and benchmarks.
func loadedLog(m Match, log []Event) *Log {
	l := newLog()
	l.reset(log)
	l.folded(m)
	return l
}

func newLog() *Log { return &Log{sem: make(chan struct{}, 1)} }

// reset makes log the whole of l: it derives which events count and the
// keys' events (O(len(log))), and leaves the fold for folded to redo.
func (l *Log) reset(log []Event) {
	// Field by field: sem is read by Checkout without holding l.
	l.loaded, l.events, l.ordered = true, slices.Clip(log), increasing(log)
	l.by, l.keys, l.f, l.claimed, l.staged = nil, nil, nil, false, nil
	if !l.ordered {
		return
	}
	l.by = cancellers(log)
	l.keys = make(map[string]int)
	for i, ev := range log {
		l.index(i, ev)
	}
}

// index notes that the event at i has ev's idempotency key, unless an
// earlier event has it: Retry answers with the first.
func (l *Log) index(i int, ev Event) {
	if ev.IdempotencyKey == "" {
		return
	}
	if _, ok := l.keys[ev.IdempotencyKey]; !ok {
		l.keys[ev.IdempotencyKey] = i
	}
}

func increasing(log []Event) bool {
	for i := 1; i < len(log); i++ {
		if log[i].Seq <= log[i-1].Seq {
			return false
		}
	}
	return true
}

// cancellers returns, for each event of log (whose seqs increase
// strictly), the seq of the last counting void that cancels it, 0 when it
// counts: counting's walk back from the end, which decides every void
// before the events it may target, noting who cancelled each event.
func cancellers(log []Event) []int64 {
	by := make([]int64, len(log), len(log)+1)
	cancelled := make(map[int64]int64)
	for i := len(log) - 1; i >= 0; i-- {
		ev := log[i]
		if c := cancelled[ev.Seq]; c > 0 {
			by[i] = c
			continue
		}
		if ev.Kind == KindVoid && ev.VoidSeq > 0 && ev.VoidSeq < ev.Seq {
			if _, ok := cancelled[ev.VoidSeq]; !ok { // a later void cancels it already
				cancelled[ev.VoidSeq] = ev.Seq
			}
		}
	}
	return by
}

// seq returns the sequence number of l's last event, 0 for none.
func (l *Log) seq() int64 { return lastSeq(l.events) }

// at reports whether l ends at seq: being append-only, it is then the whole
// log of a match whose seq is seq.
func (l *Log) at(seq int64) bool {
	return l.loaded && int64(len(l.events)) == seq && l.seq() == seq
}

// find returns the index of the event of seq in an ordered log.
func (l *Log) find(seq int64) (int, bool) {
	if len(l.events) == 0 {
		return 0, false
	}
	// A store's seqs have no gaps: look where the event would be first.
	if i := seq - l.events[0].Seq; i >= 0 && i < int64(len(l.events)) && l.events[i].Seq == seq {
		return int(i), true
	}
	return slices.BinarySearchFunc(l.events, seq, func(e Event, s int64) int { return cmp.Compare(e.Seq, s) })
}

// target is validator.target for an ordered log.
func (l *Log) target(seq int64) voidTarget {
	i, ok := l.find(seq)
	if !ok {
		return voidTarget{}
	}
	return voidTarget{found: true, kind: l.events[i].Kind, counts: l.by[i] == 0, voidedBy: l.by[i]}
}

// folded returns l's fold (of an ordered log) for m. A fold takes the
// match's id and teams, which an edit may have changed since (in another
// process too: an edit leaves the seq as it was), and its sport, which
// cannot change once the log has events.
func (l *Log) folded(m Match) *folder {
	if !l.ordered {
		return nil
	}
	if l.f == nil || l.f.sport.Key != m.Sport {
		l.f, l.claimed = foldCounting(m, l.events, l.by, 1), false
	}
	// The fold shares no part of these with a state it returned.
	l.f.st.ID, l.f.st.Home.Team, l.f.st.Away.Team = m.ID, m.Home, m.Away
	return l.f
}

// foldCounting folds the events of log that by says count, voids left
// out, into a folder whose timeline has room for spare more events.
func foldCounting(m Match, log []Event, by []int64, spare int) *folder {
	f := newFolder(m)
	n := spare
	for i, ev := range log {
		if by[i] == 0 && ev.Kind != KindVoid {
			n++
		}
	}
	f.st.Timeline = make([]Event, 0, n)
	for i, ev := range log {
		if by[i] == 0 && ev.Kind != KindVoid {
			f.apply(ev)
		}
	}
	return f
}

// Retry is Retry on the whole log: a map lookup instead of a scan.
func (l *Log) Retry(in NewEvent) (Event, bool, error) {
	if !l.ordered {
		return Retry(l.events, in)
	}
	if in.IdempotencyKey == "" {
		return Event{}, false, nil
	}
	i, ok := l.keys[in.IdempotencyKey]
	if !ok {
		return Event{}, false, nil
	}
	return retried(l.events[i], in)
}

// Record is Record on the whole log, without folding it: the event is
// checked against the cached state and applied to a copy of it, and a
// void refolds the events that count, or the whole log for a void of a
// void, which may restore any number of events. It stages the event for
// Commit and leaves l as it was. The state it returns shares parts with
// l's, which never change them: a caller must not modify it.
func (l *Log) Record(m Match, in NewEvent, now time.Time) (Event, State, error) {
	l.staged = nil
	if !l.ordered {
		ev, st, err := Record(m, l.events, in, now)
		if err == nil {
			l.staged = &staged{ev: ev}
		}
		return ev, st, err
	}
	last := l.seq()
	sp, err := recordable(m, in, last)
	if err != nil {
		return Event{}, State{}, err
	}
	before := l.folded(m).state()
	before.Seq = last
	v := validator{sport: sp, st: before, target: l.target}
	if err := v.check(in); err != nil {
		return Event{}, State{}, err
	}
	ev := newEvent(m, in, before, now)
	s := &staged{ev: ev}
	s.f, s.by = l.next(m, ev)
	l.staged = s
	after := s.f.state()
	after.Seq = ev.Seq
	after.Timeline = slices.Clip(after.Timeline) // appending to it must not write in l's
	return ev, after, nil
}

// next returns the fold of l with ev, an event Record accepted, and by
// with ev when ev changed more than its target.
func (l *Log) next(m Match, ev Event) (*folder, []int64) {
	if ev.Kind != KindVoid {
		// Any event but a void leaves the earlier ones as they were.
		f := l.f.clone(!l.claimed)
		l.claimed = true
		f.apply(ev)
		return f, nil
	}
	if i, ok := l.find(ev.VoidSeq); ok && l.events[i].Kind != KindVoid {
		// It cancels one event that counts (Record accepts no other) and
		// changes nothing else: fold the timeline again without it.
		return l.f.without(m, ev.VoidSeq), nil
	}
	// A void of a void restores its target, which may be a void that
	// cancels another event again, and so on: fold from scratch.
	log := append(l.events[:len(l.events):len(l.events)], ev)
	by := cancellers(log)
	return foldCounting(m, log, by, 1), by
}

// Commit appends the event that the last Record accepted, once the store
// has committed it; after a Record that failed, or none, it does nothing.
func (l *Log) Commit() {
	s := l.staged
	if s == nil {
		return
	}
	l.staged = nil
	i := len(l.events)
	l.events = append(l.events, s.ev)
	if !l.ordered {
		return
	}
	l.f, l.claimed = s.f, false
	l.index(i, s.ev)
	if s.by != nil {
		l.by = s.by
		return
	}
	l.by = append(l.by, 0)
	if s.ev.Kind == KindVoid {
		if t, ok := l.find(s.ev.VoidSeq); ok && t < i {
			l.by[t] = s.ev.Seq
		}
	}
}

// State returns the state l folds to with m's fields: Fold of the whole
// log.
func (l *Log) State(m Match) State {
	if !l.ordered {
		return Fold(m, l.events)
	}
	st := l.folded(m).state()
	st.Seq = l.seq()
	st.Timeline = slices.Clip(st.Timeline)
	return st
}

// Edit is Edit on the whole log, without folding it.
func (l *Log) Edit(m Match, in MatchInput) (Match, State, error) {
	return edit(m, len(l.events) > 0, in, l.State)
}

// clone returns a copy of f to apply events to while f stays as it was.
// The copy's timeline shares f's array when inPlace, so that appending to
// it writes past f's events instead of copying them all.
func (f *folder) clone(inPlace bool) *folder {
	c := *f
	st := &c.st
	st.Periods = slices.Clone(st.Periods)
	st.Home.Cards, st.Away.Cards = maps.Clone(st.Home.Cards), maps.Clone(st.Away.Cards)
	if st.ShootOut != nil {
		so := *st.ShootOut
		st.ShootOut = &so
	}
	if !inPlace {
		st.Timeline = slices.Clip(st.Timeline)
	}
	return &c
}

// without returns f folded again for m without the event of seq: the
// timeline is the counting events, so this is the fold of the log once
// that event no longer counts.
func (f *folder) without(m Match, seq int64) *folder {
	g := newFolder(m)
	g.st.Timeline = make([]Event, 0, len(f.st.Timeline))
	for _, ev := range f.st.Timeline {
		if ev.Seq != seq {
			g.apply(ev)
		}
	}
	return g
}
