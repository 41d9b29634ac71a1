package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/scoreboard/scoreboard/internal/browsertest"
	"github.com/scoreboard/scoreboard/internal/match"
)

const userPassword = "a long enough password" // testAPI.user's

// cutNetwork emulates a network cut of the requests that match pattern
// (a URLPattern; "" for every request, and navigator.onLine false too),
// or, with pattern "none", ends the cut.
func cutNetwork(t *testing.T, ctx context.Context, pattern string) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("Network.enable: %v", err)
	}
	conds := []*network.Conditions{{URLPattern: pattern, Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}
	if pattern == "none" {
		conds = []*network.Conditions{}
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: conds}); err != nil {
		t.Fatalf("emulate network conditions: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: pattern == "", DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		t.Fatalf("override network state: %v", err)
	}
}

// countEvents counts the events of match id of kind, and those voided.
func countEvents(t *testing.T, a *testAPI, id int64, kind match.EventKind) int {
	t.Helper()
	log, err := a.store.Events(t.Context(), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range log {
		if ev.Kind == kind {
			n++
		}
	}
	return n
}

// startedMatch logs the browser in as the admin, creates a fixture, opens
// its console and starts the match.
func startedMatch(t *testing.T, a *testAPI, ctx context.Context) (id int64, console string) {
	t.Helper()
	a.user("admin@example.org", match.RoleAdmin)
	loginInBrowser(t, ctx, a.URL, "admin@example.org", userPassword)
	id = createFixture(t, ctx)
	console = fmt.Sprintf("%s/admin/matches/%d", a.URL, id)
	do(t, ctx, "open the console", chromedp.Navigate(console), chromedp.WaitVisible(chromedp.CSS(`button[value="match_start"]`)))
	tapButton(t, ctx, `button[value="match_start"]`)
	return id, console
}

func TestBrowserOfflineTapsAreKeptAndSavedOnce(t *testing.T) {
	a := newTestAPI(t, "sqlite", Deps{})
	ctx := browsertest.New(t, 2*time.Minute)
	id, _ := startedMatch(t, a, ctx)
	waitFor(t, ctx, "the goal button", `document.querySelector('#home-form button[value="score/goal"]') !== null`, 5*time.Second)

	cutNetwork(t, ctx, "")
	for range 3 {
		click(t, ctx, `#home-form button[value="score/goal"]`)
	}
	waitFor(t, ctx, "three taps pending", `document.querySelectorAll("#taps li.pending").length === 3`, 5*time.Second)
	time.Sleep(500 * time.Millisecond)
	if n := countEvents(t, a, id, match.KindScore); n != 0 {
		t.Fatalf("offline: the server has %d goals, want 0", n)
	}

	// The page reloads with the API still out of reach: the taps are
	// still there, from the browser's storage.
	cutNetwork(t, ctx, "*://*:*/api/*")
	do(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#console")))
	waitFor(t, ctx, "three taps pending after a reload", `document.querySelectorAll("#taps li.pending").length === 3`, 5*time.Second)
	if n := countEvents(t, a, id, match.KindScore); n != 0 {
		t.Fatalf("API cut: the server has %d goals, want 0", n)
	}

	cutNetwork(t, ctx, "none")
	waitFor(t, ctx, "the taps are saved when the network is back", `document.querySelectorAll("#taps li.pending").length === 0 && document.getElementById("home-score").textContent === "3"`, 15*time.Second)
	if n := countEvents(t, a, id, match.KindScore); n != 3 {
		t.Errorf("back online: the server has %d goals, want 3, each saved once", n)
	}
	if left := eval[string](t, ctx, `localStorage.getItem("scoreboard.taps.`+fmt.Sprint(id)+`")`); left != "[]" {
		t.Errorf("the browser still keeps taps %s", left)
	}
}

func TestBrowserTwoConsoles(t *testing.T) {
	a := newTestAPI(t, "sqlite", Deps{})
	ctxA := browsertest.New(t, 2*time.Minute)
	id, console := startedMatch(t, a, ctxA)
	scorer, _ := a.user("scorer@example.org", match.RoleScorer)
	if err := a.store.AssignScorer(t.Context(), id, scorer.ID); err != nil {
		t.Fatal(err)
	}
	other := createFixture(t, ctxA)
	ctxB, cancel := chromedp.NewContext(ctxA, chromedp.WithNewBrowserContext())
	defer cancel()
	loginInBrowser(t, ctxB, a.URL, "scorer@example.org", userPassword)

	do(t, ctxB, "a scorer opens a match not theirs", chromedp.Navigate(fmt.Sprintf("%s/admin/matches/%d", a.URL, other)), chromedp.WaitVisible(chromedp.CSS("#error-message")))
	if msg := eval[string](t, ctxB, `document.getElementById("error-message").textContent`); !strings.Contains(msg, "not assigned to scorer@example.org") {
		t.Errorf("the scorer on another's match: got %q, want it to say why", msg)
	}

	do(t, ctxB, "open the console", chromedp.Navigate(console), chromedp.WaitVisible(chromedp.CSS("#home-form")))
	time.Sleep(300 * time.Millisecond) // B's subscription opens
	tapButton(t, ctxA, `#home-form button[value="score/goal"]`)
	waitFor(t, ctxB, "A's goal on B within a second", `document.getElementById("home-score").textContent === "1"`, time.Second)

	// B no longer hears the hub: its view goes stale.
	if _, err := chromedp.Call(ctxB, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctxB, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: []*network.BlockPattern{{URLPattern: "*://*:*/.well-known/mercure*", Block: true}}}); err != nil {
		t.Fatalf("block the hub: %v", err)
	}
	do(t, ctxB, "reload B", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#home-form")))
	tapButton(t, ctxA, `#home-form button[value="score/goal"]`)
	time.Sleep(time.Second)
	if got := eval[string](t, ctxB, `document.getElementById("home-score").textContent`); got != "1" {
		t.Fatalf("B without the hub shows %s, want the stale 1", got)
	}
	before := lastAnswer(t, ctxB)
	click(t, ctxB, `#away-form button[value="score/goal"]`)
	waitAnswer(t, ctxB, "B's stale goal", before)
	if got := lastAnswer(t, ctxB); !strings.Contains(got, "not saved") || !strings.Contains(got, "you last saw") {
		t.Errorf("the stale tap: got %q, want the conflict message", got)
	}
	waitFor(t, ctxB, "B's view refreshed", `document.getElementById("home-score").textContent === "2" && document.getElementById("away-score").textContent === "0"`, 5*time.Second)
	if n := countEvents(t, a, id, match.KindScore); n != 2 {
		t.Errorf("the server has %d goals, want A's 2 and not B's stale one", n)
	}
}

// screenshotDir, when set, is where the 360 px test saves its screenshots
// (SCOREBOARD_SCREENSHOTS=../../docs go test -run TestBrowserAt360).
var screenshotDir = os.Getenv("SCOREBOARD_SCREENSHOTS")

func TestBrowserAt360(t *testing.T) {
	a := newTestAPI(t, "sqlite", Deps{})
	ctx := browsertest.New(t, 2*time.Minute)
	do(t, ctx, "a phone's viewport", chromedp.EmulateViewport(360, 780, chromedp.EmulateMobile, chromedp.EmulateTouch))
	a.user("admin@example.org", match.RoleAdmin)
	loginInBrowser(t, ctx, a.URL, "admin@example.org", userPassword)
	id := createNamedFixture(t, ctx, "Olympique Lyonnais", "AS Saint-Étienne")
	console := fmt.Sprintf("%s/admin/matches/%d", a.URL, id)
	do(t, ctx, "open the console", chromedp.Navigate(console), chromedp.WaitVisible(chromedp.CSS(`button[value="match_start"]`)))
	tapButton(t, ctx, `button[value="match_start"]`)
	do(t, ctx, "the scorer's name", chromedp.WaitVisible(chromedp.CSS("#home-form details")))
	eval[chromedp.Void](t, ctx, `document.querySelector("#home-form details").open = true; document.getElementById("home-player").value = "Lacazette"`)
	tapButton(t, ctx, `#home-form button[value="score/goal"]`)
	tapButton(t, ctx, `#away-form button[value="card/yellow"]`)
	eval[chromedp.Void](t, ctx, `document.querySelector("details.corrections").open = true; document.getElementById("set-clock").value = "23:15"`)
	tapButton(t, ctx, `button[value="clock_adjust"]`)
	do(t, ctx, "reload", chromedp.Navigate(console), chromedp.WaitVisible(chromedp.CSS("#home-form")))
	waitFor(t, ctx, "the clock set", `document.getElementById("clock").textContent.startsWith("23:1")`, 5*time.Second)
	screenshot(t, ctx, "console-360.png")
	eval[chromedp.Void](t, ctx, `document.querySelectorAll("details").forEach(d => d.open = true)`)
	// Every control is on screen (within 360 px), at least 44 px tall, and
	// nothing scrolls sideways.
	bad := eval[[]string](t, ctx, `[...document.querySelectorAll("#main button, #main a, #main input:not([type=hidden]), #main summary")]
		.filter(el => el.offsetParent !== null && !el.closest("dialog"))
		.filter(el => { const r = el.getBoundingClientRect(); return r.left < 0 || r.right > 360 || r.height < 44 })
		.map(el => el.outerHTML.slice(0, 120) + " " + JSON.stringify(el.getBoundingClientRect()))`)
	for _, b := range bad {
		t.Errorf("at 360 px, off screen or under 44 px: %s", b)
	}
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("the console scrolls sideways: %d px wide at 360", w)
	}
	createNamedFixture(t, ctx, "Paris FC", "FC Nantes")
	do(t, ctx, "today", chromedp.Navigate(a.URL+"/admin"), chromedp.WaitVisible(chromedp.CSS("#live")))
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("the today page scrolls sideways: %d px wide at 360", w)
	}
	screenshot(t, ctx, "today-360.png")
}

