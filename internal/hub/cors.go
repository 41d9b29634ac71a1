package hub

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// corsPolicy answers browsers' cross-origin checks for the hub's routes.
// With "*" (the default) any page may subscribe and publish, without
// credentials: a widget on any site, or a page opened from a file (whose
// Origin is "null"), works. With a list of origins, a listed origin is
// echoed with credentials allowed, so that its pages may send the
// mercureAuthorization cookie.
type corsPolicy struct {
	any     bool
	origins []string
}

func newCORSPolicy(origins []string) corsPolicy {
	if len(origins) == 0 {
		return corsPolicy{any: true}
	}
	return newOriginSet(origins)
}

// newOriginSet normalizes origins once, for the checks of every request:
// "*" among them allows any origin, none allows none.
func newOriginSet(origins []string) corsPolicy {
	if slices.Contains(origins, "*") {
		return corsPolicy{any: true}
	}
	norm := make([]string, len(origins))
	for i, o := range origins {
		norm[i] = normalizeOrigin(o)
	}
	return corsPolicy{origins: norm}
}

// apply sets the CORS headers of a response to r.
func (p corsPolicy) apply(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Expose-Headers", "Last-Event-ID")
	if p.any {
		h.Set("Access-Control-Allow-Origin", "*")
		return
	}
	h.Add("Vary", "Origin")
	if slices.Contains(p.origins, normalizeOrigin(origin)) {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

// preflight answers an OPTIONS preflight request (apply has run).
func (p corsPolicy) preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Authorization, Last-Event-ID, Cache-Control, Content-Type")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// normalizeOrigin lowercases an origin and drops a trailing slash, as
// origins are compared in configuration.
func normalizeOrigin(o string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(o), "/"))
}

// ParseOrigins splits an origin list as the reference hub's
// CORS_ALLOWED_ORIGINS and PUBLISH_ALLOWED_ORIGINS take it (separated by
// spaces or commas) and checks each origin; a trailing slash, which
// browsers never send, is forgiven. The error names the bad origin.
func ParseOrigins(s string) ([]string, error) {
	list := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	if len(list) == 0 {
		return nil, nil
	}
	for i, o := range list {
		if err := checkOrigin(o); err != nil {
			return nil, fmt.Errorf("%q is not an origin: %w", o, err)
		}
		if o != "*" && o != "null" {
			list[i] = strings.TrimSuffix(o, "/")
		}
	}
	return list, nil
}

// checkOrigin reports what is wrong with a configured origin: it must be
// "*", "null" or scheme://host[:port], with no path.
func checkOrigin(o string) error {
	if o == "*" || o == "null" {
		return nil
	}
	u, err := url.Parse(strings.TrimSuffix(o, "/"))
	switch {
	case err != nil:
		return err
	case u.Scheme == "" || u.Host == "":
		return errors.New("an origin is scheme://host[:port], such as https://example.org, or \"*\"")
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "":
		return errors.New("an origin has no path, query or fragment: give scheme://host[:port] only")
	}
	return nil
}

// requestOrigin returns the origin a browser says a request comes from:
// the Origin header, else the origin of the Referer. "" when neither is
// set.
func requestOrigin(r *http.Request) string {
	if o := r.Header.Get("Origin"); o != "" {
		return o
	}
	ref, err := url.Parse(r.Header.Get("Referer"))
	if err != nil || ref.Scheme == "" || ref.Host == "" {
		return ""
	}
	return ref.Scheme + "://" + ref.Host
}
