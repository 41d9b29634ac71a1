package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/templates"
	"github.com/scoreboard/scoreboard/web/widget"
)

// pageCSP is the Content-Security-Policy of the pages around the widget:
// their scripts and connections are the server's own, their styles inline
// (the widget's are constructed stylesheets, which CSP does not govern),
// and frame-ancestors says who may frame them.
const pageCSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' https: data:; base-uri 'none'; form-action 'none'; frame-ancestors "

// page renders c as an HTML page that frameAncestors may frame ("*" for
// the embed pages, "'none'" for the rest). Pages are not cached: they
// carry the current score and the server's time.
func (s *server) page(w http.ResponseWriter, r *http.Request, frameAncestors string, c templ.Component) error {
	w.Header().Set("Cache-Control", "no-cache")
	return s.pageStatus(w, r, frameAncestors, http.StatusOK, c)
}

// pageStatus renders c as page does, with status.
func (s *server) pageStatus(w http.ResponseWriter, r *http.Request, frameAncestors string, status int, c templ.Component) error {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("Content-Security-Policy", pageCSP+frameAncestors)
	if frameAncestors == "*" {
		h.Del("X-Frame-Options")
	} else {
		h.Set("X-Frame-Options", "DENY")
	}
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil {
		// The response has begun: there is nobody left to tell but the log.
		s.log.DebugContext(r.Context(), "render page", "path", r.URL.Path, "err", err)
	}
	return nil
}

// handlePage adapts a page's handler as handle does, but renders its error
// as an HTML page: fans reach these routes by links, not API clients.
func (s *server) handlePage(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		code := match.ErrorCode(err)
		if code == match.EINTERNAL {
			s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		status := statusOf(code)
		w.Header().Del("ETag")
		w.Header().Set("Cache-Control", "no-store")
		v := templates.PublicErrorView{Status: status, Title: http.StatusText(status), Message: match.ErrorMessage(err)}
		s.pageStatus(w, r, "'none'", status, templates.PublicErrorPage(v))
	}
}

// startDoc is a match document as a page embeds it for the widget to start
// from without a first read: the API's document and the server's time.
type startDoc struct {
	matchDoc
	Now time.Time `json:"now"`
}

// startList is a competition's day as a page embeds it.
type startList struct {
	competitionDoc
	Now time.Time `json:"now"`
}

