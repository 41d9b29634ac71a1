package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/hub/hubtest"
	"github.com/scoreboard/scoreboard/internal/postgres"
	"github.com/scoreboard/scoreboard/internal/postgres/pgtest"
)

// scrape reads GET /metrics at base: each sample by its series as the
// text format writes it (name{labels}).
func scrape(t *testing.T, base string) map[string]float64 {
	t.Helper()
	status, _, body := get(t, base+"/metrics")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics: got status %d, want 200", status)
	}
	samples := make(map[string]float64)
	for line := range strings.Lines(body) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("GET /metrics: line %q: %v", line, err)
		}
		samples[line[:i]] = v
	}
	return samples
}

// waitMetric scrapes base until series has a value that ok accepts, and
// returns the scrape; it fails the test after 30s.
func waitMetric(t *testing.T, base, series string, ok func(float64) bool) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		m := scrape(t, base)
		v, found := m[series]
		if found && ok(v) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /metrics: %s: got %v (present: %t), want another value", series, v, found)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The operator's series move as subscribers come, updates are published
// and delivered, a subscriber resumes and a token expires, on each store.
func TestMetricsOperatorView(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind string) {
		a := newTestAPI(t, kind, Deps{Instance: "test-instance"})
		key := hubtest.Key(t, testHubKey)
		pub := hubtest.Token(t, key, []string{"*"}, nil, 0)
		topic := a.URL + "/matches/1"
		sub := a.URL + "/.well-known/mercure?" + url.Values{"topic": {topic}}.Encode()

		before := scrape(t, a.URL)
		for _, s := range []string{`scoreboard_instance_info{instance_id="test-instance"}`, "scoreboard_database_up"} {
			if before[s] != 1 {
				t.Errorf("%s: got %v, want 1", s, before[s])
			}
		}
		if _, ok := before["scoreboard_database_round_trip_seconds"]; !ok {
			t.Error("scoreboard_database_round_trip_seconds: missing")
		}
		_, listener := before["scoreboard_listener_connected"]
		if listener != (kind == "postgres") {
			t.Errorf("scoreboard_listener_connected present: got %t, want %t (PostgreSQL only)", listener, kind == "postgres")
		}

		streams := []*hubtest.Stream{hubtest.Subscribe(t, sub), hubtest.Subscribe(t, sub)}
		const updates = 3
		var ids []string
		for i := range updates {
			if err := publishTo(t.Context(), a.URL, pub, url.Values{"topic": {topic}, "data": {strconv.Itoa(i)}, "id": {fmt.Sprintf("urn:example:%d", i)}}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, fmt.Sprintf("urn:example:%d", i))
			for _, s := range streams {
				if e := s.Next(t); e.ID != ids[i] {
					t.Fatalf("stream: got id %q, want %q", e.ID, ids[i])
				}
			}
		}
		deliveries := float64(updates * len(streams))
		after := waitMetric(t, a.URL, "hub_delivery_latency_seconds_count", func(v float64) bool {
			return v >= before["hub_delivery_latency_seconds_count"]+deliveries
		})
		for _, c := range []struct {
			series string
			delta  float64
		}{
			{"hub_deliveries_total", deliveries},
			{"hub_delivery_latency_seconds_count", deliveries},
			{`hub_delivery_latency_seconds_bucket{le="+Inf"}`, deliveries},
			{"hub_updates_published_total", updates},
			{"hub_history_updates", updates},
		} {
			if got := after[c.series] - before[c.series]; got != c.delta {
				t.Errorf("%s: grew by %v, want %v", c.series, got, c.delta)
			}
		}
		if got := after["hub_subscribers"]; got != 2 {
			t.Errorf("hub_subscribers: got %v, want 2", got)
		}
		if kind == "postgres" {
			// its own notifications come back to it: it hears them
			waitMetric(t, a.URL, "scoreboard_listener_behind_updates", func(v float64) bool { return v == 0 })
			if after["scoreboard_listener_connected"] != 1 || after["scoreboard_listener_last_notification_timestamp_seconds"] < float64(time.Now().Add(-time.Minute).Unix()) {
				t.Errorf("listener connected, last notification: got %v, %v; want 1 and a moment ago",
					after["scoreboard_listener_connected"], after["scoreboard_listener_last_notification_timestamp_seconds"])
			}
		}

		// A resumption from a recent update is served from the ring.
		hubtest.Subscribe(t, sub, "Last-Event-ID", ids[0])
		if got := scrape(t, a.URL)[`hub_replays_total{source="ring"}`]; got != 1 {
			t.Errorf(`hub_replays_total{source="ring"}: got %v, want 1`, got)
		}

		// A stream whose token expires is dropped for that reason; one
		// whose client leaves is no drop.
		expiring := hubtest.Subscribe(t, sub, "Authorization", "Bearer "+hubtest.Token(t, key, nil, []string{topic}, time.Second))
		streams[0].Close()
		expiring.Ended(t)
		m := waitMetric(t, a.URL, `hub_subscriber_drops_total{reason="token_expired"}`, func(v float64) bool { return v == 1 })
		for _, r := range []string{"slow", "write_error"} {
			if got := m[`hub_subscriber_drops_total{reason="`+r+`"}`]; got != 0 {
				t.Errorf("hub_subscriber_drops_total{reason=%q}: got %v, want 0", r, got)
			}
		}
	})
}

// An instance whose listening connection is cut says so on GET /metrics,
// and how many updates it has not heard of, until it listens again.
func TestMetricsListenerCutOff(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	in := startInstance(t, dbURL)
	// another writer, whose connection stays open through the cut
	other, err := postgres.Open(t.Context(), dbURL, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	m := waitMetric(t, in.URL, "scoreboard_listener_connected", func(v float64) bool { return v == 1 })
	if got := m["scoreboard_listener_behind_updates"]; got != 0 {
		t.Errorf("scoreboard_listener_behind_updates before the cut: got %v, want 0", got)
	}
	allow := cutListeners(t, dbURL)
	waitMetric(t, in.URL, "scoreboard_listener_connected", func(v float64) bool { return v == 0 })
	if _, err := other.AppendUpdate(context.Background(), hub.Update{Topics: []string{"https://example.com/unheard"}}); err != nil {
		t.Fatal(err)
	}
	waitMetric(t, in.URL, "scoreboard_listener_behind_updates", func(v float64) bool { return v == 1 })
	allow()
	m = waitMetric(t, in.URL, "scoreboard_listener_connected", func(v float64) bool { return v == 1 })
	waitMetric(t, in.URL, "scoreboard_listener_behind_updates", func(v float64) bool { return v == 0 })
	if m["scoreboard_database_up"] != 1 {
		t.Errorf("scoreboard_database_up: got %v, want 1", m["scoreboard_database_up"])
	}
}
