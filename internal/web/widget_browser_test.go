package web

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scoreboard/scoreboard/internal/match"
)

func TestWidgetsShareOneStream(t *testing.T) {
	t.Parallel()
	e := newBrowserEnv(t)
	m1, m2, m3 := e.liveMatch("Lille", "Lens"), e.liveMatch("Nantes", "Brest"), e.liveMatch("Rennes", "Nice")
	host := hostPages(t, "", map[string]string{"/": hostPage("en", countStreams+`<script async src="`+e.URL+`/widget.js"></script>`,
		fmt.Sprintf(`<scoreboard-match match="%d"></scoreboard-match><scoreboard-match match="%d" theme="dark"></scoreboard-match><scoreboard-match match="%d"></scoreboard-match>`, m1, m1, m2))})
	e.navigate(host)
	e.waitFor("three widgets show 0-0", scoresAre(m1, 0, 0)+" && "+scoresAre(m2, 0, 0))
	e.waitSubscribers(1)
	e.waitFor("the page opens one stream", "window.streams === 1")
	if got := evalIn[[]string](e, `Object.getOwnPropertyNames(window).filter((k) => k != "globals" && !globals.includes(k))`); len(got) != 0 {
		t.Errorf("the widget added globals %q", got)
	}
	if got := evalIn[[]string](e, `["scoreboard-match", "scoreboard-matches"].filter((n) => !customElements.get(n))`); len(got) != 0 {
		t.Errorf("elements %q are not defined", got)
	}

	recorded := time.Now()
	e.goal(m1, "home", "Jonathan David")
	e.waitFor("the goal shows in both widgets of the match", scoresAre(m1, 1, 0))
	// Said, not asserted: timings are for benchmarks.
	t.Logf("the goal showed in both widgets %v after it was posted", time.Since(recorded).Round(time.Millisecond))
	e.waitFor("the live region announces it", fmt.Sprintf(`[...document.querySelectorAll('scoreboard-match[match="%d"]')].every((e) => e.shadowRoot.querySelector(".sr").textContent.startsWith("Goal! Lille 1, Lens 0, "))`, m1))
	if got := evalIn[bool](e, scoresAre(m2, 0, 0)); !got {
		t.Errorf("the other match's widget changed: %s", evalIn[string](e, widgetsJS))
	}
	if n := evalIn[int](e, "window.streams"); n != 1 || e.hub.Stats().Subscribers != 1 {
		t.Errorf("after a goal: the page opened %d streams and the hub has %d, want 1 and 1", n, e.hub.Stats().Subscribers)
	}

	// A widget added later, of another match, joins the stream: one
	// reconnect for the new topic, one stream still.
	evalIn[any](e, fmt.Sprintf(`document.body.append(Object.assign(document.createElement("scoreboard-match"), {id: "later"})); document.getElementById("later").setAttribute("match", "%d")`, m3))
	e.waitFor("the widget added later shows its match", `document.getElementById("later").shadowRoot?.querySelector(".m .home .s")?.textContent === "0"`)
	e.waitFor("the page reconnects once", "window.streams === 2")
	e.waitSubscribers(1)
	e.goal(m3, "away", "Terem Moffi")
	e.waitFor("the goal shows in the widget added later", scoresAre(m3, 0, 1))
	e.goal(m2, "away", "Ludovic Ajorque")
	e.waitFor("and the others still follow theirs", scoresAre(m2, 0, 1))
	if n := evalIn[int](e, "window.streams"); n != 2 {
		t.Errorf("the page opened %d streams, want 2 (one, and one reconnect for the new topic)", n)
	}
}

