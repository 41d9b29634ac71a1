package web

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/templates"
	"github.com/scoreboard/scoreboard/web/widget"
)

// widgetRoutes mounts what faces fans and the sites that embed the
// widget: its scripts, its "made with" page, the embed pages for iframes,
// the public match and competition pages and oEmbed. The pages read the
// store, so they share the API's in-flight bounds.
func (s *server) widgetRoutes(r chi.Router) {
	if _, err := widget.Widget(); err != nil {
		// The sources are embedded: this is a broken build, and every
		// request for the widget says so as an internal error.
		s.log.Error("build the widget", "err", err)
	}
	const versioned = `/{script:(?:widget|embed)\.[0-9a-f]{12}\.js}`
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		r.Method(method, "/widget.js", s.handle(s.widgetJS))
		r.Method(method, versioned, s.handle(s.versionedJS))
	}
	r.Group(func(r chi.Router) {
		r.Use(s.limitInFlight)
		r.Get("/widget", s.handlePage(s.widgetDoc))
		r.Get("/embed/matches/{id}", s.handlePage(s.embedMatch))
		r.Get("/embed/competitions/{ref}", s.handlePage(s.embedCompetition))
		r.Get("/matches/{id}", s.handlePage(s.publicMatchPage))
		r.Get("/competitions/{ref}", s.handlePage(s.publicCompetitionPage))
		r.Get("/oembed", s.handle(s.oembed))
	})
}

// widgetJS serves GET /widget.js: the widget, cached for a few minutes
// (widget.ShortCache) with an ETag, so that sites that load it by this
// name get a new version soon.
func (s *server) widgetJS(w http.ResponseWriter, r *http.Request) error {
	a, err := widget.Widget()
	if err != nil {
		return err
	}
	a.Serve(w, r, widget.ShortCache)
	return nil
}

// versionedJS serves GET /widget.<hash>.js and GET /embed.<hash>.js: a
// script by its content-hashed name, cached forever. An old hash is 404:
// the server keeps only the scripts it was built with.
func (s *server) versionedJS(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "script")
	a, err := widget.Lookup(name)
	if errors.Is(err, widget.ErrNotFound) {
		return match.Errorf(match.ENOTFOUND, "no script %s here: this server serves %s", name, s.scriptName())
	}
	if err != nil {
		return err
	}
	a.Serve(w, r, widget.ImmutableCache)
	return nil
}

// scriptName is the current widget's hashed name, or widget.js.
func (s *server) scriptName() string {
	if a, err := widget.Widget(); err == nil {
		return a.Name
	}
	return "widget.js"
}

// widgetScript is the widget's script as the server's own pages load it:
// pinned by hash and integrity.
func widgetScript() (templates.WidgetScript, error) {
	a, err := widget.Widget()
	if err != nil {
		return templates.WidgetScript{}, err
	}
	return templates.WidgetScript{Src: "/" + a.Name, Integrity: a.Integrity}, nil
}

// WidgetSnippet returns the script tag that loads the widget from
// publicURL pinned to this build with Subresource Integrity, for the
// admin's snippet.
func WidgetSnippet(publicURL string) (string, error) {
	a, err := widget.Widget()
	if err != nil {
		return "", err
	}
	return `<script async src="` + publicURL + "/" + a.Name + `" integrity="` + a.Integrity + `" crossorigin="anonymous"></script>`, nil
}

// widgetDoc serves GET /widget: the widget's "made with" page, with live
// examples of the first matches and competition, if any.
func (s *server) widgetDoc(w http.ResponseWriter, r *http.Request) error {
	ws, err := widgetScript()
	if err != nil {
		return err
	}
	v := templates.WidgetDocView{PublicURL: s.publicURL, Script: ws}
	ms, err := s.store.Matches(r.Context(), match.MatchFilter{Limit: 3})
	if err != nil {
		return err
	}
	for _, m := range ms {
		v.Examples = append(v.Examples, m.ID)
	}
	cs, err := s.store.Competitions(r.Context(), false)
	if err != nil {
		return err
	}
	if len(cs) > 0 {
		v.Competition = cs[0].Slug
	}
	return s.page(w, r, "'none'", templates.WidgetDoc(v))
}
