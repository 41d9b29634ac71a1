package hub_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
)

// Regression tests for the holes an anonymous client could open (issue 9),
// each through a real listener as the black-box probe found them.

// probeTemplate is the probe's selector: it matches almost anything and
// is distinct per i.
func probeTemplate(i int) string {
	var b strings.Builder
	for v := range 19 {
		fmt.Fprintf(&b, "{+v%d}", v)
	}
	fmt.Fprintf(&b, "{/w*}Z%05d_00", i)
	return b.String()
}

// refused opens a stream that must be refused with status, its body
// containing want; it returns the response.
func refused(t *testing.T, rawURL string, status int, want string, hdr ...string) *http.Response {
	t.Helper()
	s := openStream(t, rawURL, hdr...)
	b, _ := io.ReadAll(s.resp.Body)
	if s.resp.StatusCode != status || !strings.Contains(string(b), want) {
		t.Errorf("got %d %q, want %d containing %q", s.resp.StatusCode, b, status, want)
	}
	return s.resp
}

// waitSubscribers waits (within streamTimeout) until the hub counts n
// open streams: a closed client's handler returns a moment later.
func waitSubscribers(t *testing.T, th *testHub, n int) {
	t.Helper()
	deadline := time.Now().Add(streamTimeout)
	for th.SubscriberCount() != n {
		if time.Now().After(deadline) {
			t.Fatalf("got %d subscribers, want %d", th.SubscriberCount(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTemplateSelectorsAreCapped(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, MaxTemplates: 4})
	templates := func(from, n int) []string {
		var ts []string
		for i := range n {
			ts = append(ts, probeTemplate(from+i))
		}
		return ts
	}
	t.Run("per subscriber", func(t *testing.T) {
		many := newHub(t, hub.Config{AllowAnonymous: true})
		refused(t, many.subURL(templates(0, hub.DefaultMaxSubscriberTemplates+1)), http.StatusBadRequest,
			fmt.Sprintf("a subscription has %d distinct URI template selectors: the limit is %d", hub.DefaultMaxSubscriberTemplates+1, hub.DefaultMaxSubscriberTemplates))
		// repeated ones count once, topics not at all
		sels := append(templates(0, hub.DefaultMaxSubscriberTemplates), probeTemplate(0), "https://example.com/a")
		subscribe(t, many.subURL(sels))
	})
	a := subscribe(t, th.subURL(templates(0, 3)))
	resp := refused(t, th.subURL(templates(3, 2)), http.StatusTooManyRequests, "the hub holds 3 distinct URI template selectors, its limit, and this subscription adds 2")
	if got := resp.Header.Get("Retry-After"); got == "" {
		t.Errorf("Retry-After: got none, want a delay")
	}
	// Templates others hold already are shared, not counted again.
	b := subscribe(t, th.subURL(append(templates(0, 3), probeTemplate(3))))
	refused(t, th.subURL(templates(4, 1)), http.StatusTooManyRequests, "its limit")
	// Both match as before, and an update that matches none is not theirs.
	id := th.publish(t, form{"topic": {"https://example.com/Z00001_00"}})
	th.publish(t, form{"topic": {"https://example.com/Z00003_00"}})
	if e := a.next(t); e.ID != id {
		t.Errorf("first subscriber: got %+v, want %s", e, id)
	}
	if e := b.next(t); e.ID != id {
		t.Errorf("second subscriber: got %+v, want %s", e, id)
	}
	// The last subscriber of a template frees it.
	a.close()
	b.close()
	waitSubscribers(t, th, 0)
	subscribe(t, th.subURL(templates(10, 4)))
}

// Replays are bounded: Config.MaxReplays at once, each holding at most a
// page of updates; one more waits briefly, then gets a 503 with
// Retry-After. A subscriber that never reads holds its turn only until
// its write deadline.
func TestReplaysAreBounded(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, MaxReplays: 1})
	big := strings.Repeat("x", 900<<10)
	for range 24 { // more than the socket buffers of one never-reading client hold
		th.publish(t, form{"topic": {"https://example.com/big"}, "data": {big}})
	}
	secret := th.publish(t, form{"topic": {"https://example.com/alice"}, "id": {"secret-1"}, "private": {"on"}})
	stalled := subscribe(t, th.subURL([]string{"*"}, "lastEventID", hub.EarliestID))
	resp := refused(t, th.subURL([]string{"https://example.com/big"}, "lastEventID", hub.EarliestID), http.StatusServiceUnavailable,
		"the hub is replaying its history to 1 subscribers already, its limit")
	if got := resp.Header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After: got %q, want %q", got, "1")
	}
	// A resumption from a recent update is served from memory without a
	// turn, but only for a subscriber that may see that update: from a
	// private id, an anonymous one replays the history, and waits its turn.
	alice := token(t, th.subKey, nil, []string{"https://example.com/alice"}, 0)
	subscribe(t, th.subURL([]string{"https://example.com/alice"}, "lastEventID", secret), "Authorization", "Bearer "+alice).close()
	refused(t, th.subURL([]string{"https://example.com/big"}, "lastEventID", secret), http.StatusServiceUnavailable, "its limit")
	// Without a replay, subscribing does not wait for one.
	subscribe(t, th.subURL([]string{"https://example.com/big"}))
	stalled.close()
	waitSubscribers(t, th, 1)
	s := subscribe(t, th.subURL([]string{"https://example.com/big"}, "lastEventID", hub.EarliestID))
	if got := len(s.next(t).Data); got != len(big) {
		t.Errorf("replay after the turn was freed: got %d bytes, want %d", got, len(big))
	}
}

