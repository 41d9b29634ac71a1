package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub/hubtest"
	"github.com/scoreboard/scoreboard/internal/postgres/pgtest"
)

// testEnv is a getenv over a map: tests never read the real environment
// (apart from the test helpers' own variables).
func testEnv(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

// sqliteEnv is the environment of a binary on its own SQLite file.
func sqliteEnv(t *testing.T, more ...string) map[string]string {
	t.Helper()
	vars := map[string]string{
		"DATABASE_URL":    "sqlite:" + filepath.Join(t.TempDir(), "scoreboard.db"),
		"SCOREBOARD_ADDR": "127.0.0.1:0",
		"LOG_FORMAT":      "json",
		"LOG_LEVEL":       "warn",
	}
	for i := 0; i+1 < len(more); i += 2 {
		vars[more[i]] = more[i+1]
	}
	return vars
}

// databases are the two kinds of DATABASE_URL, for tests that run on both:
// url returns a fresh, empty database of that kind for t.
var databases = []struct {
	name string
	url  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return sqliteEnv(t)["DATABASE_URL"] }},
	{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
}

// result is what one run of the binary did.
type result struct {
	err            error
	stdout, stderr string
}

// runCmd runs the binary to completion with args (without the program
// name), bounded by a minute.
func runCmd(t *testing.T, vars map[string]string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr strings.Builder
	err := run(ctx, append([]string{"scoreboard"}, args...), testEnv(vars), strings.NewReader(stdin), &stdout, &stderr)
	return result{err, stdout.String(), stderr.String()}
}

// listenWatcher is the binary's stderr in a test: it keeps the log and
// reports the "listening" line (the JSON log's addr and metrics_addr), so
// that a test can serve on port 0 and still find the server.
type listenWatcher struct {
	mu   sync.Mutex
	log  strings.Builder
	part []byte
	addr chan listening
}

// listening is the addresses of the "listening" line.
type listening struct {
	Msg, Addr   string
	MetricsAddr string `json:"metrics_addr"`
	Instance    string
}

func (w *listenWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.log.Write(p)
	w.part = append(w.part, p...)
	for {
		i := strings.IndexByte(string(w.part), '\n')
		if i < 0 {
			break
		}
		var line listening
		if json.Unmarshal(w.part[:i], &line) == nil && line.Msg == "listening" {
			select {
			case w.addr <- line:
			default:
			}
		}
		w.part = w.part[i+1:]
	}
	return len(p), nil
}

func (w *listenWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.log.String()
}

// server is a running `scoreboard serve`.
type server struct {
	URL string
	// MetricsURL is the base URL of the metrics listener, if
	// SCOREBOARD_METRICS_ADDR set one.
	MetricsURL string
	// Instance is the instance id the listening line names.
	Instance string
	stop     func() error // cancels the context (SIGTERM) and returns run's error
	log      *listenWatcher
}

// startServe runs `scoreboard serve` until the test ends (or stop is
// called), and returns once it listens.
func startServe(t *testing.T, vars map[string]string) *server {
	t.Helper()
	vars["LOG_FORMAT"] = "json"
	if vars["LOG_LEVEL"] == "" || vars["LOG_LEVEL"] == "warn" {
		vars["LOG_LEVEL"] = "info" // the "listening" line is at info
	}
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &listenWatcher{addr: make(chan listening, 1)}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"scoreboard", "serve"}, testEnv(vars), strings.NewReader(""), io.Discard, stderr)
	}()
	var stopped bool
	var stopErr error
	stop := func() error {
		if stopped {
			return stopErr
		}
		stopped = true
		cancel()
		select {
		case stopErr = <-done:
		case <-time.After(30 * time.Second):
			stopErr = errors.New("run did not return within 30s of the cancellation")
		}
		return stopErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case l := <-stderr.addr:
		scheme := "http://"
		if vars["SCOREBOARD_TLS_CERT"] != "" {
			scheme = "https://"
		}
		srv := &server{URL: scheme + l.Addr, Instance: l.Instance, stop: stop, log: stderr}
		if l.MetricsAddr != "" {
			srv.MetricsURL = "http://" + l.MetricsAddr
		}
		return srv
	case err := <-done:
		stopped, stopErr = true, err
		t.Fatalf("serve returned before listening: %v; log:\n%s", err, stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not listen within 30s; log:\n%s", stderr)
	}
	return nil
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp := get(t, ctx, url, nil)
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// checkHealthy checks liveness and readiness, then a graceful stop.
func checkHealthy(t *testing.T, srv *server) {
	t.Helper()
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, body := httpGet(t, srv.URL+path); status != http.StatusOK || body != "ok\n" {
			t.Errorf("GET %s: got %d %q, want 200 %q", path, status, body, "ok\n")
		}
	}
	if err := srv.stop(); err != nil {
		t.Errorf("graceful stop: got %v, want nil", err)
	}
	if _, err := http.Get(srv.URL + "/healthz"); err == nil {
		t.Errorf("GET /healthz after stop: got an answer, want the server gone")
	}
}

