package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scoreboard/scoreboard/internal/browsertest"
)

// setupLines are the log lines of a serve that carry a setup URL.
func setupLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(log, "\n") {
		var line map[string]any
		if json.Unmarshal([]byte(l), &line) == nil && line["setup_url"] != nil {
			lines = append(lines, line)
		}
	}
	return lines
}

// TestServeFirstRun: a server with no user logs one setup URL, at WARN,
// which creates the first admin; once it has, a restart logs none.
func TestServeFirstRun(t *testing.T) {
	t.Parallel()
	vars := sqliteEnv(t, "SCOREBOARD_PUBLIC_URL", "https://scores.example.org")
	srv := startServe(t, vars)
	lines := setupLines(t, srv.log.String())
	if len(lines) != 1 {
		t.Fatalf("first run: got %d log lines with a setup URL, want 1; log:\n%s", len(lines), srv.log)
	}
	if lines[0]["level"] != "WARN" {
		t.Errorf("setup URL logged at %v, want WARN", lines[0]["level"])
	}
	raw, _ := lines[0]["setup_url"].(string)
	u, err := url.Parse(raw)
	if err != nil || !strings.HasPrefix(raw, "https://scores.example.org/admin/setup?token=") || u.Query().Get("token") == "" {
		t.Fatalf("setup URL %q: want https://scores.example.org/admin/setup?token=…", raw)
	}

	// The URL's path and token, on the running server (its public URL is
	// not where the test reaches it).
	form := url.Values{"token": {u.Query().Get("token")}, "email": {"ada@example.org"},
		"password": {"correct horse battery staple"}, "confirm": {"correct horse battery staple"}}
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(srv.URL+"/admin/setup", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /admin/setup: got %d, want 303", resp.StatusCode)
	}
	if err := srv.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}

	again := startServe(t, vars)
	if n := len(setupLines(t, again.log.String())); n != 0 {
		t.Errorf("restart with an admin: got %d setup URLs logged, want none; log:\n%s", n, again.log)
	}
}

// TestUserAddBeforeServe: `scoreboard user add` keeps working on a new
// database, and the server then logs no setup URL.
func TestUserAddBeforeServe(t *testing.T) {
	t.Parallel()
	vars := sqliteEnv(t)
	if r := runCmd(t, vars, "", "user", "add", "--email", "ada@example.org", "--role", "admin"); r.err != nil {
		t.Fatalf("user add: %v", r.err)
	}
	srv := startServe(t, vars)
	if n := len(setupLines(t, srv.log.String())); n != 0 {
		t.Errorf("serve after user add: got %d setup URLs logged, want none; log:\n%s", n, srv.log)
	}
}

// TestSetupInBrowser plays the first admin in a real browser: they open
// the logged setup URL, make a typo in the confirmation, read what to fix,
// then create their account with the plain form (the page runs no script:
// its Content-Security-Policy allows none) and land on the admin UI (/admin) logged in.
func TestSetupInBrowser(t *testing.T) {
	t.Parallel()
	srv := startServe(t, sqliteEnv(t))
	lines := setupLines(t, srv.log.String())
	if len(lines) != 1 {
		t.Fatalf("got %d setup URLs logged, want 1; log:\n%s", len(lines), srv.log)
	}
	logged, err := url.Parse(lines[0]["setup_url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	// The public URL is the default, not where the test server listens.
	setupURL := srv.URL + logged.RequestURI()

	ctx := browsertest.New(t, 60*time.Second)
	const password = "correct horse battery staple"
	// fill types into the form (the email only when it is empty), submits
	// it, and waits for what the next page has.
	fill := func(email, confirm, next string) error {
		steps := []chromedp.Action[chromedp.Void]{}
		if email != "" {
			steps = append(steps, chromedp.SendKeys(chromedp.CSS("#email"), email))
		}
		return chromedp.Do(ctx, append(steps,
			chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.SendKeys(chromedp.CSS("#confirm"), confirm),
			chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(next)),
		)...)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(setupURL)); err != nil {
		t.Fatalf("open the setup URL: %v", err)
	}
	if err := fill("ada@example.org", "correct horse battery stapel", `[role="alert"]`); err != nil {
		t.Fatalf("submit with a typo: %v", err)
	}
	alert, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[role="alert"]`)))
	if err != nil || !strings.Contains(alert, "the password and its confirmation differ") {
		t.Fatalf("after a typo the page says %q (%v), want what to fix", alert, err)
	}
	// The email typed is kept; the passwords are typed again.
	if err := fill("", password, `form[action="/admin/logout"]`); err != nil {
		t.Fatalf("submit: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || loc != srv.URL+"/admin" {
		t.Fatalf("after setup the browser is at %q (%v), want %s/admin, logged in", loc, err, srv.URL)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/api/v1/me")); err != nil {
		t.Fatal(err)
	}
	me, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil || !strings.Contains(me, `"email":"ada@example.org"`) || !strings.Contains(me, `"role":"admin"`) {
		t.Errorf("GET /api/v1/me in the browser after setup: got %q (%v), want the admin ada@example.org", me, err)
	}
}