// langTag is what the lang parameter takes: a BCP 47 tag of a language and a
// few subtags ("pt-BR", "de-CH-1996").
var langTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$`)

// embedParams reads the theme and lang of an embed page (lang defaults to
// the reader's first language, then English). Returns EINVALID naming the
// parameter.
func embedParams(r *http.Request) (theme, lang string, err error) {
	q := r.URL.Query()
	switch theme = q.Get("theme"); theme {
	case "":
		theme = "auto"
	case "auto", "light", "dark":
	default:
		return "", "", match.Errorf(match.EINVALID, "theme=%.40q must be auto, light or dark", theme)
	}
	lang = q.Get("lang")
	if lang == "" {
		// The reader's first language, when it is a plain tag.
		first, _, _ := strings.Cut(r.Header.Get("Accept-Language"), ",")
		first, _, _ = strings.Cut(first, ";")
		if lang = strings.TrimSpace(first); len(lang) > 35 || !langTag.MatchString(lang) {
			lang = "en"
		}
	} else if len(lang) > 35 || !langTag.MatchString(lang) {
		return "", "", match.Errorf(match.EINVALID, "lang=%.40q is not a language tag such as fr or pt-BR", lang)
	}
	return theme, lang, nil
}

// embedMatch serves GET /embed/matches/{id}?theme=&lang=: the match's
// widget as a whole page, for an iframe, painted with the current score;
// any page may frame it.
func (s *server) embedMatch(w http.ResponseWriter, r *http.Request) error {
	theme, lang, err := embedParams(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	doc, err := s.matchDoc(r.Context(), id)
	if err != nil {
		return err
	}
	v, err := embedView(theme, lang)
	if err != nil {
		return err
	}
	now := time.Now()
	v.Title, v.MatchID = doc.Match.Home.Name+" – "+doc.Match.Away.Name, id
	v.Data, v.Scores = startDoc{doc, now}, []templates.ScoreView{scoreView(doc.Match, doc.State.Summary, now)}
	return s.page(w, r, "*", templates.Embed(v))
}

// embedCompetition serves GET /embed/competitions/{id-or-slug}?date=&tz=
// &theme=&lang=: a competition's matches of a day as a whole page, for an
// iframe.
func (s *server) embedCompetition(w http.ResponseWriter, r *http.Request) error {
	theme, lang, err := embedParams(r)
	if err != nil {
		return err
	}
	doc, date, err := s.competitionDay(r)
	if err != nil {
		return err
	}
	v, err := embedView(theme, lang)
	if err != nil {
		return err
	}
	now := time.Now()
	v.Title, v.Competition, v.Date = doc.Competition.Name, doc.Competition.Slug, date
	v.Data, v.Scores = startList{doc, now}, scoreViews(doc, now)
	return s.page(w, r, "*", templates.Embed(v))
}

func embedView(theme, lang string) (templates.EmbedView, error) {
	ws, err := widgetScript()
	if err != nil {
		return templates.EmbedView{}, err
	}
	e, err := widget.Embed()
	if err != nil {
		return templates.EmbedView{}, err
	}
	return templates.EmbedView{Script: ws, EmbedScript: "/" + e.Name, Theme: theme, Lang: lang}, nil
}

// publicMatchPage serves GET /matches/{id}: the match's public page, live, with
// Open Graph and Twitter card tags that show the current score and an
// oEmbed discovery link. Its URL is also the match's topic.
func (s *server) publicMatchPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	doc, err := s.matchDoc(r.Context(), id)
	if err != nil {
		return err
	}
	ws, err := widgetScript()
	if err != nil {
		return err
	}
	now := time.Now()
	sv := scoreView(doc.Match, doc.State.Summary, now)
	pageURL := s.topic(id)
	return s.page(w, r, "'none'", templates.MatchPage(templates.MatchPageView{
		Meta: templates.PageMeta{
			Title:       fmt.Sprintf("%s %d–%d %s", sv.Home, sv.HomeScore, sv.AwayScore, sv.Away),
			Description: sv.Competition + " · " + sv.Status,
			URL:         pageURL, OEmbedURL: s.oembedURL(pageURL),
		},
		Script: ws, Score: sv, Data: startDoc{doc, now},
		EmbedURL: fmt.Sprintf("/embed/matches/%d", id),
	}))
}

// publicCompetitionPage serves GET /competitions/{id-or-slug}?date=&tz=: a
// competition's matches of a day (today by default), live.
func (s *server) publicCompetitionPage(w http.ResponseWriter, r *http.Request) error {
	doc, date, err := s.competitionDay(r)
	if err != nil {
		return err
	}
	ws, err := widgetScript()
	if err != nil {
		return err
	}
	now := time.Now()
	pageURL := s.publicURL + "/competitions/" + url.PathEscape(doc.Competition.Slug)
	desc := fmt.Sprintf("%d matches on %s", len(doc.Matches), doc.Date)
	if n := len(doc.Matches); n == 1 {
		m := doc.Matches[0]
		desc = fmt.Sprintf("%s %d–%d %s", m.Match.Home.Name, m.State.Home.Score, m.State.Away.Score, m.Match.Away.Name)
	}
	return s.page(w, r, "'none'", templates.CompetitionPage(templates.CompetitionPageView{
		Meta: templates.PageMeta{
			Title: doc.Competition.Name, Description: desc, URL: pageURL, OEmbedURL: s.oembedURL(pageURL),
		},
		Script: ws, Name: doc.Competition.Name, Slug: doc.Competition.Slug, Date: date,
		Data: startList{doc, now}, Scores: scoreViews(doc, now),
	}))
}

// competitionDay reads the competition of the path's ref and its matches
// of the day the date and tz parameters name, as the API returns them,
// and the date as the widget asks for it again ("today" by default).
func (s *server) competitionDay(r *http.Request) (competitionDoc, string, error) {
	c, err := s.competitionByRef(r.Context(), chi.URLParam(r, "ref"))
	if err != nil {
		return competitionDoc{}, "", err
	}
	from, before, _, err := queryDay(r, true)
	if err != nil {
		return competitionDoc{}, "", err
	}
	doc, err := s.dayDoc(r.Context(), c, from, before)
	date := r.URL.Query().Get("date")
	if date == "" {
		date = "today"
	}
	return doc, date, err
}

func (s *server) dayDoc(ctx context.Context, c match.Competition, from, before time.Time) (competitionDoc, error) {
	teams, err := s.store.Teams(ctx, match.TeamFilter{CompetitionID: c.ID})
	if err != nil {
		return competitionDoc{}, err
	}
	list, err := s.matchPage(ctx, match.MatchFilter{CompetitionID: c.ID, From: from, Before: before, Limit: maxDayMatches})
	if err != nil {
		return competitionDoc{}, err
	}
	return competitionDoc{Competition: c, Teams: teams, Date: from.Format(time.DateOnly),
		TimeZone: from.Location().String(), Matches: list.Matches}, nil
}

func scoreViews(doc competitionDoc, now time.Time) []templates.ScoreView {
	out := make([]templates.ScoreView, 0, len(doc.Matches))
	for _, m := range doc.Matches {
		out = append(out, scoreView(m.Match, m.State, now))
	}
	return out
}

// scoreView is what a page paints of a match before the widget runs.
func scoreView(m match.Match, st match.Summary, now time.Time) templates.ScoreView {
	return templates.ScoreView{
		ID: m.ID, Competition: m.Competition, Home: m.Home.Name, Away: m.Away.Name,
		HomeScore: st.Home.Score, AwayScore: st.Away.Score,
		Status: statusText(m, st, now), Live: st.Status == match.StatusLive,
	}
}

// statusText says a match's status in English, as of now: the clock while
// live ("Live 52'"), the kick-off in the match's time zone before.
func statusText(m match.Match, st match.Summary, now time.Time) string {
	switch st.Status {
	case match.StatusScheduled:
		loc, err := time.LoadLocation(m.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		return "Kick-off " + m.KickOff.In(loc).Format("Mon 2 Jan 15:04 MST")
	case match.StatusLive:
		c := st.Clock
		if c.LengthMs == 0 && st.Sport != "football" {
			return "Live"
		}
		ms := c.ElapsedAt(now)
		if c.CountDown && c.LengthMs > 0 {
			ms = c.RemainingAt(now)
		} else if st.Sport == "football" {
			return fmt.Sprintf("Live %d'", ms/60000+1)
		}
		return fmt.Sprintf("Live %d:%02d", ms/60000, ms/1000%60)
	case match.StatusInterval:
		return "Break"
	case match.StatusFinished:
		return "Full time"
	case match.StatusPostponed:
		return "Postponed"
	case match.StatusCancelled:
		return "Cancelled"
	}
	return string(st.Status)
}
