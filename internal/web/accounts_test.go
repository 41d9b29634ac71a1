package web

// The helpers of the account tests: a handler on a real SQLite store
// behind a real listener, users and tokens made through the store, and one
// function that sends a request the way a client would. They are few and
// kept here so that the shared API harness can take their place.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/internal/sqlite"
)

// testPassword is every test user's password.
const testPassword = "correct horse battery staple"

// apiEnv is the handler on its own SQLite database, served on a real
// listener.
type apiEnv struct {
	t   *testing.T
	srv *httptest.Server
	db  *sqlite.DB
	key []byte
}

// newAPIEnv serves the handler with publicURL as its public URL ("" for
// the test server's own).
func newAPIEnv(t *testing.T, publicURL string) *apiEnv {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "scoreboard.db"), sqlite.Options{
		MatchTopic: func(id int64) string { return "https://scores.example.org/matches/" + strconv.FormatInt(id, 10) },
	})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	e := &apiEnv{t: t, db: db, key: []byte("a-test-key-of-thirty-two-bytes!!")}
	e.srv, _ = newTestServer(t, Deps{Store: db, APIKey: e.key, PublicURL: publicURL})
	return e
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

// reply is a response, read whole.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// decode reads the reply's JSON body into v.
func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
}

// errorMessage is the message of an error reply.
func (r reply) errorMessage(t *testing.T) string {
	t.Helper()
	var b errorBody
	r.decode(t, &b)
	return b.Error.Message
}

// cookie is the session cookie the reply sets, nil for none.
func (r reply) cookie() *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
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
// env's server and reads the reply. body is JSON-encoded unless it is a
// string, sent as it is; headers are name, value pairs.
func (e *apiEnv) call(c *http.Client, method, path string, body any, headers ...string) reply {
	e.t.Helper()
	if c == nil {
		c = plainClient
	}
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd, ct = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read %s %s: %v", method, path, err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

// login logs c in as email with testPassword and fails the test unless it
// works.
func (e *apiEnv) login(c *http.Client, email string) reply {
	e.t.Helper()
	r := e.call(c, http.MethodPost, "/api/v1/session", loginRequest{Email: email, Password: testPassword})
	if r.status != http.StatusOK {
		e.t.Fatalf("log in as %s: got %d %s, want 200", email, r.status, r.body)
	}
	return r
}

// want fails the test unless r has status, and, when msg is not "", an
// error message containing msg.
func want(t *testing.T, what string, r reply, status int, msg string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: got %d %s, want %d", what, r.status, r.body, status)
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
	if r.status != http.StatusCreated {
		e.t.Fatalf("create match: got %d %s, want 201", r.status, r.body)
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
