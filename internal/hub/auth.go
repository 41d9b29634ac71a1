package hub

import (
	"errors"
	"net/http"
	"time"
)

// TODO(hub-auth helper): implement. These signatures are the contract.

// Key signs and verifies hub JWTs with one pinned algorithm: HS256 (a
// secret), or RS256/ES256 (a PEM public key to verify; a PEM private key
// also signs).
type Key struct{}

// NewKey builds a Key. alg is "HS256" (the default when empty), "RS256" or
// "ES256"; key is the secret or the PEM text. The error says what is wrong.
func NewKey(alg, key string) (*Key, error) { return nil, errors.New("not implemented") }

// Claims are what a verified hub JWT grants (its "mercure" claim).
type Claims struct {
	Publish   []Selector
	Subscribe []Selector
	Payload   any       // mercure.payload, shown in subscription updates
	ExpiresAt time.Time // zero when the token has no exp
}

// Verify checks token's signature, algorithm and expiry and returns its
// claims. The error is user-safe and says why ("token expired at …",
// "token is signed with HS512, this hub accepts only HS256", …).
func (k *Key) Verify(token string) (Claims, error) { return Claims{}, errors.New("not implemented") }

// Sign returns a token granting publish and subscribe selectors (raw
// strings), expiring after ttl (never when ttl is 0). Only keys that can
// sign (HS256, or a private PEM) sign.
func (k *Key) Sign(publish, subscribe []string, ttl time.Duration) (string, error) {
	return "", errors.New("not implemented")
}

// CanPublish reports whether c allows publishing to topic.
func (c Claims) CanPublish(topic string) bool { return false }

// CanSubscribe reports whether c allows receiving a private update with
// any of topics.
func (c Claims) CanSubscribe(topics []string) bool { return false }

// TokenFrom returns the hub JWT a request carries: the Authorization Bearer
// header, else the "authorization" query parameter, else the
// "mercureAuthorization" cookie. fromCookie is true in the last case (the
// publish handler then checks Origin/Referer against CSRF).
func TokenFrom(r *http.Request) (token string, fromCookie bool, err error) {
	return "", false, errors.New("not implemented")
}
