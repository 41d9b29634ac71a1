package web

import (
	"net/http"

	"github.com/scoreboard/scoreboard/templates"
)

// home serves GET /: until the admin UI lands, what this server is, with
// links to the API's description and the hub.
func (s *server) home(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	return templates.Home(templates.HomeView{PublicURL: s.publicURL, Demo: s.demo}).Render(r.Context(), w)
}
