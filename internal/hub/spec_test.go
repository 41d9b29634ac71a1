package hub_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/hub/hubtest"
)

// Tests are named after the MUSTs and SHOULDs of the Mercure draft
// (docs/spec/mercure-draft-07.md) they check:
//
// Discovery: the hub is /.well-known/mercure — TestHubURLMustBeWellKnownMercure.
// Subscription: topic parameters are selectors —
// TestSubscribeTopicMustContainTopicSelectors, TestTopicSelectorMatching;
// private updates only to authorized subscribers —
// TestPrivateUpdateMustNotBeDispatchedToUnauthorizedSubscribers,
// TestReplayMustNotSendPrivateUpdatesToUnauthorizedSubscribers;
// text/event-stream — TestSubscribeMustSendUpdatesAsTextEventStream; every
// SSE property — TestHubMustSupportEverySSEProperty.
// Publication: form-encoded (TestPublishRefusalsSayWhy/not_a_form);
// canonical and alternate topics —
// TestHubMustDispatchToSubscribersOfCanonicalOrAlternateTopics; private
// with any value — TestPrivateUpdateMustNotBeDispatchedToUnauthorizedSubscribers;
// id not starting with "#", a generated IRI, the id as the body —
// TestPublishRefusalsSayWhy, TestPublishSuccessMustReturnTheIDAsBody.
// Authorization: header over query over cookie —
// TestAuthorizationHeaderMustTakePrecedence; publishers —
// TestPublisherMustBeAuthorizedForEveryTopic,
// TestPublisherWithoutPublishClaimMustNotPublish; 403 —
// TestPublishRefusalsSayWhy; subscribers —
// TestPrivateUpdateMustReachSubscriberAuthorizedForAnAlternateTopic,
// TestSubscriptionMustCloseWhenTokenExpires.
// Reconciliation: ids on every event — TestEventsMustIncludeAnID;
// Last-Event-ID, lastEventID, precedence, earliest, the response header —
// TestHubShouldSendEventsPublishedAfterLastEventID,
// TestLastEventIDResponseHeaderWithoutRequestedID,
// TestReconnectionReceivesExactlyTheMissedUpdates,
// TestReplayThenLiveHasNoGapAndNoDuplicate.
// Active subscriptions: events — TestHubMustPublishSubscriptionEvents;
// the API — TestSubscriptionsAPI, TestSubscriptionsAPIAuthorizationAndCaching,
// TestSubscriptionsAPILastEventIDIsEarliestWithoutUpdates.
// Security: CSRF for cookie publishes — TestPublishRefusalsSayWhy/cookie_*.

func TestSubscribeMustSendUpdatesAsTextEventStream(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	s := subscribe(t, th.subURL([]string{"https://example.com/a"}))
	checks := []struct{ header, want string }{
		{"Content-Type", "text/event-stream"},
		{"X-Accel-Buffering", "no"},
	}
	for _, c := range checks {
		if got := s.resp.Header.Get(c.header); got != c.want {
			t.Errorf("%s: got %q, want %q", c.header, got, c.want)
		}
	}
	if cc := s.resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-cache") || !strings.Contains(cc, "private") {
		t.Errorf("Cache-Control: got %q, want no-cache and private", cc)
	}
	id := th.publish(t, form{"topic": {"https://example.com/a"}, "data": {"hello"}})
	e := s.next(t)
	if e.ID != id || e.Data != "hello" {
		t.Errorf("event: got id %q data %q, want id %q data %q", e.ID, e.Data, id, "hello")
	}
}

func TestSubscribeTopicMustContainTopicSelectors(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	long := "https://example.com/" + strings.Repeat("x", hub.MaxSelectorLength)
	many := make([]string, hub.MaxSubscriptionTopics+1)
	for i := range many {
		many[i] = fmt.Sprintf("https://example.com/%d", i)
	}
	tests := []struct {
		name   string
		topics []string
		want   string
	}{
		{"no topic", nil, "missing topic"},
		{"invalid template", []string{"https://example.com/a", "https://example.com/{id"}, `"https://example.com/{id"`},
		{"too long", []string{long}, "limit is 2048"},
		{"too many", many, fmt.Sprintf("the limit is %d", hub.MaxSubscriptionTopics)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, th.subURL(tt.topics), nil)
			status, body := do(t, req)
			if status != http.StatusBadRequest || !strings.Contains(body, tt.want) {
				t.Errorf("got %d %q, want 400 containing %q", status, body, tt.want)
			}
		})
	}
}

