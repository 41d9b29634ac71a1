package match

import (
	mrand "math/rand"
	"math/rand/v2"
	"reflect"
	"testing"
	"testing/quick"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// randomEvent proposes an event for sp; many are invalid, and Record sorts
// them out.
func randomEvent(r *rand.Rand, sp Sport, last int64) NewEvent {
	in := NewEvent{Kind: pickKind(r)}
	in.Team = []Side{Home, Away, Home, Away, ""}[r.IntN(5)]
	switch in.Kind {
	case KindScore:
		in.ScoreKind = sp.Scores[r.IntN(len(sp.Scores))].Key
		in.Player = "P"
	case KindCard:
		in.Card = "yellow"
		if len(sp.Cards) > 0 {
			in.Card = sp.Cards[r.IntN(len(sp.Cards))].Key
		}
	case KindClockAdjust:
		in.SetClockMs = ptr(r.Int64N(90 * minute))
	case KindScoreCorrection:
		in.Home, in.Away = ptr(r.IntN(30)), ptr(r.IntN(30))
	case KindSubstitution:
		in.PlayerIn = "Sub"
	case KindNote:
		in.Text = "note"
	case KindVoid:
		if last > 0 {
			in.VoidSeq = 1 + r.Int64N(last)
		}
	}
	return in
}

// kindWeights makes scores common and cancels rare, so that random logs
// reach the end of matches.
var kindWeights = []struct {
	kind   EventKind
	weight int
}{
	{KindScore, 40}, {KindCard, 5}, {KindPeriodEnd, 10}, {KindPeriodStart, 10}, {KindClockStart, 3},
	{KindClockStop, 3}, {KindClockAdjust, 2}, {KindSubstitution, 3}, {KindTimeout, 2},
	{KindScoreCorrection, 2}, {KindNote, 2}, {KindVoid, 8}, {KindMatchStart, 5}, {KindMatchEnd, 4},
	{KindPostpone, 1}, {KindCancel, 1},
}

func pickKind(r *rand.Rand) EventKind {
	total := 0
	for _, w := range kindWeights {
		total += w.weight
	}
	n := r.IntN(total)
	for _, w := range kindWeights {
		if n < w.weight {
			return w.kind
		}
		n -= w.weight
	}
	return KindNote
}

// randomLog builds a log of up to n accepted events through Record.
func randomLog(r *rand.Rand, m Match, n int) []Event {
	sp, _ := SportByKey(m.Sport)
	var log []Event
	now := t0
	for range 8 * n {
		if len(log) == n {
			break
		}
		now = now.Add(time.Duration(r.IntN(120_000)) * time.Millisecond)
		if ev, _, err := Record(m, log, randomEvent(r, sp, int64(len(log))), now); err == nil {
			log = append(log, ev)
		}
	}
	return log
}

// insertVoid returns log with a void of seq k inserted at index p (k <= p),
// renumbering the events after it as a store would have numbered them.
func insertVoid(log []Event, k int64, p int) []Event {
	out := make([]Event, 0, len(log)+1)
	out = append(out, log[:p]...)
	out = append(out, Event{MatchID: log[0].MatchID, Kind: KindVoid, EventDetail: EventDetail{VoidSeq: k}, RecordedAt: t0})
	out = append(out, log[p:]...)
	for i := range out {
		out[i].Seq = int64(i + 1)
		if i > p && out[i].Kind == KindVoid && out[i].VoidSeq > int64(p) {
			out[i].VoidSeq++
		}
	}
	return out
}

// without returns log without the events of the given seqs.
func without(log []Event, seqs ...int64) []Event {
	var out []Event
	for _, ev := range log {
		if !containsSeq(seqs, ev.Seq) {
			out = append(out, ev)
		}
	}
	return out
}

func containsSeq(seqs []int64, s int64) bool {
	for _, x := range seqs {
		if x == s {
			return true
		}
	}
	return false
}

var ignoreSeq = cmp.Options{cmpopts.IgnoreFields(State{}, "Seq"), cmpopts.IgnoreFields(Event{}, "Seq", "VoidSeq")}

// sameButSeq reports whether two states are equal but for sequence numbers
// (theirs and their timeline's). It is reflect.DeepEqual on copies, which
// is far cheaper than cmp under the race detector; cmp explains failures.
func sameButSeq(a, b State) bool {
	return reflect.DeepEqual(dropSeq(a), dropSeq(b))
}

func dropSeq(st State) State {
	st.Seq = 0
	tl := make([]Event, len(st.Timeline))
	for i, ev := range st.Timeline {
		ev.Seq, ev.VoidSeq = 0, 0
		tl[i] = ev
	}
	st.Timeline = tl
	return st
}

// TestVoidProperty checks, over thousands of random valid logs of every
// sport, that voiding an event folds like never having recorded it, and
// that voiding the void restores the state.
func TestVoidProperty(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(2026, 11))
	for i := range 3000 {
		sp := registry[i%len(registry)]
		m := Match{ID: int64(i), Sport: sp.Key}
		log := randomLog(r, m, 5+r.IntN(40))
		if len(log) == 0 {
			continue
		}
		k := 1 + r.Int64N(int64(len(log)))
		p := int(k) + r.IntN(len(log)-int(k)+1) // anywhere after event k
		voided := insertVoid(log, k, p)
		got := Fold(m, voided)
		want := Fold(m, without(voided, k, int64(p+1)))
		if !sameButSeq(want, got) {
			t.Fatalf("log %d (%s, %d events): voiding event %d at %d differs from removing it (-without +voided):\n%s",
				i, sp.Key, len(log), k, p+1, cmp.Diff(want, got, ignoreSeq))
		}
		restored := append(voided, Event{Seq: int64(len(voided) + 1), Kind: KindVoid, EventDetail: EventDetail{VoidSeq: int64(p + 1)}})
		if orig, back := Fold(m, log), Fold(m, restored); !sameButSeq(orig, back) {
			t.Fatalf("log %d (%s): voiding the void of event %d does not restore the state (-original +restored):\n%s",
				i, sp.Key, k, cmp.Diff(orig, back, ignoreSeq))
		}
	}
}

