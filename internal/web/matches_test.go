package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
)

// hardNames hold what breaks careless code: HTML, quotes, emoji,
// right-to-left text and combining accents.
var hardNames = [2]string{`<b>"Olympique" & 'Cie'</b> ⚽🏆`, "الأهلي \u202eRTL\u202c Ёлка e\u0301"}

func TestCreateAndReadMatch(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind string) {
		a := newTestAPI(t, kind, Deps{})
		_, admin := a.user("admin@example.org", match.RoleAdmin)
		doc := a.createMatch(admin, footballInput(hardNames[0], hardNames[1]))
		if doc.Match.ID == 0 || doc.Match.Home.Name != hardNames[0] || doc.Match.Away.Name != hardNames[1] {
			t.Fatalf("POST /api/v1/matches: got %+v, want an id and the names as sent", doc.Match)
		}
		if doc.State.UpdateID == "" || doc.State.Status != match.StatusScheduled {
			t.Errorf("new match's state: got update_id %q status %q, want an update id and scheduled", doc.State.UpdateID, doc.State.Status)
		}
		if want := a.URL + fmt.Sprintf("/matches/%d", doc.Match.ID); doc.Topic != want {
			t.Errorf("topic: got %q, want %q", doc.Topic, want)
		}

		path := fmt.Sprintf("/api/v1/matches/%d", doc.Match.ID)
		got := a.do(req{Method: "GET", Path: path})
		wantStatus(t, "GET "+path, got, http.StatusOK)
		var read matchDoc
		got.decode(t, &read)
		if read.Match.Home.Name != hardNames[0] || read.State.Away.Name != hardNames[1] {
			t.Errorf("GET %s: got names %q and %q, want %q and %q", path, read.Match.Home.Name, read.State.Away.Name, hardNames[0], hardNames[1])
		}
		if !strings.Contains(string(got.Body), `\u003cb\u003e`) {
			t.Errorf("GET %s: HTML in names is not escaped in the JSON: %s", path, got.Body)
		}
	})
}

func TestPublicReadsCacheAndCORS(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, "sqlite", Deps{})
	_, admin := a.user("admin@example.org", match.RoleAdmin)
	doc := a.createMatch(admin, footballInput("Lille", "Lens"))
	for _, path := range []string{
		"/api/v1/matches", fmt.Sprintf("/api/v1/matches/%d", doc.Match.ID), fmt.Sprintf("/api/v1/matches/%d/events", doc.Match.ID),
		"/api/v1/competitions", "/api/v1/teams",
	} {
		t.Run(path, func(t *testing.T) {
			got := a.do(req{Method: "GET", Path: path, Header: http.Header{"Origin": {"https://fans.example.net"}}})
			wantStatus(t, "GET "+path, got, http.StatusOK)
			if o := got.Header.Get("Access-Control-Allow-Origin"); o != "*" {
				t.Errorf("Access-Control-Allow-Origin: got %q, want *", o)
			}
			if cc := got.Header.Get("Cache-Control"); cc != publicCacheControl {
				t.Errorf("Cache-Control: got %q, want %q", cc, publicCacheControl)
			}
			etag := got.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			again := a.do(req{Method: "GET", Path: path, Header: http.Header{"If-None-Match": {etag}}})
			if again.Status != http.StatusNotModified || len(again.Body) != 0 {
				t.Errorf("GET with If-None-Match %s: got %d %q, want 304 and no body", etag, again.Status, again.Body)
			}
			other := a.do(req{Method: "GET", Path: path, Header: http.Header{"If-None-Match": {`"stale"`}}})
			wantStatus(t, "GET with a stale ETag", other, http.StatusOK)
		})
	}
	// A change changes the ETag of the match.
	path := fmt.Sprintf("/api/v1/matches/%d", doc.Match.ID)
	before := a.do(req{Method: "GET", Path: path}).Header.Get("ETag")
	a.record(admin, doc.Match.ID, map[string]any{"kind": "match_start"}, http.StatusCreated)
	if got := a.do(req{Method: "GET", Path: path, Header: http.Header{"If-None-Match": {before}}}); got.Status != http.StatusOK {
		t.Errorf("GET %s with the ETag from before an event: got %d, want 200", path, got.Status)
	}
	// Preflight for a cross-site write with a bearer token.
	pre := a.do(req{Method: "OPTIONS", Path: "/api/v1/matches", Header: http.Header{
		"Origin": {"https://club.example.net"}, "Access-Control-Request-Method": {"POST"},
		"Access-Control-Request-Headers": {"authorization, content-type"}}})
	if pre.Status != http.StatusNoContent || !strings.Contains(pre.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight: got %d with Allow-Headers %q, want 204 allowing Authorization", pre.Status, pre.Header.Get("Access-Control-Allow-Headers"))
	}
}