func TestWidgetResumesAfterACut(t *testing.T) {
	t.Parallel()
	e := newBrowserEnv(t)
	id := e.liveMatch("Lille", "Lens")
	proxy := newCutProxy(t, e.URL, false)
	host := hostPages(t, "", map[string]string{"/": hostPage("en", `<script async src="`+proxy.URL+`/widget.js"></script>`,
		fmt.Sprintf(`<div style="width:600px"><scoreboard-match match="%d"></scoreboard-match></div>`, id))})
	e.navigate(host)
	e.waitFor("the widget shows 0-0", scoresAre(id, 0, 0))
	e.waitSubscribers(1)

	proxy.cut()
	e.waitSubscribers(0)
	e.goal(id, "home", "Jonathan David")
	e.goal(id, "home", "Edon Zhegrova")
	proxy.restore()
	// The network comes back: the browser says so.
	evalIn[any](e, `window.dispatchEvent(new Event("online"))`)
	e.waitFor("both goals show", scoresAre(id, 2, 0))
	e.waitSubscribers(1)
	e.waitFor("the timeline has both goals", fmt.Sprintf(`document.querySelector('scoreboard-match[match="%d"]').shadowRoot.querySelectorAll(".tl .g").length === 2`, id))
	// Once: a third goal after them counts as the third.
	third := e.goal(id, "away", "Wesley Saïd")
	e.waitFor("the next goal shows", scoresAre(id, 2, 1))
	if n := evalIn[int](e, fmt.Sprintf(`document.querySelector('scoreboard-match[match="%d"]').shadowRoot.querySelectorAll(".tl .g").length`, id)); n != 3 {
		t.Errorf("the timeline has %d goals, want 3: %s", n, evalIn[string](e, widgetsJS))
	}
	// A void takes it back, from the score and the timeline, and says so
	// without a "Goal!".
	e.record(e.admin, id, map[string]any{"kind": "void", "void_seq": third, "text": "offside"}, http.StatusCreated)
	e.waitFor("the void shows", scoresAre(id, 2, 0)+fmt.Sprintf(` && document.querySelector('scoreboard-match[match="%d"]').shadowRoot.querySelectorAll(".tl .g").length === 2`, id))
	if said := evalIn[string](e, fmt.Sprintf(`document.querySelector('scoreboard-match[match="%d"]').shadowRoot.querySelector(".sr").textContent`, id)); !strings.HasPrefix(said, "Lille 2, Lens 0") {
		t.Errorf("after a void the live region says %q, want the score without Goal!", said)
	}
}

func TestWidgetReconnectsASilentStream(t *testing.T) {
	t.Parallel()
	e := newBrowserEnv(t)
	id := e.liveMatch("Lille", "Lens")
	proxy := newCutProxy(t, e.URL, false)
	proxy.stall = true
	host := hostPages(t, "", map[string]string{"/": hostPage("en", countStreams+`<script async src="`+proxy.URL+`/widget.js"></script>`,
		fmt.Sprintf(`<scoreboard-match match="%d"></scoreboard-match>`, id))})
	e.navigate(host)
	e.waitFor("the widget shows 0-0", scoresAre(id, 0, 0))
	e.waitSubscribers(1)
	e.goal(id, "home", "Jonathan David")
	// The stream is open and says nothing: past twice the heartbeat (15s)
	// the widget opens another, from its last id, and the goal comes.
	ctx, cancel := context.WithTimeout(e.ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](scoresAre(id, 1, 0), chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(time.Minute))); err != nil {
		t.Fatalf("the goal never shows after a silent stream: %v; the widgets: %s", err, evalIn[string](e, widgetsJS))
	}
	if n := evalIn[int](e, "window.streams"); n != 2 {
		t.Errorf("the page opened %d streams, want 2: the silent one and the next", n)
	}
}

func TestWidgetPollsWhenStreamingIsBuffered(t *testing.T) {
	t.Parallel()
	e := newBrowserEnv(t)
	id := e.liveMatch("Lille", "Lens")
	proxy := newCutProxy(t, e.URL, true)
	host := hostPages(t, "", map[string]string{"/": hostPage("en", `<script async src="`+proxy.URL+`/widget.js"></script>`,
		fmt.Sprintf(`<scoreboard-match match="%d"></scoreboard-match>`, id))})
	e.navigate(host)
	e.waitFor("the widget shows 0-0", scoresAre(id, 0, 0))
	e.goal(id, "home", "Jonathan David")
	// Ten seconds without a byte of the stream, then a read of the state
	// (with its ETag) each fifteen.
	ctx, cancel := context.WithTimeout(e.ctx, 45*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](scoresAre(id, 1, 0), chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(time.Minute))); err != nil {
		t.Fatalf("the goal never shows through a buffering proxy: %v; the widgets: %s", err, evalIn[string](e, widgetsJS))
	}
	// The next reads revalidate the state with its ETag.
	want := fmt.Sprintf("path=/api/v1/matches/%d route=/api/v1/matches/{id} status=304", id)
	for deadline := time.Now().Add(40 * time.Second); !strings.Contains(e.logs.String(), want); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no read of the state answered 304: no %q in the server's log", want)
		}
	}
}

