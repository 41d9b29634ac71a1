package web

// The helpers of the account tests: a handler on a real SQLite store
// behind a real listener, users and tokens made through the store, and one
// function that sends a request the way a client would. They are few and
// kept here so that the shared API harness can take their place.

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
)

// testPassword is every test user's password.
const testPassword = "correct horse battery staple"

// apiEnv is the API test harness (testAPI: the handler on a real SQLite
// store and hub behind a real listener, every request and response checked
// against the OpenAPI document) with what the account tests add: clients
// that keep cookies as browsers do.
type apiEnv struct {
	*testAPI
	db  testStore
	key []byte
}

// newAPIEnv serves the handler with publicURL as its public URL ("" for
// the test server's own).
func newAPIEnv(t *testing.T, publicURL string) *apiEnv {
	t.Helper()
	a := newTestAPI(t, "sqlite", Deps{PublicURL: publicURL})
	return &apiEnv{testAPI: a, db: a.store, key: testAPIKey}
}

// user stores a user with testPassword.
func (e *apiEnv) user(email string, role match.Role) match.User {
	e.t.Helper()
	u, err := e.db.CreateUser(context.Background(), match.UserInput{Email: email, Role: role, Password: testPassword})
	if err != nil {
		e.t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// bearer returns the Authorization header of a new API token acting as u.
func (e *apiEnv) bearer(u match.User) string {
	e.t.Helper()
	tok, _, err := IssueAPIToken(context.Background(), e.db, e.key, u, "test", 0)
	if err != nil {
		e.t.Fatalf("issue API token for %s: %v", u.Email, err)
	}
	return "Bearer " + tok
}

// browser returns a client that keeps cookies, as a browser does, and
// connects from the loopback address from ("" for any), so that a test can
// play several clients' addresses.
func browser(t *testing.T, from string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if from != "" {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
		tr.DialContext = d.DialContext
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// errorMessage is the message of an error response.
func (r response) errorMessage(t *testing.T) string {
	t.Helper()
	var b errorBody
	r.decode(t, &b)
	return b.Error.Message
}

// cookie is the session cookie the response sets, nil for none.
func (r response) cookie() *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	return nil
}

// plainClient keeps no cookies and follows no redirects, so that a test
// sees each response.
var plainClient = &http.Client{Timeout: 30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// call sends a request with c (nil: plainClient) to the
// env's server and reads the response. body is JSON-encoded unless it is a
// string, sent as it is; headers are name, value pairs.
func (e *apiEnv) call(c *http.Client, method, path string, body any, headers ...string) response {
	e.t.Helper()
	if c == nil {
		c = plainClient
	}
	var raw []byte
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		raw, ct = j, "application/json"
	}
	req, err := http.NewRequest(method, e.URL+path, bytes.NewReader(raw))
	if err != nil {
		e.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	got := e.doc.send(e.t, c, req, raw)
	return got
}

// login logs c in as email with testPassword and fails the test unless it
// works.
func (e *apiEnv) login(c *http.Client, email string) response {
	e.t.Helper()
	r := e.call(c, http.MethodPost, "/api/v1/session", loginRequest{Email: email, Password: testPassword})
	if r.Status != http.StatusOK {
		e.t.Fatalf("log in as %s: got %d %s, want 200", email, r.Status, r.Body)
	}
	return r
}

// want fails the test unless r has status, and, when msg is not "", an
// error message containing msg.
func want(t *testing.T, what string, r response, status int, msg string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("%s: got %d %s, want %d", what, r.Status, r.Body, status)
		return
	}
	if msg != "" {
		if got := r.errorMessage(t); !strings.Contains(got, msg) {
			t.Errorf("%s: got message %q, want it to contain %q", what, got, msg)
		}
	}
}

// createMatch creates a football match through the API with the
// Authorization header auth and returns its id.
func (e *apiEnv) createMatch(auth string) int64 {
	e.t.Helper()
	r := e.call(nil, http.MethodPost, "/api/v1/matches", map[string]any{
		"competition": "Cup", "sport": "football", "home": map[string]string{"name": "Home"}, "away": map[string]string{"name": "Away"},
		"kick_off": "2026-12-01T15:00:00Z", "time_zone": "UTC",
	}, "Authorization", auth)
	if r.Status != http.StatusCreated {
		e.t.Fatalf("create match: got %d %s, want 201", r.Status, r.Body)
	}
	var doc struct {
		Match struct {
			ID int64 `json:"id"`
		} `json:"match"`
	}
	r.decode(e.t, &doc)
	return doc.Match.ID
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