func TestWritesNeedAUser(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, "sqlite", Deps{})
	_, admin := a.user("admin@example.org", match.RoleAdmin)
	_, scorer := a.user("scorer@example.org", match.RoleScorer)
	doc := a.createMatch(admin, footballInput("Lille", "Lens"))
	events := fmt.Sprintf("/api/v1/matches/%d/events", doc.Match.ID)
	tests := []struct {
		name   string
		rq     req
		status int
		code   string
		parts  []string
	}{
		{"anonymous create", req{Method: "POST", Path: "/api/v1/matches", Body: footballInput("A", "B")}, 401, "unauthorized", []string{"API token"}},
		{"anonymous event", req{Method: "POST", Path: events, Body: map[string]any{"kind": "match_start"}}, 401, "unauthorized", nil},
		{"garbage token", req{Method: "POST", Path: events, Body: map[string]any{"kind": "match_start"}, Token: "not-a-jwt"}, 401, "unauthorized", []string{"not a JWT"}},
		{"basic auth", req{Method: "POST", Path: events, Body: map[string]any{"kind": "match_start"}, Header: http.Header{"Authorization": {"Basic YTpi"}}}, 401, "unauthorized", []string{"Bearer"}},
		{"scorer creates a match", req{Method: "POST", Path: "/api/v1/matches", Body: footballInput("A", "B"), Token: scorer}, 403, "forbidden", []string{"only admins", "scorer@example.org"}},
		{"scorer outside their matches", req{Method: "POST", Path: events, Body: map[string]any{"kind": "match_start"}, Token: scorer}, 403, "forbidden", []string{fmt.Sprintf("match %d", doc.Match.ID)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, tt.name, a.do(tt.rq), tt.status, tt.code, tt.parts...)
		})
	}
	// Once assigned, the scorer may record.
	uid := mustUser(t, a, "scorer@example.org").ID
	wantStatus(t, "assign", a.do(req{Method: "PUT", Path: fmt.Sprintf("/api/v1/matches/%d/scorers/%d", doc.Match.ID, uid), Token: admin}), http.StatusNoContent)
	a.record(scorer, doc.Match.ID, map[string]any{"kind": "match_start"}, http.StatusCreated)
	var list userList
	got := a.do(req{Method: "GET", Path: fmt.Sprintf("/api/v1/matches/%d/scorers", doc.Match.ID), Token: admin})
	got.decode(t, &list)
	if len(list.Users) != 1 || list.Users[0].ID != uid {
		t.Errorf("scorers: got %+v, want the one assigned", list.Users)
	}
	wantStatus(t, "unassign", a.do(req{Method: "DELETE", Path: fmt.Sprintf("/api/v1/matches/%d/scorers/%d", doc.Match.ID, uid), Token: admin}), http.StatusNoContent)
	wantError(t, "after unassign", a.do(req{Method: "POST", Path: events, Body: map[string]any{"kind": "note", "text": "x"}, Token: scorer}), 403, "forbidden")
}

