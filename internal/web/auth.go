package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
)

// sessionCookie names the admin UI's session cookie. Its value is a random
// secret; the store keeps only its hash (sessionID).
const sessionCookie = "scoreboard_session"

// principal is who makes a request: a user, through a session cookie or an
// API token.
type principal struct {
	User match.User
	// SessionID is the session's id when the request came with the session
	// cookie, "" otherwise.
	SessionID string
	// Token is the API token the request came with, when it did.
	Token *match.APIToken
}

type principalKey struct{}

// principalFrom returns the principal requireUser put in ctx.
func principalFrom(ctx context.Context) principal {
	p, _ := ctx.Value(principalKey{}).(principal)
	return p
}

// currentUser returns the user requireUser authenticated.
func currentUser(r *http.Request) match.User { return principalFrom(r.Context()).User }

// sessionID is how a session's cookie secret is stored: its hex SHA-256, so
// that a copy of the database logs nobody in.
func sessionID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// authenticate finds who sent r: a bearer token (Authorization: Bearer),
// else the session cookie. Returns EUNAUTHORIZED saying what is missing or
// wrong.
func (s *server) authenticate(r *http.Request) (principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, raw, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
			return principal{}, match.Errorf(match.EUNAUTHORIZED, "the Authorization header must be \"Bearer \" followed by an API token")
		}
		u, t, err := verifyAPIToken(r.Context(), s.store, s.apiKey, strings.TrimSpace(raw))
		if err != nil {
			return principal{}, err
		}
		return principal{User: u, Token: &t}, nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return principal{}, match.Errorf(match.EUNAUTHORIZED, "this needs a signed-in user: send Authorization: Bearer with an API token (scoreboard token api), or log in")
	}
	id := sessionID(c.Value)
	sess, err := s.store.Session(r.Context(), id)
	if match.ErrorCode(err) == match.ENOTFOUND {
		return principal{}, match.Errorf(match.EUNAUTHORIZED, "your session has ended; log in again")
	}
	if err != nil {
		return principal{}, err
	}
	if !time.Now().Before(sess.ExpiresAt) {
		return principal{}, match.Errorf(match.EUNAUTHORIZED, "your session expired at %s; log in again", sess.ExpiresAt.UTC().Format(time.RFC3339))
	}
	u, err := s.store.User(r.Context(), sess.UserID)
	if match.ErrorCode(err) == match.ENOTFOUND {
		return principal{}, match.Errorf(match.EUNAUTHORIZED, "your session's user no longer exists")
	}
	if err != nil {
		return principal{}, err
	}
	return principal{User: u, SessionID: id}, nil
}

// requireUser lets through only authenticated requests, with their
// principal in the context. A state-changing request that authenticates
// with the session cookie must also come from this site (cross-site
// request forgery protection): a browser attaches cookies to a cross-site
// form post, but never an Authorization header, so bearer requests need no
// such check and integrators' pages may call the API from anywhere.
func (s *server) requireUser(next http.Handler) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.authenticate(r)
		if err != nil {
			return err
		}
		if p.SessionID != "" {
			if err := s.csrf.Check(r); err != nil {
				return match.Errorf(match.EFORBIDDEN, "cross-site request refused: a %s from another site may not use your session; send it from this site's pages, or use an API token", r.Method)
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
		return nil
	})
}

// requireAdmin refuses, with EFORBIDDEN naming what was asked, a user who
// is not an admin.
func (s *server) requireAdmin(what string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return s.handle(func(w http.ResponseWriter, r *http.Request) error {
			if err := currentUser(r).RequireAdmin(what); err != nil {
				return err
			}
			next.ServeHTTP(w, r)
			return nil
		})
	}
}
