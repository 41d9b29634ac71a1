package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/internal/postgres"
	"github.com/scoreboard/scoreboard/internal/postgres/pgtest"
	"github.com/scoreboard/scoreboard/internal/sqlite"
)

// testStore is a store as the binary uses it: the web layer's Store, the
// hub's history and transport.
type testStore interface {
	Store
	hub.History
	hub.Transport
}

// testAPI is the whole HTTP handler on a real store and a real hub, behind
// a real listener, with a client that checks every request it sends to
// /api/v1 and every response it gets against the OpenAPI document.
type testAPI struct {
	t      *testing.T
	URL    string
	store  testStore
	hub    *hub.Hub
	doc    *docChecker
	logs   *syncBuffer
	server *server
}

// limiter is the handler's in-flight limiter.
func (a *testAPI) limiter() *inFlightLimiter { return a.server.limiter }

// testAPIKey signs the tests' API tokens.
var testAPIKey = []byte("test API key, 32 bytes or more...")

// stores are the stores API tests run on: every behaviour the API has, it
// has on both.
var stores = []string{"sqlite", "postgres"}

// newTestAPI starts the handler on a fresh store of kind ("sqlite" or
// "postgres"; the latter skips, or fails under SCOREBOARD_TEST_REQUIRE,
// without a server). d's Store, APIKey, Hub and PublicURL are filled in.
func newTestAPI(t *testing.T, kind string, d Deps) *testAPI {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	publicURL := "http://" + srv.Listener.Addr().String()
	if d.PublicURL != "" {
		publicURL = d.PublicURL // as behind a proxy: topics and cookies follow it
	}
	topic := func(id int64) string { return publicURL + "/matches/" + strconv.FormatInt(id, 10) }
	var db testStore
	switch kind {
	case "sqlite":
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "test.db"), sqlite.Options{MatchTopic: topic})
		if err != nil {
			t.Fatalf("open sqlite: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("migrate sqlite: %v", err)
		}
		db = s
	case "postgres":
		db = pgtest.Open(t, postgres.Options{MatchTopic: topic})
	default:
		t.Fatalf("unknown store %q", kind)
	}
	key, err := hub.NewKey(hub.HS256, "test hub key, 32 bytes or more....")
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	h, err := hub.New(hub.Config{History: db, Transport: db, PublisherKey: key, SubscriberKey: key,
		AllowAnonymous: true, Subscriptions: true, Logger: logger})
	if err != nil {
		t.Fatalf("hub.New: %v", err)
	}
	t.Cleanup(h.Shutdown)
	d.Store, d.APIKey, d.Hub, d.PublicURL = db, testAPIKey, h, publicURL
	if d.HubSubscriberKey == nil {
		d.HubSubscriberKey = key
	}
	if d.HubStats == nil {
		d.HubStats = h.Stats
	}
	if d.Logger == nil {
		d.Logger = logger
	}
	server, handler := newServer(d)
	srv.Config.Handler = handler
	srv.Start()
	t.Cleanup(srv.Close)
	return &testAPI{t: t, URL: srv.URL, store: db, hub: h, doc: newDocChecker(t), logs: logs, server: server}
}

// forEachStore runs fn as a parallel subtest on each store.
func forEachStore(t *testing.T, fn func(t *testing.T, kind string)) {
	for _, kind := range stores {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			fn(t, kind)
		})
	}
}

// user creates a user with role and returns it with an API token acting
// as it.
func (a *testAPI) user(email string, role match.Role) (match.User, string) {
	a.t.Helper()
	u, err := a.store.CreateUser(a.t.Context(), match.UserInput{Email: email, Role: role, Password: "a long enough password"})
	if err != nil {
		a.t.Fatalf("CreateUser(%s): %v", email, err)
	}
	tok, _, err := IssueAPIToken(a.t.Context(), a.store, testAPIKey, u, "test", 0)
	if err != nil {
		a.t.Fatalf("IssueAPIToken(%s): %v", email, err)
	}
	return u, tok
}

// response is what the client got.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// decode reads the body as JSON into v, failing the test if it is not.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %d response %q: %v", r.Status, r.Body, err)
	}
}

// errorOf returns the error body of the response.
func (r response) errorOf(t *testing.T) errorDetail {
	t.Helper()
	var e errorBody
	r.decode(t, &e)
	return e.Error
}

// req is a request the tests send.
type req struct {
	Method, Path string
	// Body is sent as JSON unless it is a string or []byte (sent as is).
	Body        any
	ContentType string
	Token       string
	Header      http.Header
}

// do sends rq and checks it and its response against the OpenAPI document.
func (a *testAPI) do(rq req) response {
	a.t.Helper()
	var body []byte
	ct := rq.ContentType
	switch b := rq.Body.(type) {
	case nil:
	case string:
		body = []byte(b)
	case []byte:
		body = b
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			a.t.Fatalf("encode request body: %v", err)
		}
		if ct == "" {
			ct = "application/json"
		}
	}
	r, err := http.NewRequestWithContext(a.t.Context(), rq.Method, a.URL+rq.Path, bytes.NewReader(body))
	if err != nil {
		a.t.Fatalf("new request: %v", err)
	}
	for k, vs := range rq.Header {
		r.Header[k] = vs
	}
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	if rq.Token != "" {
		r.Header.Set("Authorization", "Bearer "+rq.Token)
	}
	return a.doc.send(a.t, http.DefaultClient, r, body)
}

