package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/hub/hubtest"
	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/internal/postgres"
	"github.com/scoreboard/scoreboard/internal/postgres/pgtest"
	"github.com/scoreboard/scoreboard/internal/web"
)

// quiet discards the test servers' request logs.
var quiet = slog.New(slog.DiscardHandler)

// startPGInstance serves one instance of the binary's stack (store, hub,
// web handler with /metrics) on the PostgreSQL database at dbURL, as
// several processes behind a load balancer share it.
func startPGInstance(t *testing.T, dbURL string) *hubtest.Hub {
	t.Helper()
	db, err := postgres.Open(t.Context(), dbURL, postgres.Options{MatchTopic: hubtest.MatchTopic})
	if err != nil {
		t.Fatalf("open PostgreSQL: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return hubtest.Start(t, hub.Config{History: db, Transport: db, AllowAnonymous: true, Logger: quiet},
		hubtest.Handler(func(h *hub.Hub) http.Handler {
			return web.NewHandler(web.Deps{Store: db, Hub: h, HubStats: h.Stats, Logger: quiet})
		}))
}

// TestSeveralInstances runs the load test over three instances on one
// PostgreSQL: the subscribers are spread over all three, the updates are
// published through each in turn, and every subscriber on every instance
// gets every update of its topic exactly once.
func TestSeveralInstances(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	var urls []string
	for range 3 {
		urls = append(urls, startPGInstance(t, dbURL).URL)
	}
	c := Config{Hub: strings.Join(urls, ","), JWTKey: testSecret, Subscribers: 150, Topics: 2, Publish: 21,
		Workers: 2, Duration: time.Minute}
	rep, err := Run(context.Background(), c, spawnGoroutine, nil)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !rep.OK {
		t.Fatalf("got errors %q, want none", rep.Errors)
	}
	// Topic 0 gets 11 updates and 75 subscribers, topic 1 10 and 75.
	if want := int64(75*11 + 75*10); rep.Deliveries.Expected != want || rep.Deliveries.Received != want {
		t.Errorf("got %d expected, %d received; want %d both", rep.Deliveries.Expected, rep.Deliveries.Received, want)
	}
	if len(rep.Instances) != 3 {
		t.Fatalf("got %d instances in the report, want 3", len(rep.Instances))
	}
	for i, in := range rep.Instances {
		if in.Hub != urls[i] || in.Connected == nil || in.Connected.Subscribers == nil || *in.Connected.Subscribers != 50 {
			t.Errorf("instance %d: got %s with connected figures %+v; want %s with 50 hub subscribers", i, in.Hub, in.Connected, urls[i])
		}
	}
	if s := rep.Server.Connected; s == nil || s.Subscribers == nil || *s.Subscribers != 150 {
		t.Errorf("got summed server figures %+v, want 150 hub subscribers", s)
	}
}

// TestMetricsPerHub checks that -metrics takes one URL per hub.
func TestMetricsPerHub(t *testing.T) {
	t.Parallel()
	c := Config{Hub: "http://127.0.0.1:1/.well-known/mercure,http://127.0.0.2:1/.well-known/mercure",
		Metrics: "http://127.0.0.1:2/metrics", Subscribers: 1, Topics: 1, Duration: time.Minute}
	if err := c.validate(); err == nil || !strings.Contains(err.Error(), "-metrics: 1 URLs for 2 hubs") {
		t.Errorf("got %v, want -metrics refused for naming one URL for two hubs", err)
	}
	c.Metrics = ""
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"http://127.0.0.1:1/metrics", "http://127.0.0.2:1/metrics"}; strings.Join(c.metrics, " ") != strings.Join(want, " ") {
		t.Errorf("got metrics %q, want %q", c.metrics, want)
	}
	c.Hub += ",http://192.0.2.1/.well-known/mercure"
	if err := c.validate(); err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("got %v, want the third hub refused", err)
	}
}

