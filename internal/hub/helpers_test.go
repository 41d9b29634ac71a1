package hub_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/sqlite"
)

// Keys of the test hubs.
const (
	publisherSecret  = "publisher-secret-for-tests-only-0123456789"
	subscriberSecret = "subscriber-secret-for-tests-only-0123456789"
)

// streamTimeout bounds every stream a test reads, so that a missing event
// fails the test instead of hanging it. It is a bound, not an assertion.
const streamTimeout = 30 * time.Second

// newSQLite returns a migrated SQLite store in the test's temp dir.
func newSQLite(t testing.TB) *sqlite.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{MatchTopic: matchTopic})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db
}

// matchTopic is the stores' MatchTopic in these tests.
func matchTopic(id int64) string { return "https://example.com/matches/" + strconv.FormatInt(id, 10) }

func mustKey(t testing.TB, secret string) *hub.Key {
	t.Helper()
	k, err := hub.NewKey("HS256", secret)
	if err != nil {
		t.Fatalf("new key: %v", err)
	}
	return k
}

// testHub is a hub served over a real listener.
type testHub struct {
	*hub.Hub
	srv     *httptest.Server
	url     string // the hub's URL, .../.well-known/mercure
	pubKey  *hub.Key
	subKey  *hub.Key
	history hub.History
}

// newHub starts a hub with c (History defaults to a fresh SQLite store,
// Transport to the History,
// the keys to the test secrets, anonymous subscribers allowed unless
// c.SubscriberKey is set and the caller says otherwise through c).
func newHub(t testing.TB, c hub.Config) *testHub {
	t.Helper()
	if c.History == nil {
		c.History = newSQLite(t)
	}
	if c.Transport == nil {
		c.Transport = c.History.(hub.Transport) // every store is both
	}
	if c.PublisherKey == nil {
		c.PublisherKey = mustKey(t, publisherSecret)
	}
	if c.SubscriberKey == nil {
		c.SubscriberKey = mustKey(t, subscriberSecret)
	}
	h, err := hub.New(c)
	if err != nil {
		t.Fatalf("new hub: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/.well-known/mercure", h)
	mux.Handle("/.well-known/mercure/", h)
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.RegisterOnShutdown(h.Shutdown)
	srv.Start()
	t.Cleanup(func() {
		h.Shutdown()
		srv.Close()
	})
	return &testHub{Hub: h, srv: srv, url: srv.URL + "/.well-known/mercure", pubKey: c.PublisherKey, subKey: c.SubscriberKey, history: c.History}
}

// token signs a token with k.
func token(t testing.TB, k *hub.Key, publish, subscribe []string, ttl time.Duration) string {
	t.Helper()
	tok, err := k.Sign(publish, subscribe, ttl)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return tok
}

// form is a publish request's fields.
type form = url.Values

// post publishes f with the bearer token tok ("" for none) and returns the
// status and body.
func (th *testHub) post(t testing.TB, tok string, f form, hdr ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, th.url, strings.NewReader(f.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return do(t, req)
}

// publish publishes f with a token allowed to publish anything and
// returns the update's id; anything but 200 fails the test.
func (th *testHub) publish(t testing.TB, f form) string {
	t.Helper()
	status, body := th.post(t, token(t, th.pubKey, []string{"*"}, nil, 0), f)
	if status != http.StatusOK {
		t.Fatalf("publish %v: got status %d (%s), want 200", f, status, body)
	}
	return body
}

func do(t testing.TB, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
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

// subURL returns the subscribe URL for topics plus extra query pairs.
func (th *testHub) subURL(topics []string, extra ...string) string {
	q := url.Values{}
	for _, tp := range topics {
		q.Add("topic", tp)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Add(extra[i], extra[i+1])
	}
	return th.url + "?" + q.Encode()
}

// sse is a subscriber's open stream, read line by line as a browser would.
type sse struct {
	resp   *http.Response
	r      *bufio.Reader
	cancel context.CancelFunc
}

// event is one server-sent event or comment as read from the stream.
type event struct {
	ID, Type, Data, Retry string
	Comment               bool
}

// openStream sends a subscribe request and returns the response; the
// caller checks the status. hdr is header name, value pairs.
func openStream(t testing.TB, rawURL string, hdr ...string) *sse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("subscribe %s: %v", rawURL, err)
	}
	s := &sse{resp: resp, r: bufio.NewReader(resp.Body), cancel: cancel}
	t.Cleanup(s.close)
	return s
}

// subscribe opens a stream that must succeed, and reads the first comment
// (after which the subscriber is registered: updates published from then
// on reach it).
func subscribe(t testing.TB, rawURL string, hdr ...string) *sse {
	t.Helper()
	s := openStream(t, rawURL, hdr...)
	if s.resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(s.resp.Body)
		t.Fatalf("subscribe %s: got status %d (%s), want 200", rawURL, s.resp.StatusCode, b)
	}
	if e, err := s.readRaw(); err != nil || !e.Comment {
		t.Fatalf("subscribe %s: first thing on the stream: got %+v, %v; want a comment", rawURL, e, err)
	}
	return s
}

func (s *sse) close() {
	s.cancel()
	s.resp.Body.Close()
}

// readRaw reads the next event or comment.
func (s *sse) readRaw() (event, error) {
	var e event
	var data []string
	seen := false
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return e, err
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			if !seen {
				continue
			}
			e.Data = strings.Join(data, "\n")
			return e, nil
		}
		seen = true
		if strings.HasPrefix(line, ":") {
			e.Comment = true
			continue
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "id":
			e.ID = value
		case "event":
			e.Type = value
		case "retry":
			e.Retry = value
		case "data":
			data = append(data, value)
		}
	}
}

// next reads the next event, skipping comments.
func (s *sse) next(t testing.TB) event {
	t.Helper()
	for {
		e, err := s.readRaw()
		if err != nil {
			t.Fatalf("read stream: %v", err)
		}
		if !e.Comment {
			return e
		}
	}
}

// nextData reads the next event and returns its data.
func (s *sse) nextData(t testing.TB) string {
	t.Helper()
	return s.next(t).Data
}

// ended reads until the stream ends and returns the events it still
// carried; the stream must end (within streamTimeout).
func (s *sse) ended(t testing.TB) []event {
	t.Helper()
	var got []event
	for {
		e, err := s.readRaw()
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return got
		}
		if err != nil {
			if ctxErr := context.Cause(s.resp.Request.Context()); ctxErr != nil {
				t.Fatalf("stream did not end within %s: %v", streamTimeout, ctxErr)
			}
			return got // the connection was cut: ended too
		}
		if !e.Comment {
			got = append(got, e)
		}
	}
}

// newServer serves h over a real listener and returns its base URL.
func newServer(t testing.TB, h http.Handler) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/.well-known/mercure", h)
	mux.Handle("/.well-known/mercure/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// tryPublish is publish for other goroutines than the test's: it returns
// an error instead of failing the test.
func (th *testHub) tryPublish(tok string, f form) (string, error) {
	req, err := http.NewRequest(http.MethodPost, th.url, strings.NewReader(f.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("got status %d (%s), want 200", resp.StatusCode, b)
	}
	return string(b), nil
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
