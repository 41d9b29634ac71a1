package web

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/scoreboard/scoreboard/internal/match"
)

// formClient is an HTTP client with a cookie jar that does not follow
// redirects, as a browser posting the admin UI's forms from its pages.
type formClient struct {
	t   *testing.T
	a   *testAPI
	c   *http.Client
	hdr http.Header // sent with every request
}

func (a *testAPI) formClient() *formClient {
	a.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		a.t.Fatal(err)
	}
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &formClient{t: a.t, a: a, c: c, hdr: http.Header{"Sec-Fetch-Site": {"same-origin"}}}
}

// page is a response of the admin UI.
type page struct {
	Status int
	Header http.Header
	Body   string
}

func (b *formClient) send(method, path string, form url.Values, extra http.Header) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r, err := http.NewRequestWithContext(b.t.Context(), method, b.a.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range b.hdr {
		r.Header[k] = v
	}
	for k, v := range extra {
		r.Header[k] = v
	}
	resp, err := b.c.Do(r)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{Status: resp.StatusCode, Header: resp.Header, Body: string(raw)}
}

func (b *formClient) get(path string) page { b.t.Helper(); return b.send("GET", path, nil, nil) }
func (b *formClient) post(path string, form url.Values) page {
	b.t.Helper()
	return b.send("POST", path, form, nil)
}

// login logs the browser in as email (password of testAPI.user).
func (b *formClient) login(email string) {
	b.t.Helper()
	p := b.post("/admin/login", url.Values{"email": {email}, "password": {"a long enough password"}, "next": {"/admin"}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/admin" {
		b.t.Fatalf("login %s: got %d to %q (%s), want 303 to /admin", email, p.Status, p.Header.Get("Location"), p.Body)
	}
}

func wantPage(t *testing.T, what string, p page, status int, parts ...string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: got status %d, want %d; body:\n%s", what, p.Status, status, p.Body)
	}
	for _, part := range parts {
		if !strings.Contains(p.Body, part) {
			t.Errorf("%s: the page does not contain %q", what, part)
		}
	}
}

func TestAdminPagesNeedASession(t *testing.T) {
	a := newTestAPI(t, "sqlite", Deps{})
	b := a.formClient()
	for _, path := range []string{"/admin", "/admin/password", "/admin/matches/1"} {
		p := b.get(path)
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/admin/login?next="+url.QueryEscape(path) {
			t.Errorf("GET %s signed out: got %d to %q, want 303 to the login page", path, p.Status, p.Header.Get("Location"))
		}
	}
	p := b.get("/admin/login")
	wantPage(t, "GET /admin/login", p, http.StatusOK, `<label for="email">`, `<label for="password">`, `role="status"`)
	csp := p.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'nonce-", "frame-ancestors 'none'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q allows unsafe-inline", csp)
	}
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"} {
		if got := p.Header.Get(k); got != want {
			t.Errorf("%s: got %q, want %q", k, got, want)
		}
	}
}

