package hub_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/hub/hubtest"
)

// subscriptionsTemplate is the selector that grants (and selects) every
// subscription topic and the whole subscriptions API.
const subscriptionsTemplate = "/.well-known/mercure/subscriptions{/topic}{/subscriber}"

type subscriptionDoc struct {
	Context     string         `json:"@context"`
	ID          string         `json:"id"`
	Type        string         `json:"type"`
	Topic       string         `json:"topic"`
	Subscriber  string         `json:"subscriber"`
	Active      bool           `json:"active"`
	Payload     map[string]any `json:"payload"`
	LastEventID string         `json:"lastEventID"`
}

type subscriptionsDoc struct {
	Context       string            `json:"@context"`
	ID            string            `json:"id"`
	Type          string            `json:"type"`
	LastEventID   string            `json:"lastEventID"`
	Subscriptions []subscriptionDoc `json:"subscriptions"`
}

// tokenWithPayload signs a subscriber token with a mercure.payload claim.
func tokenWithPayload(t testing.TB, secret string, subscribe []string, payload map[string]any) string {
	t.Helper()
	// Key.Sign has no payload; build the same claims by hand.
	return signHS256(t, secret, map[string]any{"mercure": map[string]any{"subscribe": subscribe, "payload": payload}})
}

func TestHubMustPublishSubscriptionEvents(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, Subscriptions: true})
	watcher := subscribe(t, th.subURL([]string{subscriptionsTemplate}), "Authorization", "Bearer "+token(t, th.subKey, nil, []string{subscriptionsTemplate}, 0))
	anonymous := subscribe(t, th.subURL([]string{"*"}))
	// the watcher's and the anonymous one's own events come first
	watcher.next(t)
	watcher.next(t)

	topic := "https://example.com/{selector}"
	fan := subscribe(t, th.subURL([]string{topic}), "Authorization", "Bearer "+tokenWithPayload(t, subscriberSecret, []string{"urn:nothing"}, map[string]any{"foo": "bar"}))
	e := watcher.next(t)
	var got subscriptionDoc
	if err := json.Unmarshal([]byte(e.Data), &got); err != nil {
		t.Fatalf("subscription event data %q: %v", e.Data, err)
	}
	if !strings.HasPrefix(got.Subscriber, "urn:uuid:") {
		t.Errorf("subscriber: got %q, want a urn:uuid:", got.Subscriber)
	}
	wantID := "/.well-known/mercure/subscriptions/https%3A%2F%2Fexample.com%2F%7Bselector%7D/" + url.QueryEscape(got.Subscriber)
	want := subscriptionDoc{Context: "https://mercure.rocks/", ID: wantID, Type: "Subscription", Topic: topic, Subscriber: got.Subscriber, Active: true, Payload: map[string]any{"foo": "bar"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("active event (-want +got):\n%s", diff)
	}
	if e.ID == "" || e.ID == wantID {
		t.Errorf("event id: got %q, want an id of its own", e.ID)
	}

	fan.close()
	var gone subscriptionDoc
	if err := json.Unmarshal([]byte(watcher.next(t).Data), &gone); err != nil {
		t.Fatal(err)
	}
	want.Active = false
	if diff := cmp.Diff(want, gone); diff != "" {
		t.Errorf("terminated event (-want +got):\n%s", diff)
	}

	// Subscription events are private: the anonymous "*" subscriber got none.
	th.publish(t, form{"topic": {"urn:marker"}, "data": {"marker"}})
	if got := anonymous.nextData(t); got != "marker" {
		t.Errorf("anonymous subscriber: got %q, want no subscription event", got)
	}
}

func TestSubscriptionsAPI(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, Subscriptions: true})
	lastID := th.publish(t, form{"topic": {"a"}})
	subscribe(t, th.subURL([]string{"https://example.com/{selector}"}), "Authorization", "Bearer "+tokenWithPayload(t, subscriberSecret, []string{"urn:x"}, map[string]any{"foo": "bar"}))
	subscribe(t, th.subURL([]string{"https://example.com/a-topic", "https://example.com/{selector}"}))
	reader := token(t, th.subKey, nil, []string{subscriptionsTemplate}, 0)

	all := getJSON[subscriptionsDoc](t, th.url+"/subscriptions", reader, http.StatusOK)
	if all.Type != "Subscriptions" || all.ID != "/.well-known/mercure/subscriptions" || all.LastEventID != lastID || all.Context != "https://mercure.rocks/" {
		t.Errorf("collection: got %+v, want type Subscriptions, its own id, lastEventID %q", all, lastID)
	}
	if len(all.Subscriptions) != 3 {
		t.Fatalf("collection: got %d subscriptions, want 3: %+v", len(all.Subscriptions), all.Subscriptions)
	}

	byTopic := getJSON[subscriptionsDoc](t, th.url+"/subscriptions/"+url.PathEscape("https://example.com/{selector}"), reader, http.StatusOK)
	if len(byTopic.Subscriptions) != 2 || byTopic.ID != "/.well-known/mercure/subscriptions/https%3A%2F%2Fexample.com%2F%7Bselector%7D" {
		t.Errorf("by topic: got id %q and %d subscriptions, want 2", byTopic.ID, len(byTopic.Subscriptions))
	}
	byLiteral := getJSON[subscriptionsDoc](t, th.url+"/subscriptions/"+url.PathEscape("https://example.com/a-topic"), reader, http.StatusOK)
	if len(byLiteral.Subscriptions) != 1 || byLiteral.Subscriptions[0].Topic != "https://example.com/a-topic" {
		t.Errorf("by literal topic: got %+v, want the one subscription to https://example.com/a-topic", byLiteral.Subscriptions)
	}
	none := getJSON[subscriptionsDoc](t, th.url+"/subscriptions/"+url.PathEscape("https://example.com/other"), reader, http.StatusOK)
	if len(none.Subscriptions) != 0 {
		t.Errorf("unselected topic: got %d subscriptions, want 0", len(none.Subscriptions))
	}

	var one subscriptionDoc
	for _, s := range all.Subscriptions {
		if s.Payload != nil {
			one = s
		}
	}
	single := getJSON[subscriptionDoc](t, "http://"+th.srv.Listener.Addr().String()+one.ID, reader, http.StatusOK)
	one.Context, one.LastEventID = "https://mercure.rocks/", lastID
	if diff := cmp.Diff(one, single); diff != "" {
		t.Errorf("single subscription (-want +got):\n%s", diff)
	}

	getJSON[struct{}](t, th.url+"/subscriptions/a/urn%3Auuid%3Anobody", reader, http.StatusNotFound)
}

