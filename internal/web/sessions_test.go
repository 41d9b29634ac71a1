package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
)

func TestLoginSetsSessionCookie(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		publicURL  string
		wantSecure bool
	}{
		{"http", "http://localhost:8080", false},
		{"https", "https://scores.example.org", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newAPIEnv(t, tt.publicURL)
			e.user("ada@example.org", match.RoleAdmin)
			// The email is typed as a user might: it is normalized.
			r := e.call(nil, http.MethodPost, "/api/v1/session", loginRequest{Email: " Ada@Example.org ", Password: testPassword})
			if r.Status != http.StatusOK {
				t.Fatalf("login: got %d %s, want 200", r.Status, r.Body)
			}
			var doc sessionDoc
			r.decode(t, &doc)
			if doc.User.Email != "ada@example.org" || doc.Session == nil {
				t.Errorf("login body: got %s, want the user ada@example.org and the session", r.Body)
			}
			c := r.cookie()
			if c == nil {
				t.Fatalf("login: got no %s cookie; headers %v", sessionCookie, r.Header)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != tt.wantSecure {
				t.Errorf("cookie %q: got HttpOnly=%v SameSite=%v Path=%q Secure=%v, want HttpOnly SameSite=Lax Path=/ Secure=%v",
					r.Header.Get("Set-Cookie"), c.HttpOnly, c.SameSite, c.Path, c.Secure, tt.wantSecure)
			}
			if want := int(sessionTTL / time.Second); c.MaxAge != want {
				t.Errorf("cookie Max-Age: got %d, want %d", c.MaxAge, want)
			}
			if len(c.Value) < 43 {
				t.Errorf("cookie value %q: got %d characters, want at least 43 (32 random bytes)", c.Value, len(c.Value))
			}
			if d := time.Until(doc.Session.ExpiresAt); d < sessionTTL-time.Minute || d > sessionTTL {
				t.Errorf("session expires in %s, want about %s", d, sessionTTL)
			}
			// The store keeps the hash of the secret, not the secret.
			if _, err := e.db.Session(t.Context(), c.Value); match.ErrorCode(err) != match.ENOTFOUND {
				t.Errorf("store.Session(cookie value): got %v, want not_found: the store must keep only the hash", err)
			}
			if _, err := e.db.Session(t.Context(), sessionID(c.Value)); err != nil {
				t.Errorf("store.Session(sessionID(cookie value)): %v", err)
			}

			who := e.call(nil, http.MethodGet, "/api/v1/session", nil, "Cookie", sessionCookie+"="+c.Value)
			var got sessionDoc
			if who.Status == http.StatusOK {
				who.decode(t, &got)
			}
			if who.Status != http.StatusOK || got.User.ID != doc.User.ID || got.Session == nil || got.Session.UserAgent != "Go-http-client/1.1" {
				t.Errorf("GET /api/v1/session: got %d %s, want 200 with the user and the session", who.Status, who.Body)
			}
		})
	}
}

func TestLoginRefusesWrongCredentials(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	e.user("ada@example.org", match.RoleAdmin)
	tests := []struct {
		name       string
		body       any
		wantStatus int
		wantMsg    string
	}{
		{"wrong password", loginRequest{"ada@example.org", "not the password"}, 401, errBadLogin.Message},
		// The same words: the answer does not tell who has an account.
		{"unknown email", loginRequest{"bob@example.org", testPassword}, 401, errBadLogin.Message},
		{"no password", loginRequest{"ada@example.org", ""}, 400, "email and password are both required"},
		{"unknown field", `{"email":"ada@example.org","pasword":"x"}`, 400, `unknown field "pasword"`},
	}
	for _, tt := range tests {
		r := e.call(nil, http.MethodPost, "/api/v1/session", tt.body)
		want(t, tt.name, r, tt.wantStatus, tt.wantMsg)
		if r.cookie() != nil {
			t.Errorf("%s: got a session cookie, want none", tt.name)
		}
	}
}

