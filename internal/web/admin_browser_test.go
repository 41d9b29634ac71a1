package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scoreboard/scoreboard/internal/browsertest"
	"github.com/scoreboard/scoreboard/internal/match"
)

// Browser tests: Debian's Chromium, headless, against the whole handler on
// a real store and hub behind a real listener (newTestAPI).

// do runs steps, failing the test with what was being done.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a script in the page, awaiting a promise it returns.
func eval[T any](t *testing.T, ctx context.Context, script string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](script, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", script, err)
	}
	return v
}

// waitFor polls a page expression until it is true, for at most d.
func waitFor(t *testing.T, ctx context.Context, what, expr string, d time.Duration) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(d), chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		state := eval[string](t, ctx, `(document.getElementById("console")||document.body).innerText.slice(0, 2000)`)
		t.Fatalf("%s: %s did not become true within %s: %v\nthe page shows:\n%s", what, expr, d, err, state)
	}
}

// loginInBrowser logs the browser in through the login page.
func loginInBrowser(t *testing.T, ctx context.Context, base, email, password string) {
	t.Helper()
	do(t, ctx, "log in as "+email,
		chromedp.Navigate(base+"/admin/login"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#live")),
	)
}

// click clicks the element sel in the page once it is there. The click is
// the page's own (element.click()), in one step, since the console may
// replace its view with a fresh one between a lookup and a click.
func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	waitFor(t, ctx, sel+" is there", fmt.Sprintf(`document.querySelector(%q) !== null`, sel), 5*time.Second)
	eval[chromedp.Void](t, ctx, fmt.Sprintf(`document.querySelector(%q).click()`, sel))
}

// tapButton clicks a console button and waits for the tap to be saved.
func tapButton(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	before := lastAnswer(t, ctx)
	click(t, ctx, sel)
	waitAnswer(t, ctx, sel, before)
	if got := lastAnswer(t, ctx); !strings.Contains(got, ": saved") {
		t.Fatalf("the tap on %s: got %q, want it saved", sel, got)
	}
}

// lastAnswer is what the console says of the last tap the server answered.
func lastAnswer(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `(document.querySelector("#taps li:not(.pending)") || {textContent: ""}).textContent`)
}

// waitAnswer waits until no tap is pending and the server's last answer
// is not before.
func waitAnswer(t *testing.T, ctx context.Context, sel, before string) {
	t.Helper()
	waitFor(t, ctx, "the tap on "+sel+" is answered", fmt.Sprintf(`document.querySelectorAll("#taps li.pending").length === 0 && (document.querySelector("#taps li:not(.pending)") || {textContent: ""}).textContent !== %q`, before), 10*time.Second)
}

// confirmTap clicks a link that asks first and says yes in the dialog.
func confirmTap(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	before := lastAnswer(t, ctx)
	click(t, ctx, sel)
	do(t, ctx, "confirm "+sel, chromedp.WaitVisible(chromedp.CSS("#confirm-yes")), chromedp.Click(chromedp.CSS("#confirm-yes")))
	waitAnswer(t, ctx, sel, before)
	if got := lastAnswer(t, ctx); !strings.Contains(got, ": saved") {
		t.Fatalf("the confirmed tap on %s: got %q, want it saved", sel, got)
	}
}

// summaries subscribes to match id's topic on the hub, as any fan's
// client would, and sends each update's summary on the channel.
func (a *testAPI) summaries(id int64) <-chan match.Summary {
	a.t.Helper()
	u := a.URL + "/.well-known/mercure?topic=" + url.QueryEscape(fmt.Sprintf("%s/matches/%d", a.URL, id))
	r, err := http.NewRequestWithContext(a.t.Context(), "GET", u, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		a.t.Fatalf("subscribe: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		a.t.Fatalf("subscribe: got %d, want 200", resp.StatusCode)
	}
	ch := make(chan match.Summary, 100)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data:")
			if !ok {
				continue
			}
			var s match.Summary
			if json.Unmarshal([]byte(strings.TrimSpace(data)), &s) == nil {
				ch <- s
			}
		}
	}()
	return ch
}

// wantSummary waits for an update with status and score on ch.
func wantSummary(t *testing.T, ch <-chan match.Summary, status match.Status, home, away int) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case s := <-ch:
			if s.Status == status && s.Home.Score == home && s.Away.Score == away {
				return
			}
		case <-deadline:
			t.Fatalf("the hub's subscriber saw no update %s %d-%d within 5s", status, home, away)
		}
	}
}

// apiPost posts JSON to the API from the page, with its session cookie.
func apiPost[T any](t *testing.T, ctx context.Context, path string, body any) T {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf(`fetch(%q, {method: "POST", headers: {"Content-Type": "application/json"}, body: %q}).then(async r => { if (!r.ok) throw new Error(r.status + " " + await r.text()); return r.json(); })`, path, b)
	return eval[T](t, ctx, script)
}

type idDoc struct {
	ID    int64 `json:"id"`
	Match struct {
		ID int64 `json:"id"`
	} `json:"match"`
}

