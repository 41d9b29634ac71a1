package hub_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
)

func TestSubscribeAuthRefusalsSayWhy(t *testing.T) {
	t.Parallel()
	closed := newHub(t, hub.Config{AllowAnonymous: false})
	open := newHub(t, hub.Config{AllowAnonymous: true})
	otherKey := mustKey(t, "another-secret-that-the-hub-does-not-know-0123")
	wrongSecret := token(t, mustKey(t, subscriberSecret+"x"), nil, []string{"*"}, 0)
	tests := []struct {
		name    string
		th      *testHub
		headers []string
		query   []string
		status  int
		want    string
	}{
		{name: "no token, anonymous refused", th: closed, status: 401, want: "this hub needs a subscriber JWT"},
		{name: "bad signature", th: closed, headers: []string{"Authorization", "Bearer " + token(t, otherKey, nil, []string{"*"}, 0)}, status: 401, want: "signature is invalid"},
		{name: "bad token even when anonymous is allowed", th: open, headers: []string{"Authorization", "Bearer " + wrongSecret}, status: 401, want: "signature is invalid"},
		{name: "bad token in the query", th: open, query: []string{"authorization", "not-a-jwt"}, status: 401, want: "malformed"},
		{name: "bad token in the cookie", th: open, headers: []string{"Cookie", hub.CookieName + "=not-a-jwt"}, status: 401, want: "malformed"},
		{name: "malformed Authorization header", th: open, headers: []string{"Authorization", "Token abc"}, status: 401, want: "Bearer"},
		{name: "expired", th: open, headers: []string{"Authorization", "Bearer " + token(t, open.subKey, nil, []string{"*"}, time.Second)}, status: 401, want: "token expired at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "expired" {
				waitPast(t, time.Now().Add(time.Second))
			}
			s := openStream(t, tt.th.subURL([]string{"a"}, tt.query...), tt.headers...)
			b, _ := io.ReadAll(s.resp.Body)
			if s.resp.StatusCode != tt.status || !strings.Contains(string(b), tt.want) {
				t.Errorf("got %d %q, want %d containing %q", s.resp.StatusCode, b, tt.status, tt.want)
			}
		})
	}
}

func TestSubscribeWithTokenWhenAnonymousRefused(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: false})
	tok := token(t, th.subKey, nil, []string{"https://example.com/{x}"}, 0)
	for name, s := range map[string]*sse{
		"header": subscribe(t, th.subURL([]string{"https://example.com/header"}), "Authorization", "Bearer "+tok),
		"query":  subscribe(t, th.subURL([]string{"https://example.com/query"}, "authorization", tok)),
		"cookie": subscribe(t, th.subURL([]string{"https://example.com/cookie"}), "Cookie", hub.CookieName+"="+tok),
	} {
		th.publish(t, form{"topic": {"https://example.com/" + name}, "data": {"private " + name}, "private": {"on"}})
		if got := s.nextData(t); got != "private "+name {
			t.Errorf("%s: got %q, want %q", name, got, "private "+name)
		}
	}
}

// The spec: when an Authorization header is presented, its JWS is the one
// used; the query parameter and the cookie are ignored.
func TestAuthorizationHeaderMustTakePrecedence(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	good := token(t, th.subKey, nil, []string{"*"}, 0)
	bad := "not-a-jwt"
	s := subscribe(t, th.subURL([]string{"a"}, "authorization", bad), "Authorization", "Bearer "+good, "Cookie", hub.CookieName+"="+bad)
	th.publish(t, form{"topic": {"a"}, "data": {"private"}, "private": {"on"}})
	if got := s.nextData(t); got != "private" {
		t.Errorf("got %q, want the private update (the header's token is used)", got)
	}
	// and the query parameter wins over the cookie
	s2 := subscribe(t, th.subURL([]string{"a"}, "authorization", good), "Cookie", hub.CookieName+"="+bad)
	th.publish(t, form{"topic": {"a"}, "data": {"private 2"}, "private": {"on"}})
	if got := s2.nextData(t); got != "private 2" {
		t.Errorf("query over cookie: got %q, want %q", got, "private 2")
	}
}

func TestSubscriptionMustCloseWhenTokenExpires(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	tok := token(t, th.subKey, nil, []string{"*"}, 3*time.Second) // a margin for slow machines: exp has a one-second resolution
	s := subscribe(t, th.subURL([]string{"a"}), "Authorization", "Bearer "+tok)
	th.publish(t, form{"topic": {"a"}, "data": {"before"}})
	if got := s.ended(t); len(got) != 1 || got[0].Data != "before" {
		t.Errorf("got %+v, want the one update, then the end of the stream", got)
	}
}

func TestHeartbeatComments(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, Heartbeat: 20 * time.Millisecond})
	s := subscribe(t, th.subURL([]string{"a"}))
	for i := range 3 {
		e, err := s.readRaw()
		if err != nil || !e.Comment {
			t.Fatalf("read #%d: got %+v, %v; want a heartbeat comment", i, e, err)
		}
	}
}

func TestShutdownClosesStreamsAtOnce(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, Heartbeat: time.Hour})
	streams := []*sse{
		subscribe(t, th.subURL([]string{"a"})),
		subscribe(t, th.subURL([]string{"*"})),
		subscribe(t, th.subURL([]string{"https://example.com/{x}"})),
	}
	th.Shutdown()
	for i, s := range streams {
		if got := s.ended(t); len(got) != 0 {
			t.Errorf("stream %d: got %+v, want it closed with nothing more", i, got)
		}
	}
	if n := th.SubscriberCount(); n != 0 {
		t.Errorf("subscribers after shutdown: got %d, want 0", n)
	}
	s := openStream(t, th.subURL([]string{"a"}))
	b, _ := io.ReadAll(s.resp.Body)
	if s.resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "shutting down") {
		t.Errorf("subscribe after shutdown: got %d %q, want 503 saying the hub is shutting down", s.resp.StatusCode, b)
	}
}

// A hub configured with an ES256 public key (PEM) accepts tokens signed
// with the private key, and refuses an HS256 one naming the algorithms.
func TestSubscribeWithES256Key(t *testing.T) {
	t.Parallel()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := hub.NewKey("ES256", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})))
	if err != nil {
		t.Fatalf("ES256 private key: %v", err)
	}
	verifier, err := hub.NewKey("es256", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})))
	if err != nil {
		t.Fatalf("ES256 public key: %v", err)
	}
	th := newHub(t, hub.Config{SubscriberKey: verifier})
	topic := "https://example.com/private"

	s := subscribe(t, th.subURL([]string{topic}), "Authorization", "Bearer "+token(t, signer, nil, []string{topic}, 0))
	th.publish(t, form{"topic": {topic}, "data": {"secret"}, "private": {"on"}})
	if got := s.nextData(t); got != "secret" {
		t.Errorf("ES256 subscriber: got %q, want the private update", got)
	}

	hs256 := token(t, mustKey(t, subscriberSecret), nil, []string{topic}, 0)
	refused := openStream(t, th.subURL([]string{topic}), "Authorization", "Bearer "+hs256)
	b, _ := io.ReadAll(refused.resp.Body)
	want := "token is signed with HS256; this hub accepts only ES256"
	if refused.resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(b), want) {
		t.Errorf("HS256 token: got %d %q, want 401 containing %q", refused.resp.StatusCode, b, want)
	}
}
