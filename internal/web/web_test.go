package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scoreboard/scoreboard/internal/match"
)

// pingFunc is a Pinger whose answer the test chooses: readiness is about
// what the handler does with the answer, not about a database.
type pingFunc func(ctx context.Context) error

func (f pingFunc) Ping(ctx context.Context) error { return f(ctx) }

func ok(context.Context) error { return nil }

// syncBuffer is a log destination that handlers may write concurrently.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newTestServer(t *testing.T, d Deps) (*httptest.Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	if d.Logger == nil {
		d.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	if d.Ready == nil && d.Store == nil {
		d.Ready = pingFunc(ok)
	}
	srv := httptest.NewServer(NewHandler(d))
	t.Cleanup(srv.Close)
	return srv, logs
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read GET %s: %v", url, err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	// Liveness does not depend on the database.
	srv, _ := newTestServer(t, Deps{Ready: pingFunc(func(context.Context) error { return errors.New("down") })})
	status, h, body := get(t, srv.URL+"/healthz")
	if status != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /healthz: got %d %q, want 200 %q", status, body, "ok\n")
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("GET /healthz Content-Type: got %q, want text/plain", ct)
	}
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		ping       pingFunc
		wantStatus int
		wantBody   string
	}{
		{"database answers", ok, http.StatusOK, "ok\n"},
		{"database fails", func(context.Context) error { return errors.New("connection refused") },
			http.StatusServiceUnavailable, "not ready: database: connection refused\n"},
		{"database hangs", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() },
			http.StatusServiceUnavailable, "not ready: database: no answer within 50ms\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newTestServer(t, Deps{Ready: tt.ping, ReadyTimeout: 50 * time.Millisecond})
			status, _, body := get(t, srv.URL+"/readyz")
			if status != tt.wantStatus || body != tt.wantBody {
				t.Errorf("GET /readyz: got %d %q, want %d %q", status, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, Deps{})
	for _, path := range []string{"/healthz", "/healthz", "/no/such/page"} {
		get(t, srv.URL+path)
	}
	status, h, body := get(t, srv.URL+"/metrics")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics: got status %d, want 200", status)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") && !strings.HasPrefix(ct, "text/plain; version=1.0.0") {
		t.Errorf("GET /metrics Content-Type: got %q, want the Prometheus text format", ct)
	}
	for _, want := range []string{
		"# TYPE http_requests_total counter",
		`http_requests_total{code="200",method="GET",route="/healthz"} 2`,
		`http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`http_request_duration_seconds_count{method="GET",route="/healthz"} 2`,
		`http_request_duration_seconds_bucket{method="GET",route="/healthz",le="+Inf"} 2`,
		"http_requests_in_flight 1", // this very request
		"# TYPE go_goroutines gauge",
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("GET /metrics: missing line %q in:\n%s", want, body)
		}
	}
}

func TestErrorRenderer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err        error
		wantStatus int
		wantCode   string
		wantMsg    string
		wantLogged bool
	}{
		{match.Errorf(match.EINVALID, "home team is missing"), 400, "invalid", "home team is missing", false},
		{fmt.Errorf("get match 7: %w", match.Errorf(match.ENOTFOUND, "match 7 does not exist")), 404, "not_found", "match 7 does not exist", false},
		{match.Errorf(match.ECONFLICT, "stale sequence"), 409, "conflict", "stale sequence", false},
		{match.Errorf(match.EUNAUTHORIZED, "log in first"), 401, "unauthorized", "log in first", false},
		{match.Errorf(match.EFORBIDDEN, "admins only"), 403, "forbidden", "admins only", false},
		{fmt.Errorf("query matches: %w", errors.New("secret detail")), 500, "internal", "internal error", true},
	}
	for _, tt := range tests {
		t.Run(tt.wantCode, func(t *testing.T) {
			t.Parallel()
			logs := &syncBuffer{}
			s := &server{log: slog.New(slog.NewTextHandler(logs, nil))}
			srv := httptest.NewServer(s.handle(func(w http.ResponseWriter, r *http.Request) error { return tt.err }))
			defer srv.Close()
			status, h, body := get(t, srv.URL)
			if status != tt.wantStatus {
				t.Errorf("status: got %d, want %d", status, tt.wantStatus)
			}
			if ct := h.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type: got %q, want application/json; charset=utf-8", ct)
			}
			var got errorBody
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if diff := cmp.Diff(errorBody{errorDetail{Code: tt.wantCode, Message: tt.wantMsg}}, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			n := strings.Count(logs.String(), "secret detail")
			if tt.wantLogged && n != 1 {
				t.Errorf("internal error logged %d times, want once; logs:\n%s", n, logs)
			}
			if !tt.wantLogged && logs.String() != "" {
				t.Errorf("a %s error was logged, want no log; logs:\n%s", tt.wantCode, logs)
			}
		})
	}
}

func TestNotFoundIsJSON(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, Deps{})
	status, _, body := get(t, srv.URL+"/nope")
	want := `{"error":{"code":"not_found","message":"no such page: /nope"}}` + "\n"
	if status != http.StatusNotFound || body != want {
		t.Errorf("GET /nope: got %d %q, want 404 %q", status, body, want)
	}
}

func TestRecoverPanics(t *testing.T) {
	t.Parallel()
	hub := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	srv, logs := newTestServer(t, Deps{Hub: hub})
	status, _, body := get(t, srv.URL+"/.well-known/mercure")
	want := `{"error":{"code":"internal","message":"internal error"}}` + "\n"
	if status != http.StatusInternalServerError || body != want {
		t.Errorf("panicking handler: got %d %q, want 500 %q", status, body, want)
	}
	if !strings.Contains(logs.String(), "boom") {
		t.Errorf("panic not logged; logs:\n%s", logs)
	}
	// The server survived it.
	if status, _, _ := get(t, srv.URL+"/healthz"); status != http.StatusOK {
		t.Errorf("GET /healthz after a panic: got %d, want 200", status)
	}
}

// TestStreamsFlushThroughMiddleware plays the hub: an event stream whose
// first event must reach the client while the handler is still running, and
// which sets write deadlines through http.ResponseController.
func TestStreamsFlushThroughMiddleware(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	hub := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			http.Error(w, "SetWriteDeadline: "+err.Error(), http.StatusInternalServerError)
			return
		}
		if _, ok := w.(http.Flusher); !ok {
			http.Error(w, "no http.Flusher", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, ":\n\n")
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	srv, _ := newTestServer(t, Deps{Hub: hub})
	defer close(release)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/.well-known/mercure?topic=x", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("subscribe: got %d %q, want 200", resp.StatusCode, b)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != ":\n" {
		t.Errorf("first line of the stream: got %q (%v), want %q before the handler returns", line, err, ":\n")
	}
}

func TestDemoPage(t *testing.T) {
	t.Parallel()
	on, _ := newTestServer(t, Deps{Demo: true, PublicURL: "https://scores.example.org"})
	status, h, body := get(t, on.URL+"/.well-known/mercure/ui/")
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Errorf("DEMO on: got %d %s, want 200 text/html", status, h.Get("Content-Type"))
	}
	for _, want := range []string{`data-hub="/.well-known/mercure"`, "https://scores.example.org/matches/{id}"} {
		if !strings.Contains(body, want) {
			t.Errorf("DEMO page does not contain %q", want)
		}
	}
	off, _ := newTestServer(t, Deps{})
	if status, _, _ := get(t, off.URL+"/.well-known/mercure/ui/"); status != http.StatusNotFound {
		t.Errorf("DEMO off: got %d, want 404", status)
	}
}

func TestRequestLogs(t *testing.T) {
	t.Parallel()
	srv, logs := newTestServer(t, Deps{})
	get(t, srv.URL+"/healthz")
	get(t, srv.URL+"/nope")
	got := logs.String()
	if strings.Contains(got, "path=/healthz") {
		t.Errorf("a probe was logged at info level, want debug; logs:\n%s", got)
	}
	if want := `msg=request method=GET path=/nope route=unmatched status=404`; !strings.Contains(got, want) {
		t.Errorf("logs: got\n%s\nwant a line with %q", got, want)
	}
}