// screenshot saves the page as name in screenshotDir, if set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if screenshotDir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserCrossSitePostIsRefused(t *testing.T) {
	a := newTestAPI(t, "sqlite", Deps{})
	ctx := browsertest.New(t, 2*time.Minute)
	id, _ := startedMatch(t, a, ctx)
	// Another site (another origin) whose page posts the console's form
	// with the admin's cookie.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><form id="f" method="post" action="%s/admin/matches/%d/events">
<input name="tap" value="score/goal"><input name="team" value="away"></form>
<script>document.getElementById("f").submit()</script>`, a.URL, id)
	}))
	defer evil.Close()
	do(t, ctx, "visit the other site", chromedp.Navigate(evil.URL), chromedp.WaitVisible(chromedp.CSS("#error-message")))
	if msg := eval[string](t, ctx, `document.getElementById("error-message").textContent`); !strings.Contains(msg, "cross-site request refused") {
		t.Errorf("the other site's post: got %q, want it refused", msg)
	}
	if n := countEvents(t, a, id, match.KindScore); n != 0 {
		t.Errorf("the other site's post recorded %d goals, want 0", n)
	}
}

func TestBrowserEmbedSnippetAndWatchers(t *testing.T) {
	a := newTestAPI(t, "sqlite", Deps{})
	ctx := browsertest.New(t, 2*time.Minute)
	id, _ := startedMatch(t, a, ctx)
	a.summaries(id) // a fan
	do(t, ctx, "the embed page", chromedp.Navigate(fmt.Sprintf("%s/admin/matches/%d/embed", a.URL, id)), chromedp.WaitVisible(chromedp.CSS("#snippet-widget")))
	waitFor(t, ctx, "one fan watching", `document.getElementById("watchers").textContent === "1"`, 10*time.Second)
	do(t, ctx, "pick French", chromedp.SetValue(chromedp.CSS("#lang"), "fr"))
	eval[chromedp.Void](t, ctx, `document.getElementById("lang").dispatchEvent(new Event("change", {bubbles: true}))`)
	got := eval[string](t, ctx, `document.getElementById("snippet-widget").textContent`)
	want := fmt.Sprintf(`<script async src="%s/widget.js"></script>`+"\n"+`<scoreboard-match match="%d" theme="auto" lang="fr"></scoreboard-match>`, a.URL, id)
	if got != want {
		t.Errorf("the snippet: got\n%s\nwant\n%s", got, want)
	}
	if eval[bool](t, ctx, `document.querySelector("button[data-copy]").hidden`) {
		t.Error("the copy button is hidden with the script on")
	}

	// The competition's page counts the fans of its matches of the day.
	m, err := a.store.Match(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	other := apiPost[idDoc](t, ctx, "/api/v1/matches", map[string]any{
		"competition_id": m.CompetitionID, "home_team_id": m.AwayTeamID, "away_team_id": m.HomeTeamID,
		"kick_off": time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339), "time_zone": "Europe/Paris"})
	a.summaries(other.Match.ID)
	a.summaries(other.Match.ID)
	do(t, ctx, "the competition's embed page", chromedp.Navigate(fmt.Sprintf("%s/admin/competitions/%d/embed", a.URL, m.CompetitionID)), chromedp.WaitVisible(chromedp.CSS("#snippet-widget")))
	waitFor(t, ctx, "three fans of the competition's matches", `document.getElementById("watchers").textContent === "3"`, 10*time.Second)
	if got := eval[string](t, ctx, `document.getElementById("snippet-widget").textContent`); !strings.Contains(got, `<scoreboard-matches competition="ligue-test-`) {
		t.Errorf("the competition's snippet: got %s", got)
	}
}

