package match

import (
	"fmt"
	"maps"
	mrand "math/rand"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"testing/quick"
	"time"

	"github.com/google/go-cmp/cmp"
)

// logRun drives one match through both paths: Retry and Record on the
// whole log (the reference), and a Log kept up to date by Commit.
type logRun struct {
	t    *testing.T
	r    *rand.Rand
	m    Match
	log  []Event // the reference's log
	l    *Log
	now  time.Time
	sent map[string]NewEvent // each idempotency key's first request
	held []heldState
}

// heldState is a state Log.Record returned and a deep copy of it taken
// then: a later append must not change what a caller holds.
type heldState struct {
	seq       int64
	got, copy State
}

// TestLogProperty checks, over random matches of every sport, that a Log
// answers every request exactly as Retry and Record do on the whole log
// (same event, state and error), voids, voids of voids, retries and edits
// of the teams included, and that its state stays Fold's.
func TestLogProperty(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(2026, 12))
	for i := range 600 {
		sp := registry[i%len(registry)]
		m := Match{ID: int64(i + 1), Sport: sp.Key, Home: Team{Name: "Lions"}, Away: Team{Name: "Tigers"}}
		var log []Event
		if r.IntN(2) == 0 { // start from a log read back, not only from empty
			log = randomLog(r, m, r.IntN(40))
		}
		run := &logRun{t: t, r: r, m: m, log: log, l: loadedLog(m, slices.Clone(log)), now: t0.Add(time.Hour),
			sent: map[string]NewEvent{}}
		for step := range 120 {
			run.step(sp, step)
			if t.Failed() {
				t.Fatalf("match %d (%s), step %d, log of %d events", i, sp.Key, step, len(run.log))
			}
		}
		run.checkHeld()
	}
}

// step sends one random request through both paths and compares them.
func (run *logRun) step(sp Sport, n int) {
	t, r := run.t, run.r
	run.now = run.now.Add(time.Duration(r.IntN(90_000)) * time.Millisecond)
	if r.IntN(30) == 0 { // an edit renames a team, here or in another process
		run.m.Home.Name = fmt.Sprintf("Lions %d", n)
	}
	in := run.request(sp)
	wantPrev, wantOK, wantErr := Retry(run.log, in)
	gotPrev, gotOK, gotErr := run.l.Retry(in)
	sameError(t, "Retry", gotErr, wantErr)
	if gotOK != wantOK || !reflect.DeepEqual(gotPrev, wantPrev) {
		t.Errorf("Retry(%+v): got %+v, %v, want %+v, %v", in, gotPrev, gotOK, wantPrev, wantOK)
	}
	if wantOK || wantErr != nil {
		return
	}
	wantEv, wantSt, wantErr := Record(run.m, run.log, in, run.now)
	gotEv, gotSt, gotErr := run.l.Record(run.m, in, run.now)
	sameError(t, fmt.Sprintf("Record(%s %+v)", in.Kind, in.EventDetail), gotErr, wantErr)
	if wantErr != nil {
		return
	}
	if !reflect.DeepEqual(gotEv, wantEv) {
		t.Errorf("Record(%s): got event %+v, want %+v", in.Kind, gotEv, wantEv)
	}
	if !reflect.DeepEqual(gotSt, wantSt) {
		t.Errorf("Record(%s %+v): state differs (-Record +Log.Record):\n%s", in.Kind, in.EventDetail, cmp.Diff(wantSt, gotSt))
	}
	run.held = append(run.held, heldState{seq: gotEv.Seq, got: gotSt, copy: deepCopy(gotSt)})
	if r.IntN(8) == 0 {
		return // the store's transaction failed: nothing is appended
	}
	run.l.Commit()
	run.log = append(run.log, wantEv)
	if _, ok := run.sent[in.IdempotencyKey]; !ok && in.IdempotencyKey != "" {
		run.sent[in.IdempotencyKey] = in
	}
	if got, want := run.l.State(run.m), Fold(run.m, run.log); !reflect.DeepEqual(got, want) {
		t.Errorf("State after %s: differs from Fold (-Fold +Log.State):\n%s", in.Kind, cmp.Diff(want, got))
	}
}