// Names with HTML, quotes and emoji, which every page must show as typed.
const (
	trickyHome = `<b>"Lyon"</b> & 'co' 🦁`
	trickyAway = `Saint-Étienne <script>alert(1)</script>`
)

// createFixture creates a competition, two teams and a match through the
// API with the browser's session, and returns the match's id.
func createFixture(t *testing.T, ctx context.Context) int64 {
	t.Helper()
	c := apiPost[idDoc](t, ctx, "/api/v1/competitions", map[string]any{"name": fmt.Sprintf("Ligue test %d", time.Now().UnixNano()), "sport": "football", "season": "2026"})
	home := apiPost[idDoc](t, ctx, "/api/v1/teams", map[string]any{"name": trickyHome, "competition_ids": []int64{c.ID}})
	away := apiPost[idDoc](t, ctx, "/api/v1/teams", map[string]any{"name": trickyAway, "competition_ids": []int64{c.ID}})
	m := apiPost[idDoc](t, ctx, "/api/v1/matches", map[string]any{
		"competition_id": c.ID, "home_team_id": home.ID, "away_team_id": away.ID, "sport": "football",
		"kick_off": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "time_zone": "Europe/Paris", "venue": "Gerland",
	})
	return m.Match.ID
}

func TestBrowserSetupLoginAndScoring(t *testing.T) {
	a := newTestAPI(t, "sqlite", Deps{})
	ctx := browsertest.New(t, 3*time.Minute)
	setupURL, ok, err := SetupURL(t.Context(), a.store, a.URL)
	if err != nil || !ok {
		t.Fatalf("SetupURL: %q %v %v", setupURL, ok, err)
	}
	do(t, ctx, "first-run setup",
		chromedp.Navigate(setupURL),
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), "a long enough password"),
		chromedp.SendKeys(chromedp.CSS("#confirm"), "a long enough password"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#live")),
		chromedp.Click(chromedp.CSS(".logout button")),
		chromedp.WaitVisible(chromedp.CSS("#email")),
	)
	loginInBrowser(t, ctx, a.URL, "admin@example.org", "a long enough password")
	id := createFixture(t, ctx)
	updates := a.summaries(id)
	console := fmt.Sprintf("%s/admin/matches/%d", a.URL, id)
	do(t, ctx, "open the console", chromedp.Navigate(console), chromedp.WaitVisible(chromedp.CSS(`button[value="match_start"]`)))
	if got := eval[string](t, ctx, `document.querySelector(".title").textContent`); got != trickyHome+" v "+trickyAway {
		t.Errorf("the console's title: got %q, want the names as typed", got)
	}

	tapButton(t, ctx, `button[value="match_start"]`)
	wantSummary(t, updates, match.StatusLive, 0, 0)
	waitFor(t, ctx, "the clock runs in the page", `document.getElementById("clock").dataset.running === "true"`, 5*time.Second)
	tapButton(t, ctx, `button[value="clock_stop"]`)
	tapButton(t, ctx, `button[value="clock_start"]`)
	first := eval[string](t, ctx, `document.getElementById("clock").textContent`)
	time.Sleep(1200 * time.Millisecond)
	if then := eval[string](t, ctx, `document.getElementById("clock").textContent`); then == first {
		t.Errorf("the clock shows %s a second later still; it should run in the page", then)
	}

	tapButton(t, ctx, `#home-form button[value="score/goal"]`)
	waitFor(t, ctx, "1-0 on the console", `document.getElementById("home-score").textContent === "1"`, 5*time.Second)
	wantSummary(t, updates, match.StatusLive, 1, 0)
	confirmTap(t, ctx, "#undo")
	waitFor(t, ctx, "0-0 after undo", `document.getElementById("home-score").textContent === "0" && document.querySelector(".events .voided s") !== null`, 5*time.Second)
	wantSummary(t, updates, match.StatusLive, 0, 0)
	tapButton(t, ctx, `#home-form button[value="score/goal"]`)
	wantSummary(t, updates, match.StatusLive, 1, 0)
	tapButton(t, ctx, `#away-form button[value="score/goal"]`)
	wantSummary(t, updates, match.StatusLive, 1, 1)
	tapButton(t, ctx, `button[value="period_end"]`)
	wantSummary(t, updates, match.StatusInterval, 1, 1)
	tapButton(t, ctx, `button[value="period_start"]`)
	confirmTap(t, ctx, `a[data-tap="match_end"]`)
	waitFor(t, ctx, "finished", `document.getElementById("match-status").textContent === "finished"`, 5*time.Second)
	wantSummary(t, updates, match.StatusFinished, 1, 1)

	log := eval[string](t, ctx, `document.querySelector(".events").innerText`)
	for _, want := range []string{"admin@example.org", "Match finished", "voided by"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	do(t, ctx, "today", chromedp.Navigate(a.URL+"/admin"), chromedp.WaitVisible(chromedp.CSS("#recent")))
	if got := eval[string](t, ctx, `document.querySelector("#recent .teams").textContent`); !strings.Contains(got, trickyHome) || !strings.Contains(got, trickyAway) {
		t.Errorf("today's recent match: got %q, want both names as typed", got)
	}
}