func TestWidgetOnFileAndStrictCSPPages(t *testing.T) {
	t.Parallel()
	e := newBrowserEnv(t)
	id := e.liveMatch("Lille", "Lens")
	body := fmt.Sprintf(`<scoreboard-match match="%d"></scoreboard-match>`, id)
	script := `<script async src="` + e.URL + `/widget.js"></script>`

	file := filepath.Join(t.TempDir(), "page.html")
	if err := os.WriteFile(file, []byte(hostPage("en", script, body)), 0o644); err != nil {
		t.Fatal(err)
	}
	strict := "default-src 'none'; script-src " + e.URL + "; connect-src " + e.URL + "; require-trusted-types-for 'script'"
	host := hostPages(t, strict, map[string]string{"/": hostPage("en", script, body)})
	goals := 0
	for _, page := range []string{"file://" + file, host} {
		e.navigate(page)
		e.waitFor(page+": the widget shows the score", scoresAre(id, goals, 0))
		goals++
		e.goal(id, "home", "Jonathan David")
		e.waitFor(page+": the goal shows", scoresAre(id, goals, 0))
	}
}

func TestWidgetInFrenchAndDark(t *testing.T) {
	t.Parallel()
	e := newBrowserEnv(t)
	id := e.liveMatch("Lille", "Lens")
	done := e.createMatch(e.admin, footballInput("Nantes", "Brest")).Match.ID
	e.record(e.admin, done, map[string]any{"kind": "postpone"}, http.StatusCreated)
	host := hostPages(t, "", map[string]string{"/": hostPage("fr", `<script async src="`+e.URL+`/widget.js"></script>`,
		fmt.Sprintf(`<scoreboard-match match="%d" theme="dark"></scoreboard-match><scoreboard-match id="done" match="%d" theme="light"></scoreboard-match>`, id, done))})
	e.navigate(host)
	e.waitFor("the widgets show", scoresAre(id, 0, 0)+" && "+scoresAre(done, 0, 0))
	q := func(sel, js string) string {
		return evalIn[string](e, `document.querySelector('`+sel+`').shadowRoot.querySelector(`+js)
	}
	if got := q(`scoreboard-match[theme="dark"]`, `".p").textContent`); got != "Suspendre le direct" {
		t.Errorf("pause control: got %q, want the French label", got)
	}
	if got := q("#done", `".st").textContent`); got != "Reporté" {
		t.Errorf("a postponed match's status: got %q, want Reporté", got)
	}
	if got := q(`scoreboard-match[theme="dark"]`, `".w") && getComputedStyle(document.querySelector('scoreboard-match[theme="dark"]').shadowRoot.querySelector(".w")).backgroundColor`); got != "rgb(22, 24, 29)" {
		t.Errorf("dark theme background: got %q, want rgb(22, 24, 29)", got)
	}
	if got := q("#done", `".w") && getComputedStyle(document.querySelector("#done").shadowRoot.querySelector(".w")).backgroundColor`); got != "rgb(255, 255, 255)" {
		t.Errorf("light theme background: got %q, want white", got)
	}

	// Paused, the widget holds still; resumed, it catches up.
	evalIn[any](e, `document.querySelector('scoreboard-match[theme="dark"]').shadowRoot.querySelector(".p").click()`)
	e.waitFor("the control says it is paused", `document.querySelector('scoreboard-match[theme="dark"]').shadowRoot.querySelector(".p").textContent === "Reprendre le direct"`)
	e.goal(id, "home", "Jonathan David")
	e.waitFor("the update arrives while paused", `document.querySelector('scoreboard-match[theme="dark"]').st.home.score === 1`)
	if !evalIn[bool](e, scoresAre(id, 0, 0)) {
		t.Errorf("a paused widget changed: %s", evalIn[string](e, widgetsJS))
	}
	evalIn[any](e, `document.querySelector('scoreboard-match[theme="dark"]').shadowRoot.querySelector(".p").click()`)
	e.waitFor("resumed, it shows the goal", scoresAre(id, 1, 0))
	if got := q(`scoreboard-match[theme="dark"]`, `".p").textContent`); got != "Suspendre le direct" {
		t.Errorf("resumed, the control says %q", got)
	}
}