func TestSubscriptionsAPIAuthorizationAndCaching(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, Subscriptions: true})
	subscribe(t, th.subURL([]string{"a"}))
	tests := []struct {
		name   string
		tok    string
		status int
		want   string
	}{
		{"no token", "", 401, "needs a subscriber JWT"},
		{"token for other topics", token(t, th.subKey, nil, []string{"https://example.com/{x}"}, 0), 403, "does not match /.well-known/mercure/subscriptions"},
		{"bad token", token(t, th.pubKey, nil, []string{"*"}, 0), 401, "signature is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, th.url+"/subscriptions", nil)
			if tt.tok != "" {
				req.Header.Set("Authorization", "Bearer "+tt.tok)
			}
			status, body := do(t, req)
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("got %d %q, want %d containing %q", status, body, tt.status, tt.want)
			}
		})
	}

	reader := token(t, th.subKey, nil, []string{"*"}, 0)
	req, _ := http.NewRequest(http.MethodGet, th.url+"/subscriptions", nil)
	req.Header.Set("Authorization", "Bearer "+reader)
	resp, err := hubtest.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if ct := resp.Header.Get("Content-Type"); ct != "application/ld+json" || etag == "" {
		t.Fatalf("got Content-Type %q and ETag %q, want application/ld+json and an ETag", ct, etag)
	}
	req.Header.Set("If-None-Match", etag)
	if status, _ := do(t, req); status != http.StatusNotModified {
		t.Errorf("If-None-Match with the current ETag: got %d, want 304", status)
	}
	subscribe(t, th.subURL([]string{"b"}))
	if status, _ := do(t, req); status != http.StatusOK {
		t.Errorf("If-None-Match after a new subscription: got %d, want 200", status)
	}
}

func TestSubscriptionsAPIDisabled(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	req, _ := http.NewRequest(http.MethodGet, th.url+"/subscriptions", nil)
	if status, body := do(t, req); status != http.StatusNotFound || !strings.Contains(body, "disabled") {
		t.Errorf("got %d %q, want 404 saying the API is disabled", status, body)
	}
}

// getJSON GETs rawURL with a bearer token, checks the status and decodes
// a 200 body.
func getJSON[T any](t *testing.T, rawURL, tok string, wantStatus int) T {
	t.Helper()
	var v T
	req, _ := http.NewRequest(http.MethodGet, rawURL, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	status, body := do(t, req)
	if status != wantStatus {
		t.Fatalf("GET %s: got %d %q, want %d", rawURL, status, body, wantStatus)
	}
	if status == http.StatusOK {
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatalf("GET %s: %v in %q", rawURL, err, body)
		}
	}
	return v
}

// A client that resumes from the id of a subscription event (not stored
// in the history) gets the stored updates published after that event,
// not the whole history.
func TestResumeFromSubscriptionEventID(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, Subscriptions: true})
	tok := token(t, th.subKey, nil, []string{subscriptionsTemplate}, 0)
	topics := []string{subscriptionsTemplate, "https://example.com/a"}
	th.publish(t, form{"topic": {"https://example.com/a"}, "data": {"before"}})
	watcher := subscribe(t, th.subURL(topics), "Authorization", "Bearer "+tok)
	watcher.next(t) // its own two subscription events
	watcher.next(t)
	subscribe(t, th.subURL([]string{"https://example.com/b"}))
	e := watcher.next(t)
	if !strings.Contains(e.Data, `"type":"Subscription"`) {
		t.Fatalf("got %+v, want a subscription event", e)
	}
	watcher.close()
	missed := th.publishN(t, "https://example.com/a", "missed ", 2)

	s := subscribe(t, th.subURL(topics), "Authorization", "Bearer "+tok, "Last-Event-ID", e.ID)
	if got := s.resp.Header.Get("Last-Event-ID"); got != e.ID {
		t.Errorf("Last-Event-ID response header: got %q, want %q", got, e.ID)
	}
	var got []string
	for len(got) < 2 {
		if ev := s.next(t); !strings.Contains(ev.Data, `"Subscription"`) {
			got = append(got, ev.ID)
		}
	}
	if !cmp.Equal(got, missed) {
		t.Errorf("got %q, want exactly the updates after the event %q", got, missed)
	}
}

func TestSubscriptionsAPILastEventIDIsEarliestWithoutUpdates(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, Subscriptions: true})
	doc := getJSON[subscriptionsDoc](t, th.url+"/subscriptions", token(t, th.subKey, nil, []string{"*"}, 0), http.StatusOK)
	if doc.LastEventID != hub.EarliestID || doc.Subscriptions == nil {
		t.Errorf("got lastEventID %q and subscriptions %v, want %q and an empty list", doc.LastEventID, doc.Subscriptions, hub.EarliestID)
	}
}