// TestHoldCountsHeartbeats holds the streams of a real hub with a short
// heartbeat: none is missed. A hub that sends no heartbeat fails the run.
func TestHoldCountsHeartbeats(t *testing.T) {
	t.Parallel()
	t.Run("real hub", func(t *testing.T) {
		t.Parallel()
		db := hubtest.SQLite(t)
		h := hubtest.Start(t, hub.Config{History: db, AllowAnonymous: true, Heartbeat: 100 * time.Millisecond, Logger: quiet},
			hubtest.Handler(func(h *hub.Hub) http.Handler {
				return web.NewHandler(web.Deps{Store: db, Hub: h, HubStats: h.Stats, Logger: quiet})
			}))
		c := Config{Hub: h.URL, JWTKey: testSecret, Subscribers: 40, Topics: 2, Publish: 6, Workers: 2,
			Hold: 2 * time.Second, Heartbeat: time.Second, Duration: 40 * time.Second}
		start := time.Now()
		rep, err := Run(context.Background(), c, spawnGoroutine, nil)
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		if !rep.OK || rep.Heartbeat.Misses != 0 || rep.Deliveries.Received != 40*3 {
			t.Fatalf("got errors %q, %d misses, %d received; want none, 0, 120", rep.Errors, rep.Heartbeat.Misses, rep.Deliveries.Received)
		}
		if rep.Heartbeat.LongestGapMS <= 0 || rep.HoldSeconds != 2 {
			t.Errorf("got longest gap %vms, hold %vs; want a gap measured and a 2s hold", rep.Heartbeat.LongestGapMS, rep.HoldSeconds)
		}
		if d := time.Since(start); d < 2*time.Second {
			t.Errorf("the run took %v, want at least the 2s hold", d)
		}
	})
	t.Run("no heartbeat", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(&brokenHub{times: 1, subs: map[chan string]string{}})
		t.Cleanup(srv.Close)
		var stdout, stderr bytes.Buffer
		args := []string{"-hub", srv.URL + "/.well-known/mercure", "-subscribers", "4", "-topics", "1", "-publish", "0",
			"-workers", "1", "-hold", "1s", "-heartbeat", "100ms", "-duration", "30s"}
		if code := run(context.Background(), args, nil, &stdout, &stderr, spawnGoroutine); code != 1 {
			t.Fatalf("got exit status %d, want 1\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
		}
		if want := "4 heartbeats missed"; !strings.Contains(stdout.String(), want) {
			t.Errorf("got report\n%s\nwant it to contain %q", &stdout, want)
		}
	})
	t.Run("no time to connect", func(t *testing.T) {
		t.Parallel()
		c := Config{Hub: defaultHub, Subscribers: 1, Topics: 1, Hold: time.Minute, Duration: time.Minute}
		if err := c.validate(); err == nil || !strings.Contains(err.Error(), "leaves no time to connect") {
			t.Errorf("got %v, want -hold refused for filling -duration", err)
		}
	})
}

// binDir holds the binary, once built.
var binDir string