// request proposes a random request: often invalid, sometimes a void of
// a void, sometimes a retry of an earlier request or a key reused for
// another, sometimes with a stale expected seq.
func (run *logRun) request(sp Sport) NewEvent {
	r, last := run.r, lastSeq(run.log)
	if len(run.sent) > 0 && r.IntN(10) == 0 {
		keys := slices.Sorted(maps.Keys(run.sent))
		in := run.sent[keys[r.IntN(len(keys))]]
		if r.IntN(3) == 0 {
			in.Text += " again" // the same key for another request
		}
		return in
	}
	in := randomEvent(run.r, sp, last)
	if in.Kind == KindVoid && r.IntN(2) == 0 {
		// Voids of recent events, voids among them, most of all.
		if voids := kindSeqs(run.log, KindVoid); len(voids) > 0 && r.IntN(2) == 0 {
			in.VoidSeq = voids[r.IntN(len(voids))]
		} else if last > 0 {
			in.VoidSeq = max(1, last-r.Int64N(4))
		}
	}
	if r.IntN(3) == 0 {
		in.IdempotencyKey = fmt.Sprintf("k%d", r.IntN(200))
	}
	if r.IntN(10) == 0 {
		in.ExpectedSeq = ptr(last - r.Int64N(2))
	}
	return in
}

func kindSeqs(log []Event, k EventKind) []int64 {
	var seqs []int64
	for _, ev := range log {
		if ev.Kind == k {
			seqs = append(seqs, ev.Seq)
		}
	}
	return seqs
}

// checkHeld checks that every state Log.Record returned is as it was
// returned, though the log went on.
func (run *logRun) checkHeld() {
	run.t.Helper()
	for _, h := range run.held {
		if !reflect.DeepEqual(h.got, h.copy) {
			run.t.Fatalf("the state of event %d changed after Record returned it (-returned +now):\n%s",
				h.seq, cmp.Diff(h.copy, h.got))
		}
	}
}

// deepCopy copies every part of st that an append could write to.
func deepCopy(st State) State {
	st.Periods = slices.Clone(st.Periods)
	st.Timeline = slices.Clone(st.Timeline)
	st.Home.Cards, st.Away.Cards = maps.Clone(st.Home.Cards), maps.Clone(st.Away.Cards)
	if st.ShootOut != nil {
		so := *st.ShootOut
		st.ShootOut = &so
	}
	return st
}

func sameError(t *testing.T, what string, got, want error) {
	t.Helper()
	if (got == nil) != (want == nil) || got != nil &&
		(ErrorCode(got) != ErrorCode(want) || ErrorMessage(got) != ErrorMessage(want)) {
		t.Errorf("%s: got error %v, want %v", what, got, want)
	}
}

// TestLogRawLogs checks a Log against Fold and Record on any log at all,
// valid or not (voids of nothing, of themselves, of later events), and on
// logs whose seqs do not increase, which it answers as Record does.
func TestLogRawLogs(t *testing.T) {
	t.Parallel()
	prop := func(rl rawLog, pick uint, disorder bool) bool {
		m := Match{ID: 1, Sport: rl.Sport}
		log := rl.Log
		if disorder && len(log) > 1 {
			log[0].Seq, log[1].Seq = log[1].Seq, log[0].Seq
		}
		l := loadedLog(m, slices.Clone(log))
		if got, want := l.State(m), Fold(m, log); !reflect.DeepEqual(got, want) {
			t.Logf("State (-Fold +Log.State):\n%s", cmp.Diff(want, got))
			return false
		}
		ok := true
		for _, in := range []NewEvent{
			{Kind: KindVoid, EventDetail: EventDetail{VoidSeq: int64(pick%uint(len(log)+2)) + 1}},
			{Kind: KindNote, EventDetail: EventDetail{Text: "n"}},
			{Kind: KindMatchStart},
			{Kind: KindScore, EventDetail: EventDetail{Team: Away, ScoreKind: rl.scoreKind()}},
		} {
			wantEv, wantSt, wantErr := Record(m, log, in, t0)
			gotEv, gotSt, gotErr := l.Record(m, in, t0)
			if !reflect.DeepEqual(gotEv, wantEv) || !reflect.DeepEqual(gotSt, wantSt) ||
				fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Logf("Record(%s %+v): got %v (-Record +Log.Record):\n%s", in.Kind, in.EventDetail, gotErr, cmp.Diff(wantSt, gotSt))
				ok = false
			}
			if wantErr == nil {
				l.Commit()
				log = append(log, wantEv)
			}
		}
		return ok
	}
	cfg := &quick.Config{MaxCount: 2000, Rand: mrand.New(mrand.NewSource(8))}
	if err := quick.Check(prop, cfg); err != nil {
		t.Error(err)
	}
}