// One address gets at most a quarter of the replay turns, so that it
// cannot take them all and keep everyone else from resuming.
func TestReplaysPerAddressAreCapped(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, MaxReplays: 8})
	big := strings.Repeat("x", 900<<10)
	for range 24 { // more than the socket buffers of one never-reading client hold
		th.publish(t, form{"topic": {"https://example.com/big"}, "data": {big}})
	}
	attacker := newServer(t, fromAddress(th.Hub, "192.0.2.7:4000")) + "/.well-known/mercure?topic=*&lastEventID=earliest"
	for range 2 {
		subscribe(t, attacker) // never read
	}
	resp := refused(t, attacker, http.StatusTooManyRequests, "your address has 2 replays of the history running, the limit")
	if got := resp.Header.Get("Retry-After"); got == "" {
		t.Error("Retry-After: got none, want a delay")
	}
	other := subscribe(t, newServer(t, fromAddress(th.Hub, "192.0.2.8:4000"))+"/.well-known/mercure?topic=https://example.com/big&lastEventID=earliest")
	if got := len(other.next(t).Data); got != len(big) {
		t.Errorf("another address's replay: got %d bytes, want %d", got, len(big))
	}
}

// An anonymous subscriber learns nothing of private updates: not their
// ids in the Last-Event-ID header, and not whether a guessed id is one
// (the answer to a private id is the answer to an id never stored).
func TestPrivateUpdateIDsDoNotLeak(t *testing.T) {
	t.Parallel()
	const secret = "alice-invoice-42-overdue"
	// each case gets a hub whose newest update is the private one
	setup := func(t *testing.T) (th *testHub, public string) {
		th = newHub(t, hub.Config{AllowAnonymous: true, Subscriptions: true})
		public = th.publish(t, form{"topic": {"https://example.com/scores"}, "data": {"public"}})
		th.publish(t, form{"topic": {"https://example.com/alice"}, "id": {secret}, "private": {"on"}})
		return th, public
	}
	alice := []string{"https://example.com/alice"}
	tests := []struct {
		name       string
		subscribe  []string // the token's mercure.subscribe; nil: anonymous
		lastID     string
		wantHeader string // "public": the public update's id
		wantFirst  string // the first replayed id ("public" likewise); "": none
	}{
		{name: "anonymous", wantHeader: "public"},
		{name: "a token for other private topics", subscribe: []string{"https://example.com/bob"}, wantHeader: "public"},
		{name: "a token for the private update", subscribe: alice, wantHeader: secret},
		{name: "anonymous guessing the private id", lastID: secret, wantHeader: hub.EarliestID, wantFirst: "public"},
		{name: "anonymous with an id never stored", lastID: "alice-invoice-43-overdue", wantHeader: hub.EarliestID, wantFirst: "public"},
		{name: "a token for the private update resuming from it", subscribe: alice, lastID: secret, wantHeader: secret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			th, public := setup(t)
			resolve := func(id string) string {
				if id == "public" {
					return public
				}
				return id
			}
			var hdr, q []string
			if tt.subscribe != nil {
				hdr = []string{"Authorization", "Bearer " + token(t, th.subKey, nil, tt.subscribe, 0)}
			}
			if tt.lastID != "" {
				q = []string{"lastEventID", tt.lastID}
			}
			s := subscribe(t, th.subURL([]string{"*"}, q...), hdr...)
			if got, want := s.resp.Header.Get("Last-Event-ID"), resolve(tt.wantHeader); got != want {
				t.Errorf("Last-Event-ID: got %q, want %q", got, want)
			}
			want := th.publish(t, form{"topic": {"urn:marker"}})
			if tt.wantFirst != "" {
				want = resolve(tt.wantFirst)
			}
			if e := s.next(t); e.ID != want {
				t.Errorf("first event: got %+v, want id %s", e, want)
			}
		})
	}
	t.Run("subscriptions API", func(t *testing.T) {
		t.Parallel()
		th, public := setup(t)
		tok := token(t, th.subKey, nil, []string{hub.SubscriptionsPath + "{/rest*}"}, 0)
		req, _ := http.NewRequest(http.MethodGet, th.srv.URL+hub.SubscriptionsPath, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		status, body := do(t, req)
		if status != http.StatusOK || strings.Contains(body, secret) || !strings.Contains(body, public) {
			t.Errorf("got %d %s, want 200 with the public id %s and without the private one", status, body, public)
		}
	})
	t.Run("after a restart on a private update", func(t *testing.T) {
		t.Parallel()
		th, public := setup(t)
		restarted := newHub(t, hub.Config{AllowAnonymous: true, History: th.history})
		for name, tc := range map[string]struct {
			subscribe []string
			want      string
		}{
			"anonymous": {nil, public}, // read at start with the recent updates
			"alice":     {alice, secret},
		} {
			var hdr []string
			if tc.subscribe != nil {
				hdr = []string{"Authorization", "Bearer " + token(t, th.subKey, nil, tc.subscribe, 0)}
			}
			s := subscribe(t, restarted.subURL([]string{"*"}), hdr...)
			if got := s.resp.Header.Get("Last-Event-ID"); got != tc.want {
				t.Errorf("%s: got %q, want %q", name, got, tc.want)
			}
		}
		// with no public update in sight, the header reveals nothing either
		only := newHub(t, hub.Config{AllowAnonymous: true})
		only.publish(t, form{"topic": {"https://example.com/alice"}, "id": {secret}, "private": {"on"}})
		s := subscribe(t, newHub(t, hub.Config{AllowAnonymous: true, History: only.history}).subURL([]string{"*"}))
		if got := s.resp.Header.Get("Last-Event-ID"); got != hub.EarliestID {
			t.Errorf("only private updates, anonymous: got %q, want %q", got, hub.EarliestID)
		}
	})
}

