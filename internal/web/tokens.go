package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/golang-jwt/jwt/v5"

	"github.com/scoreboard/scoreboard/internal/match"
)

// APIKeySecret names the secret, generated once and kept in the store,
// that signs API tokens. It is not the hub's key: a hub publisher's token
// must not act as a user of the API, nor the other way round.
const APIKeySecret = "api_jwt_key"

// tokenIssuer is the JWT issuer of API tokens; tokens of other issuers
// (the hub's, anyone's) are refused.
const tokenIssuer = "scoreboard"

// maxTokenTTL bounds an API token's lifetime when one is given.
const maxTokenTTL = 10 * 365 * 24 * time.Hour

// apiClaims are an API token's claims: sub is the user's id, jti the
// token's id in the store.
type apiClaims struct {
	jwt.RegisteredClaims
}

// TokenStore is what issuing and checking API tokens needs.
type TokenStore interface {
	CreateAPIToken(ctx context.Context, t match.APIToken) error
	APIToken(ctx context.Context, id string) (match.APIToken, error)
	User(ctx context.Context, id int64) (match.User, error)
}

// IssueAPIToken stores a new API token acting as u, named name, valid for
// ttl (0: no expiry), and returns it signed with key (HS256) with its
// record. Returns EINVALID (name, ttl).
func IssueAPIToken(ctx context.Context, ts TokenStore, key []byte, u match.User, name string, ttl time.Duration) (string, match.APIToken, error) {
	if err := match.ValidateTokenName(name); err != nil {
		return "", match.APIToken{}, err
	}
	if ttl < 0 || ttl > maxTokenTTL {
		return "", match.APIToken{}, match.Errorf(match.EINVALID, "ttl %s is out of range; give 0 (no expiry) or up to %s", ttl, maxTokenTTL)
	}
	id, err := randomID(16)
	if err != nil {
		return "", match.APIToken{}, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	t := match.APIToken{ID: id, UserID: u.ID, Name: name, CreatedAt: now}
	claims := apiClaims{jwt.RegisteredClaims{
		Issuer: tokenIssuer, Subject: strconv.FormatInt(u.ID, 10), ID: id, IssuedAt: jwt.NewNumericDate(now),
	}}
	if ttl > 0 {
		exp := now.Add(ttl)
		t.ExpiresAt = &exp
		claims.ExpiresAt = jwt.NewNumericDate(exp)
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
	if err != nil {
		return "", match.APIToken{}, fmt.Errorf("sign API token: %w", err)
	}
	if err := ts.CreateAPIToken(ctx, t); err != nil {
		return "", match.APIToken{}, fmt.Errorf("store API token: %w", err)
	}
	return signed, t, nil
}

// verifyAPIToken checks a bearer token: its signature (HS256 only), its
// issuer and expiry, and that the store knows it and has not revoked it.
// It returns the token's user and record. Returns EUNAUTHORIZED with the
// reason.
func verifyAPIToken(ctx context.Context, ts TokenStore, key []byte, raw string) (match.User, match.APIToken, error) {
	var claims apiClaims
	_, err := jwt.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(tokenIssuer), jwt.WithIssuedAt(), jwt.WithLeeway(5*time.Second))
	switch {
	case errors.Is(err, jwt.ErrTokenExpired) && claims.ExpiresAt != nil:
		return match.User{}, match.APIToken{}, match.Errorf(match.EUNAUTHORIZED,
			"API token expired at %s; make a new one", claims.ExpiresAt.UTC().Format(time.RFC3339))
	case errors.Is(err, jwt.ErrTokenMalformed):
		return match.User{}, match.APIToken{}, match.Errorf(match.EUNAUTHORIZED, "the bearer token is not a JWT; send Authorization: Bearer followed by an API token")
	case err != nil:
		return match.User{}, match.APIToken{}, match.Errorf(match.EUNAUTHORIZED, "the API token is not valid: %v", err)
	}
	uid, err := strconv.ParseInt(claims.Subject, 10, 64)
	if err != nil || claims.ID == "" {
		return match.User{}, match.APIToken{}, match.Errorf(match.EUNAUTHORIZED, "the API token lacks its user (sub) or its id (jti)")
	}
	t, err := ts.APIToken(ctx, claims.ID)
	if match.ErrorCode(err) == match.ENOTFOUND {
		return match.User{}, match.APIToken{}, match.Errorf(match.EUNAUTHORIZED, "API token %s is not known here; it was made for another server or deleted", claims.ID)
	}
	if err != nil {
		return match.User{}, match.APIToken{}, err
	}
	if err := t.CheckToken(time.Now()); err != nil {
		return match.User{}, match.APIToken{}, err
	}
	if t.UserID != uid {
		return match.User{}, match.APIToken{}, match.Errorf(match.EUNAUTHORIZED, "API token %s does not belong to user %d", t.ID, uid)
	}
	u, err := ts.User(ctx, uid)
	if match.ErrorCode(err) == match.ENOTFOUND {
		return match.User{}, match.APIToken{}, match.Errorf(match.EUNAUTHORIZED, "the user of API token %s no longer exists", t.ID)
	}
	if err != nil {
		return match.User{}, match.APIToken{}, err
	}
	return u, t, nil
}

// randomID returns n random bytes, URL-safe base64.
func randomID(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// newTokenRequest is the body of POST /api/v1/tokens.
type newTokenRequest struct {
	// Name says what the token is for ("stadium display").
	Name string `json:"name"`
	// TTL is how long it works, a Go duration ("720h"); "" or "0": until
	// revoked.
	TTL string `json:"ttl"`
	// UserID makes the token act as another user; admins only. 0: oneself.
	UserID int64 `json:"user_id"`
}

// issuedToken answers POST /api/v1/tokens: the token itself, shown only
// here (the store keeps its record, never the token), and its record.
type issuedToken struct {
	Token    string         `json:"token"`
	APIToken match.APIToken `json:"api_token"`
}

// tokenDoc is one API token's record.
type tokenDoc struct {
	APIToken match.APIToken `json:"api_token"`
}

// tokenList is API tokens' records, newest first.
type tokenList struct {
	APITokens []match.APIToken `json:"api_tokens"`
}

// createToken serves POST /api/v1/tokens (signed in): {"name","ttl"?,
// "user_id"?} → 201 {"token","api_token"}. A token made with another token
// may not outlive it, so that a short-lived token cannot mint itself a
// permanent successor.
func (s *server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in newTokenRequest
	if err := decodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Name) == "" {
		return match.Errorf(match.EINVALID, "name is required: say what the token is for, such as \"stadium display\"")
	}
	var ttl time.Duration
	if in.TTL != "" {
		var err error
		if ttl, err = time.ParseDuration(in.TTL); err != nil {
			return match.Errorf(match.EINVALID, "ttl %q is not a duration such as 24h or 720h", in.TTL)
		}
	}
	p := principalFrom(r.Context())
	if p.Token != nil && p.Token.ExpiresAt != nil {
		if left := time.Until(*p.Token.ExpiresAt); ttl == 0 || ttl > left {
			return match.Errorf(match.EINVALID, "the API token making this one expires at %s; give a ttl of at most %s",
				p.Token.ExpiresAt.UTC().Format(time.RFC3339), left.Truncate(time.Second))
		}
	}
	u := p.User
	if in.UserID != 0 && in.UserID != u.ID {
		if err := u.RequireAdmin("make API tokens for other users"); err != nil {
			return err
		}
		var err error
		if u, err = s.store.User(r.Context(), in.UserID); err != nil {
			return err
		}
	}
	tok, rec, err := IssueAPIToken(r.Context(), s.store, s.apiKey, u, in.Name, ttl)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/tokens/"+rec.ID)
	return writeJSON(w, http.StatusCreated, issuedToken{Token: tok, APIToken: rec})
}

// listTokens serves GET /api/v1/tokens (signed in): the user's own API
// tokens, revoked and expired ones included; with all=true (admins),
// everyone's.
func (s *server) listTokens(w http.ResponseWriter, r *http.Request) error {
	all, err := queryBool(r, "all")
	if err != nil {
		return err
	}
	u := currentUser(r)
	owner := u.ID
	if all {
		if err := u.RequireAdmin("list everyone's API tokens (all=true)"); err != nil {
			return err
		}
		owner = 0
	}
	ts, err := s.store.APITokens(r.Context(), owner)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []match.APIToken{}
	}
	return writeJSON(w, http.StatusOK, tokenList{APITokens: ts})
}