func TestTopicSelectorMatching(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	tests := []struct {
		selector string
		topic    string
		match    bool
	}{
		{"*", "https://example.com/anything", true},
		{"https://example.com/books/1", "https://example.com/books/1", true},
		{"https://example.com/books/1", "https://example.com/books/2", false},
		{"https://example.com/books/{id}", "https://example.com/books/42", true},
		{"https://example.com/books/{id}", "https://example.com/authors/42", false},
		{"https://example.com/books/{id}", "https://example.com/books/{id}", true}, // identical strings match
		{"bar", "bar", true},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%s~%s", tt.selector, tt.topic), func(t *testing.T) {
			// A marker topic only this subtest's stream selects tells
			// "not delivered" from "not delivered yet".
			marker := fmt.Sprintf("urn:marker:%d", i)
			s := subscribe(t, th.subURL([]string{tt.selector, marker}))
			th.publish(t, form{"topic": {tt.topic}, "data": {"update"}})
			th.publish(t, form{"topic": {marker}, "data": {"marker"}})
			got := s.next(t).Data
			if wantFirst := map[bool]string{true: "update", false: "marker"}[tt.match]; got != wantFirst {
				t.Errorf("first event: got %q, want %q", got, wantFirst)
			}
		})
	}
}

func TestHubMustDispatchToSubscribersOfCanonicalOrAlternateTopics(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	canonical := subscribe(t, th.subURL([]string{"https://example.com/books/1"}))
	alternate := subscribe(t, th.subURL([]string{"https://example.com/alt/{x}"}))
	both := subscribe(t, th.subURL([]string{"https://example.com/books/1", "https://example.com/alt/1"}))
	id := th.publish(t, form{"topic": {"https://example.com/books/1", "https://example.com/alt/1"}, "data": {"x"}})
	th.publish(t, form{"topic": {"https://example.com/books/1", "https://example.com/alt/1"}, "data": {"second"}})
	for name, s := range map[string]*sse{"canonical": canonical, "alternate": alternate, "both": both} {
		if e := s.next(t); e.ID != id {
			t.Errorf("%s: got id %q, want %q", name, e.ID, id)
		}
		// once, even when two selectors match
		if got := s.next(t).Data; got != "second" {
			t.Errorf("%s: second event: got %q, want %q", name, got, "second")
		}
	}
}

func TestPrivateUpdateMustNotBeDispatchedToUnauthorizedSubscribers(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	topic := "https://example.com/books/1"
	anon := subscribe(t, th.subURL([]string{"*"}))
	other := subscribe(t, th.subURL([]string{"*"}), "Authorization", "Bearer "+token(t, th.subKey, nil, []string{"https://example.com/authors/{id}"}, 0))
	allowed := subscribe(t, th.subURL([]string{"*"}), "Authorization", "Bearer "+token(t, th.subKey, nil, []string{"https://example.com/books/{id}"}, 0))
	th.publish(t, form{"topic": {topic}, "data": {"secret"}, "private": {"on"}})
	th.publish(t, form{"topic": {topic}, "data": {"empty private value"}, "private": {""}})
	th.publish(t, form{"topic": {topic}, "data": {"public"}})
	for name, s := range map[string]*sse{"anonymous": anon, "other topics": other} {
		if got := s.nextData(t); got != "public" {
			t.Errorf("%s: got %q, want only the public update", name, got)
		}
	}
	for _, want := range []string{"secret", "empty private value", "public"} {
		if got := allowed.nextData(t); got != want {
			t.Errorf("authorized: got %q, want %q", got, want)
		}
	}
}