func TestAdminLoginLogoutAndPassword(t *testing.T) {
	a := newTestAPI(t, "sqlite", Deps{})
	a.user("admin@example.org", match.RoleAdmin)
	b := a.formClient()
	p := b.post("/admin/login", url.Values{"email": {"admin@example.org"}, "password": {"wrong password"}})
	wantPage(t, "wrong password", p, http.StatusUnauthorized, "the email or the password is wrong", `value="admin@example.org"`)
	cross := b.send("POST", "/admin/login", url.Values{"email": {"admin@example.org"}, "password": {"a long enough password"}},
		http.Header{"Sec-Fetch-Site": {"cross-site"}})
	wantPage(t, "cross-site login", cross, http.StatusForbidden, "cross-site request refused")
	b.login("admin@example.org")
	wantPage(t, "GET /admin", b.get("/admin"), http.StatusOK, "Today", "admin@example.org")
	p = b.post("/admin/password", url.Values{"current": {"nope nope nope"}, "password": {"a new long password"}, "confirm": {"a new long password"}})
	wantPage(t, "wrong current password", p, http.StatusForbidden, "your current password is wrong")
	p = b.post("/admin/password", url.Values{"current": {"a long enough password"}, "password": {"a new long password"}, "confirm": {"a new long password"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("change password: got %d (%s), want 303", p.Status, p.Body)
	}
	if p = b.post("/admin/logout", url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("logout: got %d, want 303", p.Status)
	}
	if p = b.get("/admin"); p.Status != http.StatusSeeOther {
		t.Errorf("GET /admin after logout: got %d, want 303 to login", p.Status)
	}
	p = b.post("/admin/login", url.Values{"email": {"admin@example.org"}, "password": {"a new long password"}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/admin" {
		t.Errorf("login with the new password: got %d to %q", p.Status, p.Header.Get("Location"))
	}
	if got := safeNext("//evil.example/admin"); got != "/admin" {
		t.Errorf("safeNext(//evil…): got %q, want /admin", got)
	}
}

func TestAdminConsoleForms(t *testing.T) {
	a := newTestAPI(t, "sqlite", Deps{})
	_, tok := a.user("admin@example.org", match.RoleAdmin)
	a.user("scorer@example.org", match.RoleScorer)
	doc := a.createMatch(tok, footballInput(`<b>"Lyon"</b> 🦁`, "Saint-Étienne & co"))
	id := doc.Match.ID
	path := "/admin/matches/" + strconv.FormatInt(id, 10)
	b := a.formClient()
	b.login("admin@example.org")
	p := b.get(path)
	wantPage(t, "console", p, http.StatusOK, "&lt;b&gt;&#34;Lyon&#34;&lt;/b&gt; 🦁", "Saint-Étienne &amp; co", "Start match", `nonce="`)
	if strings.Contains(p.Body, `<b>"Lyon"</b>`) {
		t.Errorf("the console shows a team's name unescaped")
	}
	tapForm := func(tap string, extra url.Values) page {
		f := url.Values{"tap": {tap}, "key": {"k-" + tap}}
		for k, v := range extra {
			f[k] = v
		}
		return b.post(path+"/events", f)
	}
	if p = tapForm("match_start", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("match_start: got %d (%s), want 303", p.Status, p.Body)
	}
	wantPage(t, "after match_start", b.get(p.Header.Get("Location")), http.StatusOK, "Saved: Match started", "Goal", "Yellow card", "Stop clock")
	p = tapForm("score/goal", url.Values{"team": {"home"}, "player": {"Ben"}, "expected_seq": {"1"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("goal: got %d (%s), want 303", p.Status, p.Body)
	}
	p = tapForm("score/goal", url.Values{"team": {"away"}, "expected_seq": {"1"}, "key": {"stale"}})
	wantPage(t, "stale goal", p, http.StatusConflict, "you last saw 1", `id="home-score">1<`)
	st, err := a.store.State(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if st.Home.Score != 1 || st.Away.Score != 0 {
		t.Errorf("score: got %d-%d, want 1-0", st.Home.Score, st.Away.Score)
	}
	wantPage(t, "confirm void", b.get(path+"/confirm?tap=void/2"), http.StatusOK, "Void event #2")
	if p = tapForm("void/2", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("void: got %d (%s)", p.Status, p.Body)
	}
	wantPage(t, "log", b.get(path), http.StatusOK, "<s class=\"label\">Goal:", "voided by #3", "admin@example.org")
	cross := b.send("POST", path+"/events", url.Values{"tap": {"match_end"}}, http.Header{"Sec-Fetch-Site": {"cross-site"}})
	wantPage(t, "cross-site tap", cross, http.StatusForbidden, "cross-site request refused")

	sb := a.formClient()
	sb.login("scorer@example.org")
	wantPage(t, "scorer on another's match", sb.get(path), http.StatusForbidden, "is not assigned to scorer@example.org")
	wantPage(t, "scorer posts", sb.post(path+"/events", url.Values{"tap": {"match_end"}}), http.StatusForbidden, "not assigned")
	wantPage(t, "scorer's today", sb.get("/admin"), http.StatusOK, "No match is live.")
	wantPage(t, "admin's today", b.get("/admin"), http.StatusOK, "&lt;b&gt;&#34;Lyon&#34;&lt;/b&gt; 🦁", path)
}
