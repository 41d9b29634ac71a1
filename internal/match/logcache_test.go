package match

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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

// TestLogCacheAppend runs appends to one match from many goroutines at
// once: each runs once, never beside another, on the match's log, and
// a caller that leads runs those queued behind it before it returns.
func TestLogCacheAppend(t *testing.T) {
	t.Parallel()
	var c LogCache
	ctx := t.Context()
	var running, ran atomic.Int32
	note := func(l *Log) (Appended, error) {
		if running.Add(1) != 1 {
			t.Error("got two appends running at once, want one at a time")
		}
		defer running.Add(-1)
		l.loaded = true // as a store's Refresh leaves it
		l.events = append(l.events, Event{MatchID: 1, Seq: int64(len(l.events) + 1)})
		return Appended{Event: l.events[len(l.events)-1]}, nil
	}
	count := func(l *Log) (Appended, error) { ran.Add(1); return note(l) }

	// The first caller holds the log while others queue; once it goes
	// on, it runs them all before returning.
	hold, held := make(chan struct{}), make(chan struct{})
	first := make(chan error)
	go func() {
		_, err := c.Append(ctx, 1, func(l *Log) (Appended, error) {
			close(held)
			<-hold
			return count(l)
		})
		first <- err
	}()
	<-held
	const queued = 10
	var wg sync.WaitGroup
	for range queued {
		wg.Go(func() {
			if _, err := c.Append(ctx, 1, count); err != nil {
				t.Errorf("Append: %v", err)
			}
		})
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		c.mu.Lock()
		n := len(c.logs[1].queue)
		c.mu.Unlock()
		if n == queued {
			break
		}
	}
	close(hold)
	if err := <-first; err != nil {
		t.Fatalf("first Append: %v", err)
	}
	if got := ran.Load(); got != queued+1 {
		t.Errorf("got %d appends run when the leader returned, want %d: the leader runs those queued behind it", got, queued+1)
	}
	wg.Wait()

	// Many callers at once, past maxLeadAppends: every append runs once,
	// in some order, and every caller gets its own event.
	const callers, each = 8, 3 * maxLeadAppends / 8
	for range callers {
		wg.Go(func() {
			for range each {
				if a, err := c.Append(ctx, 1, note); err != nil || a.Event.Seq == 0 {
					t.Errorf("Append: got %+v, %v", a.Event, err)
				}
			}
		})
	}
	wg.Wait()
	l, _ := c.Checkout(ctx, 1)
	defer l.Release()
	if want := queued + 1 + callers*each; len(l.events) != want {
		t.Errorf("got %d events, want %d", len(l.events), want)
	}
}

// An append whose caller has gone is not run, and one that panics is an
// error for its caller alone: those behind it still run.
func TestLogCacheAppendCancelledAndPanicking(t *testing.T) {
	t.Parallel()
	var c LogCache
	gone, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.Append(gone, 1, func(*Log) (Appended, error) {
		t.Error("ran the append of a caller gone")
		return Appended{}, nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want %v", err, context.Canceled)
	}
	_, err = c.Append(t.Context(), 1, func(*Log) (Appended, error) { panic("boom") })
	if err == nil || !strings.Contains(err.Error(), "panicked: boom") {
		t.Errorf("got %v, want the panic as an error", err)
	}
	a, err := c.Append(t.Context(), 1, func(*Log) (Appended, error) { return Appended{Retry: true}, nil })
	if err != nil || !a.Retry {
		t.Errorf("the append after the panic: got %+v, %v; want it run", a, err)
	}
}

// Append commits the event an append staged once it returns without
// error, and nothing else: not the event of an append that failed after
// Record, nor, on the next turn that stages none (a retry), that one.
func TestLogCacheAppendCommits(t *testing.T) {
	t.Parallel()
	var c LogCache
	m := Match{ID: 1, Sport: "football"}
	note := NewEvent{Kind: KindNote, EventDetail: EventDetail{Text: "n"}}
	record := func(fail error) func(*Log) (Appended, error) {
		return func(l *Log) (Appended, error) {
			if err := l.Refresh(m, func() ([]Event, error) { return nil, nil }); err != nil {
				return Appended{}, err
			}
			ev, st, err := l.Record(m, note, t0)
			if err != nil {
				return Appended{}, err
			}
			return Appended{Event: ev, State: st}, fail
		}
	}
	if _, err := c.Append(t.Context(), 1, record(nil)); err != nil {
		t.Fatalf("Append: %v", err)
	}
	m.Seq = 1
	if _, err := c.Append(t.Context(), 1, record(errors.New("the transaction failed"))); err == nil {
		t.Fatal("Append of a failing append: got no error")
	}
	if _, err := c.Append(t.Context(), 1, func(*Log) (Appended, error) { return Appended{Retry: true}, nil }); err != nil {
		t.Fatalf("Append of a retry: %v", err)
	}
	l, _ := c.Checkout(t.Context(), 1)
	defer l.Release()
	if len(l.events) != 1 || l.events[0].Seq != 1 {
		t.Errorf("got %d events in the cached log (%+v), want the first append's alone", len(l.events), l.events)
	}
}

// TestLogCacheForgetsMatchesNotFound appends to more matches that do not
// exist than the cache holds: their appends read no log, so none of them
// keeps a place, and the live match's log stays cached.
func TestLogCacheForgetsMatchesNotFound(t *testing.T) {
	t.Parallel()
	var c LogCache
	m := Match{ID: 1, Sport: "football"}
	if _, err := c.Append(t.Context(), m.ID, func(l *Log) (Appended, error) {
		if err := l.Refresh(m, func() ([]Event, error) { return nil, nil }); err != nil {
			return Appended{}, err
		}
		ev, st, err := l.Record(m, NewEvent{Kind: KindNote, EventDetail: EventDetail{Text: "n"}}, t0)
		return Appended{Event: ev, State: st}, err
	}); err != nil {
		t.Fatalf("Append to the live match: %v", err)
	}
	missing := func(*Log) (Appended, error) { return Appended{}, Errorf(ENOTFOUND, "no such match") }
	for id := range int64(logCacheSize + 10) {
		if _, err := c.Append(t.Context(), 1000+id, missing); ErrorCode(err) != ENOTFOUND {
			t.Fatalf("Append to match %d: got %v, want ENOTFOUND", 1000+id, err)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.logs[m.ID]; !ok || len(c.logs) != 1 {
		t.Errorf("got %d cached logs (the live match's among them: %v), want the live match's alone", len(c.logs), ok)
	}
}
