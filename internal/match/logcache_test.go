package match

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestLogCache(t *testing.T) {
	var c LogCache
	log := []Event{{MatchID: 1, Seq: 1}, {MatchID: 1, Seq: 2}}
	c.Put(1, log)
	tests := []struct {
		name string
		m    Match
		want bool
	}{
		{"at the stored seq", Match{ID: 1, Seq: 2}, true},
		{"another process appended", Match{ID: 1, Seq: 3}, false},
		{"older seq", Match{ID: 1, Seq: 1}, false},
		{"another match", Match{ID: 2, Seq: 2}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := c.Get(tt.m); got != tt.want {
				t.Errorf("Get(%+v): got %v, want %v", tt.m, got, tt.want)
			}
		})
	}
	for i := range int64(logCacheSize + 10) {
		c.Put(100+i, nil)
	}
	if n := len(c.logs); n > logCacheSize {
		t.Errorf("after %d puts: got %d cached logs, want at most %d", logCacheSize+10, n, logCacheSize)
	}
}

// TestLogCacheCheckout follows a store's appends: the log is read only when
// the cache's does not end at the match's seq, an event Record staged is
// appended only by Commit, and a second Checkout waits for Release.
func TestLogCacheCheckout(t *testing.T) {
	t.Parallel()
	var c LogCache
	ctx := t.Context()
	m := Match{ID: 1, Sport: "football"}
	var db []Event // the database's log
	reads := 0
	read := func() ([]Event, error) { reads++; return slices.Clone(db), nil }
	appendNote := func(commit bool) {
		t.Helper()
		l, err := c.Checkout(ctx, m.ID)
		if err != nil {
			t.Fatalf("Checkout: %v", err)
		}
		defer l.Release()
		if err := l.Refresh(m, read); err != nil {
			t.Fatalf("Refresh: %v", err)
		}
		ev, _, err := l.Record(m, NewEvent{Kind: KindNote, EventDetail: EventDetail{Text: "n"}}, t0)
		if err != nil {
			t.Fatalf("Record: %v", err)
		}
		if commit {
			db = append(db, ev)
			m.Seq = ev.Seq
			l.Commit()
		}
	}
	for _, step := range []struct {
		name      string
		commit    bool
		otherSeq  bool // another process appended first
		wantReads int
	}{
		{"first append reads the empty log", true, false, 1},
		{"the next uses the cache", true, false, 1},
		{"a failed commit leaves the cache as it was", false, false, 1},
		{"so the next still uses it", true, false, 1},
		{"another process appended", true, true, 2},
		{"then the cache again", true, false, 2},
	} {
		if step.otherSeq {
			db = append(db, Event{MatchID: m.ID, Seq: m.Seq + 1, Kind: KindNote, EventDetail: EventDetail{Text: "other"}})
			m.Seq++
		}
		appendNote(step.commit)
		if reads != step.wantReads {
			t.Errorf("%s: got %d reads of the log, want %d", step.name, reads, step.wantReads)
		}
	}
	if log, ok := c.Get(m); !ok || !reflect.DeepEqual(log, db) {
		t.Errorf("Get: got %d events (%v), want the database's %d", len(log), ok, len(db))
	}

	l, _ := c.Checkout(ctx, m.ID)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := c.Checkout(short, m.ID); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Checkout while checked out: got %v, want to wait until the context ends", err)
	}
	got := make(chan *Log)
	go func() {
		l, _ := c.Checkout(ctx, m.ID)
		got <- l
	}()
	l.Release()
	if l2 := <-got; l2 != l {
		t.Errorf("Checkout after Release: got another log")
	}
}
