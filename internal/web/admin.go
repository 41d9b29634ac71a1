package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/templates"
	"github.com/scoreboard/scoreboard/web/admin"
)

// adminRoutes mounts the admin UI: its static files, the login page, and
// every other page behind requireSession. Every page gets adminHeaders.
// The first run's setup page (setupPageRoutes) has headers of its own.
func (s *server) adminRoutes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(adminHeaders)
		r.Get("/admin/assets/*", serveAdminAsset)
		r.Get("/admin/login", s.handle(s.loginPage))
		r.Post("/admin/login", s.handle(s.submitLogin))
		r.Post("/admin/logout", s.handle(s.submitLogout))
		r.Group(func(r chi.Router) {
			r.Use(s.requireSession)
			r.Get("/admin", s.handle(s.todayPage))
			r.Get("/admin/", s.handle(s.todayPage))
			r.Get("/admin/password", s.handle(s.passwordPage))
			r.Post("/admin/password", s.handle(s.submitPassword))
			r.Get("/admin/matches/{id}", s.handle(s.consolePage))
			r.Get("/admin/matches/{id}/confirm", s.handle(s.confirmPage))
			r.Post("/admin/matches/{id}/events", s.handle(s.submitConsole))
			r.Group(func(r chi.Router) {
				r.Use(s.requireAdmin("manage competitions, teams, matches and users"))
				r.Get("/admin/competitions", s.handle(s.competitionsPage))
				r.Post("/admin/competitions", s.handle(s.submitCompetition))
				r.Get("/admin/competitions/{id}", s.handle(s.competitionPage))
				r.Post("/admin/competitions/{id}", s.handle(s.submitCompetitionEdit))
				r.Post("/admin/competitions/{id}/teams", s.handle(s.submitTeam))
				r.Post("/admin/competitions/{id}/teams/{teamID}", s.handle(s.submitTeamEdit))
				r.Post("/admin/competitions/{id}/fixtures", s.handle(s.submitFixtures))
				r.Get("/admin/matches/new", s.handle(s.newMatchPage))
				r.Post("/admin/matches", s.handle(s.submitNewMatch))
				r.Get("/admin/matches/{id}/edit", s.handle(s.editMatchPage))
				r.Post("/admin/matches/{id}/edit", s.handle(s.submitEditMatch))
				r.Post("/admin/matches/{id}/scorers", s.handle(s.submitScorer))
				r.Get("/admin/users", s.handle(s.usersPage))
				r.Post("/admin/users", s.handle(s.submitUser))
				r.Post("/admin/users/{id}/password", s.handle(s.submitResetPassword))
				r.Post("/admin/users/{id}/sessions", s.handle(s.submitEndSessions))
				r.Post("/admin/tokens/{id}/revoke", s.handle(s.submitRevokeToken))
			})
		})
	})
}

// isAdminPage reports whether r asks for a page of the admin UI, whose
// errors the renderer shows as a page rather than JSON.
func isAdminPage(r *http.Request) bool {
	return r.URL.Path == "/admin" || strings.HasPrefix(r.URL.Path, "/admin/")
}

// adminHeaders sets the security headers of every admin page: a strict
// Content-Security-Policy whose scripts need this response's nonce (put in
// the context for templ, templ.GetNonce), no framing, no sniffing, no
// Referer to other sites, and no caching of pages that show private data.
func adminHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 18)
		_, _ = rand.Read(b) // crypto/rand.Read never fails
		nonce := base64.RawStdEncoding.EncodeToString(b)
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"' 'strict-dynamic'; "+
			"style-src 'self'; img-src 'self' data: https:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "+
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r.WithContext(templ.WithNonce(r.Context(), nonce)))
	})
}

// adminFiles are the static files served under /admin/assets/.
var adminFiles = http.FileServerFS(admin.Files)

