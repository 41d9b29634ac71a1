package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/hub/hubtest"
	"github.com/scoreboard/scoreboard/internal/web"
)

// testSecret is the publisher key's secret of the test servers.
const testSecret = hubtest.PublisherSecret

// newTestServer serves a real hub on a real SQLite store, behind the
// binary's web handler (so /metrics answers), on a loopback listener, and
// returns the hub's URL.
func newTestServer(t *testing.T) string {
	t.Helper()
	db := hubtest.SQLite(t)
	h := hubtest.Start(t, hub.Config{History: db, AllowAnonymous: true, Subscriptions: true},
		hubtest.Handler(func(h *hub.Hub) http.Handler {
			return web.NewHandler(web.Deps{Store: db, Hub: h, HubStats: h.Stats})
		}))
	return h.URL
}

// TestRunDeliversEverything runs the load test small, its workers as
// goroutines, against a real hub: every subscriber gets every update of
// its topic, and the server's figures are read. The publisher's token is
// signed by the tool, or given.
func TestRunDeliversEverything(t *testing.T) {
	t.Parallel()
	key, err := hub.NewKey("HS256", testSecret)
	if err != nil {
		t.Fatal(err)
	}
	token, err := key.Sign([]string{"*"}, nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []Config{{JWTKey: testSecret}, {Token: token}, {JWTKey: testSecret, Size: 8 << 10}, {JWTKey: testSecret, Readers: 3}} {
		t.Run(fmt.Sprintf("jwt-key %v size %d readers %d", c.JWTKey != "", c.Size, c.Readers), func(t *testing.T) {
			t.Parallel()
			testRunDeliversEverything(t, c)
		})
	}
}

func testRunDeliversEverything(t *testing.T, c Config) {
	c.Hub = newTestServer(t)
	c.Subscribers, c.Topics, c.Publish, c.Workers, c.Duration = 200, 5, 20, 2, time.Minute
	rep, err := Run(context.Background(), c, spawnGoroutine, nil)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !rep.OK {
		t.Fatalf("got errors %q, want none", rep.Errors)
	}
	got := [...]int64{int64(rep.Connect.Connected), int64(rep.Deliveries.Published), rep.Deliveries.Expected, rep.Deliveries.Received, rep.Deliveries.Missing}
	want := [...]int64{200, 20, 200 * 20 / 5, 200 * 20 / 5, 0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("connected, published, expected, received, missing: (-want +got)\n%s", diff)
	}
	b, a := rep.Server.Before, rep.Server.Connected
	if b == nil || a == nil || b.Subscribers == nil || a.Subscribers == nil || b.RSSBytes == nil || a.RSSBytes == nil {
		t.Errorf("got server stats %+v, %+v; want RSS and the hub's subscribers read from /metrics before and after connecting", b, a)
	} else if *b.Subscribers != 0 || *a.Subscribers != 200 {
		t.Errorf("got the hub's subscribers %v before and %v once connected, want 0 and 200", *b.Subscribers, *a.Subscribers)
	}
	if rep.Latency.MaxMS <= 0 || rep.Latency.P50MS > rep.Latency.MaxMS {
		t.Errorf("got latency p50 %vms, max %vms; want 0 < p50 <= max", rep.Latency.P50MS, rep.Latency.MaxMS)
	}
}

// TestProcessWorkers builds the binary and runs it with two worker
// processes, as a user does.
func TestProcessWorkers(t *testing.T) {
	t.Parallel()
	hubURL := newTestServer(t)
	bin := filepath.Join(t.TempDir(), "loadtest")
	if out, err := exec.Command(goTool(t), "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-hub", hubURL, "-jwt-key", testSecret, "-subscribers", "200",
		"-topics", "4", "-publish", "20", "-workers", "2", "-duration", "1m", "-json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("loadtest: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, &stdout)
	}
	got := [...]int64{int64(rep.Workers), int64(rep.Connect.Connected), rep.Deliveries.Expected, rep.Deliveries.Received}
	want := [...]int64{2, 200, 200 * 20 / 4, 200 * 20 / 4}
	if diff := cmp.Diff(want, got); diff != "" || !rep.OK {
		t.Errorf("workers, connected, expected, received: (-want +got)\n%s\nerrors: %q", diff, rep.Errors)
	}
}

// goTool is the go command that runs this test.
func goTool(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath(filepath.Join(runtime.GOROOT(), "bin", "go")); err == nil {
		return p
	}
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("find the go command: %v", err)
	}
	return p
}

// brokenHub is a hub that gets deliveries wrong: it sends each update
// times times to each subscriber of its topic, or cuts every stream after
// its opening comment.
type brokenHub struct {
	times int
	cut   bool
	mu    sync.Mutex
	subs  map[chan string]string // stream -> its topic
}

