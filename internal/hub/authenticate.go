package hub

import (
	"errors"
	"net/http"
)

// authPolicy is what a handler asks of authenticate beyond a valid token.
type authPolicy struct {
	// anonymous accepts a request without a token, with no claims.
	anonymous bool
	// noToken is the 401 message for a request without a token otherwise.
	noToken string
	// noKeyStatus and noKey refuse a token when the hub has no key to
	// verify it with.
	noKeyStatus int
	noKey       string
	// mercure refuses (403) a valid token without a mercure claim; without
	// it such a token grants nothing but is honoured (its exp counts).
	mercure bool
	// cookie, when set, checks a request whose token came from the
	// cookie, before the token is verified; it returns why the request is
	// refused, or "".
	cookie func(*http.Request) string
}

// authenticate reads the request's token and verifies it with key under
// p, and returns its claims; or it refuses the request, saying why, and
// returns false.
func (h *Hub) authenticate(w http.ResponseWriter, r *http.Request, key *Key, p *authPolicy) (Claims, bool) {
	token, fromCookie, err := TokenFrom(r)
	if err != nil {
		refuse(w, authStatus(err), "%s", err.Error())
		return Claims{}, false
	}
	if token == "" {
		if !p.anonymous {
			refuse(w, http.StatusUnauthorized, "%s", p.noToken)
		}
		return Claims{}, p.anonymous
	}
	if key == nil {
		refuse(w, p.noKeyStatus, "%s", p.noKey)
		return Claims{}, false
	}
	if fromCookie && p.cookie != nil {
		if msg := p.cookie(r); msg != "" {
			refuse(w, http.StatusForbidden, "%s", msg)
			return Claims{}, false
		}
	}
	claims, err := key.Verify(token)
	if err != nil && (p.mercure || !errors.Is(err, ErrNoMercureClaim)) {
		refuse(w, authStatus(err), "%s", err.Error())
		return Claims{}, false
	}
	return claims, true
}

// authStatus is the HTTP status of an error from TokenFrom or Verify.
func authStatus(err error) int {
	var ae *AuthError
	if errors.As(err, &ae) && ae.Status != 0 {
		return ae.Status
	}
	return http.StatusUnauthorized
}
