package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/templates"
)

// SetupTokenTTL is how long a first run's setup URL works: long enough to
// read the log and open it, short enough that a URL left in an old log is
// useless.
const SetupTokenTTL = time.Hour

// maxFormBody bounds a form's body, in bytes: far above an email and two
// passwords.
const maxFormBody = 16 << 10

// SetupStore is what making a first run's setup URL needs.
type SetupStore interface {
	CountUsers(ctx context.Context) (int, error)
	CreateSetupToken(ctx context.Context, hash string, expiresAt time.Time) error
}

// SetupURL returns, when st has no user yet, a new single-use URL at which
// the first admin chooses their email and password
// ({publicURL}/admin/setup?token=…), good for SetupTokenTTL; ok is false
// when a user exists, and nobody needs one. The store keeps only the
// token's hash. Each call makes a new token; older ones stay good until
// they expire, and the first one used ends setup for all.
func SetupURL(ctx context.Context, st SetupStore, publicURL string) (setupURL string, ok bool, err error) {
	n, err := st.CountUsers(ctx)
	if err != nil {
		return "", false, fmt.Errorf("count users: %w", err)
	}
	if n > 0 {
		return "", false, nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", false, fmt.Errorf("setup token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	if err := st.CreateSetupToken(ctx, setupTokenHash(token), time.Now().UTC().Add(SetupTokenTTL)); err != nil {
		return "", false, fmt.Errorf("store setup token: %w", err)
	}
	return strings.TrimRight(publicURL, "/") + "/admin/setup?token=" + url.QueryEscape(token), true, nil
}

// setupTokenHash is how a setup token is stored: its hex SHA-256.
func setupTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// setupRequest is the body of POST /api/v1/setup.
type setupRequest struct {
	Token    string `json:"token"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

// setupPageRoutes mounts the first run's setup page, which works without
// JavaScript: GET shows the form, POST creates the first admin.
func (s *server) setupPageRoutes(r chi.Router) {
	r.Get("/admin/setup", s.setupForm)
	r.Post("/admin/setup", s.submitSetupForm)
}

// setupAPI serves POST /api/v1/setup, the setup page for scripts:
// {"token","email","password"} → 201 {"user","session"} with the session
// cookie, as the form does. A used or expired token gets 401, a server
// that has users already 409.
func (s *server) setupAPI(w http.ResponseWriter, r *http.Request) error {
	if err := s.sameSite(r); err != nil {
		return err
	}
	var in setupRequest
	if err := decodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	u, sess, err := s.createFirstAdmin(w, r, in.Token, in.Email, in.Password)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, sessionDoc{User: u, Session: &sess})
}

// setupForm serves GET /admin/setup?token=…: the form that creates the
// first admin, or why there is none (no token, or a server set up already).
func (s *server) setupForm(w http.ResponseWriter, r *http.Request) {
	v := templates.SetupView{Token: r.URL.Query().Get("token")}
	var err error
	if v.Token == "" {
		err = errNoSetupToken
	} else if n, cerr := s.store.CountUsers(r.Context()); cerr != nil {
		err = cerr
	} else if n > 0 {
		err = errSetUp
	}
	s.renderSetup(w, r, v, err)
}

// submitSetupForm serves POST /admin/setup (form: token, email, password,
// confirm): it creates the first admin, logs them in and redirects (303)
// to /admin. Bad input shows the form again with what to fix.
func (s *server) submitSetupForm(w http.ResponseWriter, r *http.Request) {
	if err := s.sameSite(r); err != nil {
		s.renderSetup(w, r, templates.SetupView{}, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		if isTooLarge(err) {
			err = match.Errorf(match.ETOOLARGE, "the form is larger than %d bytes", maxFormBody)
		} else {
			err = match.Errorf(match.EINVALID, "the form does not decode: %v", err)
		}
		s.renderSetup(w, r, templates.SetupView{}, err)
		return
	}
	f := r.PostForm
	v := templates.SetupView{Token: f.Get("token"), Email: f.Get("email")}
	if f.Get("password") != f.Get("confirm") {
		s.renderSetup(w, r, v, match.Errorf(match.EINVALID, "the password and its confirmation differ; type the same password in both"))
		return
	}
	if _, _, err := s.createFirstAdmin(w, r, v.Token, v.Email, f.Get("password")); err != nil {
		s.renderSetup(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

var (
	errNoSetupToken = match.Errorf(match.EUNAUTHORIZED, "this page needs the token of the setup URL that the server logged when it started (…/admin/setup?token=…); open that URL")
	errSetUp        = match.Errorf(match.ECONFLICT, "this server is set up already: it has a user; log in, or ask an admin for an account")
)

// createFirstAdmin uses up the setup token to create the first admin and
// logs them in. Returns EINVALID (the email or password),
// EUNAUTHORIZED (no such token, used or expired), ECONFLICT (a user exists).
func (s *server) createFirstAdmin(w http.ResponseWriter, r *http.Request, token, email, password string) (match.User, match.Session, error) {
	if token == "" {
		return match.User{}, match.Session{}, errNoSetupToken
	}
	in := match.UserInput{Email: email, Role: match.RoleAdmin, Password: password}
	// Bad input is reported before the token is looked at, so that the
	// admin fixes their password without being told about the token first.
	if err := in.Validate(); err != nil {
		return match.User{}, match.Session{}, err
	}
	u, err := s.store.CreateFirstAdmin(r.Context(), setupTokenHash(token), in, time.Now().UTC())
	if err != nil {
		return match.User{}, match.Session{}, err
	}
	sess, err := s.startSession(w, r, u)
	if err != nil {
		return match.User{}, match.Session{}, err
	}
	return u, sess, nil
}

// renderSetup is the setup page's renderer: the page with err's message
// and the status its code maps to (200 without error). An internal error
// is logged here, once, and shown as "internal error". The form is left
// out when the token can no longer be used.
func (s *server) renderSetup(w http.ResponseWriter, r *http.Request, v templates.SetupView, err error) {
	code := match.ErrorCode(err)
	status := http.StatusOK
	if err != nil {
		status = statusOf(code)
		v.Error = match.ErrorMessage(err)
	}
	if code == match.EINTERNAL {
		s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	v.Form = v.Token != "" && code != match.EUNAUTHORIZED && code != match.ECONFLICT
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The URL holds the token: no Referer carries it anywhere. The page
	// runs no script and is framed by nobody (clickjacking).
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	if err := templates.Setup(v).Render(r.Context(), w); err != nil {
		s.log.DebugContext(r.Context(), "write setup page", "err", err)
	}
}
