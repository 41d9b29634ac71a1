package web

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scoreboard/scoreboard/internal/browsertest"
	"github.com/scoreboard/scoreboard/internal/match"
)

// unlabelled lists, on the page shown, every form control without a label
// and every button or link without a name, and every id used twice.
const unlabelled = `(() => {
	const bad = [];
	for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
		if (el.labels.length === 0 && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")) bad.push("no label: " + el.outerHTML.slice(0, 100));
	}
	for (const el of document.querySelectorAll("button, a[href], summary")) {
		if (el.textContent.trim() === "" && !el.getAttribute("aria-label")) bad.push("no name: " + el.outerHTML.slice(0, 100));
	}
	const seen = new Set();
	for (const el of document.querySelectorAll("[id]")) {
		if (seen.has(el.id)) bad.push("id used twice: " + el.id);
		seen.add(el.id);
	}
	if (!document.querySelector('[role="status"][aria-live]')) bad.push("no live region for status messages");
	if (!document.documentElement.lang) bad.push("no lang on <html>");
	return bad;
})()`

func TestBrowserEveryControlIsLabelled(t *testing.T) {
	a := newTestAPI(t, "sqlite", Deps{})
	ctx := browsertest.New(t, 2*time.Minute)
	do(t, ctx, "the login page", chromedp.Navigate(a.URL+"/admin/login"), chromedp.WaitVisible(chromedp.CSS("#email")))
	check := func(what string) {
		t.Helper()
		for _, b := range eval[[]string](t, ctx, unlabelled) {
			t.Errorf("%s: %s", what, b)
		}
	}
	check("login")
	a.user("admin@example.org", match.RoleAdmin)
	loginInBrowser(t, ctx, a.URL, "admin@example.org", userPassword)
	id := createFixtureInPages(t, ctx, a.URL)
	check("match edit")
	for _, path := range []string{"/admin", "/admin/competitions", "/admin/competitions/1", "/admin/users", "/admin/password",
		fmt.Sprintf("/admin/matches/%d", id), fmt.Sprintf("/admin/matches/%d/embed", id), "/admin/matches/new?competition=1"} {
		do(t, ctx, path, chromedp.Navigate(a.URL+path), chromedp.WaitVisible(chromedp.CSS("#main")))
		check(path)
	}
	do(t, ctx, "start", chromedp.Navigate(fmt.Sprintf("%s/admin/matches/%d", a.URL, id)), chromedp.WaitVisible(chromedp.CSS(`button[value="match_start"]`)))
	tapButton(t, ctx, `button[value="match_start"]`)
	check("the console of a live match")
}
