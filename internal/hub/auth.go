package hub

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TokenLeeway is the clock skew allowed when checking a token's exp and
// nbf: none, so that a token is refused exactly when a subscription made
// with it ends (at its exp). Publishers whose clocks run ahead should not
// mint tokens with an nbf.
const TokenLeeway = 0 * time.Second

// CookieName is the cookie TokenFrom reads, as the reference hub names it.
const CookieName = "mercureAuthorization"

// unauthorized returns a 401 *Error with the formatted message and its
// cause.
func unauthorized(err error, format string, args ...any) *Error {
	return &Error{Status: http.StatusUnauthorized, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrNoToken is what Verify returns for an empty token.
var ErrNoToken = &Error{Status: http.StatusUnauthorized,
	Message: "no token: send a JWT in an \"Authorization: Bearer\" header, the \"authorization\" query parameter or the " + CookieName + " cookie"}

// ErrNoMercureClaim is what Verify returns, with the token's otherwise
// valid Claims (ExpiresAt set, nothing granted), for a token that has no
// "mercure" claim: such a token grants nothing. The publish handler
// answers 403 with it; the subscribe handler may treat the subscriber as
// anonymous until ExpiresAt.
var ErrNoMercureClaim = &Error{Status: http.StatusForbidden,
	Message: "token has no mercure claim: it grants nothing; add {\"mercure\": {\"publish\": [...], \"subscribe\": [...]}}"}

// Key signs and verifies hub JWTs with one pinned algorithm: HS256 (a
// secret), or RS256/ES256 (a PEM public key to verify; a PEM private key
// also signs).
type Key struct {
	alg    string
	method jwt.SigningMethod
	verify any // []byte, *rsa.PublicKey or *ecdsa.PublicKey
	sign   any // nil when the key only verifies
}

// Algorithms NewKey accepts.
const (
	HS256 = "HS256"
	RS256 = "RS256"
	ES256 = "ES256"
)

// NewKey builds a Key. alg is "HS256" (the default when empty), "RS256" or
// "ES256" (in any case); key is the secret or the PEM text (a public key,
// a certificate, or a private key; "\n" written as the two characters
// backslash-n, as env files often hold PEM, is accepted). The error says
// what is wrong.
func NewKey(alg, key string) (*Key, error) {
	switch alg = strings.ToUpper(strings.TrimSpace(alg)); alg {
	case "", HS256:
		if key == "" {
			return nil, errors.New("HS256 key is empty: set a long random secret")
		}
		return &Key{alg: HS256, method: jwt.SigningMethodHS256, verify: []byte(key), sign: []byte(key)}, nil
	case RS256, ES256:
		return newPEMKey(alg, key)
	default:
		return nil, fmt.Errorf("JWT algorithm %q is not supported: use HS256 (a secret), RS256 or ES256 (a PEM key)", alg)
	}
}

// newPEMKey parses the PEM block of an RS256 or ES256 key.
func newPEMKey(alg, key string) (*Key, error) {
	text := []byte(key)
	block, _ := pem.Decode(text)
	if block == nil && strings.Contains(key, `\n`) {
		text = []byte(strings.ReplaceAll(key, `\n`, "\n"))
		block, _ = pem.Decode(text)
	}
	if block == nil {
		return nil, fmt.Errorf("%s key is not PEM: want a -----BEGIN PUBLIC KEY----- (or PRIVATE KEY, or CERTIFICATE) block", alg)
	}
	k := &Key{alg: alg}
	private := strings.HasSuffix(block.Type, "PRIVATE KEY")
	var err error
	switch {
	case alg == RS256 && private:
		var pk *rsa.PrivateKey
		pk, err = jwt.ParseRSAPrivateKeyFromPEM(text)
		if err == nil {
			k.sign, k.verify = pk, &pk.PublicKey
		}
	case alg == RS256:
		k.verify, err = jwt.ParseRSAPublicKeyFromPEM(text)
	case private:
		var pk *ecdsa.PrivateKey
		pk, err = jwt.ParseECPrivateKeyFromPEM(text)
		if err == nil {
			k.sign, k.verify = pk, &pk.PublicKey
		}
	default:
		k.verify, err = jwt.ParseECPublicKeyFromPEM(text)
	}
	if err != nil {
		return nil, fmt.Errorf("%s key (PEM %q block): %w", alg, block.Type, err)
	}
	k.method = jwt.SigningMethodRS256
	if alg == ES256 {
		k.method = jwt.SigningMethodES256
		if pub := k.verify.(*ecdsa.PublicKey); pub.Curve != elliptic.P256() {
			return nil, fmt.Errorf("ES256 key is on curve %s: ES256 needs a P-256 key", pub.Curve.Params().Name)
		}
	}
	return k, nil
}

// Algorithm returns the key's algorithm ("HS256", "RS256" or "ES256").
func (k *Key) Algorithm() string { return k.alg }

// CanSign reports whether k signs (HS256, or a private PEM key).
func (k *Key) CanSign() bool { return k.sign != nil }

// Claims are what a verified hub JWT grants (its "mercure" claim).
type Claims struct {
	Publish   []Selector
	Subscribe []Selector
	Payload   any       // mercure.payload, shown in subscription updates
	ExpiresAt time.Time // zero when the token has no exp
}

// tokenClaims is a token's payload as the hub reads it.
type tokenClaims struct {
	jwt.RegisteredClaims
	Mercure json.RawMessage `json:"mercure,omitempty"`
}

// mercureClaim is the "mercure" claim. Publish and Subscribe stay raw so
// that a wrong type gets a precise message.
type mercureClaim struct {
	Publish   json.RawMessage `json:"publish,omitempty"`
	Subscribe json.RawMessage `json:"subscribe,omitempty"`
	Payload   any             `json:"payload,omitempty"`
}

// Verify checks token's signature, algorithm and expiry and returns its
// claims. The error is an *Error (401 or 403), user-safe, saying why ("token
// expired at …", "token is signed with HS512; this hub accepts only
// HS256", …). For a valid token without a "mercure" claim it returns the
// claims (nothing granted, ExpiresAt set) and ErrNoMercureClaim. Tokens
// are checked with TokenLeeway; aud, iss and sub are not checked (the
// reference hub ignores them too).
func (k *Key) Verify(token string) (Claims, error) {
	if token == "" {
		return Claims{}, ErrNoToken
	}
	if err := k.checkAlgorithm(token); err != nil {
		return Claims{}, err
	}
	var tc tokenClaims
	parser := jwt.NewParser(jwt.WithValidMethods([]string{k.alg}), jwt.WithLeeway(TokenLeeway))
	_, err := parser.ParseWithClaims(token, &tc, func(*jwt.Token) (any, error) { return k.verify, nil })
	if err != nil {
		return Claims{}, verifyError(err, &tc)
	}
	var c Claims
	if tc.ExpiresAt != nil {
		c.ExpiresAt = tc.ExpiresAt.UTC()
	}
	if len(tc.Mercure) == 0 || string(tc.Mercure) == "null" {
		return c, ErrNoMercureClaim
	}
	if err := c.decodeMercure(tc.Mercure); err != nil {
		return Claims{}, err
	}
	return c, nil
}

// checkAlgorithm reads the token's header and refuses any algorithm but
// k's, with a message naming both.
func (k *Key) checkAlgorithm(token string) error {
	header, _, ok := strings.Cut(token, ".")
	if !ok {
		return unauthorized(nil, "token is malformed: a JWT is three base64url parts separated by \".\"")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(header, "="))
	var h struct {
		Alg string `json:"alg"`
	}
	if err == nil {
		err = json.Unmarshal(raw, &h)
	}
	if err != nil {
		return unauthorized(err, "token is malformed: its header is not base64url-encoded JSON")
	}
	if h.Alg != k.alg {
		if h.Alg == "" {
			return unauthorized(nil, "token header has no alg; this hub accepts only %s", k.alg)
		}
		alg := h.Alg
		if len(alg) > 20 || strings.IndexFunc(alg, func(r rune) bool { return r < '!' || r > '~' }) >= 0 {
			alg = fmt.Sprintf("%.20q", alg) // attacker-chosen: keep the message short and printable
		}
		return unauthorized(nil, "token is signed with %s; this hub accepts only %s", alg, k.alg)
	}
	return nil
}

// verifyError turns a jwt parse error into a user-safe *Error.
func verifyError(err error, tc *tokenClaims) *Error {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired) && tc.ExpiresAt != nil:
		return unauthorized(err, "token expired at %s", tc.ExpiresAt.UTC().Format(time.RFC3339))
	case errors.Is(err, jwt.ErrTokenNotValidYet) && tc.NotBefore != nil:
		return unauthorized(err, "token is not valid before %s", tc.NotBefore.UTC().Format(time.RFC3339))
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return unauthorized(err, "token signature is invalid")
	case errors.Is(err, jwt.ErrTokenMalformed):
		return unauthorized(err, "token is malformed: %s", strings.TrimPrefix(err.Error(), "token is malformed: "))
	default:
		return unauthorized(err, "token is invalid: %v", err)
	}
}

