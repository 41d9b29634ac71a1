package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/hub/hubtest"
)

// hubGet sends a GET (a subscription, maybe) and returns its status and
// headers without waiting for the stream to end.
func hubGet(t *testing.T, rawURL string, header http.Header) (int, http.Header) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp := get(t, ctx, rawURL, header)
	return resp.StatusCode, resp.Header
}

// handMadeToken is a publisher token made as the reference hub's users make
// theirs (on jwt.io, or with a JWT library in a PHP script): HS256 with
// secret, no expiry, nothing but the mercure claim.
func handMadeToken(t *testing.T, secret string) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"mercure": map[string]any{"publish": []string{"*"}},
	}).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestServeHubSettings checks that each hub variable reaches the running
// hub: a setting that is parsed but dropped on the way fails here.
func TestServeHubSettings(t *testing.T) {
	t.Parallel()
	const secret = "the-reference-hub-JWT_KEY-of-a-user-0123456789"
	subscribePath := "/.well-known/mercure?topic=" + url.QueryEscape("https://example.org/a")
	tests := []struct {
		name  string
		env   []string
		check func(t *testing.T, base string)
	}{
		{"anonymous subscribers by default", nil, func(t *testing.T, base string) {
			if status, _ := hubGet(t, base+subscribePath, nil); status != http.StatusOK {
				t.Errorf("anonymous subscribe: got %d, want 200", status)
			}
		}},
		{"ALLOW_ANONYMOUS=0", []string{"ALLOW_ANONYMOUS", "0"}, func(t *testing.T, base string) {
			if status, _ := hubGet(t, base+subscribePath, nil); status != http.StatusUnauthorized {
				t.Errorf("anonymous subscribe: got %d, want 401", status)
			}
		}},
		{"CORS * by default", nil, func(t *testing.T, base string) {
			_, h := hubGet(t, base+subscribePath, http.Header{"Origin": {"https://fans.example"}})
			if got := h.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("Access-Control-Allow-Origin: got %q, want *", got)
			}
		}},
		{"CORS_ALLOWED_ORIGINS", []string{"CORS_ALLOWED_ORIGINS", "https://fans.example, https://club.example"}, func(t *testing.T, base string) {
			_, h := hubGet(t, base+subscribePath, http.Header{"Origin": {"https://club.example"}})
			if got := h.Get("Access-Control-Allow-Origin"); got != "https://club.example" {
				t.Errorf("Access-Control-Allow-Origin: got %q, want https://club.example", got)
			}
		}},
		{"JWT_KEY publishes", []string{"JWT_KEY", secret}, func(t *testing.T, base string) {
			publish(t, base+"/.well-known/mercure", handMadeToken(t, secret), url.Values{"topic": {"https://example.org/a"}, "data": {"x"}})
		}},
		{"HEARTBEAT_INTERVAL", []string{"HEARTBEAT_INTERVAL", "1s"}, func(t *testing.T, base string) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			stream := subscribe(t, ctx, base+subscribePath, nil)
			if e, err := stream.ReadRaw(); err != nil || !e.Comment {
				t.Errorf("after the opening comment: got %+v, %v; want a heartbeat comment", e, err)
			}
		}},
		{"PUBLISH_ALLOWED_ORIGINS", []string{"JWT_KEY", secret, "PUBLISH_ALLOWED_ORIGINS", "https://admin.example"}, func(t *testing.T, base string) {
			tok := hubtest.Token(t, hubtest.Key(t, secret), []string{"*"}, nil, time.Minute)
			for origin, want := range map[string]int{"https://admin.example": http.StatusOK, "https://evil.example": http.StatusForbidden} {
				req, err := http.NewRequest(http.MethodPost, base+"/.well-known/mercure", strings.NewReader("topic=https://example.org/a&data=x"))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Origin", origin)
				req.AddCookie(&http.Cookie{Name: hub.CookieName, Value: tok})
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Errorf("cookie publish from %s: got %d, want %d", origin, resp.StatusCode, want)
				}
			}
		}},
		{"subscriptions API on by default", nil, func(t *testing.T, base string) {
			if status, _ := hubGet(t, base+"/.well-known/mercure/subscriptions", nil); status == http.StatusNotFound {
				t.Errorf("GET subscriptions: got 404, want the API (401 without a token)")
			}
		}},
		{"SCOREBOARD_HUB_SUBSCRIPTIONS=0", []string{"SCOREBOARD_HUB_SUBSCRIPTIONS", "0"}, func(t *testing.T, base string) {
			if status, _ := hubGet(t, base+"/.well-known/mercure/subscriptions", nil); status != http.StatusNotFound {
				t.Errorf("GET subscriptions: got %d, want 404", status)
			}
		}},
		{"SCOREBOARD_HUB_MAX_SUBSCRIBER_TEMPLATES", []string{"SCOREBOARD_HUB_MAX_SUBSCRIBER_TEMPLATES", "1"}, func(t *testing.T, base string) {
			two := "/.well-known/mercure?topic=" + url.QueryEscape("https://example.org/a/{x}") + "&topic=" + url.QueryEscape("https://example.org/b/{x}")
			if status, _ := hubGet(t, base+two, nil); status != http.StatusBadRequest {
				t.Errorf("subscribe with two templates: got %d, want 400", status)
			}
		}},
		{"SCOREBOARD_HUB_MAX_TEMPLATES", []string{"SCOREBOARD_HUB_MAX_TEMPLATES", "1"}, func(t *testing.T, base string) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			subscribe(t, ctx, base+"/.well-known/mercure?topic="+url.QueryEscape("https://example.org/a/{x}"), nil)
			if status, _ := hubGet(t, base+"/.well-known/mercure?topic="+url.QueryEscape("https://example.org/b/{x}"), nil); status != http.StatusTooManyRequests {
				t.Errorf("subscribe with a second distinct template while the first is open: got %d, want 429", status)
			}
		}},
		{"DEMO=1", []string{"DEMO", "1"}, func(t *testing.T, base string) {
			status, h := hubGet(t, base+"/.well-known/mercure/ui/", nil)
			if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Errorf("GET the debugging page: got %d %s, want 200 text/html", status, h.Get("Content-Type"))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startServe(t, sqliteEnv(t, tt.env...))
			tt.check(t, srv.URL)
		})
	}
}