// lockedBuffer is a log destination that handlers write from any goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Bytes that PostgreSQL's text refuses (NUL, invalid UTF-8) get the same
// answer on both stores, and never an internal error: a publish naming
// them is a 400 naming the field, a lastEventID made of them is an
// unknown id.
func TestBadBytesAreAnsweredAlikeOnEveryStore(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var logs lockedBuffer
			th := newHub(t, hub.Config{AllowAnonymous: true, History: open(t),
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
			public := th.publish(t, form{"topic": {"https://example.com/a"}})
			for _, bad := range []string{"\x00", "\xff", "a\x00b", "caf\xe9"} {
				t.Run(fmt.Sprintf("lastEventID %q", bad), func(t *testing.T) {
					s := subscribe(t, th.subURL([]string{"*"}, "lastEventID", bad))
					if got := s.resp.Header.Get("Last-Event-ID"); got != hub.EarliestID {
						t.Errorf("Last-Event-ID: got %q, want %q (an unknown id)", got, hub.EarliestID)
					}
					if e := s.next(t); e.ID != public {
						t.Errorf("replay: got %+v, want the whole history (%s)", e, public)
					}
				})
				t.Run(fmt.Sprintf("topic selector %q", bad), func(t *testing.T) {
					refused(t, th.subURL([]string{"https://example.com/" + bad}, "lastEventID", hub.EarliestID), http.StatusBadRequest, "must be valid UTF-8 without NUL bytes")
				})
				for _, field := range []string{"topic", "id", "type", "data"} {
					t.Run(fmt.Sprintf("publish %s %q", field, bad), func(t *testing.T) {
						f := form{"topic": {"https://example.com/a"}, "data": {"d"}}
						f.Set(field, "x"+bad)
						tok := token(t, th.pubKey, []string{"*"}, nil, 0)
						status, body := th.post(t, tok, f)
						if want := field + " must be valid UTF-8 without NUL bytes"; status != http.StatusBadRequest || !strings.Contains(body, want) {
							t.Errorf("got %d %q, want 400 %q", status, body, want)
						}
					})
				}
			}
			if l := logs.String(); l != "" {
				t.Errorf("the hub logged warnings or errors:\n%s", l)
			}
		})
	}
}

