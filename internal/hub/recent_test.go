package hub

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func recentIDs(es []recentEntry) []string {
	var ids []string
	for _, e := range es {
		ids = append(ids, e.id)
	}
	return ids
}

func TestRecentUpdatesRing(t *testing.T) {
	r := newRecentUpdates(4, 100)
	add := func(seq int64, size int) {
		u := Update{ID: fmt.Sprint(seq), Seq: seq, Topics: []string{"a"}}
		r.add(&u, &event{seq: seq, data: make([]byte, size)})
	}
	for seq := int64(1); seq <= 6; seq++ {
		add(seq, 10)
	}
	add(3, 10) // older than the newest: ignored
	if r.has("2") || !r.has("3") {
		t.Errorf("after 6 updates in a ring of 4: has 2 %v, has 3 %v; want only 3..6", r.has("2"), r.has("3"))
	}
	from, rest, ok := r.after("4")
	if !ok || from.id != "4" || !slices.Equal(recentIDs(rest), []string{"5", "6"}) {
		t.Errorf("after(4): got %v %q %v, want 4 then [5 6]", ok, recentIDs(rest), from.id)
	}
	if _, rest, _ := r.after("6"); len(rest) != 0 {
		t.Errorf("after the newest: got %q, want none", recentIDs(rest))
	}
	add(7, 75) // 4 entries of 10 + 75 > 100 bytes: the oldest go until it fits
	if r.has("4") || !r.has("5") || r.bytes != 95 {
		t.Errorf("bounded by bytes: has 4 %v, has 5 %v, %d bytes; want 5..7 in 95 bytes", r.has("4"), r.has("5"), r.bytes)
	}
	add(8, 101) // too big to keep at all
	if r.has("8") || r.has("7") || r.n != 0 {
		t.Errorf("an event larger than the ring: got %d entries, want none: a resumption from before it must not skip it", r.n)
	}
	add(9, 1)
	add(10, 1)
	r.trim(true, 1, time.Time{})
	if r.has("9") || !r.has("10") || r.n != 1 {
		t.Errorf("trim to 1: got %d entries, want only the newest", r.n)
	}
	r.trim(false, 0, time.Now().Add(-time.Hour)) // within the slack of now: dropped
	if r.n != 1 {
		t.Errorf("trim by an hour ago: got %d entries, want the recent one kept", r.n)
	}
	r.trim(false, 0, time.Now())
	if r.n != 0 || len(r.byID) != 0 || r.bytes != 0 {
		t.Errorf("trim by now: got %d entries, %d ids, %d bytes; want none", r.n, len(r.byID), r.bytes)
	}
}
