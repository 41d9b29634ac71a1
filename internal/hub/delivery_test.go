package hub_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
)

// A subscriber that stops reading is disconnected once its queue is full,
// and the others keep receiving every update, in order.
func TestSlowSubscriberIsDisconnectedOthersKeepReceiving(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, QueueSize: 4, Heartbeat: time.Hour})
	topic := "https://example.com/busy"
	slow := subscribe(t, th.subURL([]string{topic})) // never read until the end
	fast := subscribe(t, th.subURL([]string{topic}))
	// Big updates fill the slow one's socket buffers, then its queue.
	data := strings.Repeat("x", 64<<10)
	const maxUpdates = 4000 // ~256 MB: far beyond any socket buffer
	sent := 0
	for seq := int64(1); seq <= maxUpdates && th.SubscriberCount() == 2; seq++ {
		id := "urn:example:" + strconv.FormatInt(seq, 10)
		th.Dispatch(hub.Update{ID: id, Topics: []string{topic}, Data: data, Seq: seq})
		sent++
		// The fast one reads each update before the next is sent, so its
		// queue never holds more than one.
		if e := fast.next(t); e.ID != id {
			t.Fatalf("fast subscriber: got id %q, want %q", e.ID, id)
		}
	}
	if n := th.SubscriberCount(); n != 1 {
		t.Fatalf("after %d updates: got %d subscribers, want the slow one disconnected", sent, n)
	}
	if got := slow.ended(t); len(got) >= sent {
		t.Errorf("slow subscriber: got all %d updates, want its stream cut short", len(got))
	}
	th.Dispatch(hub.Update{ID: "urn:example:after", Topics: []string{topic}, Data: "after", Seq: maxUpdates + 1})
	if e := fast.next(t); e.ID != "urn:example:after" {
		t.Errorf("fast subscriber after the slow one left: got %q, want %q", e.ID, "urn:example:after")
	}
}