// decodeMercure fills c's grants from the raw "mercure" claim.
func (c *Claims) decodeMercure(raw json.RawMessage) error {
	var m mercureClaim
	if err := json.Unmarshal(raw, &m); err != nil {
		return unauthorized(err, "token's mercure claim must be an object with publish, subscribe and payload")
	}
	var err error
	if c.Publish, err = decodeSelectors("publish", m.Publish); err != nil {
		return err
	}
	if c.Subscribe, err = decodeSelectors("subscribe", m.Subscribe); err != nil {
		return err
	}
	c.Payload = m.Payload
	return nil
}

// decodeSelectors parses mercure.<name>, an array of topic selectors.
func decodeSelectors(name string, raw json.RawMessage) ([]Selector, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var ss []string
	if err := json.Unmarshal(raw, &ss); err != nil {
		return nil, unauthorized(err, "token's mercure.%s must be an array of topic selector strings", name)
	}
	sels := make([]Selector, len(ss))
	for i, s := range ss {
		sel, err := ParseSelector(s)
		if err != nil {
			return nil, unauthorized(err, "token's mercure.%s[%d] is not a valid topic selector: %v", name, i, err)
		}
		sels[i] = sel
	}
	return sels, nil
}

// Sign returns a token granting publish and subscribe selectors (raw
// strings), expiring after ttl (never when ttl is 0). Only keys that can
// sign (HS256, or a private PEM) sign; every selector must parse.
func (k *Key) Sign(publish, subscribe []string, ttl time.Duration) (string, error) {
	if k.sign == nil {
		return "", fmt.Errorf("%s key holds only a public key: give the private key to sign tokens", k.alg)
	}
	if ttl < 0 {
		return "", fmt.Errorf("token lifetime %s is negative", ttl)
	}
	mercure := map[string][]string{}
	for name, ss := range map[string][]string{"publish": publish, "subscribe": subscribe} {
		if ss == nil {
			continue
		}
		if _, err := ParseSelectors(ss); err != nil {
			return "", fmt.Errorf("sign token: %s: %w", name, err)
		}
		mercure[name] = ss
	}
	now := time.Now()
	claims := jwt.MapClaims{"mercure": mercure, "iat": now.Unix()}
	if ttl > 0 {
		claims["exp"] = now.Add(ttl).Unix()
	}
	token, err := jwt.NewWithClaims(k.method, claims).SignedString(k.sign)
	if err != nil {
		return "", fmt.Errorf("sign token with %s: %w", k.alg, err)
	}
	return token, nil
}

