package main

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scoreboard/scoreboard/internal/hub"
)

func TestLoadConfigDefaults(t *testing.T) {
	t.Parallel()
	c, err := loadConfig(testEnv(nil))
	if err != nil {
		t.Fatalf("loadConfig with no environment: %v", err)
	}
	got := []any{c.Addr, c.PublicURL, c.DB, c.LogLevel, c.LogJSON, c.Demo,
		c.Hub.AllowAnonymous, c.Hub.CORSOrigins, c.Hub.PublishOrigins, c.Hub.Heartbeat,
		c.Hub.Subscriptions, c.Hub.HistorySize, c.Hub.HistoryMaxAge, c.Hub.Keys.Publisher, c.Hub.Keys.Subscriber,
		c.MetricsAddr, c.Hub.MaxTemplates, c.Hub.MaxSubscriberTemplates, c.Hub.MaxReplays, c.Hub.MaxSubscribersPerAddress}
	want := []any{":8080", "http://localhost:8080", database{Kind: "sqlite", Path: "scoreboard.db"}, slog.LevelInfo, false, false,
		true, []string{"*"}, []string(nil), 15 * time.Second,
		true, 100000, 7 * 24 * time.Hour, got[13], got[14],
		"", hub.DefaultMaxTemplates, hub.DefaultMaxSubscriberTemplates, hub.DefaultMaxReplays, hub.DefaultMaxSubscribersPerAddress}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(database{})); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if c.Hub.Keys.Publisher != nil || c.Hub.Keys.Subscriber != nil {
		t.Errorf("keys with no environment: got %v, want none (generated later)", c.Hub.Keys)
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   map[string]string
		check func(c config) (got, want any)
	}{
		{"public URL loses its trailing slash", map[string]string{"SCOREBOARD_PUBLIC_URL": "https://scores.example.org/"},
			func(c config) (any, any) { return c.PublicURL, "https://scores.example.org" }},
		{"sqlite path", map[string]string{"DATABASE_URL": "sqlite:/data/scoreboard.db"},
			func(c config) (any, any) { return c.DB, database{Kind: "sqlite", Path: "/data/scoreboard.db"} }},
		{"sqlite:// path", map[string]string{"DATABASE_URL": "sqlite:///data/x.db"},
			func(c config) (any, any) { return c.DB.Path, "/data/x.db" }},
		{"postgresql scheme", map[string]string{"DATABASE_URL": "postgresql://u:pw@db:5432/s"},
			func(c config) (any, any) { return c.DB, database{Kind: "postgres", URL: "postgresql://u:pw@db:5432/s"} }},
		{"database name hides the password", map[string]string{"DATABASE_URL": "postgres://u:pw@db:5432/s?sslmode=disable"},
			func(c config) (any, any) { return c.DB.String(), "postgres://db:5432/s" }},
		{"origins by spaces and commas", map[string]string{"CORS_ALLOWED_ORIGINS": "https://a.example, https://b.example:8443/ null"},
			func(c config) (any, any) {
				return c.Hub.CORSOrigins, []string{"https://a.example", "https://b.example:8443", "null"}
			}},
		{"anonymous off", map[string]string{"ALLOW_ANONYMOUS": "0"},
			func(c config) (any, any) { return c.Hub.AllowAnonymous, false }},
		{"anonymous false", map[string]string{"ALLOW_ANONYMOUS": "false"},
			func(c config) (any, any) { return c.Hub.AllowAnonymous, false }},
		{"heartbeat", map[string]string{"HEARTBEAT_INTERVAL": "40s"},
			func(c config) (any, any) { return c.Hub.Heartbeat, 40 * time.Second }},
		{"json logs at debug", map[string]string{"LOG_FORMAT": "JSON", "LOG_LEVEL": "debug"},
			func(c config) (any, any) { return []any{c.LogJSON, c.LogLevel}, []any{true, slog.LevelDebug} }},
		{"demo", map[string]string{"DEMO": "1"}, func(c config) (any, any) { return c.Demo, true }},
		{"history", map[string]string{"SCOREBOARD_HUB_HISTORY_SIZE": "50", "SCOREBOARD_HUB_HISTORY_MAX_AGE": "24h"},
			func(c config) (any, any) {
				return []any{c.Hub.HistorySize, c.Hub.HistoryMaxAge}, []any{50, 24 * time.Hour}
			}},
		{"history bounds off", map[string]string{"SCOREBOARD_HUB_HISTORY_SIZE": "0", "SCOREBOARD_HUB_HISTORY_MAX_AGE": "0"},
			func(c config) (any, any) {
				return []any{c.Hub.HistorySize, c.Hub.HistoryMaxAge}, []any{0, time.Duration(0)}
			}},
		{"metrics address", map[string]string{"SCOREBOARD_METRICS_ADDR": "127.0.0.1:9090"},
			func(c config) (any, any) { return c.MetricsAddr, "127.0.0.1:9090" }},
		{"hub caps", map[string]string{"SCOREBOARD_HUB_MAX_TEMPLATES": "500", "SCOREBOARD_HUB_MAX_SUBSCRIBER_TEMPLATES": "4",
			"SCOREBOARD_HUB_MAX_REPLAYS": "64", "SCOREBOARD_HUB_MAX_SUBSCRIBERS_PER_ADDRESS": "20000"},
			func(c config) (any, any) {
				return []int{c.Hub.MaxTemplates, c.Hub.MaxSubscriberTemplates, c.Hub.MaxReplays, c.Hub.MaxSubscribersPerAddress},
					[]int{500, 4, 64, 20000}
			}},
		{"no cap per address", map[string]string{"SCOREBOARD_HUB_MAX_SUBSCRIBERS_PER_ADDRESS": "0"},
			func(c config) (any, any) { return c.Hub.MaxSubscribersPerAddress, -1 }},
		{"JWT_KEY sets both keys", map[string]string{"JWT_KEY": "0123456789abcdef0123456789abcdef"},
			func(c config) (any, any) {
				return []bool{c.Hub.Keys.Publisher != nil, c.Hub.Keys.Subscriber != nil}, []bool{true, true}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := loadConfig(testEnv(tt.env))
			if err != nil {
				t.Fatalf("loadConfig: %v", err)
			}
			got, want := tt.check(c)
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(database{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoadConfigReportsEveryError checks that one run names every bad
// variable, so that fixing the configuration takes one round.
func TestLoadConfigReportsEveryError(t *testing.T) {
	t.Parallel()
	_, err := loadConfig(testEnv(map[string]string{"LOG_LEVEL": "loud", "DATABASE_URL": "redis://x", "DEMO": "perhaps"}))
	if err == nil || exitCode(err) != 2 {
		t.Fatalf("got %v, want a usage error", err)
	}
	for _, name := range []string{"LOG_LEVEL", "DATABASE_URL", "DEMO"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

// TestNewHubConfig checks that every hub setting of the configuration
// reaches the hub's Config: one parsed but dropped on the way fails here,
// including the caps that a test through a loopback listener cannot hit
// (loopback addresses are not capped per address).
func TestNewHubConfig(t *testing.T) {
	t.Parallel()
	c, err := loadConfig(testEnv(map[string]string{
		"SCOREBOARD_HUB_MAX_TEMPLATES": "500", "SCOREBOARD_HUB_MAX_SUBSCRIBER_TEMPLATES": "4",
		"SCOREBOARD_HUB_MAX_REPLAYS": "64", "SCOREBOARD_HUB_MAX_SUBSCRIBERS_PER_ADDRESS": "0",
		"SCOREBOARD_HUB_HISTORY_SIZE": "50", "SCOREBOARD_HUB_HISTORY_MAX_AGE": "1h", "HEARTBEAT_INTERVAL": "20s",
		"ALLOW_ANONYMOUS": "0", "SCOREBOARD_HUB_SUBSCRIPTIONS": "0",
		"CORS_ALLOWED_ORIGINS": "https://a.example", "PUBLISH_ALLOWED_ORIGINS": "https://b.example",
	}))
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	h := newHubConfig(c, hub.Keys{}, nil, slog.New(slog.DiscardHandler))
	got := []any{h.MaxTemplates, h.MaxSubscriberTemplates, h.MaxReplays, h.MaxSubscribersPerAddress,
		h.RetainUpdates, h.RetainFor, h.Heartbeat, h.AllowAnonymous, h.Subscriptions, h.CORSOrigins, h.PublishOrigins}
	want := []any{500, 4, 64, -1,
		50, time.Hour, 20 * time.Second, false, false, []string{"https://a.example"}, []string{"https://b.example"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hub.Config (-want +got):\n%s", diff)
	}
}
