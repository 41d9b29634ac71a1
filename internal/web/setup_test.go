package web

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
)

// setupToken makes a setup URL on e's store and returns its token.
func (e *apiEnv) setupToken() string {
	e.t.Helper()
	raw, ok, err := SetupURL(e.t.Context(), e.db, "https://scores.example.org/")
	if err != nil || !ok {
		e.t.Fatalf("SetupURL: got %q %v %v, want a URL", raw, ok, err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.Query().Get("token")
}

func TestSetupURL(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	raw, ok, err := SetupURL(t.Context(), e.db, "https://scores.example.org/")
	if err != nil || !ok {
		t.Fatalf("SetupURL with no user: got %q %v %v, want a URL", raw, ok, err)
	}
	token, found := strings.CutPrefix(raw, "https://scores.example.org/admin/setup?token=")
	if b, err := base64.RawURLEncoding.DecodeString(token); !found || err != nil || len(b) != 32 {
		t.Errorf("setup URL %q: want {public URL}/admin/setup?token= and 32 random bytes", raw)
	}
	e.user("ada@example.org", match.RoleAdmin)
	if raw, ok, err := SetupURL(t.Context(), e.db, "https://scores.example.org"); raw != "" || ok || err != nil {
		t.Errorf("SetupURL with a user: got %q %v %v, want none", raw, ok, err)
	}
}

func TestSetupPage(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	token := e.setupToken()

	r := e.call(nil, "GET", "/admin/setup?token="+url.QueryEscape(token), nil)
	page := string(r.Body)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /admin/setup: got %d %s, want 200 text/html", r.Status, r.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		`<form method="post" action="/admin/setup">`, `name="token" value="` + token + `"`,
		`<label for="email">`, `id="email" name="email"`,
		`<label for="password">`, `id="password" name="password"`,
		`<label for="confirm">`, `id="confirm" name="confirm"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("setup page lacks %q:\n%s", want, page)
		}
	}
	if got := r.Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy: got %q, want no-referrer: the URL holds the token", got)
	}

	form := func(v url.Values, headers ...string) response {
		return e.call(nil, "POST", "/admin/setup", v.Encode(), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, headers...)...)
	}
	good := url.Values{"token": {token}, "email": {"ada@example.org"}, "password": {testPassword}, "confirm": {testPassword}}
	// with is good with some fields changed: name, value pairs.
	with := func(kv ...string) url.Values {
		c := url.Values{}
		for k, v := range good {
			c[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			c.Set(kv[i], kv[i+1])
		}
		return c
	}
	tests := []struct {
		name       string
		response   response
		wantStatus int
		wantText   string
		wantForm   bool
	}{
		{"no token", e.call(nil, "GET", "/admin/setup", nil), 401, "this page needs the token of the setup URL", false},
		{"passwords differ", form(with("confirm", "something else")), 400, "the password and its confirmation differ", true},
		{"short password", form(with("password", "short", "confirm", "short")), 400, "password is 5 characters long", true},
		{"bad email", form(with("email", "ada")), 400, "is not an address like name@example.com", true},
		{"unknown token", form(with("token", "guessed")), 401, "this setup link is not valid", false},
		{"cross-site post", form(good, "Origin", "https://evil.example"), 403, "cross-site request refused", false},
	}
	for _, tt := range tests {
		body := string(tt.response.Body)
		if tt.response.Status != tt.wantStatus || !strings.Contains(body, tt.wantText) {
			t.Errorf("%s: got %d, want %d with %q in:\n%s", tt.name, tt.response.Status, tt.wantStatus, tt.wantText, body)
		}
		if got := strings.Contains(body, "<form"); got != tt.wantForm {
			t.Errorf("%s: form shown %v, want %v", tt.name, got, tt.wantForm)
		}
	}
	if r := form(with("confirm", "x")); !strings.Contains(string(r.Body), `value="ada@example.org"`) {
		t.Errorf("the form shown again lacks the email typed:\n%s", r.Body)
	}
	// What was typed is shown again escaped, never as markup.
	r = form(with("email", `"><script>alert(1)</script>`))
	if body := string(r.Body); r.Status != http.StatusBadRequest || strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("an email with markup: got %d, want 400 with it escaped:\n%s", r.Status, body)
	}

	// After those mistakes, the token still works, once.
	r = form(good)
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/admin" || r.cookie() == nil {
		t.Fatalf("POST /admin/setup: got %d Location %q cookie %v, want 303 to /admin with a session cookie", r.Status, r.Header.Get("Location"), r.cookie())
	}
	var me userDoc
	e.call(nil, "GET", "/api/v1/me", nil, "Cookie", sessionCookie+"="+r.cookie().Value).decode(t, &me)
	if me.User.Email != "ada@example.org" || me.User.Role != match.RoleAdmin {
		t.Errorf("after setup: got user %+v, want the admin ada@example.org, logged in", me.User)
	}
	r = form(with("email", "eve@example.org"))
	if r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), "this setup link was used at") {
		t.Errorf("second use of the token: got %d, want 401 saying it was used:\n%s", r.Status, r.Body)
	}
	r = e.call(nil, "GET", "/admin/setup?token="+url.QueryEscape(token), nil)
	if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "set up already") || strings.Contains(string(r.Body), "<form") {
		t.Errorf("GET /admin/setup once set up: got %d, want 409 saying so, without the form:\n%s", r.Status, r.Body)
	}
}