func mustUser(t *testing.T, a *testAPI, email string) match.User {
	t.Helper()
	u, err := a.store.UserByEmail(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestBadBodies(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, "sqlite", Deps{})
	_, admin := a.user("admin@example.org", match.RoleAdmin)
	doc := a.createMatch(admin, footballInput("Lille", "Lens"))
	events := fmt.Sprintf("/api/v1/matches/%d/events", doc.Match.ID)
	tests := []struct {
		name   string
		rq     req
		status int
		code   string
		parts  []string
	}{
		{"not JSON", req{Method: "POST", Path: events, Body: `{"kind": "score",`, ContentType: "application/json"}, 400, "invalid", []string{"ends in the middle"}},
		{"syntax", req{Method: "POST", Path: events, Body: `{"kind" "score"}`, ContentType: "application/json"}, 400, "invalid", []string{"not valid JSON"}},
		{"unknown field", req{Method: "POST", Path: events, Body: map[string]any{"kind": "match_start", "scorer": "x"}}, 400, "invalid", []string{`"scorer"`}},
		{"wrong type", req{Method: "POST", Path: events, Body: map[string]any{"kind": "match_start", "expected_seq": "one"}}, 400, "invalid", []string{`"expected_seq"`, "number"}},
		{"two values", req{Method: "POST", Path: events, Body: `{"kind":"match_start"} {}`, ContentType: "application/json"}, 400, "invalid", []string{"more than one"}},
		{"empty", req{Method: "POST", Path: events, Body: "", ContentType: "application/json"}, 400, "invalid", []string{"empty"}},
		{"form", req{Method: "POST", Path: events, Body: "kind=score", ContentType: "application/x-www-form-urlencoded"}, 400, "invalid", []string{"application/json"}},
		{"oversized", req{Method: "POST", Path: events, Body: `{"kind":"note","text":"` + strings.Repeat("a", maxJSONBody) + `"}`, ContentType: "application/json"}, 413, "too_large", []string{fmt.Sprint(maxJSONBody)}},
		{"bad kick-off", req{Method: "POST", Path: "/api/v1/matches", Body: map[string]any{"sport": "football", "kick_off": "tomorrow"}}, 400, "invalid", []string{"tomorrow"}},
		{"domain refusal", req{Method: "POST", Path: events, Body: map[string]any{"kind": "score", "team": "home", "score_kind": "goal"}}, 400, "invalid", nil},
		{"bad id", req{Method: "GET", Path: "/api/v1/matches/abc"}, 400, "invalid", []string{`"abc"`}},
		{"no match", req{Method: "GET", Path: "/api/v1/matches/999999"}, 404, "not_found", []string{"999999"}},
		{"bad status filter", req{Method: "GET", Path: "/api/v1/matches?status=playing"}, 400, "invalid", []string{"playing"}},
		{"bad limit", req{Method: "GET", Path: "/api/v1/matches?limit=100000"}, 400, "invalid", []string{"limit"}},
		{"bad date", req{Method: "GET", Path: "/api/v1/matches?date=01/12/2026"}, 400, "invalid", []string{"date"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.rq.Token = admin
			wantError(t, tt.name, a.do(tt.rq), tt.status, tt.code, tt.parts...)
		})
	}
	// Nothing stored was touched by the refusals.
	var read matchDoc
	a.do(req{Method: "GET", Path: fmt.Sprintf("/api/v1/matches/%d", doc.Match.ID)}).decode(t, &read)
	if read.State.Seq != 0 {
		t.Errorf("after refused writes: got seq %d, want 0", read.State.Seq)
	}
}

func TestRecordEvents(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind string) {
		a := newTestAPI(t, kind, Deps{})
		_, admin := a.user("admin@example.org", match.RoleAdmin)
		id := a.createMatch(admin, footballInput("Lille", "Lens")).Match.ID
		a.record(admin, id, map[string]any{"kind": "match_start", "idempotency_key": "k1"}, http.StatusCreated)
		goal := map[string]any{"kind": "score", "team": "home", "score_kind": "goal", "player": hardNames[1], "idempotency_key": "k2", "expected_seq": 1}
		first := a.record(admin, id, goal, http.StatusCreated)
		if first.Event.Seq != 2 || first.State.Home.Score != 1 || first.Event.Player != hardNames[1] {
			t.Fatalf("goal: got event %+v, home score %d, want seq 2, score 1 and the player's name intact", first.Event, first.State.Home.Score)
		}
		retry := a.record(admin, id, goal, http.StatusOK)
		if retry.Event.Seq != 2 || !retry.Event.RecordedAt.Equal(first.Event.RecordedAt) || retry.State.Home.Score != 1 {
			t.Errorf("retry: got event %d at %s, score %d; want the original event 2 at %s and score 1",
				retry.Event.Seq, retry.Event.RecordedAt, retry.State.Home.Score, first.Event.RecordedAt)
		}
		stale := a.do(req{Method: "POST", Path: fmt.Sprintf("/api/v1/matches/%d/events", id), Token: admin,
			Body: map[string]any{"kind": "score", "team": "away", "score_kind": "goal", "idempotency_key": "k3", "expected_seq": 1}})
		wantError(t, "stale expected_seq", stale, http.StatusConflict, "conflict", "seq 2")
		reused := a.do(req{Method: "POST", Path: fmt.Sprintf("/api/v1/matches/%d/events", id), Token: admin,
			Body: map[string]any{"kind": "score", "team": "away", "score_kind": "goal", "idempotency_key": "k2"}})
		wantError(t, "key reused for another event", reused, http.StatusConflict, "conflict", "k2")
		// An admin's event is not checked against a read of the match
		// first (mayRecord): the append itself says there is none.
		missing := a.do(req{Method: "POST", Path: "/api/v1/matches/999999/events", Token: admin,
			Body: map[string]any{"kind": "note", "text": "nowhere"}})
		wantError(t, "event for a match that does not exist", missing, http.StatusNotFound, "not_found", "999999")

		var log eventList
		a.do(req{Method: "GET", Path: fmt.Sprintf("/api/v1/matches/%d/events?since=1", id)}).decode(t, &log)
		if len(log.Events) != 1 || log.Events[0].Seq != 2 || log.Events[0].RecordedBy != "" {
			t.Errorf("events since 1: got %+v, want event 2 alone, without who recorded it", log.Events)
		}

		// One request sent several times at once, as a client on a flaky
		// network may: one answer says it recorded the event, the others
		// that they are retries of it.
		note := map[string]any{"kind": "note", "text": "sent at once", "idempotency_key": "k4"}
		const racing = 6
		statuses := make([]int, racing)
		var wg sync.WaitGroup
		for i := range racing {
			wg.Go(func() {
				statuses[i] = a.do(req{Method: "POST", Path: fmt.Sprintf("/api/v1/matches/%d/events", id), Token: admin, Body: note}).Status
			})
		}
		wg.Wait()
		created := 0
		for _, st := range statuses {
			if st == http.StatusCreated {
				created++
			} else if st != http.StatusOK {
				t.Errorf("racing requests with one key: got status %d, want 201 or 200", st)
			}
		}
		if created != 1 {
			t.Errorf("racing requests with one key: got statuses %v, want exactly one 201 and the others 200", statuses)
		}
	})
}