func TestServeSQLite(t *testing.T) {
	t.Parallel()
	checkHealthy(t, startServe(t, sqliteEnv(t)))
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		r := runCmd(t, nil, "", args...)
		if r.err != nil || !strings.Contains(r.stdout, "scoreboard user add --email E") {
			t.Errorf("scoreboard %s: got %v and stdout %q, want nil and the usage", strings.Join(args, " "), r.err, r.stdout)
		}
	}
	r := runCmd(t, sqliteEnv(t), "", "user", "add", "-h")
	if r.err != nil || !strings.Contains(r.stdout, "-password-stdin") {
		t.Errorf("scoreboard user add -h: got %v and stdout %q, want nil and the flags", r.err, r.stdout)
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	for _, st := range databases {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			vars := sqliteEnv(t, "DATABASE_URL", st.url(t), "LOG_LEVEL", "info")
			if st.name == "postgres" { // pgtest's databases come migrated
				vars["DATABASE_URL"] = pgtest.EmptyURL(t)
			}
			for i, wantLogged := range []bool{true, false} { // the second run finds nothing to do
				r := runCmd(t, vars, "", "migrate")
				if r.err != nil {
					t.Fatalf("migrate (run %d): %v; stderr:\n%s", i+1, r.err, r.stderr)
				}
				if got := strings.Contains(r.stderr, "00001_init.sql"); got != wantLogged {
					t.Errorf("migrate (run %d): logged 00001_init.sql: got %v, want %v; stderr:\n%s", i+1, got, wantLogged, r.stderr)
				}
			}
		})
	}
}

