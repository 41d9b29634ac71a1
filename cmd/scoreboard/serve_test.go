package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/postgres/pgtest"
)

func TestServePostgres(t *testing.T) {
	t.Parallel()
	vars := sqliteEnv(t)
	vars["DATABASE_URL"] = pgtest.URL(t)
	checkHealthy(t, startServe(t, vars))
}

// TestServeHubWithPrintedToken plays the reference hub's user: a token
// from `scoreboard token hub` publishes to the running server, a subscriber
// receives the update, and stopping the server ends the open stream at once
// (the graceful shutdown does not wait for subscribers).
func TestServeHubWithPrintedToken(t *testing.T) {
	t.Parallel()
	vars := sqliteEnv(t)
	srv := startServe(t, vars)
	r := runCmd(t, vars, "", "token", "hub", "--publish", "*")
	if r.err != nil {
		t.Fatalf("token hub: %v", r.err)
	}
	token := strings.TrimSpace(r.stdout)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const topic = "https://example.org/books/1"
	sub, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/.well-known/mercure?topic="+url.QueryEscape(topic), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(sub)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("subscribe: got %d %q, want 200", resp.StatusCode, b)
	}
	stream := bufio.NewReader(resp.Body)
	readLine(t, stream) // the comment sent at once

	form := url.Values{"topic": {topic}, "data": {"hello from a script"}}
	pub, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/.well-known/mercure", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	pub.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	pub.Header.Set("Authorization", "Bearer "+token)
	presp, err := http.DefaultClient.Do(pub)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	body, _ := io.ReadAll(presp.Body)
	presp.Body.Close()
	if presp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "urn:uuid:") {
		t.Fatalf("publish with the printed token: got %d %q, want 200 and the update's id", presp.StatusCode, body)
	}

	for {
		line := readLine(t, stream)
		if line == "data: hello from a script\n" {
			break
		}
	}
	if err := srv.stop(); err != nil {
		t.Errorf("stop with a subscriber connected: got %v, want nil", err)
	}
	if _, err := io.Copy(io.Discard, stream); err != nil && ctx.Err() != nil {
		t.Errorf("stream after stop: still open after 30s, want it closed by the shutdown")
	}
}