func TestSetupExpiredToken(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	exp := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	if err := e.db.CreateSetupToken(t.Context(), setupTokenHash("old-token"), exp); err != nil {
		t.Fatal(err)
	}
	r := e.call(nil, "POST", "/admin/setup", url.Values{"token": {"old-token"}, "email": {"ada@example.org"},
		"password": {testPassword}, "confirm": {testPassword}}.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	if r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), "this setup link expired at "+exp.Format(time.RFC3339)) {
		t.Errorf("expired token: got %d, want 401 saying when it expired:\n%s", r.Status, r.Body)
	}
}

func TestSetupAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	token := e.setupToken()
	want(t, "unknown token", e.call(nil, "POST", "/api/v1/setup", setupRequest{"nope", "ada@example.org", testPassword}), 401, "not valid")
	want(t, "no token", e.call(nil, "POST", "/api/v1/setup", setupRequest{"", "ada@example.org", testPassword}), 401, "needs the token")
	r := e.call(nil, "POST", "/api/v1/setup", setupRequest{token, "ada@example.org", testPassword})
	if r.Status != http.StatusCreated || r.cookie() == nil {
		t.Fatalf("POST /api/v1/setup: got %d %s, want 201 with a session cookie", r.Status, r.Body)
	}
	var doc sessionDoc
	r.decode(t, &doc)
	if doc.User.Role != match.RoleAdmin {
		t.Errorf("POST /api/v1/setup: got user %+v, want an admin", doc.User)
	}
	e.login(nil, "ada@example.org")
	want(t, "second use", e.call(nil, "POST", "/api/v1/setup", setupRequest{token, "eve@example.org", testPassword}), 401, "was used at")
}

// TestSetupRace: several first admins at once with one token; one wins.
func TestSetupRace(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	token := e.setupToken()
	const n = 8
	statuses := make(chan int, n)
	for i := range n {
		go func() {
			req, _ := http.NewRequest("POST", e.URL+"/api/v1/setup",
				strings.NewReader(`{"token":"`+token+`","email":"admin`+strconv.Itoa(i)+`@example.org","password":"`+testPassword+`"}`))
			resp, err := plainClient.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	won := 0
	for range n {
		switch s := <-statuses; s {
		case http.StatusCreated:
			won++
		case http.StatusUnauthorized, http.StatusConflict:
		default:
			t.Errorf("a racing setup got %d, want 201, 401 or 409", s)
		}
	}
	if us, err := e.db.Users(t.Context()); won != 1 || err != nil || len(us) != 1 {
		t.Errorf("racing setups: %d won and %d users exist (%v), want 1 and 1", won, len(us), err)
	}
}