// getToken serves GET /api/v1/tokens/{id} (signed in): one of the user's
// API tokens, or anyone's for an admin.
func (s *server) getToken(w http.ResponseWriter, r *http.Request) error {
	t, err := s.ownToken(r, "see")
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, tokenDoc{APIToken: t})
}

// ownToken returns the API token of the path's id if the user may act on
// it: theirs, or any for an admin. Returns ENOTFOUND, EFORBIDDEN naming
// the token and what was asked (verb).
func (s *server) ownToken(r *http.Request, verb string) (match.APIToken, error) {
	t, err := s.store.APIToken(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return match.APIToken{}, err
	}
	if u := currentUser(r); t.UserID != u.ID {
		if err := u.RequireAdmin(fmt.Sprintf("%s another user's API token (%s)", verb, t.ID)); err != nil {
			return match.APIToken{}, err
		}
	}
	return t, nil
}

// revokeToken serves DELETE /api/v1/tokens/{id} (signed in): it revokes
// one of the user's tokens, or anyone's for an admin, and answers 200 with
// its record; revoking it again keeps the first instant. From then on the
// token gets 401 saying when it was revoked.
func (s *server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	t, err := s.ownToken(r, "revoke")
	if err != nil {
		return err
	}
	t, err = s.store.RevokeAPIToken(r.Context(), t.ID, time.Now().UTC().Truncate(time.Second))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, tokenDoc{APIToken: t})
}