// fromAddress serves h as if every request came from addr, as a
// middleware that reads the client's address from a trusted proxy would.
func fromAddress(h http.Handler, addr string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.RemoteAddr = addr
		h.ServeHTTP(w, r)
	})
}

func TestSubscribersPerAddressAreCapped(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true, MaxSubscribersPerAddress: 2})
	for _, tt := range []struct {
		name, addr, other string
	}{
		{"IPv4", "192.0.2.7:4000", "192.0.2.8:4000"},
		{"IPv6 by its /64", "[2001:db8:1:2::7]:4000", "[2001:db8:1:3::7]:4000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base := newServer(t, fromAddress(th.Hub, tt.addr))
			url := base + "/.well-known/mercure?topic=a"
			a := subscribe(t, url)
			subscribe(t, url)
			resp := refused(t, url, http.StatusTooManyRequests, "your address has 2 open subscriptions, the limit")
			if resp.Header.Get("Retry-After") == "" {
				t.Error("Retry-After: got none, want a delay")
			}
			if tt.name == "IPv6 by its /64" {
				refused(t, newServer(t, fromAddress(th.Hub, "[2001:db8:1:2::99]:5000"))+"/.well-known/mercure?topic=a", http.StatusTooManyRequests, "the limit")
			}
			subscribe(t, newServer(t, fromAddress(th.Hub, tt.other))+"/.well-known/mercure?topic=a")
			a.close()
			deadline := time.Now().Add(streamTimeout)
			for {
				s := openStream(t, url)
				if s.resp.StatusCode == http.StatusOK {
					break
				}
				s.close()
				if time.Now().After(deadline) {
					t.Fatalf("after one left: got %d, want 200", s.resp.StatusCode)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	// loopback and private addresses (a reverse proxy, a load tool) are not capped
	for range 3 {
		subscribe(t, th.subURL([]string{"a"}))
	}
	private := newServer(t, fromAddress(th.Hub, "10.1.2.3:4000")) + "/.well-known/mercure?topic=a"
	for range 3 {
		subscribe(t, private)
	}
}

// Go drops a query of more than 10,000 parameters whole; the hub says
// there are too many rather than that the topic is missing.
func TestTooManyQueryParameters(t *testing.T) {
	t.Parallel()
	th := newHub(t, hub.Config{AllowAnonymous: true})
	refused(t, th.url+"?"+strings.Repeat("topic=a&", 20000)+"topic=a", http.StatusBadRequest, "the query has 20001 parameters, too many: the limit is 1000")
	refused(t, th.url+"?"+strings.Repeat("topic=a&", 100)+"topic=a", http.StatusBadRequest, "a subscription has 101 topic parameters: the limit is 64")
}
