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
func (h *Hub) publish(w http.ResponseWriter, r *http.Request) {
	claims, ok := h.authenticate(w, r, h.cfg.PublisherKey, &h.publishAuth)
	if !ok {
		return
	}
	u, status, msg := readUpdate(w, r)
	if status != 0 {
		refuse(w, status, "%s", msg)
		return
	}
	if len(claims.Publish) == 0 {
		refuse(w, http.StatusForbidden, "the token's mercure.publish claim is missing or empty, so it may not publish any update")
		return
	}
	for _, t := range u.Topics {
		if !claims.CanPublish(t) {
			refuse(w, http.StatusForbidden, "the token may not publish to topic %q: no selector of its mercure.publish claim matches it", t)
			return
		}
	}
	stored, err := h.Publish(r.Context(), u)
	if err != nil {
		if errors.Is(err, ErrDuplicateID) {
			refuse(w, http.StatusConflict, "an update with id %q is already in the history: ids must be unique; omit id to let the hub generate one", u.ID)
			return
		}
		h.log.ErrorContext(r.Context(), "hub: publish", "id", u.ID, "topics", u.Topics, "err", err)
		refuse(w, http.StatusInternalServerError, "internal error: the update was not stored")
		return
	}
	if h.log.Enabled(r.Context(), slog.LevelDebug) { // the arguments allocate even when disabled
		h.log.DebugContext(r.Context(), "hub: published", "id", stored.ID, "seq", stored.Seq, "topics", stored.Topics)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-store") // private: the token may be in the URL (spec)
	fmt.Fprint(w, stored.ID)
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

// checkPublishOrigin returns why a cookie-authenticated publish is
// refused, or "".
func (h *Hub) checkPublishOrigin(r *http.Request) string {
	if h.publishOrigins.any {
		return ""
	}
	origin := requestOrigin(r)
	switch {
	case origin == "":
		return "a publish authenticated by the " + CookieName + " cookie must carry an Origin or Referer header (CSRF protection)"
	case len(h.publishOrigins.origins) == 0:
		return fmt.Sprintf("origin %s is not allowed to publish with the %s cookie: no origin is (set PUBLISH_ALLOWED_ORIGINS)", origin, CookieName)
	case slices.Contains(h.publishOrigins.origins, normalizeOrigin(origin)):
		return ""
	}
	return fmt.Sprintf("origin %s is not allowed to publish with the %s cookie: add it to PUBLISH_ALLOWED_ORIGINS", origin, CookieName)
}

// readUpdate reads and checks a publish form. On a bad request it returns
// the status and the message saying what is wrong.
func readUpdate(w http.ResponseWriter, r *http.Request) (Update, int, string) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return Update{}, http.StatusUnsupportedMediaType, fmt.Sprintf("publish body must be application/x-www-form-urlencoded, got Content-Type %q", r.Header.Get("Content-Type"))
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxPublishBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return Update{}, http.StatusRequestEntityTooLarge, fmt.Sprintf("publish body is larger than %d bytes", int64(MaxPublishBody))
		}
		return Update{}, http.StatusBadRequest, fmt.Sprintf("publish body is not a valid form: %v", err)
	}
	f := r.PostForm
	u := Update{Topics: f["topic"], Data: f.Get("data"), Type: f.Get("type"), ID: f.Get("id")}
	// Checked before anything else, so that no store sees them: PostgreSQL
	// refuses such text (an internal error), SQLite would store it.
	for _, field := range []string{"topic", "id", "type", "data"} {
		for _, v := range f[field] {
			if !validText(v) {
				return Update{}, http.StatusBadRequest, field + " must be valid UTF-8 without NUL bytes"
			}
		}
	}
	_, u.Private = f["private"] // present with any value, even empty (spec)
	if msg := checkTopics(u.Topics); msg != "" {
		return Update{}, http.StatusBadRequest, msg
	}
	if msg := checkID(u.ID); msg != "" {
		return Update{}, http.StatusBadRequest, msg
	}
	switch {
	case len(u.Type) > MaxTypeLength:
		return Update{}, http.StatusBadRequest, fmt.Sprintf("type is %d bytes long: the limit is %d", len(u.Type), MaxTypeLength)
	case strings.ContainsAny(u.Type, "\r\n"):
		return Update{}, http.StatusBadRequest, "type must be one line: it contains a line break"
	}
	if f.Has("retry") {
		retry, err := strconv.ParseInt(f.Get("retry"), 10, 64)
		if err != nil || retry < 0 {
			return Update{}, http.StatusBadRequest, fmt.Sprintf("retry must be a non-negative integer (the reconnection time in milliseconds), got %q", f.Get("retry"))
		}
		u.Retry = retry
	}
	return u, 0, ""
}

// checkTopics returns what is wrong with a publish's topics, or "".
func checkTopics(topics []string) string {
	if len(topics) == 0 {
		return "missing topic: give at least one topic parameter (the first is the canonical topic, the others alternates)"
	}
	if len(topics) > MaxUpdateTopics {
		return fmt.Sprintf("an update has %d topics: the limit is %d", len(topics), MaxUpdateTopics)
	}
	for i, t := range topics {
		switch {
		case t == "":
			return fmt.Sprintf("topic #%d is empty: give an IRI such as https://example.org/books/1", i+1)
		case len(t) > MaxTopicLength:
			return fmt.Sprintf("topic %.40q… is %d bytes long: the limit is %d", t, len(t), MaxTopicLength)
		}
	}
	return ""
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

// checkID returns what is wrong with a publisher's id, or "" (an empty id
// asks the hub to generate one).
func checkID(id string) string {
	switch {
	case id == "":
		return ""
	case strings.HasPrefix(id, "#"):
		return fmt.Sprintf("id %q must not start with \"#\": the hub keeps those for itself", id)
	case id == EarliestID:
		return "id \"earliest\" is reserved: it asks a hub for its whole history"
	case len(id) > MaxIDLength:
		return fmt.Sprintf("id is %d bytes long: the limit is %d", len(id), MaxIDLength)
	case strings.ContainsAny(id, "\r\n\x00"):
		return "id must be one line without NUL: it contains a line break or NUL"
	}
	return ""
}
