package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
)

// handlerFunc is a handler that returns its error instead of writing it, so
// that one renderer decides the status, the body and what is logged.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts h to http.HandlerFunc, rendering the error h returns.
func (s *server) handle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.serveError(w, r, err)
		}
	}
}

// errorBody is the JSON shape of every error response:
// {"error":{"code":"not_found","message":"…"}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Problems lists each bad part of a request that has many (the rows
	// of a fixture import).
	Problems []problem `json:"problems,omitempty"`
}

// problem is one bad cell or row of a request: where, and what is wrong.
type problem struct {
	Line    int    `json:"line"`
	Column  int    `json:"column,omitempty"` // 0: the row as a whole
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// String is the problem as one line: "line 3, column 2 (time): …".
func (p problem) String() string {
	where := fmt.Sprintf("line %d", p.Line)
	if p.Column > 0 {
		where += fmt.Sprintf(", column %d", p.Column)
	}
	if p.Field != "" {
		where += " (" + p.Field + ")"
	}
	return where + ": " + p.Message
}

// problemsError is an EINVALID request with many problems.
type problemsError struct {
	err      *match.Error
	problems []problem
}

func (e *problemsError) Error() string { return e.err.Error() }
func (e *problemsError) Unwrap() error { return e.err }

// problemsErr returns the EINVALID error for problems: its message names
// the first few, and the body lists them all (up to maxProblemsShown).
func problemsErr(problems []problem) error {
	lines := make([]string, 0, 3)
	for _, p := range problems[:min(3, len(problems))] {
		lines = append(lines, p.String())
	}
	msg := strings.Join(lines, "; ")
	if n := len(problems); n > 3 {
		msg = fmt.Sprintf("%d problems, the first: %s", n, msg)
	}
	return &problemsError{err: match.Errorf(match.EINVALID, "%s; nothing was imported", msg), problems: problems[:min(maxProblemsShown, len(problems))]}
}

// statusOf maps a domain error code to its HTTP status.
func statusOf(code string) int {
	switch code {
	case match.EINVALID:
		return http.StatusBadRequest
	case match.ENOTFOUND:
		return http.StatusNotFound
	case match.ECONFLICT:
		return http.StatusConflict
	case match.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case match.EFORBIDDEN:
		return http.StatusForbidden
	case match.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case match.ERATELIMITED:
		return http.StatusTooManyRequests
	case match.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case match.EUNSUPPORTED:
		return http.StatusNotImplemented
	default:
		return http.StatusInternalServerError
	}
}

// retryError is a refusal that the client may try again after a while:
// the renderer sends Retry-After with it.
type retryError struct {
	err   error
	after time.Duration
}

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// retryAfter wraps err, a *match.Error, with the delay after which the
// client may retry.
func retryAfter(err error, after time.Duration) error {
	return &retryError{err: err, after: after}
}

// serveError writes err as JSON with the status its code maps to, or, for
// a page of the admin UI, as a page (servePage). An
// internal error is logged here, once, with everything; the client sees only
// "internal error".
func (s *server) serveError(w http.ResponseWriter, r *http.Request, err error) {
	code := match.ErrorCode(err)
	if code == match.EINTERNAL {
		s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if isAdminPage(r) {
		s.servePage(w, r, err)
		return
	}
	status := statusOf(code)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Del("ETag")
	var re *retryError
	if errors.As(err, &re) {
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(max(re.after, time.Second).Seconds()))))
	}
	if code == match.EUNAUTHORIZED && r.Header.Get("Authorization") != "" {
		h.Set("WWW-Authenticate", `Bearer realm="scoreboard", error="invalid_token"`)
	}
	w.WriteHeader(status)
	body := errorBody{Error: errorDetail{Code: code, Message: match.ErrorMessage(err)}}
	var pe *problemsError
	if errors.As(err, &pe) {
		body.Error.Problems = pe.problems
	}
	if err := json.NewEncoder(w).Encode(body); err != nil {
		s.log.DebugContext(r.Context(), "write error response", "err", err)
	}
}

// notFound answers a request for a path no route serves.
func notFound(w http.ResponseWriter, r *http.Request) error {
	return match.Errorf(match.ENOTFOUND, "no such page: %s", r.URL.Path)
}
