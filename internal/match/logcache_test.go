package match

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"
)

// TestLogCacheBound checks out the logs of more matches than the cache
// holds: it keeps at most logCacheSize.
func TestLogCacheBound(t *testing.T) {
	var c LogCache
	for i := range int64(logCacheSize + 10) {
		l, err := c.Checkout(t.Context(), 100+i)
		if err != nil {
			t.Fatalf("Checkout: %v", err)
		}
		l.Release()
	}
	if n := len(c.logs); n > logCacheSize {
		t.Errorf("after %d matches: got %d cached logs, want at most %d", logCacheSize+10, n, logCacheSize)
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
	l, _ := c.Checkout(ctx, m.ID)
	if !l.at(m.Seq) || !reflect.DeepEqual(l.events, db) {
		t.Errorf("the cached log: got %d events, want the database's %d", len(l.events), len(db))
	}
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
