package hubtest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/hub/hubtest"
)

// TestStart checks that a started hub publishes with its keys, streams
// to a subscriber, and serves behind another handler.
func TestStart(t *testing.T) {
	t.Parallel()
	h := hubtest.Start(t, hub.Config{AllowAnonymous: true})
	s := hubtest.Subscribe(t, h.SubscribeURL([]string{"https://example.com/a"}))
	id := h.Publish(t, url.Values{"topic": {"https://example.com/a"}, "data": {"hello\nworld"}})
	if e := s.Next(t); e.ID != id || e.Data != "hello\nworld" {
		t.Errorf("got %+v, want id %s and the data", e, id)
	}
	if status, _ := h.Post(t, "", url.Values{"topic": {"a"}}); status != http.StatusUnauthorized {
		t.Errorf("publish without a token: got %d, want 401", status)
	}
	wrapped := hubtest.Start(t, hub.Config{AllowAnonymous: true}, hubtest.Handler(func(hb *hub.Hub) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Wrapped", "yes")
			hubtest.Mux(hb).ServeHTTP(w, r)
		})
	}))
	ws := hubtest.Subscribe(t, wrapped.SubscribeURL([]string{"a"}))
	if ws.Resp.Header.Get("X-Wrapped") != "yes" {
		t.Error("Handler: the hub was not served through the given handler")
	}
	h.Shutdown()
	if got := s.Ended(t); len(got) != 0 {
		t.Errorf("after shutdown: got %+v, want the stream ended", got)
	}
}

// TestH2C checks that with EnvH2C set the streams are HTTP/2 without TLS,
// the net/http path that HTTP/2 takes.
func TestH2C(t *testing.T) {
	t.Setenv(hubtest.EnvH2C, "1")
	h := hubtest.Start(t, hub.Config{AllowAnonymous: true})
	s := hubtest.Subscribe(t, h.SubscribeURL([]string{"a"}))
	if s.Resp.ProtoMajor != 2 {
		t.Fatalf("got %s, want HTTP/2", s.Resp.Proto)
	}
	id := h.Publish(t, url.Values{"topic": {"a"}})
	if e := s.Next(t); e.ID != id {
		t.Errorf("got %+v, want %s", e, id)
	}
}

// TestTLS checks that with EnvTLS set the streams are HTTP/2 over TLS,
// and that the same port still answers plain HTTP/1.1 (which the tests
// that write requests by hand speak).
func TestTLS(t *testing.T) {
	t.Setenv(hubtest.EnvTLS, "1")
	h := hubtest.Start(t, hub.Config{AllowAnonymous: true})
	if !strings.HasPrefix(h.URL, "https://") {
		t.Fatalf("got URL %s, want https", h.URL)
	}
	s := hubtest.Subscribe(t, h.SubscribeURL([]string{"a"}))
	if s.Resp.ProtoMajor != 2 || s.Resp.TLS == nil {
		t.Fatalf("got %s, TLS %v; want HTTP/2 over TLS", s.Resp.Proto, s.Resp.TLS != nil)
	}
	plain := hubtest.Subscribe(t, "http://"+strings.TrimPrefix(h.SubscribeURL([]string{"a"}), "https://"))
	if plain.Resp.ProtoMajor != 1 || plain.Resp.TLS != nil {
		t.Fatalf("plain: got %s, TLS %v; want HTTP/1.1 without TLS", plain.Resp.Proto, plain.Resp.TLS != nil)
	}
	id := h.Publish(t, url.Values{"topic": {"a"}})
	for _, st := range []*hubtest.Stream{s, plain} {
		if e := st.Next(t); e.ID != id {
			t.Errorf("%s: got %+v, want %s", st.Resp.Proto, e, id)
		}
	}
	base := hubtest.Serve(t, h.Hub)
	if !strings.HasPrefix(base, "https://") {
		t.Errorf("Serve: got %s, want https", base)
	}
}
