package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/hub/hubtest"
	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/internal/postgres"
	"github.com/scoreboard/scoreboard/internal/postgres/pgtest"
)

// instancePublicURL is the public URL of every instance of the
// several-instances test, as behind one load balancer.
const instancePublicURL = "https://scores.example.org"

// testHubKey signs the hub's tokens in the several-instances test.
const testHubKey = "test hub key, 32 bytes or more...."

// instance is one store+hub+handler stack of the several-instances test,
// on its own listener and its own connections to the shared database.
type instance struct {
	*testAPI
	srv *httptest.Server
	db  *postgres.DB
}

// startInstance starts an instance on the database at dbURL.
func startInstance(t *testing.T, dbURL string) *instance {
	t.Helper()
	topic := func(id int64) string { return instancePublicURL + "/matches/" + strconv.FormatInt(id, 10) }
	db, err := postgres.Open(t.Context(), dbURL, postgres.Options{MatchTopic: topic})
	if err != nil {
		t.Fatalf("open PostgreSQL: %v", err)
	}
	key, err := hub.NewKey(hub.HS256, testHubKey)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	h, err := hub.New(hub.Config{History: db, Transport: db, PublisherKey: key, SubscriberKey: key,
		AllowAnonymous: true, Logger: logger})
	if err != nil {
		db.Close()
		t.Fatalf("hub.New: %v", err)
	}
	server, handler := newServer(Deps{Store: db, APIKey: testAPIKey, Hub: h, PublicURL: instancePublicURL,
		HubSubscriberKey: key, Logger: logger})
	srv := httptest.NewUnstartedServer(handler)
	srv.Config.RegisterOnShutdown(h.Shutdown)
	srv.Start()
	in := &instance{srv: srv, db: db,
		testAPI: &testAPI{t: t, URL: srv.URL, store: db, hub: h, doc: newDocChecker(t), logs: logs, server: server}}
	t.Cleanup(in.stop)
	return in
}

// stop stops the instance as a shutdown does: its streams end, its
// listener and its store close. Stopping twice is harmless.
func (in *instance) stop() {
	in.hub.Shutdown()
	in.srv.Close()
	in.db.Close()
}

// sseClient is a subscriber that reads its stream in a goroutine and,
// when the stream ends, resumes on the next instance of its list with its
// last event id, as a browser's EventSource does behind a load balancer.
type sseClient struct {
	mu      sync.Mutex
	ids     []string
	err     error
	resumed int
}

func (c *sseClient) seen() ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.ids...), c.err
}

// subscribeAll subscribes to every topic at the instances' URLs, the first
// first, from the update whose id is from; ctx ends it. It returns once
// the first stream is open.
func subscribeAll(t *testing.T, ctx context.Context, urls func() []string, from string) *sseClient {
	t.Helper()
	c := &sseClient{}
	open := func(base, last string) (*hubtest.Stream, error) {
		q := url.Values{"topic": {"{+any}"}}
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/.well-known/mercure?"+q.Encode(), nil)
		if err != nil {
			return nil, err
		}
		if last != "" {
			r.Header.Set("Last-Event-ID", last)
		}
		resp, err := hubtest.Client().Do(r)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return nil, fmt.Errorf("subscribe at %s: status %d: %s", base, resp.StatusCode, b)
		}
		s := hubtest.NewStream(resp, nil)
		if e, err := s.ReadRaw(); err != nil || !e.Comment {
			s.Close()
			return nil, fmt.Errorf("subscribe at %s: first thing on the stream: got %+v, %v; want a comment", base, e, err)
		}
		return s, nil
	}
	s, err := open(urls()[0], from)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer func() { s.Close() }()
		for {
			e, err := s.ReadRaw()
			if err == nil {
				if !e.Comment {
					c.mu.Lock()
					c.ids = append(c.ids, e.ID)
					c.mu.Unlock()
				}
				continue
			}
			if ctx.Err() != nil {
				return
			}
			s.Close()
			c.mu.Lock()
			last := ""
			if len(c.ids) > 0 {
				last = c.ids[len(c.ids)-1]
			}
			c.resumed++
			c.mu.Unlock()
			var next *hubtest.Stream
			for _, u := range urls()[1:] {
				if next, err = open(u, last); err == nil {
					break
				}
			}
			if err != nil {
				c.mu.Lock()
				c.err = errors.Join(c.err, err)
				c.mu.Unlock()
				return
			}
			s = next
		}
	}()
	return c
}