func (b *brokenHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/.well-known/mercure" {
		http.NotFound(w, r)
		return
	}
	if r.Method == http.MethodPost {
		b.mu.Lock()
		// The copies go in one write, so that none is still on its way
		// when the subscriber has its first and the run ends.
		event := strings.Repeat("data: "+r.FormValue("data")+"\n\n", b.times)
		for c, topic := range b.subs {
			if topic == r.FormValue("topic") && event != "" {
				c <- event
			}
		}
		b.mu.Unlock()
		fmt.Fprint(w, "urn:uuid:x")
		return
	}
	c := make(chan string, 100)
	b.mu.Lock()
	b.subs[c] = r.URL.Query().Get("topic")
	b.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	fmt.Fprint(w, ":\n\n")
	w.(http.Flusher).Flush()
	for !b.cut {
		select {
		case <-r.Context().Done():
			return
		case event := <-c:
			io.WriteString(w, event)
			w.(http.Flusher).Flush()
		}
	}
}

// TestBrokenHubFails runs against hubs that lose, repeat or cut off
// deliveries: the run must fail, saying what went wrong, with exit
// status 1.
func TestBrokenHubFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		hub  *brokenHub
		want []string
	}{
		{"delivers nothing", &brokenHub{times: 0}, []string{
			"20 deliveries missing: 0 of 20 expected received; 10 subscribers lack updates of their topic",
		}},
		{"delivers twice", &brokenHub{times: 2}, []string{
			"20 received of 20 expected", "20 deliveries were duplicates",
		}},
		{"cuts streams", &brokenHub{times: 1, cut: true}, []string{
			"20 deliveries missing", "the hub ended 10 streams during the run (stream of subscriber",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.hub.subs = map[chan string]string{}
			srv := httptest.NewServer(tt.hub)
			t.Cleanup(srv.Close)
			var stdout, stderr bytes.Buffer
			args := []string{"-hub", srv.URL + "/.well-known/mercure", "-jwt-key", "k", "-subscribers", "10", "-topics", "2",
				"-publish", "4", "-workers", "1", "-drain", "100ms", "-duration", "30s"}
			code := run(context.Background(), args, nil, &stdout, &stderr, spawnGoroutine)
			if code != 1 {
				t.Fatalf("got exit status %d, want 1\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
			}
			for _, want := range tt.want {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("got report\n%s\nwant it to contain %q", &stdout, want)
				}
			}
		})
	}
}

// TestWrongKeyFails publishes with a key the hub does not know: the hub
// refuses every update, and the run fails saying so.
func TestWrongKeyFails(t *testing.T) {
	t.Parallel()
	hubURL := newTestServer(t)
	var stdout, stderr bytes.Buffer
	args := []string{"-hub", hubURL, "-jwt-key", "not-the-hub-key", "-subscribers", "10", "-topics", "2", "-publish", "2", "-duration", "30s"}
	if code := run(context.Background(), args, nil, &stdout, &stderr, spawnGoroutine); code != 1 {
		t.Fatalf("got exit status %d, want 1\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
	}
	if want := "2 of 2 updates were not published (first error: publish update 0: status 401"; !strings.Contains(stdout.String(), want) {
		t.Errorf("got report\n%s\nwant it to contain %q", &stdout, want)
	}
}

// TestRefusesNonLoopback checks that load only goes to this machine.
func TestRefusesNonLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		hub     string
		refused bool
	}{
		{"http://127.0.0.1:8080/.well-known/mercure", false},
		{"http://127.9.8.7/.well-known/mercure", false},
		{"http://[::1]:8080/.well-known/mercure", false},
		{"http://localhost:8080/.well-known/mercure", false},
		{"https://LOCALHOST/.well-known/mercure", false},
		{"http://example.com/.well-known/mercure", true},
		{"http://10.0.0.1:8080/.well-known/mercure", true},
		{"http://0.0.0.0:8080/.well-known/mercure", true},
		{"http://[2001:db8::1]/.well-known/mercure", true},
		{"http://127.0.0.1.example.com/.well-known/mercure", true},
		{"ftp://127.0.0.1/.well-known/mercure", true},
		{"127.0.0.1:8080", true},
	}
	for _, tt := range tests {
		t.Run(tt.hub, func(t *testing.T) {
			err := checkLoopback(tt.hub)
			if got := err != nil; got != tt.refused {
				t.Errorf("checkLoopback(%q): got %v, want refused %v", tt.hub, err, tt.refused)
			}
		})
	}
	t.Run("command line", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"-hub", "http://192.0.2.1/.well-known/mercure", "-publish", "0"}, nil, &stdout, &stderr, spawnGoroutine)
		if want := "not a loopback address"; code != 2 || !strings.Contains(stderr.String(), want) {
			t.Errorf("got exit status %d, stderr %q; want 2 and %q", code, &stderr, want)
		}
	})
	t.Run("dial", func(t *testing.T) {
		if err := loopbackOnly("tcp4", "192.0.2.1:80", nil); err == nil {
			t.Errorf("got nil, want the dial to 192.0.2.1 refused")
		}
		if err := loopbackOnly("tcp4", "127.0.0.1:80", nil); err != nil {
			t.Errorf("got %v, want the dial to 127.0.0.1 allowed", err)
		}
	})
}

