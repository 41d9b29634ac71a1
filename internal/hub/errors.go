package hub

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Error is a refusal the hub answers with: an HTTP status and a message
// safe to show to the client, saying what was wrong and how to fix it.
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

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

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

// writeError answers with err: an *Error's status and message, or a 500
// "internal error" for anything else (the caller logs those).
func writeError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	http.Error(w, e.Message, e.Status)
}