// TestSeveralInstances runs three instances on one PostgreSQL database.
// Subscribers on each see every update once and in one order, whichever
// instance took it, Mercure publishes and match events alike; one instance
// is stopped mid-stream and started again, and its subscribers, resuming
// on another instance with their last id, miss nothing.
func TestSeveralInstances(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	insts := []*instance{startInstance(t, dbURL), startInstance(t, dbURL), startInstance(t, dbURL)}
	var mu sync.Mutex // guards insts, which a restart changes
	urlsFrom := func(first int) func() []string {
		return func() []string {
			mu.Lock()
			defer mu.Unlock()
			var us []string
			for i := range insts {
				us = append(us, insts[(first+i)%len(insts)].URL)
			}
			return us
		}
	}
	_, admin := insts[0].user("admin@example.org", match.RoleAdmin)
	var matches []int64
	for i := range insts {
		matches = append(matches, insts[i].createMatch(admin, footballInput(fmt.Sprintf("Home %d", i), "Away")).Match.ID)
	}
	key, err := hub.NewKey(hub.HS256, testHubKey)
	if err != nil {
		t.Fatal(err)
	}
	pubToken := hubtest.Token(t, key, []string{"*"}, nil, time.Hour)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// From the newest update, which the other instances may not have
	// heard of yet: each subscriber must see every update after it.
	last, err := insts[0].db.LastUpdate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var clients []*sseClient
	for i := range insts {
		for range 2 {
			clients = append(clients, subscribeAll(t, ctx, urlsFrom(i), last.ID))
		}
	}

	// write has each instance publish n updates and record n events in its
	// match at once; round names them.
	write := func(round string, n int, which ...int) {
		t.Helper()
		var wg sync.WaitGroup
		for _, i := range which {
			mu.Lock()
			in := insts[i]
			mu.Unlock()
			wg.Go(func() {
				for k := range n {
					form := url.Values{"topic": {instancePublicURL + "/news"}, "data": {fmt.Sprintf("%s: instance %d, update %d", round, i, k)}}
					if err := publishTo(ctx, in.URL, pubToken, form); err != nil {
						t.Errorf("publish on instance %d: %v", i, err)
						return
					}
					if err := recordOn(ctx, in.URL, admin, matches[i], fmt.Sprintf("%s %d", round, k)); err != nil {
						t.Errorf("record on instance %d: %v", i, err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	write("first", 10, 0, 1, 2)

	// Stop instance 2 while the others write; its subscribers resume on
	// instance 0 or 1.
	done := make(chan struct{})
	go func() {
		defer close(done)
		write("during the stop", 15, 0, 1)
	}()
	time.Sleep(20 * time.Millisecond)
	insts[2].stop()
	<-done
	restarted := startInstance(t, dbURL)
	mu.Lock()
	insts[2] = restarted
	mu.Unlock()
	if last, err = insts[0].db.LastUpdate(t.Context()); err != nil {
		t.Fatal(err)
	}
	clients = append(clients, subscribeAll(t, ctx, urlsFrom(2), last.ID))
	write("after the restart", 10, 0, 1, 2)

	var want []hub.Update
	if err := insts[0].db.UpdatesAfter(t.Context(), hub.EarliestID, nil, func(u hub.Update) error {
		want = append(want, u)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	late := len(want) - 2*10*3 // the last subscriber came after the restart
	for i, c := range clients {
		w := want[len(matches):] // the others came after the matches were created
		if i == len(clients)-1 {
			w = want[late:]
		}
		checkDelivered(t, fmt.Sprintf("subscriber %d", i), waitForID(t, c, w[len(w)-1].ID), w)
	}
	for i, c := range clients[4:6] {
		c.mu.Lock()
		resumed := c.resumed
		c.mu.Unlock()
		if resumed != 1 {
			t.Errorf("subscriber %d of the stopped instance: resumed %d times, want 1", 4+i, resumed)
		}
	}
	time.Sleep(100 * time.Millisecond) // a duplicate would come late
	for i, c := range clients {
		if got, _ := c.seen(); len(got) > 0 && got[len(got)-1] != want[len(want)-1].ID {
			t.Errorf("subscriber %d: got %s after the newest update %s, want nothing more", i, got[len(got)-1], want[len(want)-1].ID)
		}
	}
}

// waitForID waits up to 30 seconds for c to have seen the update id, and
// returns what it saw.
func waitForID(t *testing.T, c *sseClient, id string) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := c.seen()
		if err != nil {
			t.Fatalf("subscriber: %v", err)
		}
		if slices.Contains(got, id) || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkDelivered checks that a subscriber got the updates of want (the
// history's, in its order) as the hub promises: each at most once, in
// that order, every Mercure publish, and every match update but those a
// later update of the same match, which it got, superseded (a match's
// updates coalesce for a subscriber that is behind: Update.Coalesce).
func checkDelivered(t *testing.T, who string, got []string, want []hub.Update) {
	t.Helper()
	pos := make(map[string]int, len(want))
	for i, u := range want {
		pos[u.ID] = i
	}
	received := make(map[string]bool, len(got))
	prev := -1
	for _, id := range got {
		p, ok := pos[id]
		if !ok || p <= prev {
			t.Errorf("%s: got %s out of the history's order (or twice, or unknown): got %q", who, id, got)
			return
		}
		prev, received[id] = p, true
	}
	for i, u := range want {
		if received[u.ID] {
			continue
		}
		superseded := strings.Contains(u.Topics[0], "/matches/") && slices.ContainsFunc(want[i+1:], func(v hub.Update) bool {
			return received[v.ID] && slices.Equal(v.Topics, u.Topics)
		})
		if !superseded {
			t.Errorf("%s: update %s on %q missing, and no later update of that match superseded it", who, u.ID, u.Topics)
		}
	}
}

// publishTo publishes form at the hub of the instance at base.
func publishTo(ctx context.Context, base, token string, form url.Values) error {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/.well-known/mercure", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Authorization", "Bearer "+token)
	return send(r, http.StatusOK)
}

// recordOn records a note in match id through the API of the instance at
// base.
func recordOn(ctx context.Context, base, token string, id int64, text string) error {
	body := fmt.Sprintf(`{"kind":"note","text":%q}`, text)
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s/api/v1/matches/%d/events", base, id), strings.NewReader(body))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+token)
	return send(r, http.StatusCreated)
}

func send(r *http.Request, want int) error {
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: got status %d (%s), want %d", r.Method, r.URL.Path, resp.StatusCode, b, want)
	}
	return nil
}

// TestReadyWhileCutOff checks GET /readyz of an instance whose listening
// connection is cut (and kept from connecting again): 503 saying it does
// not hear the other instances, then 200 once it listens again.
func TestReadyWhileCutOff(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	in := startInstance(t, dbURL)
	ready := func() (int, string) {
		resp, err := http.Get(in.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := ready(); code != http.StatusOK {
		t.Fatalf("GET /readyz before the cut: got %d (%s), want 200", code, body)
	}
	allow := cutListeners(t, dbURL)
	var code int
	var body string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if code, body = ready(); code != http.StatusOK {
			break
		}
	}
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "not listening for other instances' updates") {
		t.Fatalf("GET /readyz while cut off: got %d (%q), want 503 saying it is not listening", code, body)
	}
	allow()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if code, body = ready(); code == http.StatusOK {
			break
		}
	}
	if code != http.StatusOK {
		t.Fatalf("GET /readyz after the cut: got %d (%q), want 200", code, body)
	}
}

// cutListeners cuts the listening connections of the instances on the
// database at dbURL (pg_terminate_backend) and keeps them from connecting
// again until allow is called (or the test ends); connections open
// already stay open.
func cutListeners(t *testing.T, dbURL string) (allow func()) {
	t.Helper()
	admin, err := pgx.Connect(t.Context(), pgtest.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	u, _ := url.Parse(dbURL)
	name := strings.TrimPrefix(u.Path, "/")
	set := func(on bool) error {
		_, err := admin.Exec(context.Background(), fmt.Sprintf(`ALTER DATABASE %s ALLOW_CONNECTIONS %t`, pgx.Identifier{name}.Sanitize(), on))
		return err
	}
	if err := set(false); err != nil {
		t.Fatal(err)
	}
	allowed := false
	allow = func() {
		if !allowed {
			allowed = true
			if err := set(true); err != nil {
				t.Error(err)
			}
		}
	}
	t.Cleanup(allow)
	if _, err := admin.Exec(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = $1 AND application_name = 'scoreboard-listen'`, name); err != nil {
		t.Fatal(err)
	}
	return allow
}