func TestHelp(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, nil, &stdout, &stderr, spawnGoroutine); code != 0 {
		t.Fatalf("got exit status %d, want 0", code)
	}
	for _, want := range []string{"-subscribers", "-connect-rate", "-jwt-key", "-duration", "-freeze", "-hold", "-heartbeat", "-burst-match", "-api-token", "Exit status"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("got usage without %q", want)
		}
	}
	if strings.Contains(stdout.String(), "-"+workerFlag+"\n") {
		t.Errorf("got usage listing the hidden -%s flag", workerFlag)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    Config
		err  string
	}{
		{"fine", Config{Hub: defaultHub, Subscribers: 15000, Topics: 10, Publish: 100, JWTKey: "k", Duration: time.Minute}, ""},
		{"no token", Config{Hub: defaultHub, Subscribers: 1, Topics: 1, Publish: 1, Duration: time.Minute}, "give -jwt-key"},
		{"no subscribers", Config{Hub: defaultHub, Topics: 1, Duration: time.Minute}, "-subscribers: 0"},
		{"no topics", Config{Hub: defaultHub, Subscribers: 1, Duration: time.Minute}, "-topics: 0"},
		{"no duration", Config{Hub: defaultHub, Subscribers: 1, Topics: 1}, "-duration: 0s"},
		{"negative readers", Config{Hub: defaultHub, Subscribers: 1, Topics: 1, JWTKey: "k", Duration: time.Minute, Readers: -1}, "-readers: -1 is not between 1 and 64"},
		{"too many readers", Config{Hub: defaultHub, Subscribers: 1, Topics: 1, JWTKey: "k", Duration: time.Minute, Readers: 65}, "-readers: 65"},
		{"remote metrics", Config{Hub: defaultHub, Metrics: "http://192.0.2.1/metrics", Subscribers: 1, Topics: 1, Duration: time.Minute}, "-metrics"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.validate()
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("got error %v, want %q", err, tt.err)
			}
		})
	}
}

func TestCheckWorkers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                      string
		subscribers, workers, fds int
		wantWorkers               int
		wantErr                   string
	}{
		{"picked", 15000, 0, 20000, 1, ""},
		{"picked for more than a process holds", 50000, 0, 20000, 3, ""},
		{"picked for a small ulimit", 15000, 0, 1024, 17, ""},
		{"unknown limit", 19901, 0, 0, 2, ""},
		{"one", 5000, 0, 20000, 1, ""},
		{"given", 15000, 1, 20000, 1, ""},
		{"no more than subscribers", 3, 8, 20000, 3, ""},
		{"too many per worker", 40000, 2, 20000, 2, "give at least 3 workers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Config{Subscribers: tt.subscribers, Workers: tt.workers}
			var errs []string
			c.checkWorkers(tt.fds, func(f string, args ...any) { errs = append(errs, fmt.Sprintf(f, args...)) })
			if got := strings.Join(errs, "; "); tt.wantErr == "" && got != "" || !strings.Contains(got, tt.wantErr) {
				t.Errorf("got errors %q, want %q", got, tt.wantErr)
			}
			if c.Workers != tt.wantWorkers {
				t.Errorf("got %d workers, want %d", c.Workers, tt.wantWorkers)
			}
		})
	}
}

func TestPerTopic(t *testing.T) {
	t.Parallel()
	if diff := cmp.Diff([]int{4, 3, 3}, perTopic(10, 3)); diff != "" {
		t.Errorf("perTopic(10, 3): (-want +got)\n%s", diff)
	}
}

func TestQuantile(t *testing.T) {
	t.Parallel()
	var h liveHist
	for i := 1; i <= 100; i++ {
		h.add(time.Duration(i) * time.Millisecond)
	}
	s := h.snapshot()
	for _, tt := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}} {
		got := s.quantile(tt.q)
		if got < tt.want || float64(got) > float64(tt.want)*histGrowth {
			t.Errorf("quantile(%v): got %v, want %v to %v", tt.q, got, tt.want, time.Duration(float64(tt.want)*histGrowth))
		}
	}
}

// -size pads the updates to about that many bytes.
func TestPadding(t *testing.T) {
	for _, size := range []int{0, 50, 200, 8 << 10} {
		data, _ := json.Marshal(payload{Run: "run-1", Seq: 42, Sent: time.Now().UnixNano()})
		if pad := padding(size, "run-1"); pad != "" {
			data = append(append(data, '\n'), pad...)
		}
		if size > 100 && (len(data) < size-4 || len(data) > size+4) || size <= 100 && len(data) > 100 {
			t.Errorf("-size %d: got %d bytes of data, want about %d", size, len(data), max(size, 70))
		}
	}
}
