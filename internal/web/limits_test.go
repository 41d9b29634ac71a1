package web

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
)

// slowBody starts a POST whose body arrives only when the returned
// function is called, and returns its result on the channel.
func slowBody(t *testing.T, a *testAPI, path, token string) (finish func(), done <-chan int) {
	t.Helper()
	pr, pw := io.Pipe()
	r, err := http.NewRequestWithContext(t.Context(), "POST", a.URL+path, pr)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+token)
	r.Header.Set("Content-Type", "application/json")
	r.ContentLength = -1
	status := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			status <- 0
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	pw.Write([]byte(`{"kind":`)) // the request is in, its body unfinished
	return func() { pw.Write([]byte(`"note","text":"done"}`)); pw.Close() }, status
}

// waitInFlight waits until the limiter holds n requests.
func waitInFlight(t *testing.T, l *inFlightLimiter, n int) {
	t.Helper()
	for range 500 {
		if len(l.all) == n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the limiter holds %d requests, want %d", len(l.all), n)
}

func TestInFlightBounds(t *testing.T) {
	t.Parallel()
	t.Run("total", func(t *testing.T) {
		t.Parallel()
		a := newTestAPI(t, "sqlite", Deps{MaxAPIInFlight: 1})
		_, admin := a.user("admin@example.org", match.RoleAdmin)
		id := a.createMatch(admin, footballInput("Lille", "Lens")).Match.ID
		finish, done := slowBody(t, a, fmt.Sprintf("/api/v1/matches/%d/events", id), admin)
		waitInFlight(t, a.limiter(), 1)
		got := a.do(req{Method: "GET", Path: "/api/v1/matches"})
		wantError(t, "a read while the one slot is held", got, http.StatusServiceUnavailable, "unavailable", "1 requests at once")
		if got.Header.Get("Retry-After") != "1" {
			t.Errorf("Retry-After: got %q, want 1", got.Header.Get("Retry-After"))
		}
		finish()
		if s := <-done; s != http.StatusCreated {
			t.Errorf("the slow request: got %d, want 201", s)
		}
		wantStatus(t, "a read once the slot is free", a.do(req{Method: "GET", Path: "/api/v1/matches"}), http.StatusOK)
	})
	t.Run("per address", func(t *testing.T) {
		t.Parallel()
		a := newTestAPI(t, "sqlite", Deps{MaxAPIInFlightPerAddress: 1})
		_, admin := a.user("admin@example.org", match.RoleAdmin)
		id := a.createMatch(admin, footballInput("Lille", "Lens")).Match.ID
		finish, done := slowBody(t, a, fmt.Sprintf("/api/v1/matches/%d/events", id), admin)
		waitInFlight(t, a.limiter(), 1)
		got := a.do(req{Method: "GET", Path: "/api/v1/matches"})
		wantError(t, "a second request from the address", got, http.StatusTooManyRequests, "rate_limited", "in flight")
		finish()
		<-done
	})
	t.Run("slow body", func(t *testing.T) {
		t.Parallel()
		a := newTestAPI(t, "sqlite", Deps{BodyTimeout: 200 * time.Millisecond})
		_, admin := a.user("admin@example.org", match.RoleAdmin)
		id := a.createMatch(admin, footballInput("Lille", "Lens")).Match.ID
		finish, done := slowBody(t, a, fmt.Sprintf("/api/v1/matches/%d/events", id), admin)
		defer finish()
		// The server stops waiting for the body; the slot is free again.
		if s := <-done; s != http.StatusBadRequest && s != 0 {
			t.Errorf("a body that never ends: got %d, want 400 or a cut connection", s)
		}
		waitInFlight(t, a.limiter(), 0)
	})
}
