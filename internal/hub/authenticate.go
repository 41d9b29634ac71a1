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
	// cookie, before the token is verified; it returns the refusal, or
	// nil.
	cookie func(*http.Request) error
}

// authenticate reads the request's token and verifies it with key under
// p, and returns its claims, or the *Error that says why it is refused.
func (h *Hub) authenticate(r *http.Request, key *Key, p *authPolicy) (Claims, error) {
	token, fromCookie, err := TokenFrom(r)
	switch {
	case err != nil:
		return Claims{}, err
	case token == "" && p.anonymous:
		return Claims{}, nil
	case token == "":
		return Claims{}, refusal(http.StatusUnauthorized, "%s", p.noToken)
	case key == nil:
		return Claims{}, refusal(p.noKeyStatus, "%s", p.noKey)
	}
	if fromCookie && p.cookie != nil {
		if err := p.cookie(r); err != nil {
			return Claims{}, err
		}
	}
	claims, err := key.Verify(token)
	if err != nil && (p.mercure || !errors.Is(err, ErrNoMercureClaim)) {
		return Claims{}, err
	}
	return claims, nil
}