// CanPublish reports whether c allows publishing to topic: one of its
// mercure.publish selectors matches it. The publish handler checks every
// topic of an update (the spec forbids dispatching it if one fails).
func (c Claims) CanPublish(topic string) bool {
	return matchesAny(c.Publish, topic)
}

// Subscribes reports whether one of c's mercure.subscribe selectors
// matches topic (a topic, or a selector for the subscriptions API).
func (c Claims) Subscribes(topic string) bool {
	return matchesAny(c.Subscribe, topic)
}

// CanSubscribe reports whether c allows receiving a private update with
// any of topics (canonical or alternate).
func (c Claims) CanSubscribe(topics []string) bool {
	return matchesAny(c.Subscribe, topics...)
}

// TokenFrom returns the hub JWT a request carries: the Authorization Bearer
// header, else the "authorization" query parameter, else the
// "mercureAuthorization" cookie. fromCookie is true in the last case (the
// publish handler then checks Origin/Referer against CSRF). With none of
// them it returns "" and no error (an anonymous request). A present but
// malformed Authorization header is an *Error (401): the spec says a
// header, when given, is the one to use.
func TokenFrom(r *http.Request) (token string, fromCookie bool, err error) {
	if h, ok := r.Header["Authorization"]; ok {
		scheme, tok, found := strings.Cut(strings.TrimSpace(strings.Join(h, ",")), " ")
		tok = strings.TrimSpace(tok)
		if !found || !strings.EqualFold(scheme, "Bearer") || tok == "" || strings.ContainsAny(tok, " ,") {
			return "", false, unauthorized(nil, "Authorization header must be \"Bearer \" followed by the JWT")
		}
		return tok, false, nil
	}
	if q := r.URL.Query(); q.Has("authorization") {
		return q.Get("authorization"), false, nil
	}
	if c, err := r.Cookie(CookieName); err == nil {
		return c.Value, true, nil
	}
	return "", false, nil
}
