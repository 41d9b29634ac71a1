package hub

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const testSecret = "!ChangeThisMercureHubJWTSecretKey!"

// testKeys are generated once: RSA generation is slow under -race.
var testKeys = sync.OnceValue(func() (k struct {
	rsa  *rsa.PrivateKey
	ec   *ecdsa.PrivateKey
	p384 *ecdsa.PrivateKey
}) {
	var err error
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		panic(err)
	}
	if k.p384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err != nil {
		panic(err)
	}
	return k
})

func pemText(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func certificatePEM(pub, priv any) string {
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hub"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	return pemText("CERTIFICATE", must(x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)))
}

// signed returns a token signed with method and key for claims.
func signed(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatalf("sign test token: %v", err)
	}
	return s
}

func TestNewKey(t *testing.T) {
	t.Parallel()
	k := testKeys()
	rsaPKCS8 := pemText("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(k.rsa)))
	tests := []struct {
		name, alg, key string
		wantAlg        string // "" when an error is wanted
		canSign        bool
		wantErr        string
	}{
		{"default is HS256", "", testSecret, HS256, true, ""},
		{"lower case", "hs256", testSecret, HS256, true, ""},
		{"empty secret", "HS256", "", "", false, "HS256 key is empty"},
		{"unsupported", "HS512", testSecret, "", false, `JWT algorithm "HS512" is not supported: use HS256 (a secret), RS256 or ES256 (a PEM key)`},
		{"none", "none", "", "", false, `JWT algorithm "NONE" is not supported`},
		{"RS256 PUBLIC KEY", "RS256", pemText("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(&k.rsa.PublicKey))), RS256, false, ""},
		{"RS256 RSA PUBLIC KEY", "RS256", pemText("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&k.rsa.PublicKey)), RS256, false, ""},
		{"RS256 certificate", "RS256", certificatePEM(&k.rsa.PublicKey, k.rsa), RS256, false, ""},
		{"RS256 PRIVATE KEY", "RS256", rsaPKCS8, RS256, true, ""},
		{"RS256 RSA PRIVATE KEY", "RS256", pemText("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k.rsa)), RS256, true, ""},
		{"RS256 escaped newlines", "RS256", strings.ReplaceAll(rsaPKCS8, "\n", `\n`), RS256, true, ""},
		{"RS256 given an EC key", "RS256", pemText("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(&k.ec.PublicKey))), "", false, `RS256 key (PEM "PUBLIC KEY" block)`},
		{"RS256 not PEM", "RS256", testSecret, "", false, "RS256 key is not PEM"},
		{"ES256 PUBLIC KEY", "ES256", pemText("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(&k.ec.PublicKey))), ES256, false, ""},
		{"ES256 certificate", "ES256", certificatePEM(&k.ec.PublicKey, k.ec), ES256, false, ""},
		{"ES256 EC PRIVATE KEY", "ES256", pemText("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(k.ec))), ES256, true, ""},
		{"ES256 PRIVATE KEY", "ES256", pemText("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(k.ec))), ES256, true, ""},
		{"ES256 on P-384", "ES256", pemText("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(k.p384))), "", false, "ES256 key is on curve P-384: ES256 needs a P-256 key"},
		{"ES256 given an RSA key", "ES256", rsaPKCS8, "", false, `ES256 key (PEM "PRIVATE KEY" block)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key, err := NewKey(tc.alg, tc.key)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("NewKey: got error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewKey: got error %v, want none", err)
			}
			if key.Algorithm() != tc.wantAlg || key.CanSign() != tc.canSign {
				t.Errorf("NewKey: got %s (signs %v), want %s (signs %v)", key.Algorithm(), key.CanSign(), tc.wantAlg, tc.canSign)
			}
		})
	}
}

var (
	past   = time.Date(2026, 11, 27, 5, 0, 0, 0, time.UTC)
	future = time.Now().Add(time.Hour).Truncate(time.Second).UTC()
)

func TestVerifyErrors(t *testing.T) {
	t.Parallel()
	k := testKeys()
	hs := must(NewKey("", testSecret))
	grant := map[string]any{"publish": []string{"*"}}
	tests := []struct {
		name, token string
		want        string
		status      int
	}{
		{"empty", "", ErrNoToken.Message, 401},
		{"one part", "garbage", "token is malformed: a JWT is three base64url parts", 401},
		{"bad header", "!!.e30.x", "token is malformed: its header is not base64url-encoded JSON", 401},
		{"bad payload", "eyJhbGciOiJIUzI1NiJ9.!!.x", "token is malformed: could not base64 decode claim", 401},
		{"two parts", "eyJhbGciOiJIUzI1NiJ9.e30", "token is malformed: token contains an invalid number of segments", 401},
		{"wrong secret", signed(t, jwt.SigningMethodHS256, []byte("other"), jwt.MapClaims{"mercure": grant}), "token signature is invalid", 401},
		{"HS512", signed(t, jwt.SigningMethodHS512, []byte(testSecret), jwt.MapClaims{"mercure": grant}), "token is signed with HS512; this hub accepts only HS256", 401},
		{"RS256 against HS256", signed(t, jwt.SigningMethodRS256, k.rsa, jwt.MapClaims{"mercure": grant}), "token is signed with RS256; this hub accepts only HS256", 401},
		{"none", signed(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.MapClaims{"mercure": grant}), "token is signed with none; this hub accepts only HS256", 401},
		{"expired", signed(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"mercure": grant, "exp": past.Unix()}), "token expired at 2026-11-27T05:00:00Z", 401},
		{"not yet valid", signed(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"mercure": grant, "nbf": future.Unix()}), "token is not valid before " + future.Format(time.RFC3339), 401},
		{"exp not a number", signed(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"mercure": grant, "exp": "soon"}), "token is malformed: could not JSON decode claim", 401},
		{"no mercure claim", signed(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"sub": "x"}), ErrNoMercureClaim.Message, 403},
		{"null mercure claim", signed(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"mercure": nil}), ErrNoMercureClaim.Message, 403},
		{"mercure not an object", signed(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"mercure": "all"}), "token's mercure claim must be an object with publish, subscribe and payload", 401},
		{"publish not an array", signed(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"mercure": map[string]any{"publish": "*"}}), "token's mercure.publish must be an array of topic selector strings", 401},
		{"subscribe of numbers", signed(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"mercure": map[string]any{"subscribe": []int{1}}}), "token's mercure.subscribe must be an array of topic selector strings", 401},
		{"bad selector", signed(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"mercure": map[string]any{"subscribe": []string{"*", "https://a/{id"}}}), `token's mercure.subscribe[1] is not a valid topic selector: topic selector "https://a/{id": unclosed expression at offset 10`, 401},
		{"empty selector", signed(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"mercure": map[string]any{"publish": []string{""}}}), "token's mercure.publish[0] is not a valid topic selector: topic selector is empty", 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := hs.Verify(tc.token)
			var ae *AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("Verify: got error %v (%T), want an *AuthError", err, err)
			}
			if !strings.HasPrefix(ae.Message, tc.want) || ae.Status != tc.status {
				t.Errorf("Verify: got %d %q, want %d %q", ae.Status, ae.Message, tc.status, tc.want)
			}
		})
	}
}

func TestVerifyTamperedToken(t *testing.T) {
	t.Parallel()
	hs := must(NewKey("", testSecret))
	good := signed(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"mercure": map[string]any{"subscribe": []string{"https://a/1"}}})
	other := signed(t, jwt.SigningMethodHS256, []byte("x"), jwt.MapClaims{"mercure": map[string]any{"subscribe": []string{"*"}}})
	parts, otherParts := strings.Split(good, "."), strings.Split(other, ".")
	forged := parts[0] + "." + otherParts[1] + "." + parts[2]
	if _, err := hs.Verify(forged); err == nil || err.Error() != "token signature is invalid" {
		t.Errorf("Verify(payload swapped): got %v, want token signature is invalid", err)
	}
}

func TestVerifyNoMercureClaimKeepsExpiry(t *testing.T) {
	t.Parallel()
	hs := must(NewKey("", testSecret))
	c, err := hs.Verify(signed(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"exp": future.Unix()}))
	if !errors.Is(err, ErrNoMercureClaim) {
		t.Fatalf("Verify: got error %v, want ErrNoMercureClaim", err)
	}
	if !c.ExpiresAt.Equal(future) || c.Publish != nil || c.Subscribe != nil {
		t.Errorf("Verify: got %+v, want nothing granted, ExpiresAt %s", c, future)
	}
}

func TestVerifyGrants(t *testing.T) {
	t.Parallel()
	k := testKeys()
	mercure := map[string]any{
		"publish":   []string{"https://example.com/matches/{id}"},
		"subscribe": []string{"https://example.com/users/foo/{?topic}", "https://example.com/public"},
		"payload":   map[string]any{"user": "https://example.com/users/foo"},
	}
	claims := jwt.MapClaims{"mercure": mercure, "exp": future.Unix()}
	tests := []struct {
		name  string
		key   *Key
		token string
	}{
		{"HS256", must(NewKey("HS256", testSecret)), signed(t, jwt.SigningMethodHS256, []byte(testSecret), claims)},
		{"RS256 public", must(NewKey("RS256", pemText("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(&k.rsa.PublicKey))))), signed(t, jwt.SigningMethodRS256, k.rsa, claims)},
		{"ES256 public", must(NewKey("ES256", pemText("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(&k.ec.PublicKey))))), signed(t, jwt.SigningMethodES256, k.ec, claims)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := tc.key.Verify(tc.token)
			if err != nil {
				t.Fatalf("Verify: got error %v, want none", err)
			}
			if len(c.Publish) != 1 || c.Publish[0].String() != "https://example.com/matches/{id}" || len(c.Subscribe) != 2 {
				t.Errorf("Verify: got publish %v subscribe %v, want the token's selectors", c.Publish, c.Subscribe)
			}
			if p, ok := c.Payload.(map[string]any); !ok || p["user"] != "https://example.com/users/foo" {
				t.Errorf("Verify: got payload %#v, want the token's", c.Payload)
			}
			if !c.ExpiresAt.Equal(future) {
				t.Errorf("Verify: got ExpiresAt %s, want %s", c.ExpiresAt, future)
			}
		})
	}
}

func TestSign(t *testing.T) {
	t.Parallel()
	k := testKeys()
	keys := map[string]*Key{
		"HS256": must(NewKey("", testSecret)),
		"RS256": must(NewKey("RS256", pemText("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k.rsa)))),
		"ES256": must(NewKey("ES256", pemText("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(k.ec))))),
	}
	for name, key := range keys {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			before := time.Now().Truncate(time.Second)
			token, err := key.Sign([]string{"*"}, []string{"https://example.com/{id}"}, time.Hour)
			if err != nil {
				t.Fatalf("Sign: got error %v, want none", err)
			}
			c, err := key.Verify(token)
			if err != nil {
				t.Fatalf("Verify(Sign(…)): got error %v, want none", err)
			}
			if !c.CanPublish("https://anything/") || !c.Subscribes("https://example.com/7") || c.Subscribes("https://example.com/7/8") {
				t.Errorf("Verify(Sign(…)): got publish %v subscribe %v, want * and the template", c.Publish, c.Subscribe)
			}
			if c.ExpiresAt.Before(before.Add(time.Hour)) || c.ExpiresAt.After(time.Now().Add(time.Hour)) {
				t.Errorf("Verify(Sign(…)): got ExpiresAt %s, want an hour from %s", c.ExpiresAt, before)
			}
		})
	}
	t.Run("no ttl", func(t *testing.T) {
		t.Parallel()
		key := keys["HS256"]
		c, err := key.Verify(must(key.Sign(nil, []string{"https://a/1"}, 0)))
		if err != nil || !c.ExpiresAt.IsZero() || c.Publish != nil {
			t.Errorf("Verify(Sign(nil, …, 0)): got %+v, %v, want no exp and no publish", c, err)
		}
	})
	t.Run("public key", func(t *testing.T) {
		t.Parallel()
		key := must(NewKey("ES256", pemText("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(&k.ec.PublicKey)))))
		if _, err := key.Sign([]string{"*"}, nil, 0); err == nil || !strings.Contains(err.Error(), "holds only a public key") {
			t.Errorf("Sign with a public key: got %v, want an error saying it holds only a public key", err)
		}
	})
	t.Run("bad selector", func(t *testing.T) {
		t.Parallel()
		if _, err := keys["HS256"].Sign([]string{"{"}, nil, 0); err == nil || !strings.Contains(err.Error(), "publish: topic selector \"{\"") {
			t.Errorf("Sign with a bad selector: got %v, want an error naming it", err)
		}
	})
}

func TestClaims(t *testing.T) {
	t.Parallel()
	c := Claims{
		Publish:   []Selector{mustParseSelector("https://example.com/matches/{id}")},
		Subscribe: []Selector{mustParseSelector("https://example.com/users/foo/{?topic}"), mustParseSelector("https://example.com/public")},
	}
	if !c.CanPublish("https://example.com/matches/1") || c.CanPublish("https://example.com/users/1") {
		t.Errorf("CanPublish: got wrong answers for the template")
	}
	if (Claims{}).CanPublish("https://example.com/matches/1") || (Claims{}).CanSubscribe([]string{"x"}) {
		t.Errorf("zero Claims: got a grant, want none")
	}
	tests := []struct {
		topics []string
		want   bool
	}{
		{[]string{"https://example.com/books/1"}, false},
		{[]string{"https://example.com/books/1", "https://example.com/users/foo/?topic=https%3A%2F%2Fexample.com%2Fbooks%2F1"}, true},
		{[]string{"https://example.com/books/1", "https://example.com/public"}, true},
		{[]string{"https://example.com/users/bar/?topic=x"}, false},
		{nil, false},
	}
	for _, tc := range tests {
		if got := c.CanSubscribe(tc.topics); got != tc.want {
			t.Errorf("CanSubscribe(%q): got %v, want %v", tc.topics, got, tc.want)
		}
	}
}

func TestTokenFrom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, header, query, cookie string
		want                        string
		fromCookie                  bool
		wantErr                     bool
	}{
		{name: "none"},
		{name: "header", header: "Bearer h", want: "h"},
		{name: "lower-case scheme", header: "bearer h", want: "h"},
		{name: "header wins", header: "Bearer h", query: "q", cookie: "c", want: "h"},
		{name: "query wins over cookie", query: "q", cookie: "c", want: "q"},
		{name: "cookie", cookie: "c", want: "c", fromCookie: true},
		{name: "Basic", header: "Basic dXNlcjpwYXNz", query: "q", wantErr: true},
		{name: "Bearer alone", header: "Bearer", wantErr: true},
		{name: "Bearer space", header: "Bearer ", wantErr: true},
		{name: "raw token", header: "eyJhbGciOiJIUzI1NiJ9.e30.x", wantErr: true},
		{name: "two tokens", header: "Bearer a b", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := http.NewRequest("GET", "http://127.0.0.1/.well-known/mercure?topic=x", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.header != "" || tc.name == "Bearer space" {
				r.Header.Set("Authorization", tc.header)
			}
			if tc.query != "" {
				r.URL.RawQuery += "&authorization=" + tc.query
			}
			if tc.cookie != "" {
				r.AddCookie(&http.Cookie{Name: CookieName, Value: tc.cookie})
			}
			got, fromCookie, err := TokenFrom(r)
			var ae *AuthError
			if tc.wantErr {
				if !errors.As(err, &ae) || ae.Status != 401 || !strings.Contains(ae.Message, `Authorization header must be "Bearer "`) {
					t.Errorf("TokenFrom: got %q, %v, want a 401 saying the header is malformed", got, err)
				}
				return
			}
			if got != tc.want || fromCookie != tc.fromCookie || err != nil {
				t.Errorf("TokenFrom: got %q, %v, %v, want %q, %v, nil", got, fromCookie, err, tc.want, tc.fromCookie)
			}
		})
	}
}

func TestKeysFromEnv(t *testing.T) {
	t.Parallel()
	ecPub := pemText("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(&testKeys().ec.PublicKey)))
	tests := []struct {
		name                string
		env                 map[string]string
		wantPub, wantSub    string // the secret that must verify, "" for a nil Key
		wantPubAlg, wantErr string
		wantSubAlg          string
	}{
		{name: "nothing set", env: map[string]string{}},
		{name: "JWT_KEY for both", env: map[string]string{"JWT_KEY": "shared"}, wantPub: "shared", wantSub: "shared"},
		{name: "role keys win over JWT_KEY", env: map[string]string{"JWT_KEY": "shared", "PUBLISHER_JWT_KEY": "p", "SUBSCRIBER_JWT_KEY": "s"}, wantPub: "p", wantSub: "s"},
		{name: "MERCURE_ names win", env: map[string]string{"JWT_KEY": "shared", "PUBLISHER_JWT_KEY": "p", "MERCURE_PUBLISHER_JWT_KEY": "mp", "MERCURE_SUBSCRIBER_JWT_KEY": "ms"}, wantPub: "mp", wantSub: "ms"},
		{name: "only a publisher key", env: map[string]string{"MERCURE_PUBLISHER_JWT_KEY": "mp"}, wantPub: "mp"},
		{name: "JWT_ALGORITHM", env: map[string]string{"JWT_KEY": ecPub, "JWT_ALGORITHM": "ES256"}, wantPubAlg: ES256, wantSubAlg: ES256},
		{name: "MERCURE_PUBLISHER_JWT_ALG wins", env: map[string]string{"JWT_KEY": ecPub, "SUBSCRIBER_JWT_KEY": "s", "JWT_ALGORITHM": "RS256", "PUBLISHER_JWT_ALGORITHM": "RS256", "MERCURE_PUBLISHER_JWT_ALG": "ES256", "SUBSCRIBER_JWT_ALGORITHM": "HS256"}, wantPubAlg: ES256, wantSub: "s"},
		{name: "bad algorithm", env: map[string]string{"JWT_KEY": "k", "MERCURE_SUBSCRIBER_JWT_ALG": "HS384"}, wantErr: `JWT_KEY with MERCURE_SUBSCRIBER_JWT_ALG=HS384: JWT algorithm "HS384" is not supported`},
		{name: "bad PEM", env: map[string]string{"PUBLISHER_JWT_KEY": "secret", "PUBLISHER_JWT_ALGORITHM": "RS256"}, wantErr: "PUBLISHER_JWT_KEY with PUBLISHER_JWT_ALGORITHM=RS256: RS256 key is not PEM"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ks, err := KeysFromEnv(func(name string) string { return tc.env[name] })
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("KeysFromEnv: got error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("KeysFromEnv: got error %v, want none", err)
			}
			if tc.wantPubAlg != "" {
				if ks.Publisher == nil || ks.Publisher.Algorithm() != tc.wantPubAlg {
					t.Errorf("publisher key: got %+v, want %s", ks.Publisher, tc.wantPubAlg)
				}
			} else {
				checkSecret(t, "publisher", ks.Publisher, tc.wantPub)
			}
			if tc.wantSubAlg != "" {
				if ks.Subscriber == nil || ks.Subscriber.Algorithm() != tc.wantSubAlg {
					t.Errorf("subscriber key: got %+v, want %s", ks.Subscriber, tc.wantSubAlg)
				}
			} else {
				checkSecret(t, "subscriber", ks.Subscriber, tc.wantSub)
			}
		})
	}
}

// checkSecret checks that key is nil when secret is "", else an HS256 key
// that verifies tokens signed with secret.
func checkSecret(t *testing.T, role string, key *Key, secret string) {
	t.Helper()
	if secret == "" {
		if key != nil {
			t.Errorf("%s key: got %s key, want nil", role, key.Algorithm())
		}
		return
	}
	if key == nil {
		t.Fatalf("%s key: got nil, want one with secret %q", role, secret)
	}
	token := signed(t, jwt.SigningMethodHS256, []byte(secret), jwt.MapClaims{"mercure": map[string]any{}})
	if _, err := key.Verify(token); err != nil {
		t.Errorf("%s key: got error %v verifying a token signed with %q, want none", role, err, secret)
	}
}

// FuzzVerify checks that no byte string panics Verify or verifies, and
// that every refusal is an *AuthError with a 401 or 403.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("eyJhbGciOiJIUzI1NiJ9.e30.x"))
	f.Add([]byte("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJtZXJjdXJlIjp7InB1Ymxpc2giOlsiKiJdfX0.AAAA"))
	f.Add([]byte("eyJhbGciOiJub25lIn0.eyJtZXJjdXJlIjp7InB1Ymxpc2giOlsiKiJdfX0."))
	hs := must(NewKey("", testSecret))
	es := must(NewKey("ES256", pemText("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(&testKeys().ec.PublicKey)))))
	f.Fuzz(func(t *testing.T, token []byte) {
		for _, key := range []*Key{hs, es} {
			c, err := key.Verify(string(token))
			var ae *AuthError
			if !errors.As(err, &ae) || ae.Status != 401 && ae.Status != 403 {
				t.Fatalf("%s Verify(%q): got %+v, %v, want an *AuthError", key.Algorithm(), token, c, err)
			}
		}
	})
}
