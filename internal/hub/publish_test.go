package hub_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
)

func TestPublishRefusalsSayWhy(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, PublishOrigins: []string{"https://admin.example.com"}})
	good := token(t, th.pubKey, []string{"*"}, nil, 0)
	topic := form{"topic": {"https://example.com/a"}}
	otherKey := mustKey(t, "another-secret-that-the-hub-does-not-know-0123")
	tests := []struct {
		name    string
		tok     string
		body    string
		ctype   string
		headers []string
		status  int
		want    string
	}{
		{name: "no token", body: topic.Encode(), status: 401, want: "publishing needs a JWT"},
		{name: "bad signature", tok: token(t, otherKey, []string{"*"}, nil, 0), body: topic.Encode(), status: 401, want: "signature is invalid"},
		{name: "expired", tok: token(t, th.pubKey, []string{"*"}, nil, time.Second), body: topic.Encode(), status: 401, want: "expired at"},
		{name: "malformed header", headers: []string{"Authorization", "Basic abc"}, body: topic.Encode(), status: 401, want: "Bearer"},
		{name: "no topic", tok: good, body: form{"data": {"x"}}.Encode(), status: 400, want: "missing topic"},
		{name: "empty topic", tok: good, body: form{"topic": {""}}.Encode(), status: 400, want: "topic #1 is empty"},
		{name: "topic too long", tok: good, body: form{"topic": {strings.Repeat("t", hub.MaxTopicLength+1)}}.Encode(), status: 400, want: "limit is 2048"},
		{name: "id starts with #", tok: good, body: form{"topic": {"a"}, "id": {"#1"}}.Encode(), status: 400, want: `must not start with "#"`},
		{name: "id earliest", tok: good, body: form{"topic": {"a"}, "id": {"earliest"}}.Encode(), status: 400, want: "reserved"},
		{name: "id too long", tok: good, body: form{"topic": {"a"}, "id": {strings.Repeat("i", hub.MaxIDLength+1)}}.Encode(), status: 400, want: "limit is 512"},
		{name: "id with newline", tok: good, body: form{"topic": {"a"}, "id": {"a\nb"}}.Encode(), status: 400, want: "line break"},
		{name: "type with newline", tok: good, body: form{"topic": {"a"}, "type": {"a\nb"}}.Encode(), status: 400, want: "type must be one line"},
		{name: "retry not integer", tok: good, body: form{"topic": {"a"}, "retry": {"soon"}}.Encode(), status: 400, want: `retry must be a non-negative integer`},
		{name: "retry negative", tok: good, body: form{"topic": {"a"}, "retry": {"-1"}}.Encode(), status: 400, want: `got "-1"`},
		{name: "body too large", tok: good, body: form{"topic": {"a"}, "data": {strings.Repeat("d", hub.MaxPublishBody)}}.Encode(), status: 413, want: "larger than 1048576 bytes"},
		{name: "not a form", tok: good, ctype: "application/json", body: `{"topic":"a"}`, status: 415, want: "application/x-www-form-urlencoded"},
		{name: "cookie without origin", headers: []string{"Cookie", hub.CookieName + "=" + good}, body: topic.Encode(), status: 403, want: "must carry an Origin or Referer"},
		{name: "cookie from another origin", headers: []string{"Cookie", hub.CookieName + "=" + good, "Origin", "https://evil.example.net"}, body: topic.Encode(), status: 403, want: "origin https://evil.example.net is not allowed"},
		{name: "cookie with foreign referer", headers: []string{"Cookie", hub.CookieName + "=" + good, "Referer", "https://evil.example.net/page"}, body: topic.Encode(), status: 403, want: "origin https://evil.example.net is not allowed"},
		{name: "cookie from allowed origin", headers: []string{"Cookie", hub.CookieName + "=" + good, "Origin", "https://admin.example.com"}, body: topic.Encode(), status: 200},
		{name: "cookie from allowed origin in another case", headers: []string{"Cookie", hub.CookieName + "=" + good, "Origin", "HTTPS://Admin.Example.COM"}, body: topic.Encode(), status: 200},
		{name: "cookie with allowed referer", headers: []string{"Cookie", hub.CookieName + "=" + good, "Referer", "https://admin.example.com/admin/hub"}, body: topic.Encode(), status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "expired" {
				waitPast(t, time.Now().Add(time.Second))
			}
			req, _ := http.NewRequest(http.MethodPost, th.url, strings.NewReader(tt.body))
			ctype := tt.ctype
			if ctype == "" {
				ctype = "application/x-www-form-urlencoded"
			}
			req.Header.Set("Content-Type", ctype)
			if tt.tok != "" {
				req.Header.Set("Authorization", "Bearer "+tt.tok)
			}
			for i := 0; i+1 < len(tt.headers); i += 2 {
				req.Header.Set(tt.headers[i], tt.headers[i+1])
			}
			status, body := do(t, req)
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("got %d %q, want %d containing %q", status, body, tt.status, tt.want)
			}
		})
	}
}

