package hub

import (
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// publish serves POST /.well-known/mercure: it authorizes the publisher,
// reads the form and stores the update (the Transport then dispatches it,
// once committed), and answers 200 text/plain with the update's id.
//
// The id: a publisher may give one (it becomes the SSE id that subscribers
// resume from); it must not start with "#" (the spec), must not be the
// reserved "earliest", and must not be in the history already (409): two
// updates with one id would make resuming from it ambiguous. Without one,
// the hub generates a urn:uuid: UUIDv7.
func (h *Hub) publish(w http.ResponseWriter, r *http.Request) error {
	claims, err := h.authenticate(r, h.cfg.PublisherKey, &h.publishAuth)
	if err != nil {
		return err
	}
	u, err := readUpdate(w, r)
	if err != nil {
		return err
	}
	if len(claims.Publish) == 0 {
		return refusal(http.StatusForbidden, "the token's mercure.publish claim is missing or empty, so it may not publish any update")
	}
	for _, t := range u.Topics {
		if !claims.CanPublish(t) {
			return refusal(http.StatusForbidden, "the token may not publish to topic %q: no selector of its mercure.publish claim matches it", t)
		}
	}
	stored, err := h.Publish(r.Context(), u)
	if errors.Is(err, ErrDuplicateID) {
		return refusal(http.StatusConflict, "an update with id %q is already in the history: ids must be unique; omit id to let the hub generate one", u.ID)
	}
	if err != nil {
		return fmt.Errorf("publish update %q on %q: %w", u.ID, u.Topics, err)
	}
	if h.log.Enabled(r.Context(), slog.LevelDebug) { // the arguments allocate even when disabled
		h.log.DebugContext(r.Context(), "hub: published", "id", stored.ID, "seq", stored.Seq, "topics", stored.Topics)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-store") // private: the token may be in the URL (spec)
	fmt.Fprint(w, stored.ID)
	return nil
}

// publishPolicy authenticates publishers. A token from the
// mercureAuthorization cookie must come with an Origin (or Referer) in
// Config.PublishOrigins: a cookie is sent by the browser on any site's
// behalf (CSRF).
func (h *Hub) publishPolicy() authPolicy {
	return authPolicy{
		noToken:     "publishing needs a JWT with a mercure.publish claim: send it in an \"Authorization: Bearer\" header, the \"authorization\" query parameter or the " + CookieName + " cookie",
		noKeyStatus: http.StatusForbidden,
		noKey:       "publishing is disabled on this hub: it has no publisher key",
		mercure:     true,
		cookie:      h.checkPublishOrigin,
	}
}

// checkPublishOrigin refuses (403) a cookie-authenticated publish from an
// origin not allowed, or returns nil.
func (h *Hub) checkPublishOrigin(r *http.Request) error {
	if h.publishOrigins.any {
		return nil
	}
	origin := requestOrigin(r)
	switch {
	case origin == "":
		return refusal(http.StatusForbidden, "a publish authenticated by the %s cookie must carry an Origin or Referer header (CSRF protection)", CookieName)
	case len(h.publishOrigins.origins) == 0:
		return refusal(http.StatusForbidden, "origin %s is not allowed to publish with the %s cookie: no origin is (set PUBLISH_ALLOWED_ORIGINS)", origin, CookieName)
	case slices.Contains(h.publishOrigins.origins, normalizeOrigin(origin)):
		return nil
	}
	return refusal(http.StatusForbidden, "origin %s is not allowed to publish with the %s cookie: add it to PUBLISH_ALLOWED_ORIGINS", origin, CookieName)
}

// readUpdate reads and checks a publish form; a bad request is an
// *Error saying what is wrong.
func readUpdate(w http.ResponseWriter, r *http.Request) (Update, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return Update{}, refusal(http.StatusUnsupportedMediaType, "publish body must be application/x-www-form-urlencoded, got Content-Type %q", r.Header.Get("Content-Type"))
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxPublishBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return Update{}, refusal(http.StatusRequestEntityTooLarge, "publish body is larger than %d bytes", int64(MaxPublishBody))
		}
		return Update{}, refusal(http.StatusBadRequest, "publish body is not a valid form: %v", err)
	}
	f := r.PostForm
	u := Update{Topics: f["topic"], Data: f.Get("data"), Type: f.Get("type"), ID: f.Get("id")}
	// Checked before anything else, so that no store sees them: PostgreSQL
	// refuses such text (an internal error), SQLite would store it.
	for _, field := range []string{"topic", "id", "type", "data"} {
		for _, v := range f[field] {
			if !validText(v) {
				return Update{}, refusal(http.StatusBadRequest, "%s must be valid UTF-8 without NUL bytes", field)
			}
		}
	}
	_, u.Private = f["private"] // present with any value, even empty (spec)
	if err := checkTopics(u.Topics); err != nil {
		return Update{}, err
	}
	if err := checkID(u.ID); err != nil {
		return Update{}, err
	}
	switch {
	case len(u.Type) > MaxTypeLength:
		return Update{}, refusal(http.StatusBadRequest, "type is %d bytes long: the limit is %d", len(u.Type), MaxTypeLength)
	case strings.ContainsAny(u.Type, "\r\n"):
		return Update{}, refusal(http.StatusBadRequest, "type must be one line: it contains a line break")
	}
	if f.Has("retry") {
		retry, err := strconv.ParseInt(f.Get("retry"), 10, 64)
		if err != nil || retry < 0 {
			return Update{}, refusal(http.StatusBadRequest, "retry must be a non-negative integer (the reconnection time in milliseconds), got %q", f.Get("retry"))
		}
		u.Retry = retry
	}
	return u, nil
}

// checkTopics refuses (400) a publish's topics, or returns nil.
func checkTopics(topics []string) error {
	if len(topics) == 0 {
		return refusal(http.StatusBadRequest, "missing topic: give at least one topic parameter (the first is the canonical topic, the others alternates)")
	}
	if len(topics) > MaxUpdateTopics {
		return refusal(http.StatusBadRequest, "an update has %d topics: the limit is %d", len(topics), MaxUpdateTopics)
	}
	for i, t := range topics {
		switch {
		case t == "":
			return refusal(http.StatusBadRequest, "topic #%d is empty: give an IRI such as https://example.org/books/1", i+1)
		case len(t) > MaxTopicLength:
			return refusal(http.StatusBadRequest, "topic %.40q… is %d bytes long: the limit is %d", t, len(t), MaxTopicLength)
		}
	}
	return nil
}

// validText reports whether s is valid UTF-8 without NUL bytes: text
// that every store keeps as it is (PostgreSQL's text refuses the others).
func validText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// truncate shortens an attacker-chosen string for a message.
func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// checkID refuses (400) a publisher's id, or returns nil (an empty id
// asks the hub to generate one).
func checkID(id string) error {
	switch {
	case id == "":
		return nil
	case strings.HasPrefix(id, "#"):
		return refusal(http.StatusBadRequest, "id %q must not start with \"#\": the hub keeps those for itself", id)
	case id == EarliestID:
		return refusal(http.StatusBadRequest, "id \"earliest\" is reserved: it asks a hub for its whole history")
	case len(id) > MaxIDLength:
		return refusal(http.StatusBadRequest, "id is %d bytes long: the limit is %d", len(id), MaxIDLength)
	case strings.ContainsAny(id, "\r\n\x00"):
		return refusal(http.StatusBadRequest, "id must be one line without NUL: it contains a line break or NUL")
	}
	return nil
}
