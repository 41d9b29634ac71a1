package hub

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Error is the hub's one error type: a refusal with an HTTP status and a
// message safe to show to the client, saying what was wrong and how to
// fix it ("token expired at …", "topic selector must be …"). Verify and
// TokenFrom return one (401 or 403), and so does every handler's refusal.
// Anything else a handler returns is internal: the client sees "internal
// error" and the log sees everything, once (see serveError).
type Error struct {
	Status  int
	Message string
	// RetryAfter, when set, is sent as the Retry-After header (a 429 or a
	// 503: the client may try again after it).
	RetryAfter time.Duration
	Err        error // the cause, for logs and errors.Is; may be nil
}

// AuthError is the former name of Error, which Verify and TokenFrom
// return.
//
// Deprecated: use Error.
type AuthError = Error

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNoMercureClaim) work on any *Error with the
// same status and message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == e.Status && t.Message == e.Message
}

// refusal returns an *Error with status and the formatted message.
func refusal(status int, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

// busy returns a refusal with a Retry-After of after.
func busy(status int, after time.Duration, format string, args ...any) *Error {
	e := refusal(status, format, args...)
	e.RetryAfter = after
	return e
}

// serveError is the one place that answers a request with an error: an
// *Error with its status, message and Retry-After; anything else with 500
// "internal error", logged here and nowhere else.
func (h *Hub) serveError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		h.log.ErrorContext(r.Context(), "hub: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	http.Error(w, e.Message, e.Status)
}