// waitPast sleeps until the wall clock is past at (JWT exp has a
// resolution of one second).
func waitPast(t testing.TB, at time.Time) {
	t.Helper()
	time.Sleep(time.Until(at.Truncate(time.Second).Add(time.Second + 10*time.Millisecond)))
}

func TestPublishWithoutPublisherKeyIsRefused(t *testing.T) {
	t.Parallel()
	db := newSQLite(t)
	h, err := hub.New(hub.Config{History: db, Transport: db, AllowAnonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Shutdown)
	th := &testHub{Hub: h}
	srv := newServer(t, h)
	th.url = srv + "/.well-known/mercure"
	status, body := th.post(t, token(t, mustKey(t, publisherSecret), []string{"*"}, nil, 0), form{"topic": {"a"}})
	if status != http.StatusForbidden || !strings.Contains(body, "no publisher key") {
		t.Errorf("got %d %q, want 403 saying there is no publisher key", status, body)
	}
}

func TestPublishDuplicateIDIsAConflict(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			th := newHub(t, hub.Config{AllowAnonymous: true, History: open(t)})
			th.publish(t, form{"topic": {"a"}, "id": {"urn:example:1"}})
			status, body := th.post(t, token(t, th.pubKey, []string{"*"}, nil, 0), form{"topic": {"a"}, "id": {"urn:example:1"}})
			if status != http.StatusConflict || !strings.Contains(body, "already in the history") {
				t.Errorf("got %d %q, want 409 saying the id is already in the history", status, body)
			}
		})
	}
}

func TestHubMustSupportEverySSEProperty(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	s := subscribe(t, th.subURL([]string{"a"}))
	id := th.publish(t, form{"topic": {"a"}, "data": {"line 1\nline 2\r\nline 3\rline 4"}, "type": {"score"}, "retry": {"2500"}, "id": {"urn:example:full"}})
	got := s.next(t)
	want := event{ID: "urn:example:full", Type: "score", Retry: "2500", Data: "line 1\nline 2\nline 3\nline 4"}
	if got != want || id != want.ID {
		t.Errorf("got %+v (id %q), want %+v", got, id, want)
	}
	th.publish(t, form{"topic": {"a"}})
	if got := s.next(t); got.Data != "" || got.ID == "" {
		t.Errorf("update without data: got %+v, want an event with an id and empty data", got)
	}
}

func TestPublishMethodNotAllowed(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	req, _ := http.NewRequest(http.MethodPut, th.url, nil)
	status, body := do(t, req)
	if status != http.StatusMethodNotAllowed || !strings.Contains(body, "subscribe with GET, publish with POST") {
		t.Errorf("got %d %q, want 405 saying which methods", status, body)
	}
}

// Publish leaves the ID and the topic check to the history, whose contract
// they are (both stores implement it).
func TestHubPublishStoresThroughTheHistory(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	ctx := context.Background()
	if _, err := th.Publish(ctx, hub.Update{Data: "no topic"}); err == nil {
		t.Errorf("Publish without a topic: got no error, want one")
	}
	u, err := th.Publish(ctx, hub.Update{Topics: []string{"https://example.com/a"}})
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if !strings.HasPrefix(u.ID, "urn:uuid:") || u.Seq == 0 {
		t.Errorf("Publish: got ID %q and Seq %d, want a generated urn:uuid: and a Seq", u.ID, u.Seq)
	}
	if _, err := th.Publish(ctx, hub.Update{ID: u.ID, Topics: []string{"https://example.com/a"}}); !errors.Is(err, hub.ErrDuplicateID) {
		t.Errorf("Publish with a stored ID: got %v, want ErrDuplicateID", err)
	}
}