// docChecker checks requests to /api/v1 and their responses against the
// OpenAPI document, so that the document cannot drift from what the API
// does: every response must have a status the document lists for its
// operation and a body that matches its schema, and a request that does
// not match the document must be refused.
type docChecker struct {
	router routers.Router
}

func newDocChecker(t *testing.T) *docChecker {
	t.Helper()
	doc, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	// The document's server is "/" (paths are absolute); the router would
	// match the request's URL against it and keep what follows the
	// slash, so it routes on paths alone.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatalf("OpenAPI router: %v", err)
	}
	return &docChecker{router: router}
}

// send sends r (whose body is body) with c, reads the response whole and
// checks both against the document.
func (d *docChecker) send(t *testing.T, c *http.Client, r *http.Request, body []byte) response {
	t.Helper()
	input, reqErr := d.checkRequest(t, r, body)
	resp, err := c.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.URL.Path, err)
	}
	defer resp.Body.Close()
	got := response{Status: resp.StatusCode, Header: resp.Header}
	if got.Body, err = io.ReadAll(resp.Body); err != nil {
		t.Fatalf("read %s %s: %v", r.Method, r.URL.Path, err)
	}
	if input == nil {
		return got
	}
	if reqErr != nil && got.Status < 300 {
		t.Errorf("%s %s: the request does not match the OpenAPI document, yet got %d: %v", r.Method, r.URL.Path, got.Status, reqErr)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: input, Status: got.Status, Header: got.Header,
		Body: io.NopCloser(bytes.NewReader(got.Body)), Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s → %d %s: the response does not match the OpenAPI document: %v", r.Method, r.URL.Path, got.Status, got.Body, err)
	}
	return got
}

// checkRequest finds an API request's operation in the document and checks
// the request against it; input is nil for a path outside the API and for
// CORS preflights, which are the browser's, not operations of the API.
func (d *docChecker) checkRequest(t *testing.T, r *http.Request, body []byte) (input *openapi3filter.RequestValidationInput, err error) {
	t.Helper()
	if !strings.HasPrefix(r.URL.Path, "/api/v1/") || r.Method == http.MethodOptions {
		return nil, nil
	}
	clone := r.Clone(context.Background())
	clone.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := d.router.FindRoute(clone)
	if err != nil {
		t.Errorf("%s %s is not in the OpenAPI document: %v", r.Method, r.URL.Path, err)
		return nil, nil
	}
	input = &openapi3filter.RequestValidationInput{Request: clone, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	return input, openapi3filter.ValidateRequest(context.Background(), input)
}

// wantStatus fails the test unless the response has status want.
func wantStatus(t *testing.T, what string, got response, want int) {
	t.Helper()
	if got.Status != want {
		t.Fatalf("%s: got status %d (%s), want %d", what, got.Status, bytes.TrimSpace(got.Body), want)
	}
}

// wantError fails the test unless the response is an error with status,
// code and a message containing each of parts.
func wantError(t *testing.T, what string, got response, status int, code string, parts ...string) {
	t.Helper()
	wantStatus(t, what, got, status)
	e := got.errorOf(t)
	if e.Code != code {
		t.Errorf("%s: got error code %q, want %q", what, e.Code, code)
	}
	for _, p := range parts {
		if !strings.Contains(e.Message, p) {
			t.Errorf("%s: error message %q does not contain %q", what, e.Message, p)
		}
	}
}

// footballInput is a match typed in by hand, kicking off in an hour.
func footballInput(home, away string) map[string]any {
	return map[string]any{
		"competition": "Friendly", "sport": "football",
		"home": map[string]any{"name": home}, "away": map[string]any{"name": away},
		"kick_off": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "time_zone": "Europe/Paris", "venue": "Stade",
	}
}

// createMatch creates a match through the API as the admin whose token is
// given and returns its document.
func (a *testAPI) createMatch(token string, body any) matchDoc {
	a.t.Helper()
	got := a.do(req{Method: "POST", Path: "/api/v1/matches", Body: body, Token: token})
	wantStatus(a.t, "POST /api/v1/matches", got, http.StatusCreated)
	var doc matchDoc
	got.decode(a.t, &doc)
	return doc
}

// record posts an event and returns the answer, checking its status.
func (a *testAPI) record(token string, id int64, ev map[string]any, status int) appendedDoc {
	a.t.Helper()
	path := fmt.Sprintf("/api/v1/matches/%d/events", id)
	got := a.do(req{Method: "POST", Path: path, Body: ev, Token: token})
	wantStatus(a.t, "POST "+path+fmt.Sprint(ev), got, status)
	var ap appendedDoc
	got.decode(a.t, &ap)
	return ap
}