// serveAdminAsset serves GET /admin/assets/{name}: the stylesheet, the
// console's script and the app's files. They are revalidated on each use
// (no-cache) so that a new binary's script is picked up at once.
func serveAdminAsset(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/admin/assets/")
	if _, err := fs.Stat(admin.Files, name); err != nil || name == "" || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + name
	adminFiles.ServeHTTP(w, r2)
}

// requireSession lets through only requests with a live session cookie,
// with their principal in the context; anyone else is sent to the login
// page, which brings them back. A state-changing request must come from
// this site's pages (cross-site request forgery protection).
func (s *server) requireSession(next http.Handler) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		if err := s.sameSite(r); err != nil {
			return err
		}
		p, err := s.sessionPrincipal(r)
		if err != nil {
			return err
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
		return nil
	})
}

// sessionPrincipal is who the session cookie of r signs in; EUNAUTHORIZED
// without one. Admin pages never take API tokens.
func (s *server) sessionPrincipal(r *http.Request) (principal, error) {
	r2 := r.Clone(r.Context())
	r2.Header.Del("Authorization")
	return s.authenticate(r2)
}

// pageError is an error to show on a page other than the error page: the
// form it came from, with its message in it.
type pageError struct {
	err  error
	page templ.Component
}

func (e *pageError) Error() string { return e.err.Error() }
func (e *pageError) Unwrap() error { return e.err }

// onPage returns err to be shown on page (which shows its message).
func onPage(err error, page templ.Component) error { return &pageError{err: err, page: page} }

// servePage is the renderer's half for admin pages: an unauthorized
// request goes to the login page (303, then back); any other error is a
// page with the status its code maps to, the form it came from when the
// handler gave one (onPage), else the error page saying what went wrong.
func (s *server) servePage(w http.ResponseWriter, r *http.Request, err error) {
	code := match.ErrorCode(err)
	var pe *pageError
	isPage := errors.As(err, &pe)
	if code == match.EUNAUTHORIZED && !isPage {
		http.Redirect(w, r, "/admin/login?next="+url.QueryEscape(localPath(r)), http.StatusSeeOther)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Del("ETag")
	var re *retryError
	if errors.As(err, &re) {
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(max(re.after, time.Second).Seconds()))))
	}
	page := templ.Component(nil)
	if isPage {
		page = pe.page
	} else {
		v := templates.ErrorView{Layout: s.layout(r, "Error"), Status: statusOf(code), Message: match.ErrorMessage(err)}
		page = templates.ErrorPage(v)
	}
	w.WriteHeader(statusOf(code))
	if err := page.Render(r.Context(), w); err != nil {
		s.log.DebugContext(r.Context(), "write error page", "err", err)
	}
}

// localPath is r's path and query, to come back to after logging in.
func localPath(r *http.Request) string {
	if r.Method != http.MethodGet {
		return "/admin"
	}
	return r.URL.RequestURI()
}

// safeNext returns next if it is a path of the admin UI, else /admin: a
// login never redirects to another site (open redirect).
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/admin") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/admin"
	}
	if strings.HasPrefix(next, "/admin/login") {
		return "/admin"
	}
	return next
}

// layout is the layout view of an admin page titled title, for the user
// signed in, if any.
func (s *server) layout(r *http.Request, title string) templates.LayoutView {
	u := currentUser(r)
	return templates.LayoutView{Title: title, User: u.Email, Admin: u.Role == match.RoleAdmin}
}

// render writes a page with status 200.
func render(w http.ResponseWriter, r *http.Request, page templ.Component) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return page.Render(r.Context(), w)
}

// parseForm reads a form's body, bounded to maxFormBody. Returns
// ETOOLARGE, EINVALID.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		if isTooLarge(err) {
			return match.Errorf(match.ETOOLARGE, "the form is larger than %d bytes", maxFormBody)
		}
		return match.Errorf(match.EINVALID, "the form does not decode: %v", err)
	}
	return nil
}