// rawLog is any log at all, valid or not, for testing/quick: Fold must fold
// it and voids must still behave.
type rawLog struct {
	Sport string
	Log   []Event
}

// Generate implements quick.Generator.
func (rawLog) Generate(r *mrand.Rand, size int) reflect.Value {
	sp := registry[r.Intn(len(registry))]
	n := r.Intn(size + 1)
	log := make([]Event, n)
	at := t0
	for i := range log {
		at = at.Add(time.Duration(r.Intn(600)) * time.Second)
		ev := Event{Seq: int64(i + 1), Kind: kinds[r.Intn(len(kinds))], RecordedAt: at}
		ev.Team = []Side{Home, Away, "", "nobody"}[r.Intn(4)]
		ev.ScoreKind = sp.Scores[r.Intn(len(sp.Scores))].Key
		ev.Card = "red"
		ev.Period = r.Intn(8)
		ev.VoidSeq = int64(r.Intn(n + 3))
		if r.Intn(2) == 0 {
			ev.Home, ev.Away, ev.SetClockMs = ptr(r.Intn(40)), ptr(r.Intn(40)), ptr(int64(r.Intn(1e7)))
		}
		log[i] = ev
	}
	return reflect.ValueOf(rawLog{Sport: sp.Key, Log: log})
}

func TestVoidPropertyRawLogs(t *testing.T) {
	t.Parallel()
	prop := func(rl rawLog, pick uint) bool {
		m := Match{ID: 1, Sport: rl.Sport}
		log := rl.Log
		if len(log) == 0 {
			return Fold(m, nil).Seq == 0
		}
		k := int64(pick%uint(len(log))) + 1
		v := Event{Seq: int64(len(log) + 1), Kind: KindVoid, EventDetail: EventDetail{VoidSeq: k}, RecordedAt: t0}
		voided := append(log[:len(log):len(log)], v)
		if want, got := Fold(m, without(log, k)), Fold(m, voided); !sameButSeq(want, got) {
			t.Logf("voiding %d (-without +voided):\n%s", k, cmp.Diff(want, got, ignoreSeq))
			return false
		}
		vv := Event{Seq: v.Seq + 1, Kind: KindVoid, EventDetail: EventDetail{VoidSeq: v.Seq}}
		if want, got := Fold(m, log), Fold(m, append(voided, vv)); !sameButSeq(want, got) {
			t.Logf("voiding the void of %d (-original +restored):\n%s", k, cmp.Diff(want, got, ignoreSeq))
			return false
		}
		return true
	}
	cfg := &quick.Config{MaxCount: 2000, Rand: mrand.New(mrand.NewSource(7))}
	if err := quick.Check(prop, cfg); err != nil {
		t.Error(err)
	}
}
