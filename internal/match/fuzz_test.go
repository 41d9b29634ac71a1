package match

import (
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"testing"
)

// fuzzFixture is a match in some state and its log, for the fuzzer to
// record events on.
type fuzzFixture struct {
	m   Match
	log []Event
}

var (
	fuzzOnce     sync.Once
	fuzzFixtures []fuzzFixture
)

// fixtures builds, for every sport, a match before the start, one under
// way with scores and a void, one in its last period, and one finished.
func fixtures(tb testing.TB) []fuzzFixture {
	fuzzOnce.Do(func() {
		for _, sp := range registry {
			k := sp.Scores[0].Key
			plays := []func(s *scorer){
				func(s *scorer) {},
				func(s *scorer) {
					s.kind(KindMatchStart).goal(Home, k).goal(Away, k).rec(KindVoid, EventDetail{VoidSeq: 2})
				},
				func(s *scorer) {
					s.kind(KindMatchStart)
					for i := range sp.Periods.Count - 1 {
						if sp.Sets != nil {
							s.points([]Side{Home, Away}[i%2], k, 25).kind(KindPeriodStart)
						} else {
							s.nextPeriod()
						}
					}
				},
				func(s *scorer) {
					s.kind(KindMatchStart)
					if sp.Sets != nil {
						s.points(Home, k, 25).kind(KindPeriodStart).points(Home, k, 25).kind(KindPeriodStart).points(Home, k, 25)
					} else {
						s.goal(Home, k)
						for range sp.Periods.Count - 1 {
							s.nextPeriod()
						}
					}
					s.kind(KindMatchEnd)
				},
			}
			for _, play := range plays {
				s := newScorer(tb, sp.Key)
				play(s)
				fuzzFixtures = append(fuzzFixtures, fuzzFixture{m: s.m, log: s.log})
			}
		}
	})
	return fuzzFixtures
}

// FuzzNewEventJSON decodes arbitrary bytes as a NewEvent, as the API does
// with a request body, and records it on a match in one of several states:
// Record must never panic, must fail only with an invalid or conflict
// *Error, and must return the state that folding the longer log gives.
func FuzzNewEventJSON(f *testing.F) {
	fx := fixtures(f)
	seeds := []string{
		`{"kind":"score","team":"home","score_kind":"goal","player":"Nine"}`,
		`{"kind":"score","team":"away","score_kind":"three_pointer","expected_seq":4}`,
		`{"kind":"void","void_seq":2}`,
		`{"kind":"score_correction","home":-1,"away":2}`,
		`{"kind":"period_start","period":99}`,
		`{"kind":"clock_adjust","set_clock_ms":-9223372036854775808}`,
		`{"kind":"card","team":"home","card":"blue"}`,
		`{"kind":"match_end"}`,
		`{"kind":"","team":"nobody"}`,
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i))
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		var in NewEvent
		if json.Unmarshal(body, &in) != nil {
			return
		}
		x := fx[int(which)%len(fx)]
		ev, st, err := Record(x.m, x.log, in, t0.Add(3*60*60*1e9))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || (e.Code != EINVALID && e.Code != ECONFLICT) || e.Message == "" {
				t.Fatalf("Record(%s): got error %#v, want an invalid or conflict *Error with a message", body, err)
			}
			return
		}
		if ev.Seq != int64(len(x.log)+1) || st.Seq != ev.Seq {
			t.Fatalf("Record(%s): got event seq %d, state seq %d; want %d", body, ev.Seq, st.Seq, len(x.log)+1)
		}
		if want := Fold(x.m, append(x.log[:len(x.log):len(x.log)], ev)); !reflect.DeepEqual(want, st) {
			t.Fatalf("Record(%s): state differs from the fold of the log with the event", body)
		}
	})
}
