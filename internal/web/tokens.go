package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

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
