package web

import (
	"net"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/scoreboard/scoreboard/internal/match"
)

// sessionTTL is how long a login lasts: a month, so that a scorer who logs
// in on their phone at the start of a season is not asked again at every
// match, while a lost phone's session still ends on its own. Sessions are
// stored, so an admin ends them sooner (DELETE /api/v1/users/{id}/sessions)
// and a password change or reset ends them at once.
const sessionTTL = 30 * 24 * time.Hour

// maxUserAgentLen bounds the User-Agent a session keeps, in characters:
// enough to tell a phone from a laptop in a list of sessions.
const maxUserAgentLen = 200

// loginRequest is the body of POST /api/v1/session.
type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// sessionDoc answers a login and GET /api/v1/session: who is signed in,
// and with what (the session, or the API token the request carried).
type sessionDoc struct {
	User     match.User      `json:"user"`
	Session  *match.Session  `json:"session,omitempty"`
	APIToken *match.APIToken `json:"api_token,omitempty"`
}

// errBadLogin is the one refusal of a wrong email or a wrong password: it
// does not say which, so that it tells nobody who has an account here.
var errBadLogin = match.Errorf(match.EUNAUTHORIZED, "the email or the password is wrong; check both and try again")

// dummyHash is checked against when no user has the email given, so that
// a login takes as long whether or not the account exists.
var dummyHash = sync.OnceValue(func() string {
	h, err := match.HashPassword("not anyone's password, only for timing")
	if err != nil {
		panic(err) // a constant 40-byte password always hashes
	}
	return h
})

// login serves POST /api/v1/session: {"email","password"} → 200
// {"user","session"} and a new session cookie. Wrong credentials get 401
// (errBadLogin); too many of them, per account or per address, 429 with
// Retry-After. Login is checked against cross-site requests too, so that
// another site cannot sign a browser into an account of its choosing.
func (s *server) login(w http.ResponseWriter, r *http.Request) error {
	if err := s.sameSite(r); err != nil {
		return err
	}
	var in loginRequest
	if err := decodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	email := match.NormalizeEmail(in.Email)
	if email == "" || in.Password == "" {
		return match.Errorf(match.EINVALID, "email and password are both required")
	}
	u, err := s.checkPassword(r, email, in.Password)
	if err != nil {
		return err
	}
	sess, err := s.startSession(w, r, u)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sessionDoc{User: u, Session: &sess})
}

// checkPassword returns the user whose email and password these are, under
// the login throttle: errBadLogin when they are not, ERATELIMITED when
// this account or address failed too often lately.
func (s *server) checkPassword(r *http.Request, email, password string) (match.User, error) {
	end, err := s.logins.begin(email, addressKey(r.RemoteAddr))
	if err != nil {
		s.log.WarnContext(r.Context(), "login throttled", "email", email, "remote_addr", r.RemoteAddr, "err", err)
		return match.User{}, err
	}
	u, err := s.store.UserByEmail(r.Context(), email)
	switch {
	case match.ErrorCode(err) == match.ENOTFOUND:
		match.CheckPassword(dummyHash(), password)
		err = errBadLogin
	case err != nil:
		end(loginAborted)
		return match.User{}, err
	case !match.CheckPassword(u.PasswordHash, password):
		err = errBadLogin
	}
	if err != nil {
		end(loginFailed)
		// Operators see who is being guessed at, and from where.
		s.log.InfoContext(r.Context(), "login failed", "email", email, "remote_addr", r.RemoteAddr)
		return match.User{}, err
	}
	end(loginSucceeded)
	return u, nil
}

// getSession serves GET /api/v1/session (signed in): the user and the
// session, or the API token, the request came with.
func (s *server) getSession(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	doc := sessionDoc{User: p.User, APIToken: p.Token}
	if p.SessionID != "" {
		sess, err := s.store.Session(r.Context(), p.SessionID)
		if err != nil {
			return err
		}
		doc.Session = &sess
	}
	return writeJSON(w, http.StatusOK, doc)
}

// logout serves DELETE /api/v1/session: it ends the session of the cookie,
// if any, and clears the cookie. 204. It needs no valid session, so that a
// browser whose session an admin ended or that expired can still clear its
// cookie; it is checked against cross-site requests, so that another site
// cannot log users out.
func (s *server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.sameSite(r); err != nil {
		return err
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.store.DeleteSession(r.Context(), sessionID(c.Value)); err != nil {
			return err
		}
	}
	http.SetCookie(w, s.cookie("", -1))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// startSession logs u in: it stores a new session, sets its cookie, and
// ends the session the request's cookie named, if any. Every login gets a
// new secret, so that a session id planted in a browser before login
// (session fixation) never becomes a logged-in one.
func (s *server) startSession(w http.ResponseWriter, r *http.Request, u match.User) (match.Session, error) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.store.DeleteSession(r.Context(), sessionID(c.Value)); err != nil {
			return match.Session{}, err
		}
	}
	secret, err := randomID(32)
	if err != nil {
		return match.Session{}, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	sess := match.Session{
		ID: sessionID(secret), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(sessionTTL),
		UserAgent: truncateRunes(r.UserAgent(), maxUserAgentLen), RemoteAddr: remoteIP(r.RemoteAddr),
	}
	if err := s.store.CreateSession(r.Context(), sess); err != nil {
		return match.Session{}, err
	}
	http.SetCookie(w, s.cookie(secret, int(sessionTTL/time.Second)))
	return sess, nil
}

// cookie is the session cookie holding secret for maxAge seconds (-1:
// delete it). HttpOnly keeps it from scripts; SameSite=Lax keeps browsers
// from sending it with other sites' form posts (the CSRF check refuses
// those anyway); Secure, when the public URL is https, keeps it off plain
// HTTP.
func (s *server) cookie(secret string, maxAge int) *http.Cookie {
	c := &http.Cookie{
		Name: sessionCookie, Value: secret, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode,
	}
	if maxAge > 0 {
		c.Expires = time.Now().Add(time.Duration(maxAge) * time.Second)
	}
	return c
}

// sameSite refuses, with EFORBIDDEN, a state-changing request that a page
// of another site made a browser send (http.CrossOriginProtection reads
// Sec-Fetch-Site, or else Origin). Requests without either, from curl or a
// script, pass: they carry no one's cookies by accident.
func (s *server) sameSite(r *http.Request) error {
	if err := s.csrf.Check(r); err != nil {
		return match.Errorf(match.EFORBIDDEN, "cross-site request refused: a %s from another site may not sign in or out, nor use a session; send it from this site's pages", r.Method)
	}
	return nil
}

// remoteIP is the IP of a RemoteAddr ("192.0.2.1:5678"), as a session
// keeps it.
func remoteIP(remoteAddr string) string {
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return host
	}
	return remoteAddr
}

// truncateRunes cuts s to at most n characters.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