// binary builds the load tool once for the tests that run it as a user
// does (with worker processes, which -freeze needs).
var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "loadtest-bin")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "loadtest")
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		goCmd = "go"
	}
	if out, err := exec.Command(goCmd, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// TestMain removes the binary built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// runBinary runs the built load tool with args and returns its exit
// status and report.
func runBinary(t *testing.T, args ...string) (int, *Report, string) {
	t.Helper()
	built, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	// A copy of its own, so that its processes are told from those of
	// the tests running beside it.
	exe, err := os.ReadFile(built)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "loadtest")
	if err := os.WriteFile(bin, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	var cmd *exec.Cmd
	// A test beside this one that forks while the copy is being written
	// makes its child hold the file open for writing until it execs:
	// then starting it fails with ETXTBSY for a moment.
	for try := 0; ; try++ {
		cmd = exec.CommandContext(ctx, bin, append(args, "-json")...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err = cmd.Start(); !errors.Is(err, syscall.ETXTBSY) || try == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("loadtest: %v", err)
	}
	err = cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	if err != nil && code <= 0 {
		t.Fatalf("loadtest: %v\nstderr:\n%s", err, &stderr)
	}
	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("report: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	if left := processesOf(t, bin); len(left) > 0 {
		t.Errorf("processes of %s left after the run: %v", bin, left)
	}
	return code, &rep, stderr.String()
}

// processesOf lists the running processes of executable bin, with their
// state (T for stopped).
func processesOf(t *testing.T, bin string) []string {
	t.Helper()
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var out []string
	for _, d := range dirs {
		exe, err := os.Readlink(filepath.Join(d, "exe"))
		if err != nil || exe != bin {
			continue
		}
		stat, _ := os.ReadFile(filepath.Join(d, "stat"))
		out = append(out, filepath.Base(d)+": "+string(stat))
	}
	return out
}

// TestFreeze stops a tenth of the subscribers of a real hub while
// publishing: the others get everything, the frozen ones' losses do not
// fail the run, the hub's drops and RSS growth are read, and no stopped
// process is left behind.
func TestFreeze(t *testing.T) {
	t.Parallel()
	db := hubtest.SQLite(t)
	h := hubtest.Start(t, hub.Config{History: db, AllowAnonymous: true, Logger: quiet},
		hubtest.Handler(func(h *hub.Hub) http.Handler {
			return web.NewHandler(web.Deps{Store: db, Hub: h, HubStats: h.Stats, Logger: quiet})
		}))
	code, rep, stderr := runBinary(t, "-hub", h.URL, "-jwt-key", testSecret, "-subscribers", "100", "-topics", "1",
		"-publish", "600", "-rate", "200", "-freeze", "0.1", "-workers", "2", "-duration", "1m")
	if code != 0 || !rep.OK {
		t.Fatalf("got exit status %d, errors %q; want 0 and none\nstderr:\n%s", code, rep.Errors, stderr)
	}
	f := rep.Frozen
	if f == nil || f.Subscribers != 10 || f.Workers != 1 || f.ServerDropped == nil || f.ServerRSSGrowth == nil || f.StreamsEnded > 10 {
		t.Fatalf("got frozen report %+v, want 10 subscribers in 1 worker, the hub's drops and RSS growth read", f)
	}
	if got := rep.Deliveries.Received; got != 90*600 || rep.Deliveries.Expected != 90*600 {
		t.Errorf("got %d of %d deliveries, want all %d to the subscribers not frozen", got, rep.Deliveries.Expected, 90*600)
	}
	if dropped := float64(h.Stats().SlowDisconnects); *f.ServerDropped > dropped {
		t.Errorf("the report says the hub dropped %v subscribers, the hub says %v", *f.ServerDropped, dropped)
	}
	t.Logf("frozen: %+v, dropped %v, RSS growth %v", *f, *f.ServerDropped, *f.ServerRSSGrowth)
}

// TestFreezeStillFailsOnLoss runs -freeze against a hub that delivers
// nothing: the subscribers not frozen miss their updates, and the run
// fails.
func TestFreezeStillFailsOnLoss(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(&brokenHub{times: 0, subs: map[chan string]string{}})
	t.Cleanup(srv.Close)
	code, rep, stderr := runBinary(t, "-hub", srv.URL+"/.well-known/mercure", "-jwt-key", "k", "-subscribers", "10",
		"-topics", "1", "-publish", "3", "-freeze", "0.2", "-workers", "1", "-drain", "100ms", "-duration", "30s")
	if code != 1 {
		t.Fatalf("got exit status %d, want 1\nstderr:\n%s", code, stderr)
	}
	if want := "24 deliveries missing"; !strings.Contains(strings.Join(rep.Errors, "\n"), want) {
		t.Errorf("got errors %q, want %q (the 8 subscribers not frozen)", rep.Errors, want)
	}
	if rep.Frozen == nil || rep.Frozen.Subscribers != 2 {
		t.Errorf("got frozen report %+v, want 2 subscribers", rep.Frozen)
	}
}

// TestFreezeNeedsProcesses checks that -freeze is refused when the
// workers cannot be stopped (goroutines).
func TestFreezeNeedsProcesses(t *testing.T) {
	t.Parallel()
	hubURL := newTestServer(t)
	c := Config{Hub: hubURL, Subscribers: 10, Topics: 1, Freeze: 0.2, Duration: 30 * time.Second}
	if _, err := Run(context.Background(), c, spawnGoroutine, nil); err == nil || !strings.Contains(err.Error(), "-freeze needs worker processes") {
		t.Errorf("got %v, want -freeze refused", err)
	}
}

// TestBurst posts match events through the scoring API of a real server
// and reads the match's topic: every subscriber ends with the newest
// state, and the staleness is measured.
func TestBurst(t *testing.T) {
	t.Parallel()
	db := hubtest.SQLite(t)
	apiKey := []byte("api key for the load test's tests, 32 bytes or more")
	h := hubtest.Start(t, hub.Config{History: db, AllowAnonymous: true, Logger: quiet},
		hubtest.Handler(func(h *hub.Hub) http.Handler {
			return web.NewHandler(web.Deps{Store: db, Hub: h, HubStats: h.Stats, APIKey: apiKey, PublicURL: "https://example.com", Logger: quiet})
		}))
	ctx := t.Context()
	u, err := db.CreateUser(ctx, match.UserInput{Email: "ada@example.org", Role: match.RoleAdmin, Password: "a long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := web.IssueAPIToken(ctx, db, apiKey, u, "load test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	id := createMatch(t, h.Server.URL, token)

	c := Config{Hub: h.URL, BurstMatch: id, APIToken: token, Subscribers: 60, Publish: 101, Rate: 200, Workers: 2, Duration: time.Minute}
	rep, err := Run(context.Background(), c, spawnGoroutine, nil)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !rep.OK {
		t.Fatalf("got errors %q, want none", rep.Errors)
	}
	b := rep.Burst
	if b == nil || b.LastSeq != b.FirstSeq+101 || b.Behind != 0 || b.Topic != hubtest.MatchTopic(id) {
		t.Fatalf("got burst report %+v, want seq %d+101 reached by every subscriber on %s", b, b.FirstSeq, hubtest.MatchTopic(id))
	}
	if rep.Deliveries.Published != 101 || rep.Deliveries.Received < 60 || rep.Deliveries.Received > 60*101 {
		t.Errorf("got %d events, %d updates received; want 101 and 60 to 6060", rep.Deliveries.Published, rep.Deliveries.Received)
	}
	if rep.Latency.MaxMS <= 0 || rep.Latency.P50MS > rep.Latency.MaxMS {
		t.Errorf("got staleness p50 %vms, max %vms; want 0 < p50 <= max", rep.Latency.P50MS, rep.Latency.MaxMS)
	}
	// Each sender voids its note with its next event: the timeline keeps
	// at most one note per sender, of 101 events.
	resp, err := http.Get(fmt.Sprintf("%s/api/v1/matches/%d", h.Server.URL, id))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		State struct {
			Timeline []json.RawMessage `json:"timeline"`
		} `json:"state"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || len(doc.State.Timeline) > burstSenders {
		t.Errorf("got a timeline of %d events (%v), want at most %d", len(doc.State.Timeline), err, burstSenders)
	}
}

// createMatch creates a match through the API and returns its id.
func createMatch(t *testing.T, base, token string) int64 {
	t.Helper()
	body := `{"competition": "Ligue 1", "sport": "football", "home": {"name": "Lille"}, "away": {"name": "Lens"},
		"kick_off": "2026-12-05T20:00:00Z", "time_zone": "Europe/Paris"}`
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/matches", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Match struct {
			ID int64 `json:"id"`
		} `json:"match"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != http.StatusCreated || doc.Match.ID == 0 {
		t.Fatalf("create a match: status %d, %v", resp.StatusCode, err)
	}
	return doc.Match.ID
}

// brokenMatchHub serves a match API and a hub that gets the match's
// updates wrong: it delivers only its first state, or every state twice.
type brokenMatchHub struct {
	twice bool
	seq   atomic.Int64
	mu    sync.Mutex
	subs  []chan string
}

func (b *brokenMatchHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/matches/7":
		fmt.Fprint(w, `{"match":{"id":7},"state":{"seq":0},"topic":"https://example.com/matches/7"}`)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/matches/7/events":
		var ev struct {
			Kind string `json:"kind"`
			Text string `json:"text"`
		}
		json.NewDecoder(r.Body).Decode(&ev)
		seq := b.seq.Add(1)
		update, _ := json.Marshal(map[string]any{"seq": seq, "events": []any{map[string]any{"seq": seq, "kind": ev.Kind, "text": ev.Text}}})
		event := "data: " + string(update) + "\n\n"
		if b.twice {
			event += event
		}
		b.mu.Lock()
		for _, c := range b.subs {
			if seq == 1 || b.twice {
				c <- event
			}
		}
		b.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"event":{"seq":%d},"state":{"seq":%d,"timeline":[]}}`, seq, seq)
	case r.URL.Path == "/.well-known/mercure":
		c := make(chan string, 100)
		b.mu.Lock()
		b.subs = append(b.subs, c)
		b.mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, ":\n\n")
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case e := <-c:
				io.WriteString(w, e)
				w.(http.Flusher).Flush()
			}
		}
	default:
		http.NotFound(w, r)
	}
}

// TestBrokenBurstFails runs bursts against a hub that leaves subscribers
// behind, or repeats states: the run fails saying so.
func TestBrokenBurstFails(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		twice bool
		want  string
	}{
		{false, "6 subscribers do not have the match's newest state (seq 5)"},
		{true, "30 match updates were repeats or older than one already received"},
	} {
		t.Run(strconv.FormatBool(tt.twice), func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(&brokenMatchHub{twice: tt.twice})
			t.Cleanup(srv.Close)
			var stdout, stderr bytes.Buffer
			args := []string{"-hub", srv.URL + "/.well-known/mercure", "-burst-match", "7", "-api-token", "t", "-subscribers", "6",
				"-publish", "5", "-rate", "100", "-workers", "1", "-drain", "300ms", "-duration", "30s"}
			if code := run(context.Background(), args, nil, &stdout, &stderr, spawnGoroutine); code != 1 {
				t.Fatalf("got exit status %d, want 1\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
			}
			if !strings.Contains(stdout.String(), tt.want) {
				t.Errorf("got report\n%s\nwant it to contain %q", &stdout, tt.want)
			}
		})
	}
}
