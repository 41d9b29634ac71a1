package web

import (
	"net/http"
	"strings"
	"testing"
)

func TestHome(t *testing.T) {
	t.Parallel()
	for _, demo := range []bool{false, true} {
		a := newTestAPI(t, "sqlite", Deps{Demo: demo})
		got := a.do(req{Method: "GET", Path: "/"})
		wantStatus(t, "GET /", got, http.StatusOK)
		if ct := got.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET / Content-Type: got %q, want text/html", ct)
		}
		body := string(got.Body)
		for _, want := range []string{`href="/api/v1/openapi.json"`, a.URL + "/matches/ID", "/.well-known/mercure"} {
			if !strings.Contains(body, want) {
				t.Errorf("GET / (demo %v) lacks %q", demo, want)
			}
		}
		if hasLink := strings.Contains(body, `href="/.well-known/mercure/ui/"`); hasLink != demo {
			t.Errorf("GET / with DEMO=%v: links the hub's debugging page: %v, want %v", demo, hasLink, demo)
		}
	}
}