func TestPrivateUpdateMustReachSubscriberAuthorizedForAnAlternateTopic(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	// The spec's example: subscribed to every book, authorized through
	// the user-specific alternate topic only.
	claims := []string{"https://example.com/users/foo/{?topic}"}
	s := subscribe(t, th.subURL([]string{"https://example.com/books/{id}"}), "Authorization", "Bearer "+token(t, th.subKey, nil, claims, 0))
	th.publish(t, form{"topic": {"https://example.com/books/2"}, "data": {"not for foo"}, "private": {"on"}})
	th.publish(t, form{"topic": {"https://example.com/books/1", "https://example.com/users/foo/?topic=https%3A%2F%2Fexample.com%2Fbooks%2F1"}, "data": {"for foo"}, "private": {"on"}})
	if got := s.nextData(t); got != "for foo" {
		t.Errorf("got %q, want %q", got, "for foo")
	}
}

func TestPublishSuccessMustReturnTheIDAsBody(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	tok := token(t, th.pubKey, []string{"*"}, nil, 0)
	t.Run("generated", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, th.url, strings.NewReader(form{"topic": {"https://example.com/a"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := hubtest.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		body := string(b)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("got %d %q, want 200 text/plain", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !strings.HasPrefix(body, "urn:uuid:") || len(body) != len("urn:uuid:")+36 {
			t.Errorf("generated id: got %q, want urn:uuid: and a UUID", body)
		}
	})
	t.Run("given", func(t *testing.T) {
		status, body := th.post(t, tok, form{"topic": {"https://example.com/a"}, "id": {"https://example.com/revisions/7"}})
		if status != 200 || body != "https://example.com/revisions/7" {
			t.Errorf("got %d %q, want 200 with the given id", status, body)
		}
	})
}

func TestPublisherMustBeAuthorizedForEveryTopic(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	s := subscribe(t, th.subURL([]string{"*"}))
	tok := token(t, th.pubKey, []string{"https://example.com/books/{id}"}, nil, 0)
	status, body := th.post(t, tok, form{"topic": {"https://example.com/books/1", "https://example.com/authors/1"}, "data": {"half allowed"}})
	if status != http.StatusForbidden || !strings.Contains(body, `"https://example.com/authors/1"`) {
		t.Errorf("got %d %q, want 403 naming https://example.com/authors/1", status, body)
	}
	th.publish(t, form{"topic": {"https://example.com/marker"}, "data": {"marker"}})
	if got := s.nextData(t); got != "marker" {
		t.Errorf("subscriber got %q, want the refused update not dispatched", got)
	}
}

func TestPublisherWithoutPublishClaimMustNotPublish(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	tests := []struct {
		name, tok, want string
	}{
		{"empty publish", token(t, th.pubKey, []string{}, []string{"*"}, 0), "mercure.publish"},
		{"no mercure claim", signHS256(t, publisherSecret, map[string]any{"sub": "publisher"}), "token has no mercure claim"},
		{"mercure claim without publish", signHS256(t, publisherSecret, map[string]any{"mercure": map[string]any{"subscribe": []string{"*"}}}), "mercure.publish claim is missing or empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := th.post(t, tt.tok, form{"topic": {"https://example.com/a"}})
			if status != http.StatusForbidden || !strings.Contains(body, tt.want) {
				t.Errorf("got %d %q, want 403 containing %q", status, body, tt.want)
			}
		})
	}
}

func TestHubURLMustBeWellKnownMercure(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	req, _ := http.NewRequest(http.MethodGet, th.url+"/elsewhere?topic=a", nil)
	status, body := do(t, req)
	if status != http.StatusNotFound || !strings.Contains(body, "the hub is /.well-known/mercure") {
		t.Errorf("got %d %q, want 404 pointing at /.well-known/mercure", status, body)
	}
	subscribe(t, th.subURL([]string{"a"})) // and the hub itself answers
}

func TestEventsMustIncludeAnID(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, Subscriptions: true})
	s := subscribe(t, th.subURL([]string{"*"}), "Authorization", "Bearer "+token(t, th.subKey, nil, []string{"*"}, 0))
	subEvent := s.next(t) // its own subscription event
	generated := th.publish(t, form{"topic": {"a"}})
	given := th.publish(t, form{"topic": {"a"}, "id": {"https://example.com/revisions/1"}})
	got := []string{subEvent.ID, s.next(t).ID, s.next(t).ID}
	if got[0] == "" || got[1] != generated || got[2] != given {
		t.Errorf("event ids: got %q, want a subscription event id, %q and %q", got, generated, given)
	}
}
