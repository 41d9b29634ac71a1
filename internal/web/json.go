package web

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"

	"github.com/scoreboard/scoreboard/internal/match"
)

// maxJSONBody is the largest JSON request body the API reads, in bytes:
// far above any match, event or team, and small enough that a client
// cannot make the server hold much. Larger bodies get 413.
const maxJSONBody = 64 << 10

// decodeJSON reads r's body, a single JSON object, into v. It refuses,
// with a message saying what to fix: a body that is not JSON, a field v
// does not have (a typo must not be ignored silently), a value of the
// wrong type naming its field, trailing data, and a body over limit bytes
// (ETOOLARGE).
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return match.Errorf(match.EINVALID, "Content-Type %q is not JSON; send the body as application/json", ct)
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, limit)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		if err != nil && isTooLarge(err) {
			return jsonError(err, limit)
		}
		return match.Errorf(match.EINVALID, "the body holds more than one JSON value; send a single object")
	}
	return nil
}

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// jsonError turns a decoding error into a message that names the field or
// the place where the body went wrong.
func jsonError(err error, limit int64) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var netErr net.Error
	switch {
	case isTooLarge(err):
		return match.Errorf(match.ETOOLARGE, "the body is larger than %d bytes", limit)
	case errors.As(err, &netErr) && netErr.Timeout():
		return match.Errorf(match.EINVALID, "the body did not arrive in time; send it at once")
	case errors.Is(err, io.EOF):
		return match.Errorf(match.EINVALID, "the body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return match.Errorf(match.EINVALID, "the body ends in the middle of its JSON")
	case errors.As(err, &syntax):
		return match.Errorf(match.EINVALID, "the body is not valid JSON at byte %d: %s", syntax.Offset, syntax.Error())
	case errors.As(err, &typ):
		if typ.Field == "" {
			return match.Errorf(match.EINVALID, "the body must be a JSON object, not %s", typ.Value)
		}
		return match.Errorf(match.EINVALID, "field %q must be %s, not %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return match.Errorf(match.EINVALID, "unknown field %s; see GET /api/v1/openapi.json for the fields this route takes", field)
	default:
		// time.Time and other Unmarshalers say what was wrong themselves.
		return match.Errorf(match.EINVALID, "the body does not decode: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
}

// jsonKind names a Go kind as a JSON user knows it.
func jsonKind(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "true or false"
	case kind == "slice", kind == "array":
		return "an array"
	default:
		return "an object"
	}
}

// writeJSON answers with v as JSON and status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	// A failed write means the client left: there is nobody to tell.
	w.Write(append(b, '\n'))
	return nil
}

// publicCacheControl lets browsers and CDNs keep a public read for a few
// seconds: thousands of fans opening a cup final cost one read each few
// seconds, and a state a few seconds old misses nothing, since it carries
// the update_id its client resumes the live stream from.
const publicCacheControl = "public, max-age=5"

// writePublic answers a public read with v as JSON, an ETag that is a hash
// of the body, and 304 Not Modified when If-None-Match has it.
func writePublic(w http.ResponseWriter, r *http.Request, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	b = append(b, '\n')
	sum := sha256.Sum256(b)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", publicCacheControl)
	h.Set("Vary", "Accept-Encoding")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	w.Write(b) // a failed write means the client left
	return nil
}

// etagMatches reports whether an If-None-Match header names etag (weak
// comparison, as RFC 9110 asks for If-None-Match) or is "*".
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
