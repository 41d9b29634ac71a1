package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub/hubtest"
)

func TestTokenHubGeneratedKey(t *testing.T) {
	t.Parallel()
	vars := sqliteEnv(t)
	r := runCmd(t, vars, "", "token", "hub", "--publish", "*", "--publish", "https://scores.example.org/matches/{id}", "--ttl", "1h")
	if r.err != nil {
		t.Fatalf("token hub: %v; stderr:\n%s", r.err, r.stderr)
	}
	tok := strings.TrimSpace(r.stdout)

	// The key is the one kept in the database, which serve uses too.
	secret, err := userStore(t, vars).Secret(context.Background(), generatedKeySecret, func() (string, error) {
		return "", errors.New("token hub should have stored the generated hub key")
	})
	if err != nil {
		t.Fatalf("stored hub key: %v", err)
	}
	key := hubtest.Key(t, secret)
	claims, err := key.Verify(tok)
	if err != nil {
		t.Fatalf("verify %q with the stored key: %v", tok, err)
	}
	if !claims.CanPublish("https://scores.example.org/matches/7") {
		t.Errorf("token claims %+v: cannot publish to a match topic, want it can", claims)
	}
	if d := time.Until(claims.ExpiresAt); d < 59*time.Minute || d > time.Hour {
		t.Errorf("token expires in %s, want about 1h", d)
	}

	// A second token comes from the same key.
	r = runCmd(t, vars, "", "token", "hub", "--publish", "*")
	if _, err := key.Verify(strings.TrimSpace(r.stdout)); err != nil {
		t.Errorf("second token: %v (%v)", err, r.err)
	}
}

func TestTokenHubConfiguredKey(t *testing.T) {
	t.Parallel()
	const secret = "a-secret-configured-the-reference-hub-way-0123456789"
	tests := []struct {
		name      string
		env       []string
		args      []string
		verifyKey string // the key the token must verify with
		wantNote  bool
	}{
		{"JWT_KEY publishes", []string{"JWT_KEY", secret}, []string{"--publish", "*"}, secret, false},
		{"MERCURE_PUBLISHER_JWT_KEY wins", []string{"JWT_KEY", "other-secret-other-secret-other-secret", "MERCURE_PUBLISHER_JWT_KEY", secret},
			[]string{"--publish", "*"}, secret, false},
		{"subscriber token", []string{"MERCURE_PUBLISHER_JWT_KEY", "publisher-secret-publisher-secret!", "MERCURE_SUBSCRIBER_JWT_KEY", secret},
			[]string{"--subscribe", "*"}, secret, false},
		{"both with one key", []string{"JWT_KEY", secret}, []string{"--publish", "*", "--subscribe", "*"}, secret, false},
		{"both with two keys", []string{"MERCURE_PUBLISHER_JWT_KEY", secret, "MERCURE_SUBSCRIBER_JWT_KEY", "subscriber-secret-subscriber-secret"},
			[]string{"--publish", "*", "--subscribe", "*"}, secret, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, sqliteEnv(t, tt.env...), "", append([]string{"token", "hub"}, tt.args...)...)
			if r.err != nil {
				t.Fatalf("token hub: %v", r.err)
			}
			claims, err := hubtest.Key(t, tt.verifyKey).Verify(strings.TrimSpace(r.stdout))
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if !claims.ExpiresAt.IsZero() {
				t.Errorf("token without --ttl expires at %s, want never", claims.ExpiresAt)
			}
			if got := strings.Contains(r.stderr, "note:"); got != tt.wantNote {
				t.Errorf("note on stderr: got %v (%q), want %v", got, r.stderr, tt.wantNote)
			}
		})
	}
}

// TestTokenAPI: the printed token acts as its user against the running
// server, and is listed there under its name.
func TestTokenAPI(t *testing.T) {
	t.Parallel()
	vars := sqliteEnv(t)
	if r := runCmd(t, vars, "", "user", "add", "--email", "sam@example.org", "--role", "scorer"); r.err != nil {
		t.Fatalf("user add: %v", r.err)
	}
	r := runCmd(t, vars, "", "token", "api", "--email", "Sam@example.org", "--ttl", "2h", "--name", "stadium display")
	if r.err != nil {
		t.Fatalf("token api: %v; stderr:\n%s", r.err, r.stderr)
	}
	token := strings.TrimSpace(r.stdout)
	if strings.Count(token, ".") != 2 {
		t.Fatalf("token api printed %q, want one JWT", r.stdout)
	}
	if !strings.Contains(r.stderr, "acts as scorer sam@example.org, until ") {
		t.Errorf("stderr %q: want what the token is", r.stderr)
	}

	srv := startServe(t, vars)
	status, body := bearerGet(t, srv.URL+"/api/v1/me", token)
	if status != http.StatusOK || !strings.Contains(body, `"email":"sam@example.org"`) {
		t.Errorf("GET /api/v1/me with the printed token: got %d %s, want 200 and sam", status, body)
	}
	var list struct {
		APITokens []struct {
			Name      string     `json:"name"`
			ExpiresAt *time.Time `json:"expires_at"`
		} `json:"api_tokens"`
	}
	status, body = bearerGet(t, srv.URL+"/api/v1/tokens", token)
	if err := json.Unmarshal([]byte(body), &list); err != nil || status != http.StatusOK || len(list.APITokens) != 1 {
		t.Fatalf("GET /api/v1/tokens: got %d %s, want 200 and one token", status, body)
	}
	if tok := list.APITokens[0]; tok.Name != "stadium display" || tok.ExpiresAt == nil || time.Until(*tok.ExpiresAt) > 2*time.Hour {
		t.Errorf("listed token: got %+v, want named stadium display, expiring within 2h", tok)
	}
	// The hub's key does not sign API tokens.
	hubTok := strings.TrimSpace(runCmd(t, vars, "", "token", "hub", "--publish", "*").stdout)
	if status, _ := bearerGet(t, srv.URL+"/api/v1/me", hubTok); status != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/me with a hub token: got %d, want 401", status)
	}
}

func TestTokenAPIErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no email", []string{"token", "api"}, "--email is required"},
		{"unknown user", []string{"token", "api", "--email", "nobody@example.org"}, `no user has email "nobody@example.org"; create the user first`},
		{"negative ttl", []string{"token", "api", "--email", "a@example.org", "--ttl", "-1h"}, "--ttl must not be negative"},
		{"name too long", []string{"token", "api", "--email", "sam@example.org", "--name", strings.Repeat("x", 101)}, "name is 101 characters long"},
		{"unknown kind", []string{"token", "ssh"}, "token needs a sub-command, hub or api"},
	}
	vars := sqliteEnv(t)
	if r := runCmd(t, vars, "", "user", "add", "--email", "sam@example.org", "--role", "scorer"); r.err != nil {
		t.Fatalf("user add: %v", r.err)
	}
	for _, tt := range tests {
		r := runCmd(t, vars, "", tt.args...)
		if r.err == nil || exitCode(r.err) != 2 || !strings.Contains(r.err.Error(), tt.want) {
			t.Errorf("%s: got %v (exit %d), want exit 2 with %q", tt.name, r.err, exitCode(r.err), tt.want)
		}
	}
}

// bearerGet sends a GET with an API token and reads the answer.
func bearerGet(t *testing.T, rawURL, token string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp := get(t, ctx, rawURL, http.Header{"Authorization": {"Bearer " + token}})
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read GET %s: %v", rawURL, err)
	}
	return resp.StatusCode, string(b)
}
