package hub_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/hub/hubtest"
	"github.com/scoreboard/scoreboard/internal/sqlite"
)

// The hub's tests run on hubtest's hubs and streams; these short names
// keep them readable.

// Keys of the test hubs.
const (
	publisherSecret  = hubtest.PublisherSecret
	subscriberSecret = hubtest.SubscriberSecret
)

// streamTimeout bounds every stream a test reads (hubtest.StreamTimeout).
const streamTimeout = hubtest.StreamTimeout

func newSQLite(t testing.TB) *sqlite.DB { return hubtest.SQLite(t) }

// matchTopic is the stores' MatchTopic in these tests.
func matchTopic(id int64) string { return hubtest.MatchTopic(id) }

func mustKey(t testing.TB, secret string) *hub.Key {
	t.Helper()
	return hubtest.Key(t, secret)
}

// testHub is a hub served over a real listener (hubtest.Start).
type testHub struct {
	*hub.Hub
	srv     *httptest.Server
	url     string // the hub's URL, .../.well-known/mercure
	pubKey  *hub.Key
	subKey  *hub.Key
	history hub.History
}

// newHub starts a hub with c (see hubtest.Start for the defaults).
func newHub(t testing.TB, c hub.Config, opts ...hubtest.Option) *testHub {
	t.Helper()
	h := hubtest.Start(t, c, opts...)
	return &testHub{Hub: h.Hub, srv: h.Server, url: h.URL, pubKey: h.PublisherKey, subKey: h.SubscriberKey, history: h.History}
}

// token signs a token with k.
func token(t testing.TB, k *hub.Key, publish, subscribe []string, ttl time.Duration) string {
	t.Helper()
	return hubtest.Token(t, k, publish, subscribe, ttl)
}

// form is a publish request's fields.
type form = url.Values

// client is hubtest's view of th, for the requests below; th may have
// been put together by hand (only url, and pubKey to publish, are used).
func (th *testHub) client() *hubtest.Hub {
	return &hubtest.Hub{Hub: th.Hub, URL: th.url, PublisherKey: th.pubKey}
}

// post publishes f with the bearer token tok ("" for none) and returns the
// status and body.
func (th *testHub) post(t testing.TB, tok string, f form, hdr ...string) (int, string) {
	t.Helper()
	return th.client().Post(t, tok, f, hdr...)
}

// publish publishes f with a token allowed to publish anything and
// returns the update's id; anything but 200 fails the test.
func (th *testHub) publish(t testing.TB, f form) string {
	t.Helper()
	return th.client().Publish(t, f)
}

// tryPublish is publish for other goroutines than the test's.
func (th *testHub) tryPublish(tok string, f form) (string, error) {
	return th.client().TryPublish(tok, f)
}

// subURL returns the subscribe URL for topics plus extra query pairs.
func (th *testHub) subURL(topics []string, extra ...string) string {
	return th.client().SubscribeURL(topics, extra...)
}

func do(t testing.TB, req *http.Request) (int, string) {
	t.Helper()
	resp, err := hubtest.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp.StatusCode, string(b)
}

// sse is a subscriber's open stream (a hubtest.Stream).
type sse struct {
	*hubtest.Stream
	resp *http.Response
}

// event is one server-sent event or comment as read from the stream.
type event = hubtest.Event

// openStream sends a subscribe request and returns the response; the
// caller checks the status. hdr is header name, value pairs.
func openStream(t testing.TB, rawURL string, hdr ...string) *sse {
	t.Helper()
	s := hubtest.Open(t, rawURL, hdr...)
	return &sse{Stream: s, resp: s.Resp}
}

// subscribe opens a stream that must succeed, and reads the first comment
// (after which the subscriber is registered).
func subscribe(t testing.TB, rawURL string, hdr ...string) *sse {
	t.Helper()
	s := hubtest.Subscribe(t, rawURL, hdr...)
	return &sse{Stream: s, resp: s.Resp}
}

func (s *sse) close()                       { s.Close() }
func (s *sse) readRaw() (event, error)      { return s.ReadRaw() }
func (s *sse) next(t testing.TB) event      { t.Helper(); return s.Next(t) }
func (s *sse) nextData(t testing.TB) string { t.Helper(); return s.Next(t).Data }
func (s *sse) ended(t testing.TB) []event   { t.Helper(); return s.Ended(t) }

// newServer serves h over a real listener and returns its base URL.
func newServer(t testing.TB, h http.Handler) string {
	t.Helper()
	return hubtest.Serve(t, h)
}

// signHS256 signs claims with secret: for tokens Key.Sign cannot make
// (a mercure.payload).
func signHS256(t testing.TB, secret string, claims map[string]any) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(claims)).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
