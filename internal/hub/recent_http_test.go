package hub_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/sqlite"
)

// countingHistory is a real store that counts the replay queries.
type countingHistory struct {
	*sqlite.DB
	queries atomic.Int64
}

func (c *countingHistory) UpdatesAfter(ctx context.Context, lastID string, topics []string, fn func(hub.Update) error) error {
	c.queries.Add(1)
	return c.DB.UpdatesAfter(ctx, lastID, topics, fn)
}

func (c *countingHistory) UpdateByID(ctx context.Context, id string) (hub.Update, error) {
	c.queries.Add(1)
	return c.DB.UpdateByID(ctx, id)
}

// After a restart, subscribers resuming from a recent id are served from
// the ring of recent updates, already encoded, without a query each; the
// ones resuming from older ids still get exactly what they missed.
func TestResumptionsAreServedFromRecentUpdates(t *testing.T) {
	t.Parallel()
	history := &countingHistory{DB: newSQLite(t)}
	th := newHub(t, hub.Config{AllowAnonymous: true, History: history, Transport: history.DB})
	ids := th.publishN(t, "https://example.com/a", "u", 10)
	th.publish(t, form{"topic": {"https://example.com/b"}})
	th.Shutdown()
	restarted := newHub(t, hub.Config{AllowAnonymous: true, History: history, Transport: history.DB})
	history.queries.Store(0)
	for i := range 20 {
		s := subscribe(t, restarted.subURL([]string{"https://example.com/a"}, "lastEventID", ids[4]))
		if got := s.resp.Header.Get("Last-Event-ID"); got != ids[4] {
			t.Fatalf("subscriber %d: Last-Event-ID got %q, want %q", i, got, ids[4])
		}
		if got := s.readIDs(t, 5); !cmp.Equal(got, ids[5:]) {
			t.Fatalf("subscriber %d: got %q, want %q", i, got, ids[5:])
		}
		s.close()
	}
	if n := history.queries.Load(); n != 0 {
		t.Errorf("20 resumptions from a recent id: got %d queries of the history, want 0", n)
	}
	live := restarted.publish(t, form{"topic": {"https://example.com/a"}})
	s := subscribe(t, restarted.subURL([]string{"https://example.com/a"}, "lastEventID", ids[9]))
	if e := s.next(t); e.ID != live {
		t.Errorf("resuming from before a live update: got %+v, want %s (dispatched after the restart, in the ring too)", e, live)
	}
}