func TestBrowserConsoleShellOffline(t *testing.T) {
	a := newTestAPI(t, "sqlite", Deps{})
	ctx := browsertest.New(t, 2*time.Minute)
	id, console := startedMatch(t, a, ctx)
	waitFor(t, ctx, "the service worker runs", `navigator.serviceWorker.controller !== null || (navigator.serviceWorker.ready.then(() => location.reload()), false)`, 10*time.Second)
	do(t, ctx, "reload under the worker", chromedp.Navigate(console), chromedp.WaitVisible(chromedp.CSS("#home-form")))
	waitFor(t, ctx, "the worker controls the console", `navigator.serviceWorker.controller !== null`, 10*time.Second)
	time.Sleep(300 * time.Millisecond) // the copy of the page is stored

	cutNetwork(t, ctx, "")
	do(t, ctx, "reload offline", chromedp.Navigate(console), chromedp.WaitVisible(chromedp.CSS("#home-form")))
	waitFor(t, ctx, "the offline notice", `document.getElementById("status").textContent.includes("Offline")`, 5*time.Second)
	click(t, ctx, `#home-form button[value="score/goal"]`)
	waitFor(t, ctx, "a pending tap", `document.querySelectorAll("#taps li.pending").length === 1`, 5*time.Second)
	keys := eval[[]string](t, ctx, `caches.keys().then(names => Promise.all(names.map(n => caches.open(n).then(c => c.keys())))).then(rs => rs.flat().map(r => new URL(r.url).pathname))`)
	for _, k := range keys {
		if strings.HasPrefix(k, "/api/") || strings.HasPrefix(k, "/.well-known/") {
			t.Errorf("the worker cached %s", k)
		}
	}
	cutNetwork(t, ctx, "none")
	waitFor(t, ctx, "the tap saved once online", `document.querySelectorAll("#taps li.pending").length === 0 && document.getElementById("home-score").textContent === "1"`, 15*time.Second)
	if n := countEvents(t, a, id, match.KindScore); n != 1 {
		t.Errorf("the server has %d goals, want 1", n)
	}
}
