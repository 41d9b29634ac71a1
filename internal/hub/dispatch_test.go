package hub

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// memHistory is a History and Transport in memory, for the tests of this
// package that cannot import a store (the stores import the hub).
type memHistory struct {
	Listeners
	mu      sync.Mutex
	updates []Update
}

func (m *memHistory) AppendUpdate(_ context.Context, u Update) (Update, error) {
	if u.ID == "" {
		u.ID = NewID()
	}
	m.mu.Lock()
	u.Seq = int64(len(m.updates) + 1)
	m.updates = append(m.updates, u)
	m.mu.Unlock()
	return u, m.Commit(func() error { return nil }, u)
}

func (m *memHistory) UpdatesAfter(_ context.Context, lastID string, topics []string, fn func(Update) error) error {
	m.mu.Lock()
	us := append([]Update(nil), m.updates...)
	m.mu.Unlock()
	from := 0
	if lastID != EarliestID {
		from = -1
		for i, u := range us {
			if u.ID == lastID {
				from = i + 1
			}
		}
		if from < 0 {
			return ErrUnknownEventID
		}
	}
	for _, u := range us[from:] {
		if err := fn(u); err != nil {
			return err
		}
	}
	return nil
}

func (m *memHistory) UpdateByID(_ context.Context, id string) (Update, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, u := range m.updates {
		if u.ID == id {
			return u, nil
		}
	}
	return Update{}, ErrUnknownEventID
}

func (m *memHistory) LastUpdate(context.Context) (Update, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.updates) == 0 {
		return Update{}, nil
	}
	return m.updates[len(m.updates)-1], nil
}

func (m *memHistory) LastUpdates(_ context.Context, n int, maxBytes int64) ([]Update, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var total int64
	i := len(m.updates)
	for i > 0 && len(m.updates)-i < n && total+int64(len(m.updates[i-1].Data)) <= maxBytes {
		i--
		total += int64(len(m.updates[i].Data))
	}
	return append([]Update(nil), m.updates[i:]...), nil
}

func (m *memHistory) PruneUpdates(context.Context, int, time.Time) error { return nil }

// A commit does not wait for the fan-out: while the registry is busy (its
// lock held, as by a fan-out to many subscribers), the store still
// commits, and its subscribers then get every update in order.
func TestCommitDoesNotWaitForTheFanOut(t *testing.T) {
	m := &memHistory{}
	h, err := New(Config{History: m, Transport: m, AllowAnonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Shutdown()
	s := newTestSubscriber(t, h.reg, 16, "a")
	h.reg.mu.Lock()
	committed := make(chan error)
	go func() {
		for range 3 {
			if _, err := m.AppendUpdate(context.Background(), Update{Topics: []string{"a"}}); err != nil {
				committed <- err
				return
			}
		}
		committed <- nil
	}()
	select {
	case err := <-committed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second): // a bound, not an assertion
		t.Fatal("the commits waited for the registry: the fan-out is on the commit path")
	}
	h.reg.mu.Unlock()
	var got []*event
	for deadline := time.Now().Add(30 * time.Second); len(got) < 3 && time.Now().Before(deadline); {
		got = s.queue.take(got)
		time.Sleep(time.Millisecond)
	}
	if len(got) != 3 {
		t.Fatalf("got %d updates, want 3", len(got))
	}
	for i, ev := range got {
		if want := int64(i + 1); ev.seq != want {
			t.Fatalf("got seq %d, want %d: out of order", ev.seq, want)
		}
	}
}

// Publish returns once its update is queued for every subscriber.
func TestPublishWaitsForItsFanOut(t *testing.T) {
	m := &memHistory{}
	h, err := New(Config{History: m, Transport: m, AllowAnonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Shutdown()
	subs := []*subscriber{newTestSubscriber(t, h.reg, 4, "a"), newTestSubscriber(t, h.reg, 4, "a", "{x}")}
	u, err := h.Publish(context.Background(), Update{Topics: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range subs {
		if n := s.queue.len(); n != 1 {
			t.Errorf("subscriber %d: got %d queued once Publish returned, want 1", i, n)
		}
	}
	if st := h.Stats(); st.Dispatched != 1 || st.Delivered != 2 {
		t.Errorf("Stats once Publish returned: got %+v, want 1 dispatched, 2 delivered", st)
	}
	h.Shutdown()
	if _, err := h.Publish(context.Background(), Update{Topics: []string{"a"}}); err != nil {
		t.Errorf("Publish after Shutdown: got %v, want the update stored (%v)", err, u)
	}
}

// A replay that takes longer than its bound ends the stream and frees its
// turn; the client resumes from the last update it got.
func TestReplayTooLongEndsTheStream(t *testing.T) {
	m := &memHistory{}
	h, err := New(Config{History: m, Transport: m, AllowAnonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Shutdown()
	for range 5 {
		if _, err := h.Publish(context.Background(), Update{Topics: []string{"a"}}); err != nil {
			t.Fatal(err)
		}
	}
	h.recent.trim(true, 0, time.Time{}) // from the history, not the ring
	h.replayTimeout = time.Nanosecond
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/.well-known/mercure?topic=a&lastEventID=earliest")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body) // ends: the stream was cut
	resp.Body.Close()
	if n := strings.Count(string(body), "id: "); n >= 5 {
		t.Errorf("got %d of 5 updates, want the replay cut short", n)
	}
	if len(h.replays) != 0 {
		t.Errorf("got %d replay turns held after the stream ended, want 0", len(h.replays))
	}
}