// TestSubscribeFromUpdateID reads a match, subscribes to its topic from
// the state's update_id, records a goal and receives the updates after the
// read in order, ending with the goal's: nothing between the read and the
// stream is lost or repeated. A match's updates coalesce (the newest state
// supersedes one not yet written to a subscriber), so the update between
// may be superseded by the goal's; its event is then in the log since the
// read's seq.
func TestSubscribeFromUpdateID(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, kind string) {
		a := newTestAPI(t, kind, Deps{})
		_, admin := a.user("admin@example.org", match.RoleAdmin)
		id := a.createMatch(admin, footballInput("Lille", "Lens")).Match.ID
		a.record(admin, id, map[string]any{"kind": "match_start"}, http.StatusCreated)
		var doc matchDoc
		a.do(req{Method: "GET", Path: fmt.Sprintf("/api/v1/matches/%d", id)}).decode(t, &doc)

		// An event recorded between the read and the subscription.
		between := a.record(admin, id, map[string]any{"kind": "note", "text": "between the read and the stream"}, http.StatusCreated)
		q := url.Values{"topic": {doc.Topic}, "lastEventID": {doc.State.UpdateID}}
		stream := openStream(t, a.URL+"/.well-known/mercure?"+q.Encode())
		goal := a.record(admin, id, map[string]any{"kind": "score", "team": "away", "score_kind": "goal"}, http.StatusCreated)

		wants := []appendedDoc{between, goal}
		for len(wants) > 0 {
			id, data := nextEvent(t, stream)
			var u match.Update
			if err := json.Unmarshal([]byte(data), &u); err != nil {
				t.Fatalf("update %q: %v", data, err)
			}
			if len(wants) == 2 && id == goal.State.UpdateID {
				wants = wants[1:] // between was superseded
			}
			want := wants[0]
			wants = wants[1:]
			if id != want.State.UpdateID || u.Seq != want.Event.Seq || len(u.Events) != 1 || u.Events[0].Seq != want.Event.Seq {
				t.Fatalf("got update %s at seq %d with events %+v, want update %s for event %d", id, u.Seq, u.Events, want.State.UpdateID, want.Event.Seq)
			}
			if u.Away.Score != want.State.Away.Score {
				t.Errorf("update %s: away score %d, want %d", id, u.Away.Score, want.State.Away.Score)
			}
			if strings.Contains(data, `"timeline"`) {
				t.Errorf("update %s carries the timeline: %s", id, data)
			}
		}
		var log eventList
		a.do(req{Method: "GET", Path: fmt.Sprintf("/api/v1/matches/%d/events?since=%d", id, doc.State.Seq)}).decode(t, &log)
		if len(log.Events) != 2 || log.Events[0].Seq != between.Event.Seq || log.Events[1].Seq != goal.Event.Seq {
			t.Errorf("events since the read: got %+v, want the note and the goal", log.Events)
		}
	})
}

// openStream subscribes and returns the stream; it is cut after 30s, so
// that a missing event fails the test instead of hanging it.
func openStream(t *testing.T, rawURL string) *bufio.Reader {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	r, err := http.NewRequestWithContext(ctx, "GET", rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("subscribe: got status %d, want 200", resp.StatusCode)
	}
	return bufio.NewReader(resp.Body)
}

// nextEvent reads the next event of an SSE stream: its id and data.
func nextEvent(t *testing.T, stream *bufio.Reader) (id, data string) {
	t.Helper()
	for {
		line, err := stream.ReadString('\n')
		if err != nil {
			t.Fatalf("read stream: %v", err)
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case strings.HasPrefix(line, "id: "):
			id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			data += strings.TrimPrefix(line, "data: ")
		case line == "" && data != "":
			return id, data
		}
	}
}
