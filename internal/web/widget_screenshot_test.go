package web

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWidgetScreenshots takes the README's screenshots of a live match:
// the widget in light and dark themes at 320 and 600 px, and the match's
// page. They go to docs/ with SCOREBOARD_UPDATE_SCREENSHOTS=1, to a
// temporary folder otherwise (the test then checks only that they render).
func TestWidgetScreenshots(t *testing.T) {
	t.Parallel()
	e := newBrowserEnv(t)
	in := footballInput("LOSC Lille", "RC Lens")
	in["competition"] = "Ligue 1"
	in["home"] = map[string]any{"name": "LOSC Lille", "short_name": "LIL", "color": "#d6001c"}
	in["away"] = map[string]any{"name": "RC Lens", "short_name": "RCL", "color": "#ffd100"}
	id := e.createMatch(e.admin, in).Match.ID
	for _, ev := range []map[string]any{
		{"kind": "match_start"},
		{"kind": "clock_adjust", "set_clock_ms": 17 * 60_000},
		{"kind": "score", "team": "home", "score_kind": "goal", "player": "Jonathan David"},
		{"kind": "clock_adjust", "set_clock_ms": 38 * 60_000},
		{"kind": "card", "team": "away", "card": "yellow", "player": "Facundo Medina"},
		{"kind": "period_end"},
		{"kind": "period_start"},
		{"kind": "clock_adjust", "set_clock_ms": 51 * 60_000},
		{"kind": "score", "team": "away", "score_kind": "goal", "player": "Florian Sotoca"},
		{"kind": "clock_adjust", "set_clock_ms": 67 * 60_000},
		{"kind": "score", "team": "home", "score_kind": "penalty_goal", "player": "Edon Zhegrova"},
		{"kind": "clock_adjust", "set_clock_ms": 71*60_000 + 12_000},
	} {
		e.record(e.admin, id, ev, http.StatusCreated)
	}
	dir := t.TempDir()
	if os.Getenv("SCOREBOARD_UPDATE_SCREENSHOTS") != "" {
		dir = filepath.Join("..", "..", "docs")
	}
	var pages = map[string]string{}
	for _, theme := range []string{"light", "dark"} {
		bg := "#f3f4f6"
		if theme == "dark" {
			bg = "#0b0c0f"
		}
		for _, w := range []int{320, 600} {
			pages[fmt.Sprintf("/%s-%d", theme, w)] = hostPage("en", `<script async src="`+e.URL+`/widget.js"></script><style>body{margin:0;background:`+bg+`}#w{padding:12px}</style>`,
				fmt.Sprintf(`<div id="w" style="width:%dpx;box-sizing:border-box"><scoreboard-match match="%d" theme="%s"></scoreboard-match></div>`, w, id, theme))
		}
	}
	host := hostPages(t, "", pages)
	for path := range pages {
		e.navigate(host + path)
		e.waitFor(path+" renders", scoresAre(id, 2, 1))
		png, err := chromedp.Run(e.ctx, chromedp.Screenshot(chromedp.CSS("#w")))
		if err != nil {
			t.Fatalf("screenshot %s: %v", path, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "widget-"+path[1:]+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(e.ctx, chromedp.EmulateViewport(800, 520)); err != nil {
		t.Fatal(err)
	}
	e.navigate(fmt.Sprintf("%s/matches/%d", e.URL, id))
	e.waitFor("the match page renders", scoresAre(id, 2, 1))
	png, err := chromedp.Run(e.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot the match page: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "match-page.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
