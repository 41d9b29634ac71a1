package web

import (
	"fmt"
	"html"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/templates"
)

// Choices of the embed snippet: the widget's themes and languages.
var (
	embedThemes = []string{"auto", "light", "dark"}
	embedLangs  = []templates.Option{{Value: "en", Label: "English"}, {Value: "fr", Label: "Français"},
		{Value: "es", Label: "Español"}, {Value: "de", Label: "Deutsch"}, {Value: "it", Label: "Italiano"}, {Value: "pt", Label: "Português"}}
)

// watcherTokenTTL is how long the embed page may read the hub's active
// subscriptions with the token it is given.
const watcherTokenTTL = time.Hour

// matchEmbedPage serves GET /admin/matches/{id}/embed?theme=&lang=
// (admins): the snippet that puts the match's widget on a site (the
// script tag and the element, or an iframe), and how many fans watch it
// now, from the hub's active subscriptions, kept live by embed.js.
func (s *server) matchEmbedPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.store.Match(r.Context(), id)
	if err != nil {
		return err
	}
	v := s.embedView(r, "Embed: "+m.Home.Name+" v "+m.Away.Name)
	v.Back = "/admin/matches/" + strconv.FormatInt(id, 10)
	v.Element = fmt.Sprintf(`<scoreboard-match match="%d" theme="{theme}" lang="{lang}"></scoreboard-match>`, id)
	v.Frame = s.frame(fmt.Sprintf("/embed/matches/%d", id), m.Home.Name+" v "+m.Away.Name)
	if err := s.watchers(&v, id); err != nil {
		return err
	}
	return render(w, r, templates.EmbedSnippet(v))
}

// competitionEmbedPage serves GET /admin/competitions/{id}/embed?theme=&lang=
// (admins): the snippet of the competition's widget, today's matches.
func (s *server) competitionEmbedPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.store.Competition(r.Context(), id)
	if err != nil {
		return err
	}
	v := s.embedView(r, "Embed: "+c.Name)
	v.Back = "/admin/competitions/" + strconv.FormatInt(id, 10)
	v.Element = fmt.Sprintf(`<scoreboard-matches competition="%s" date="today" theme="{theme}" lang="{lang}"></scoreboard-matches>`,
		html.EscapeString(c.Slug))
	v.Frame = s.frame("/embed/competitions/"+c.Slug, c.Name)
	now := time.Now().UTC()
	ms, err := s.store.Matches(r.Context(), match.MatchFilter{CompetitionID: id, From: now.Add(-12 * time.Hour), Before: now.Add(24 * time.Hour), Limit: maxWatchedMatches})
	if err != nil {
		return err
	}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	if err := s.watchers(&v, ids...); err != nil {
		return err
	}
	return render(w, r, templates.EmbedSnippet(v))
}

// maxWatchedMatches bounds the matches whose fans a competition's embed
// page counts: those of about a day.
const maxWatchedMatches = 50

// watchers lets the embed page count the fans of the matches ids: the
// subscriptions API URL of each match's topic, and a short-lived
// subscriber token that may read those and nothing else. Without a key
// that signs, or without matches, the page shows no count.
func (s *server) watchers(v *templates.EmbedSnippetView, ids ...int64) error {
	if s.hubKey == nil || !s.hubKey.CanSign() || len(ids) == 0 {
		return nil
	}
	paths := make([]string, len(ids))
	for i, id := range ids {
		paths[i] = hub.SubscriptionsPath + "/" + escapeSegment(s.topic(id))
	}
	tok, err := s.hubKey.Sign(nil, paths, watcherTokenTTL)
	if err != nil {
		return err
	}
	v.WatchersURLs, v.WatchersToken = strings.Join(paths, " "), tok
	return nil
}

// embedView is the part of the embed page that matches and competitions
// share: the theme and language asked for, or the defaults.
func (s *server) embedView(r *http.Request, title string) templates.EmbedSnippetView {
	v := templates.EmbedSnippetView{Layout: s.layout(r, title), Themes: embedThemes, Langs: embedLangs, Theme: "auto", Lang: "en"}
	if t := r.URL.Query().Get("theme"); slices.Contains(embedThemes, t) {
		v.Theme = t
	}
	if l := r.URL.Query().Get("lang"); slices.ContainsFunc(embedLangs, func(o templates.Option) bool { return o.Value == l }) {
		v.Lang = l
	}
	v.Script = fmt.Sprintf(`<script async src="%s/widget.js"></script>`, html.EscapeString(s.publicURL))
	return v
}

// frame is the iframe alternative of the widget at path, titled title,
// with {theme} and {lang} to fill in.
func (s *server) frame(path, title string) string {
	return fmt.Sprintf(`<iframe src="%s%s?theme={theme}&amp;lang={lang}" title="%s" loading="lazy" style="border:0;width:100%%;height:240px"></iframe>`,
		html.EscapeString(s.publicURL), html.EscapeString(path), html.EscapeString(title))
}

// escapeSegment percent-encodes s as one path segment, every byte but the
// unreserved ones, as the hub names a topic's subscriptions.
func escapeSegment(s string) string {
	const hexDigits = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)*3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return string(b)
}