// scoreKind returns a score kind of the raw log's sport.
func (rl rawLog) scoreKind() string {
	sp, _ := SportByKey(rl.Sport)
	return sp.Scores[0].Key
}

// TestLogEdit checks Log.Edit against Edit: teams renamed, a sport
// changed while the log is empty, and refused once it has events.
func TestLogEdit(t *testing.T) {
	t.Parallel()
	s := newScorer(t, "football")
	empty := loadedLog(s.m, nil)
	s.kind(KindMatchStart).goal(Home, "goal").rec(KindCard, EventDetail{Team: Away, Card: "yellow"})
	full := loadedLog(s.m, slices.Clone(s.log))
	in := func(sport, home string) MatchInput {
		return MatchInput{Competition: "Cup", Sport: sport, Home: Team{Name: home, ShortName: "NEW", Color: "#000000"},
			Away: s.m.Away, KickOff: t0, TimeZone: "UTC"}
	}
	tests := []struct {
		name string
		l    *Log
		log  []Event
		in   MatchInput
	}{
		{"teams renamed", full, s.log, in("football", "New Lions")},
		{"sport changed before any event", empty, nil, in("basketball", "Lions")},
		{"sport changed after events", full, s.log, in("basketball", "Lions")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantM, wantSt, wantErr := Edit(s.m, tt.log, tt.in)
			gotM, gotSt, gotErr := tt.l.Edit(s.m, tt.in)
			sameError(t, "Edit", gotErr, wantErr)
			if diff := cmp.Diff(wantM, gotM); diff != "" {
				t.Errorf("match (-Edit +Log.Edit):\n%s", diff)
			}
			if diff := cmp.Diff(wantSt, gotSt); diff != "" {
				t.Errorf("state (-Edit +Log.Edit):\n%s", diff)
			}
			if wantErr == nil && tt.log == nil { // the sport changed: record under the new one
				wantEv, wantSt, _ := Record(wantM, nil, NewEvent{Kind: KindMatchStart}, t0)
				gotEv, gotSt, _ := tt.l.Record(wantM, NewEvent{Kind: KindMatchStart}, t0)
				if !reflect.DeepEqual(gotEv, wantEv) || !reflect.DeepEqual(gotSt, wantSt) {
					t.Errorf("Record after the edit (-Record +Log.Record):\n%s", cmp.Diff(wantSt, gotSt))
				}
			}
		})
	}
}

// TestLogDuplicateKeys checks that a log read back with a key twice (which
// a store's unique index forbids) answers a retry with the first, as Retry
// does.
func TestLogDuplicateKeys(t *testing.T) {
	t.Parallel()
	log := []Event{
		{Seq: 1, Kind: KindNote, EventDetail: EventDetail{Text: "a"}, IdempotencyKey: "k"},
		{Seq: 2, Kind: KindNote, EventDetail: EventDetail{Text: "b"}, IdempotencyKey: "k"},
	}
	l := loadedLog(Match{ID: 1, Sport: "football"}, log)
	for _, text := range []string{"a", "b"} {
		in := NewEvent{Kind: KindNote, EventDetail: EventDetail{Text: text}, IdempotencyKey: "k"}
		wantEv, wantOK, wantErr := Retry(log, in)
		gotEv, gotOK, gotErr := l.Retry(in)
		sameError(t, "Retry "+text, gotErr, wantErr)
		if gotOK != wantOK || gotEv.Seq != wantEv.Seq {
			t.Errorf("Retry %s: got event %d, %v, want %d, %v", text, gotEv.Seq, gotOK, wantEv.Seq, wantOK)
		}
	}
}