func TestEmbedPageReportsItsHeight(t *testing.T) {
	t.Parallel()
	e := newBrowserEnv(t)
	id := e.liveMatch("Lille", "Lens")
	e.goal(id, "home", "Jonathan David")
	listen := `<script>window.heights = []; addEventListener("message", (m) => {
		if (m.origin === "` + e.URL + `" && m.data && m.data.type === "scoreboard:height" && m.source === document.querySelector("iframe").contentWindow) heights.push(m.data.height);
	});</script>`
	host := hostPages(t, "", map[string]string{"/": hostPage("en", listen, fmt.Sprintf(`<iframe src="%s/embed/matches/%d?lang=fr" style="width:320px;height:50px;border:0"></iframe>`, e.URL, id))})
	e.navigate(host)
	e.waitFor("the embed page reports its height", "window.heights.length > 0 && window.heights.at(-1) > 60")
	// The frame painted the score itself, then the widget took over.
	ctx, cancel := context.WithTimeout(e.ctx, 15*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("iframe").contentDocument === null`, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("the embed page is not cross-origin: %v", err)
	}
	if h := evalIn[[]int](e, "window.heights"); len(h) == 0 || strings.Contains(fmt.Sprint(h), "-") {
		t.Errorf("heights reported: %v", h)
	}
}

func TestCompetitionWidget(t *testing.T) {
	t.Parallel()
	e := newBrowserEnv(t)
	comp := e.do(req{Method: "POST", Path: "/api/v1/competitions", Token: e.admin, Body: map[string]any{"name": "Ligue 1", "sport": "football", "season": "2026", "slug": "ligue-1"}})
	wantStatus(t, "POST /api/v1/competitions", comp, http.StatusCreated)
	var c match.Competition
	comp.decode(t, &c)
	var ids []int64
	var day string
	for _, teams := range [][2]string{{"Lille", "Lens"}, {"Nantes", "Brest"}} {
		in := footballInput(teams[0], teams[1])
		delete(in, "competition")
		in["competition_id"] = c.ID
		doc := e.createMatch(e.admin, in)
		ids = append(ids, doc.Match.ID)
		// The day the reader's browser sees the kick-off on.
		tz := evalIn[string](e, "Intl.DateTimeFormat().resolvedOptions().timeZone")
		loc, err := time.LoadLocation(tz)
		if err != nil {
			t.Fatalf("the browser's time zone %q: %v", tz, err)
		}
		day = doc.Match.KickOff.In(loc).Format(time.DateOnly)
	}
	e.record(e.admin, ids[0], map[string]any{"kind": "match_start"}, http.StatusCreated)
	e.record(e.admin, ids[1], map[string]any{"kind": "match_start"}, http.StatusCreated)
	host := hostPages(t, "", map[string]string{"/": hostPage("en", countStreams+`<script async src="`+e.URL+`/widget.js"></script>`,
		fmt.Sprintf(`<div style="width:480px"><scoreboard-matches competition="ligue-1" date="%s"></scoreboard-matches></div><scoreboard-match match="%d"></scoreboard-match>`, day, ids[1]))})
	e.navigate(host)
	rows := `[...document.querySelector("scoreboard-matches").shadowRoot?.querySelectorAll("li") ?? []].map((li) => li.querySelector(".home .s").textContent + "-" + li.querySelector(".away .s").textContent + " " + li.querySelector("a").href).join(" | ")`
	e.waitFor("the list shows both matches", rows+fmt.Sprintf(` === "0-0 %s/matches/%d | 0-0 %s/matches/%d"`, e.URL, ids[0], e.URL, ids[1]))
	e.waitFor("the list and the match share one stream", "window.streams === 1")
	e.waitSubscribers(1)
	e.goal(ids[0], "away", "Florian Sotoca")
	e.goal(ids[1], "home", "Mostafa Mohamed")
	defer func() {
		if t.Failed() {
			t.Logf("rows: %s", evalIn[string](e, rows))
		}
	}()
	e.waitFor("both goals show in the list", rows+fmt.Sprintf(` === "0-1 %s/matches/%d | 1-0 %s/matches/%d"`, e.URL, ids[0], e.URL, ids[1]))
	e.waitFor("and in the match widget", scoresAre(ids[1], 1, 0))
	if got := evalIn[string](e, `document.querySelector("scoreboard-matches").shadowRoot.querySelector(".sr").textContent`); !strings.HasPrefix(got, "Goal! Nantes 1, Brest 0, ") {
		t.Errorf("the list's live region says %q", got)
	}
	if png, err := chromedp.Run(e.ctx, chromedp.Screenshot(chromedp.CSS("scoreboard-matches"))); err == nil && os.Getenv("SCOREBOARD_UPDATE_SCREENSHOTS") != "" {
		os.WriteFile(filepath.Join("..", "..", "docs", "widget-competition.png"), png, 0o644)
	}
}

func TestWidgetClockRunsInTheBrowser(t *testing.T) {
	t.Parallel()
	e := newBrowserEnv(t)
	id := e.liveMatch("Lille", "Lens")
	// The reader's clock is an hour fast: the widget reads the server's
	// time from its responses and shows the match's minute all the same.
	skew := `<script>const realNow = Date.now; Date.now = () => realNow() + 3600e3;</script>`
	host := hostPages(t, "", map[string]string{"/": hostPage("en", skew+`<script async src="`+e.URL+`/widget.js"></script>`,
		fmt.Sprintf(`<scoreboard-match match="%d"></scoreboard-match>`, id))})
	e.navigate(host)
	status := `document.querySelector("scoreboard-match").shadowRoot?.querySelector(".st")?.textContent`
	e.waitFor("the clock reads the first minute, not the hour ahead", status+` === "1'"`)
	if role := evalIn[string](e, `document.querySelector("scoreboard-match").shadowRoot.querySelector(".st").getAttribute("role")`); role != "timer" {
		t.Errorf("the clock's role is %q, want timer (a live region that is not announced)", role)
	}
	// Two seconds before the hour: the minute turns in the browser, with
	// nothing more from the server.
	e.record(e.admin, id, map[string]any{"kind": "clock_adjust", "set_clock_ms": 59*60_000 + 58_000}, http.StatusCreated)
	e.waitFor("the clock shows the adjusted time", status+` === "45+15'"`)
	e.waitFor("the clock runs on by itself", status+` === "45+16'"`)
}

// dropSkipped is a host page script that drops from the page's streams
// every event that names "Skipped Player", as if the hub had let the
// page, behind, skip it for a newer state of the match (hub coalescing),
// and counts the page's reads of a match in window.reads.
const dropSkipped = `<script>window.reads = 0; const f = window.fetch; window.fetch = async (u, o) => {
	if (String(u).includes("/api/v1/matches/")) reads++;
	const r = await f(u, o);
	if (!String(u).includes("/.well-known/mercure")) return r;
	let buf = "";
	const dec = new TextDecoder(), enc = new TextEncoder();
	const body = r.body.pipeThrough(new TransformStream({ transform(chunk, c) {
		buf += dec.decode(chunk, { stream: true });
		const i = buf.lastIndexOf("\n\n");
		if (i < 0) return;
		const evs = buf.slice(0, i + 2).split(/(?<=\n\n)/).filter((e) => !e.includes("Skipped Player"));
		buf = buf.slice(i + 2);
		if (evs.length) c.enqueue(enc.encode(evs.join("")));
	} }));
	return new Response(body, { status: r.status, statusText: r.statusText, headers: r.headers });
};</script>`

// A widget that misses a match's update shows the newest state it gets
// at once (the update carries the whole score, clock and status), and
// fills the timeline's missing goal with one read of the match a few
// seconds later, however many updates come meanwhile: a burst that makes
// every widget skip does not make them all read the API at once.
func TestWidgetSkipsToTheNewestStateAndReadsTheTimelineLater(t *testing.T) {
	t.Parallel()
	e := newBrowserEnv(t)
	id := e.liveMatch("Lille", "Lens")
	host := hostPages(t, "", map[string]string{"/": hostPage("en", dropSkipped+`<script async src="`+e.URL+`/widget.js"></script>`,
		fmt.Sprintf(`<scoreboard-match match="%d"></scoreboard-match>`, id))})
	e.navigate(host)
	e.waitFor("the widget shows 0-0", scoresAre(id, 0, 0))
	e.waitSubscribers(1)
	goals := fmt.Sprintf(`document.querySelector('scoreboard-match[match="%d"]').shadowRoot.querySelectorAll(".tl .g").length`, id)
	e.goal(id, "home", "Jonathan David")
	e.waitFor("the first goal shows", scoresAre(id, 1, 0)+" && "+goals+" === 1")
	reads := evalIn[int](e, "window.reads")
	e.goal(id, "home", "Skipped Player") // its update never reaches the widget
	e.goal(id, "away", "Wesley Saïd")
	e.waitFor("the newest score shows before the timeline is read again", scoresAre(id, 2, 1)+" && "+goals+" === 2")
	e.goal(id, "away", "Florian Sotoca")
	e.waitFor("the next goal shows", scoresAre(id, 2, 2))
	e.waitFor("the timeline, read again, has every goal", goals+" === 4")
	if n := evalIn[int](e, "window.reads") - reads; n != 1 {
		t.Errorf("the widget read the match %d times after the missed update, want once", n)
	}
}
