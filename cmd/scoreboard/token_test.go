package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
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
	key, err := hub.NewKey(hub.HS256, secret)
	if err != nil {
		t.Fatal(err)
	}
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
			key, err := hub.NewKey(hub.HS256, tt.verifyKey)
			if err != nil {
				t.Fatal(err)
			}
			claims, err := key.Verify(strings.TrimSpace(r.stdout))
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
