// Package hubtest serves a real hub to tests: on a migrated SQLite store
// in the test's temporary directory, behind a real loopback listener, with
// keys of known secrets, and reads its streams line by line as a browser
// does. Every test that needs a running hub starts one here instead of
// wiring its own (like pgtest for PostgreSQL databases).
package hubtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/sqlite"
)

// The secrets of the keys Start gives a hub whose Config has none.
const (
	PublisherSecret  = "publisher-secret-for-tests-only-0123456789"
	SubscriberSecret = "subscriber-secret-for-tests-only-0123456789"
)

// StreamTimeout bounds every stream and request a test makes through this
// package, so that a missing event fails the test instead of hanging it.
// It is a bound, not an assertion.
const StreamTimeout = 30 * time.Second

// MatchTopic is the topic of match id in the stores SQLite opens.
func MatchTopic(id int64) string { return "https://example.com/matches/" + strconv.FormatInt(id, 10) }

// SQLite returns a migrated SQLite store in the test's temporary
// directory, closed when the test ends.
func SQLite(t testing.TB) *sqlite.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{MatchTopic: MatchTopic})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db
}

// Key returns an HS256 key with secret.
func Key(t testing.TB, secret string) *hub.Key {
	t.Helper()
	k, err := hub.NewKey(hub.HS256, secret)
	if err != nil {
		t.Fatalf("new key: %v", err)
	}
	return k
}

// Token signs a token with k granting publish and subscribe, expiring
// after ttl (never when 0).
func Token(t testing.TB, k *hub.Key, publish, subscribe []string, ttl time.Duration) string {
	t.Helper()
	tok, err := k.Sign(publish, subscribe, ttl)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return tok
}

// Hub is a hub served over a real listener.
type Hub struct {
	*hub.Hub
	Server *httptest.Server
	// URL is the hub's URL, …/.well-known/mercure.
	URL                         string
	PublisherKey, SubscriberKey *hub.Key
	History                     hub.History
}

// Option changes how Start serves the hub.
type Option func(*options)

type options struct {
	handler  func(*hub.Hub) http.Handler
	capSends bool
}

// CapSendBuffers serves the hub on a listener wrapped by
// hub.CapSendBuffers, as the binary does.
func CapSendBuffers() Option {
	return func(o *options) { o.capSends = true }
}

// Handler serves the hub through the handler that handler builds (the
// binary's, say) instead of a mux with the hub at /.well-known/mercure.
func Handler(handler func(*hub.Hub) http.Handler) Option {
	return func(o *options) { o.handler = handler }
}

// Start starts a hub with c on a loopback listener, both closed when the
// test ends. History defaults to a fresh SQLite store, Transport to the
// History (every store is both), the keys to PublisherSecret and
// SubscriberSecret.
func Start(t testing.TB, c hub.Config, opts ...Option) *Hub {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if c.History == nil {
		c.History = SQLite(t)
	}
	if c.Transport == nil {
		c.Transport = c.History.(hub.Transport)
	}
	if c.PublisherKey == nil {
		c.PublisherKey = Key(t, PublisherSecret)
	}
	if c.SubscriberKey == nil {
		c.SubscriberKey = Key(t, SubscriberSecret)
	}
	h, err := hub.New(c)
	if err != nil {
		t.Fatalf("new hub: %v", err)
	}
	var handler http.Handler = Mux(h)
	if o.handler != nil {
		handler = o.handler(h)
	}
	srv := httptest.NewUnstartedServer(handler)
	srv.Config.Protocols = serverProtocols()
	if o.capSends {
		srv.Listener = hub.CapSendBuffers(srv.Listener)
	}
	srv.Config.RegisterOnShutdown(h.Shutdown)
	start(srv)
	t.Cleanup(func() {
		h.Shutdown()
		srv.Close()
	})
	return &Hub{Hub: h, Server: srv, URL: srv.URL + "/.well-known/mercure", PublisherKey: c.PublisherKey, SubscriberKey: c.SubscriberKey, History: c.History}
}

// Mux serves h at /.well-known/mercure and below, as the binary mounts it.
func Mux(h http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/.well-known/mercure", h)
	mux.Handle("/.well-known/mercure/", h)
	return mux
}

// Serve serves h (mounted by Mux) on a loopback listener closed when the
// test ends, and returns its base URL.
func Serve(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(Mux(h))
	srv.Config.Protocols = serverProtocols()
	start(srv)
	t.Cleanup(srv.Close)
	return srv.URL
}

// EnvH2C names the environment variable that, set to 1, makes Client
// speak HTTP/2 without TLS (h2c, with prior knowledge) to the servers of
// this package, which accept it beside HTTP/1.1: the same tests then run
// over the net/http path that HTTP/2 takes (streams cannot be hijacked).
//
//	SCOREBOARD_TEST_H2C=1 go test ./internal/hub/
const EnvH2C = "SCOREBOARD_TEST_H2C"

// serverProtocols are the protocols the test servers accept: HTTP/1.1,
// h2c, and HTTP/2 over TLS in EnvTLS mode.
func serverProtocols() *http.Protocols {
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	p.SetHTTP2(true)
	return p
}

// H2C is a client speaking HTTP/2 without TLS (h2c, with prior
// knowledge) to plain http:// URLs: its streams take the net/http path.
var H2C = &http.Client{Transport: &http.Transport{Protocols: func() *http.Protocols {
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	return p
}()}}

// Client is the client of this package's requests and of the tests that
// make their own: http.DefaultClient, an h2c client when EnvH2C is 1, or
// an HTTP/2 client trusting the servers' certificate when EnvTLS is 1.
func Client() *http.Client {
	if os.Getenv(EnvTLS) == "1" {
		return tlsClient()
	}
	if os.Getenv(EnvH2C) == "1" {
		return H2C
	}
	return http.DefaultClient
}

// SubscribeURL returns the subscribe URL for topics plus extra query
// name, value pairs.
func (h *Hub) SubscribeURL(topics []string, extra ...string) string {
	q := url.Values{}
	for _, tp := range topics {
		q.Add("topic", tp)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Add(extra[i], extra[i+1])
	}
	return h.URL + "?" + q.Encode()
}

// Post publishes form with the bearer token tok ("" for none) and
// returns the status and body; hdr is header name, value pairs.
func (h *Hub) Post(t testing.TB, tok string, form url.Values, hdr ...string) (int, string) {
	t.Helper()
	status, body, err := h.post(tok, form, hdr...)
	if err != nil {
		t.Fatalf("publish %v: %v", form, err)
	}
	return status, body
}

// Publish publishes form with a token allowed to publish anything and
// returns the update's id; anything but 200 fails the test.
func (h *Hub) Publish(t testing.TB, form url.Values) string {
	t.Helper()
	status, body := h.Post(t, Token(t, h.PublisherKey, []string{"*"}, nil, 0), form)
	if status != http.StatusOK {
		t.Fatalf("publish %v: got status %d (%s), want 200", form, status, body)
	}
	return body
}

// TryPublish is Publish for other goroutines than the test's: it returns
// an error instead of failing the test.
func (h *Hub) TryPublish(tok string, form url.Values) (string, error) {
	status, body, err := h.post(tok, form)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", fmt.Errorf("got status %d (%s), want 200", status, body)
	}
	return body, nil
}

func (h *Hub) post(tok string, form url.Values, hdr ...string) (int, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), StreamTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := Client().Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", fmt.Errorf("read body: %w", err)
	}
	return resp.StatusCode, string(b), nil
}