// TestUsageErrors checks that what the user must fix exits with status 2
// and says what to fix.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"unknown command", nil, []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", nil, []string{"serve", "--port", "1"}, "flag provided but not defined: -port"},
		{"stray argument", nil, []string{"migrate", "now"}, `unexpected argument "now"`},
		{"unknown database scheme", []string{"DATABASE_URL", "mysql://root:hunter2@db/scores"}, []string{"serve"},
			`DATABASE_URL: unknown scheme "mysql"; use sqlite:PATH`},
		{"empty sqlite path", []string{"DATABASE_URL", "sqlite:"}, []string{"migrate"}, "DATABASE_URL: sqlite: needs a file path"},
		{"unreachable postgres", []string{"DATABASE_URL", "postgres://postgres@127.0.0.1:1/scoreboard?sslmode=disable&connect_timeout=5"},
			[]string{"migrate"}, "DATABASE_URL (postgres://127.0.0.1:1/scoreboard)"},
		{"public URL not absolute", []string{"SCOREBOARD_PUBLIC_URL", "scores.example.org"}, []string{"serve"},
			`SCOREBOARD_PUBLIC_URL: "scores.example.org" is not an absolute http(s) URL`},
		{"bad listen address", []string{"SCOREBOARD_ADDR", "8080"}, []string{"serve"}, `SCOREBOARD_ADDR: "8080" is not a listen address`},
		{"bad log level", []string{"LOG_LEVEL", "loud"}, []string{"serve"}, `LOG_LEVEL: "loud" is not a level`},
		{"bad log format", []string{"LOG_FORMAT", "xml"}, []string{"serve"}, `LOG_FORMAT: "xml" is not a format`},
		{"bad heartbeat", []string{"HEARTBEAT_INTERVAL", "15"}, []string{"serve"}, `HEARTBEAT_INTERVAL: "15" is not a duration`},
		{"bad anonymous flag", []string{"ALLOW_ANONYMOUS", "maybe"}, []string{"serve"}, `ALLOW_ANONYMOUS: "maybe" is not a boolean`},
		{"bad origin", []string{"CORS_ALLOWED_ORIGINS", "example.org"}, []string{"serve"}, `CORS_ALLOWED_ORIGINS: "example.org" is not an origin`},
		{"origin with a query", []string{"CORS_ALLOWED_ORIGINS", "https://a.example?x=1"}, []string{"serve"}, `CORS_ALLOWED_ORIGINS: "https://a.example?x=1" is not an origin`},
		{"bad publish origin", []string{"PUBLISH_ALLOWED_ORIGINS", "https://a.example/admin"}, []string{"serve"}, `PUBLISH_ALLOWED_ORIGINS: "https://a.example/admin" is not an origin`},
		{"bad history size", []string{"SCOREBOARD_HUB_HISTORY_SIZE", "lots"}, []string{"serve"}, "SCOREBOARD_HUB_HISTORY_SIZE"},
		{"bad metrics address", []string{"SCOREBOARD_METRICS_ADDR", "9090"}, []string{"serve"}, `SCOREBOARD_METRICS_ADDR: "9090" is not a listen address`},
		{"bad template cap", []string{"SCOREBOARD_HUB_MAX_TEMPLATES", "many"}, []string{"serve"},
			`SCOREBOARD_HUB_MAX_TEMPLATES: "many" is not a number of distinct URI templates for the whole hub; use a positive number (the default is 10000)`},
		{"zero subscriber template cap", []string{"SCOREBOARD_HUB_MAX_SUBSCRIBER_TEMPLATES", "0"}, []string{"serve"},
			`SCOREBOARD_HUB_MAX_SUBSCRIBER_TEMPLATES: "0" is not a number of distinct URI templates per subscription`},
		{"negative replay cap", []string{"SCOREBOARD_HUB_MAX_REPLAYS", "-1"}, []string{"serve"},
			`SCOREBOARD_HUB_MAX_REPLAYS: "-1" is not a number of replays of the history at once`},
		{"bad per-address cap", []string{"SCOREBOARD_HUB_MAX_SUBSCRIBERS_PER_ADDRESS", "-1"}, []string{"serve"},
			`SCOREBOARD_HUB_MAX_SUBSCRIBERS_PER_ADDRESS: "-1" is not a number of open subscriptions per client address; use a positive number (the default is 1024), or 0 for no cap`},
		{"bad JWT algorithm", []string{"JWT_KEY", "secret", "JWT_ALGORITHM", "none"}, []string{"serve"}, "JWT_KEY with JWT_ALGORITHM=none"},
		{"bad role", nil, []string{"user", "add", "--email", "a@example.org", "--role", "owner"}, `--role must be admin or scorer, not "owner"`},
		{"no email", nil, []string{"user", "add", "--role", "admin"}, "--email is required"},
		{"empty password", nil, []string{"user", "add", "--email", "a@example.org", "--role", "admin", "--password-stdin"},
			"standard input holds no password"},
		{"no selector", nil, []string{"token", "hub"}, "give at least one --publish or --subscribe selector"},
		{"no token kind", nil, []string{"token"}, "token needs a sub-command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, sqliteEnv(t, tt.env...), "", tt.args...)
			if r.err == nil {
				t.Fatalf("scoreboard %s: got no error, want exit status 2", strings.Join(tt.args, " "))
			}
			if got := exitCode(r.err); got != 2 {
				t.Errorf("exit status: got %d (%v), want 2", got, r.err)
			}
			if !strings.Contains(r.err.Error(), tt.want) {
				t.Errorf("message: got %q, want it to contain %q", r.err, tt.want)
			}
			if strings.Contains(r.err.Error(), "hunter2") {
				t.Errorf("message %q shows the database password", r.err)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want int
	}{
		{usageErrorf("bad"), 2},
		{fmt.Errorf("config: %w", usageErrorf("bad")), 2},
		{errors.New("disk full"), 1},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v): got %d, want %d", tt.err, got, tt.want)
		}
	}
}

// get sends a GET with header, bounded by ctx, and returns the response
// without reading it (it may be an endless event stream); its body is
// closed when the test ends.
func get(t *testing.T, ctx context.Context, rawURL string, header http.Header) *http.Response {
	t.Helper()
	return getVia(t, ctx, http.DefaultClient, rawURL, header)
}

// getVia is get with client.
func getVia(t *testing.T, ctx context.Context, client *http.Client, rawURL string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// subscribe opens an event stream with header and returns it after the
// hub's opening comment, read by hubtest as a browser reads it; ctx
// bounds it. It speaks HTTP/1.1 whatever hubtest.EnvH2C says (the
// binary serves HTTP/2 only with TLS or SCOREBOARD_H2C); subscribeVia
// speaks what its client does.
func subscribe(t *testing.T, ctx context.Context, rawURL string, header http.Header) *hubtest.Stream {
	t.Helper()
	return subscribeVia(t, ctx, http.DefaultClient, rawURL, header)
}

func subscribeVia(t *testing.T, ctx context.Context, client *http.Client, rawURL string, header http.Header) *hubtest.Stream {
	t.Helper()
	resp := getVia(t, ctx, client, rawURL, header)
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("subscribe: got %d %q, want 200", resp.StatusCode, b)
	}
	stream := hubtest.NewStream(resp, nil)
	if e, err := stream.ReadRaw(); err != nil || !e.Comment {
		t.Fatalf("subscribe: first thing on the stream: got %+v, %v; want the opening comment", e, err)
	}
	return stream
}
