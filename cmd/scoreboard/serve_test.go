package main

import (
	"context"
	"fmt"
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
	stream := subscribe(t, ctx, srv.URL+"/.well-known/mercure?topic="+url.QueryEscape(topic), nil)
	publish(t, srv.URL+"/.well-known/mercure", token, url.Values{"topic": {topic}, "data": {"hello from a script"}})
	if got, want := stream.Next(t).Data, "hello from a script"; got != want {
		t.Errorf("subscriber got data %q, want %q", got, want)
	}
	// Operators see the stream and the delivery on GET /metrics.
	if _, body := httpGet(t, srv.URL+"/metrics"); !strings.Contains(body, "\nhub_subscribers 1\n") || !strings.Contains(body, "\nhub_deliveries_total 1\n") {
		t.Errorf("GET /metrics: want hub_subscribers 1 and hub_deliveries_total 1 in:\n%s", body)
	}
	if err := srv.stop(); err != nil {
		t.Errorf("stop with a subscriber connected: got %v, want nil", err)
	}
	stream.Ended(t) // fails the test if the shutdown leaves it open for 30s
}

// publish posts a form update to the hub with token and returns its id.
func publish(t *testing.T, hubURL, token string, form url.Values) string {
	t.Helper()
	return publishVia(t, http.DefaultClient, hubURL, token, form)
}

// publishVia is publish with client.
func publishVia(t *testing.T, client *http.Client, hubURL, token string, form url.Values) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hubURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("publish: got %d %q, want 200", resp.StatusCode, body)
	}
	return string(body)
}

// TestHistorySurvivesRestart stops the binary after two updates and starts
// it again on the same database: a subscriber that saw the first update
// resumes with its id and gets exactly the second, and the token printed
// before the restart still publishes (the generated key is kept).
func TestHistorySurvivesRestart(t *testing.T) {
	t.Parallel()
	for _, st := range databases {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			vars := sqliteEnv(t, "DATABASE_URL", st.url(t))
			const topic = "https://example.org/scores/1"
			first := startServe(t, vars)
			r := runCmd(t, vars, "", "token", "hub", "--publish", "*")
			if r.err != nil {
				t.Fatalf("token hub: %v", r.err)
			}
			token := strings.TrimSpace(r.stdout)
			id1 := publish(t, first.URL+"/.well-known/mercure", token, url.Values{"topic": {topic}, "data": {"1-0"}})
			publish(t, first.URL+"/.well-known/mercure", token, url.Values{"topic": {topic}, "data": {"2-0"}})
			if err := first.stop(); err != nil {
				t.Fatalf("stop: %v", err)
			}

			second := startServe(t, vars)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			stream := subscribe(t, ctx, second.URL+"/.well-known/mercure?topic="+url.QueryEscape(topic), http.Header{"Last-Event-ID": {id1}})
			data := []string{stream.Next(t).Data}
			// A third update, published after the restart with the token
			// printed before it, ends the replay check.
			publish(t, second.URL+"/.well-known/mercure", token, url.Values{"topic": {topic}, "data": {"3-0"}})
			data = append(data, stream.Next(t).Data)
			if want := []string{"2-0", "3-0"}; strings.Join(data, ",") != strings.Join(want, ",") {
				t.Errorf("resumed after %s: got %q, want %q", id1, data, want)
			}
		})
	}
}

// TestServeMetricsAddr: with SCOREBOARD_METRICS_ADDR, GET /metrics is
// served on its own listener, and only there; it shuts down with the
// rest; an address that cannot be listened on stops serve, naming the
// variable.
func TestServeMetricsAddr(t *testing.T) {
	t.Parallel()
	vars := sqliteEnv(t, "SCOREBOARD_METRICS_ADDR", "127.0.0.1:0")
	srv := startServe(t, vars)
	if srv.MetricsURL == "" {
		t.Fatalf("the listening line names no metrics_addr; log:\n%s", srv.log)
	}
	// The instance id the log names at start is the one of the metrics.
	info := fmt.Sprintf("\nscoreboard_instance_info{instance_id=%q} 1\n", srv.Instance)
	if status, body := httpGet(t, srv.MetricsURL+"/metrics"); status != http.StatusOK || !strings.Contains(body, "\nhub_subscribers 0\n") || srv.Instance == "" || !strings.Contains(body, info) {
		t.Errorf("GET /metrics on the metrics listener: got %d, want 200 with hub_subscribers 0 and%s(the listening line's instance) in:\n%s", status, info, body)
	}
	for _, u := range []string{srv.URL + "/metrics", srv.MetricsURL + "/healthz", srv.MetricsURL + "/.well-known/mercure?topic=x"} {
		if status, _ := httpGet(t, u); status != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", u, status)
		}
	}
	if status, _ := httpGet(t, srv.URL+"/healthz"); status != http.StatusOK {
		t.Errorf("GET /healthz on the main listener: got %d, want 200", status)
	}

	// The metrics listener's address is taken now: serve must say so.
	taken := strings.TrimPrefix(srv.MetricsURL, "http://")
	r := runCmd(t, sqliteEnv(t, "SCOREBOARD_METRICS_ADDR", taken), "", "serve")
	if want := "listen on " + taken + " (SCOREBOARD_METRICS_ADDR)"; r.err == nil || !strings.Contains(r.err.Error(), want) {
		t.Errorf("serve with SCOREBOARD_METRICS_ADDR taken: got %v, want an error containing %q", r.err, want)
	}

	if err := srv.stop(); err != nil {
		t.Errorf("graceful stop: got %v, want nil", err)
	}
	if _, err := http.Get(srv.MetricsURL + "/metrics"); err == nil {
		t.Errorf("GET /metrics after stop: got an answer, want the metrics listener gone")
	}
}