// TestLoginNewSessionEachTime checks that no session id outlives a login
// (no fixation): a browser that logs in twice gets a new secret each time,
// and the one it came with no longer works.
func TestLoginNewSessionEachTime(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	e.user("ada@example.org", match.RoleAdmin)
	c := browser(t, "")
	first := e.login(c, "ada@example.org").cookie()
	second := e.login(c, "ada@example.org").cookie() // sent with the first cookie
	if first == nil || second == nil || first.Value == second.Value {
		t.Fatalf("two logins: got cookies %v and %v, want two different secrets", first, second)
	}
	r := e.call(nil, http.MethodGet, "/api/v1/session", nil, "Cookie", sessionCookie+"="+first.Value)
	want(t, "GET /api/v1/session with the first cookie", r, http.StatusUnauthorized, "log in again")
	want(t, "GET /api/v1/session with the second cookie", e.call(c, http.MethodGet, "/api/v1/session", nil), http.StatusOK, "")

	// A secret planted before login (by a page that set the cookie) is
	// not the one the login gives, and never becomes a session.
	planted := browser(t, "")
	planted.Jar.SetCookies(mustURL(t, e.URL), []*http.Cookie{{Name: sessionCookie, Value: "planted-by-someone-else"}})
	got := e.login(planted, "ada@example.org").cookie()
	if got == nil || got.Value == "planted-by-someone-else" {
		t.Errorf("login with a planted cookie: got cookie %v, want a new secret", got)
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	e.user("ada@example.org", match.RoleAdmin)
	c := browser(t, "")
	old := e.login(c, "ada@example.org").cookie()
	r := e.call(c, http.MethodDelete, "/api/v1/session", nil)
	if r.Status != http.StatusNoContent {
		t.Fatalf("DELETE /api/v1/session: got %d %s, want 204", r.Status, r.Body)
	}
	if got := r.cookie(); got == nil || got.MaxAge >= 0 {
		t.Errorf("logout: got cookie %v, want the cookie cleared (Max-Age<0)", got)
	}
	r = e.call(nil, http.MethodGet, "/api/v1/session", nil, "Cookie", sessionCookie+"="+old.Value)
	want(t, "GET /api/v1/session after logout, with the old cookie", r, http.StatusUnauthorized, "your session has ended")
	// Logging out again, with no session, is harmless.
	want(t, "second logout", e.call(c, http.MethodDelete, "/api/v1/session", nil), http.StatusNoContent, "")
}

// TestCrossSiteRefused plays another site's page that makes the browser
// send a request: the browser attaches the session cookie and says where
// the request comes from (Sec-Fetch-Site, Origin); the server refuses.
func TestCrossSiteRefused(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	admin := e.user("ada@example.org", match.RoleAdmin)
	id := e.createMatch(e.bearer(admin))
	c := browser(t, "")
	e.login(c, "ada@example.org")
	goal := `{"kind":"match_start"}`
	tests := []struct {
		name    string
		method  string
		path    string
		body    any
		headers []string
		want    int
	}{
		{"cross-site form post of an event", "POST", fmt.Sprintf("/api/v1/matches/%d/events", id), "kind=goal&team=home",
			[]string{"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"cross-site JSON post from another origin", "POST", fmt.Sprintf("/api/v1/matches/%d/events", id), goal,
			[]string{"Content-Type", "text/plain", "Origin", "https://evil.example"}, http.StatusForbidden},
		{"cross-site password change", "POST", "/api/v1/me/password", `{"current_password":"x","new_password":"yyyyyyyyyy"}`,
			[]string{"Sec-Fetch-Site", "same-site"}, http.StatusForbidden},
		{"login CSRF", "POST", "/api/v1/session", loginRequest{"ada@example.org", testPassword},
			[]string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"cross-site logout", "DELETE", "/api/v1/session", nil, []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"cross-site read is fine", "GET", "/api/v1/me", nil, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusOK},
		{"same-origin post is fine", "POST", fmt.Sprintf("/api/v1/matches/%d/events", id), goal,
			[]string{"Content-Type", "application/json", "Sec-Fetch-Site", "same-origin"}, http.StatusCreated},
	}
	for _, tt := range tests {
		r := e.call(c, tt.method, tt.path, tt.body, tt.headers...)
		msg := ""
		if tt.want == http.StatusForbidden {
			msg = "cross-site request refused"
		}
		want(t, tt.name, r, tt.want, msg)
	}
	// The refused ones did nothing: one goal was recorded.
	if evs, err := e.db.Events(t.Context(), id, 0); err != nil || len(evs) != 1 {
		t.Errorf("events after the cross-site attempts: got %d (%v), want 1", len(evs), err)
	}
}

func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	for _, email := range []string{"ada@example.org", "bob@example.org", "cy@example.org"} {
		e.user(email, match.RoleScorer)
	}
	wrong := func(email string) loginRequest { return loginRequest{email, "not the password"} }

	t.Run("per account", func(t *testing.T) {
		// From several addresses, so that only the account's counter
		// fills up.
		for i := range maxLoginFailures {
			c := browser(t, "127.0.1."+strconv.Itoa(i+1))
			want(t, fmt.Sprintf("attempt %d", i+1), e.call(c, "POST", "/api/v1/session", wrong("ada@example.org")), 401, errBadLogin.Message)
		}
		// The sixth is refused before its password is looked at, right
		// or wrong.
		r := e.call(browser(t, "127.0.1.9"), "POST", "/api/v1/session", loginRequest{"ADA@example.org", testPassword})
		want(t, "sixth attempt", r, http.StatusTooManyRequests, "too many failed logins for this account; try again in 1")
		if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 600 || s > 900 {
			t.Errorf("Retry-After: got %q, want about 900 seconds", r.Header.Get("Retry-After"))
		}
		if msg := r.errorMessage(t); !strings.Contains(msg, time.Now().UTC().Add(loginWindow).Format("2006-01-02T15:")) {
			t.Errorf("message %q: want the RFC3339 instant to retry at", msg)
		}
		// Another account, from another address, is not slowed.
		e.login(browser(t, "127.0.2.1"), "bob@example.org")
	})

	t.Run("per address", func(t *testing.T) {
		c := browser(t, "127.0.3.1")
		for i := range maxAddressFailures {
			email := fmt.Sprintf("guess%d@example.org", i)
			want(t, fmt.Sprintf("attempt %d", i+1), e.call(c, "POST", "/api/v1/session", wrong(email)), 401, errBadLogin.Message)
		}
		r := e.call(c, "POST", "/api/v1/session", loginRequest{"cy@example.org", testPassword})
		want(t, "next attempt from the address", r, http.StatusTooManyRequests, "too many failed logins from your address")
		if r.Header.Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After")
		}
		// That account from another address still works.
		e.login(browser(t, "127.0.3.2"), "cy@example.org")
	})

	t.Run("a success resets the account", func(t *testing.T) {
		for round := range 2 {
			c := browser(t, fmt.Sprintf("127.0.4.%d", round+1))
			for i := range maxLoginFailures - 1 {
				want(t, fmt.Sprintf("round %d attempt %d", round, i+1), e.call(c, "POST", "/api/v1/session", wrong("bob@example.org")), 401, "")
			}
			e.login(browser(t, fmt.Sprintf("127.0.5.%d", round+1)), "bob@example.org")
		}
	})
}

// TestLoginThrottleConcurrent: guesses sent all at once, from many
// addresses, get no more than the account's allowance of password checks.
func TestLoginThrottleConcurrent(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	e.user("ada@example.org", match.RoleAdmin)
	const n = 20
	statuses := make(chan int, n)
	for i := range n {
		c := browser(t, fmt.Sprintf("127.0.6.%d", i+1))
		go func() {
			req, _ := http.NewRequest("POST", e.URL+"/api/v1/session", strings.NewReader(`{"email":"ada@example.org","password":"guess `+strconv.Itoa(i)+`"}`))
			resp, err := c.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	checked := 0
	for range n {
		switch s := <-statuses; s {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
		default:
			t.Errorf("a guess got %d, want 401 or 429", s)
		}
	}
	if checked > maxLoginFailures {
		t.Errorf("%d guesses at once: %d passwords checked, want at most %d", n, checked, maxLoginFailures)
	}
}
