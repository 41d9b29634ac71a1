package hub_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/hub/hubtest"
)

func TestCORS(t *testing.T) {
	t.Parallel()
	anyOrigin := newHub(t, hub.Config{AllowAnonymous: true})
	listed := newHub(t, hub.Config{AllowAnonymous: true, CORSOrigins: []string{"https://fans.example.org", "null"}})
	tests := []struct {
		name            string
		th              *testHub
		origin          string
		wantOrigin      string
		wantCredentials string
	}{
		{"default, any origin", anyOrigin, "https://site.example.com", "*", ""},
		{"default, page opened from a file", anyOrigin, "null", "*", ""},
		{"list, listed origin", listed, "https://fans.example.org", "https://fans.example.org", "true"},
		{"list, null listed", listed, "null", "null", "true"},
		{"list, other origin", listed, "https://evil.example.net", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStream(t, tt.th.subURL([]string{"a"}), "Origin", tt.origin)
			defer s.close()
			if got := s.resp.Header.Get("Access-Control-Allow-Origin"); got != tt.wantOrigin {
				t.Errorf("subscribe: Access-Control-Allow-Origin: got %q, want %q", got, tt.wantOrigin)
			}
			if got := s.resp.Header.Get("Access-Control-Allow-Credentials"); got != tt.wantCredentials {
				t.Errorf("subscribe: Access-Control-Allow-Credentials: got %q, want %q", got, tt.wantCredentials)
			}
			req, _ := http.NewRequest(http.MethodPost, tt.th.url, strings.NewReader("topic=a"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+token(t, tt.th.pubKey, []string{"*"}, nil, 0))
			req.Header.Set("Origin", tt.origin)
			resp, err := hubtest.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tt.wantOrigin {
				t.Errorf("publish: Access-Control-Allow-Origin: got %q, want %q", got, tt.wantOrigin)
			}
		})
	}
}

func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	req, _ := http.NewRequest(http.MethodOptions, th.url, nil)
	req.Header.Set("Origin", "null")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "authorization, last-event-id")
	resp, err := hubtest.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("status: got %d, want 204", resp.StatusCode)
	}
	for header, want := range map[string][]string{
		"Access-Control-Allow-Origin":  {"*"},
		"Access-Control-Allow-Methods": {"GET", "POST"},
		"Access-Control-Allow-Headers": {"Authorization", "Last-Event-ID", "Cache-Control"},
	} {
		got := resp.Header.Get(header)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: got %q, want it to contain %q", header, got, w)
			}
		}
	}
}
