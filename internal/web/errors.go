package web

import (
	"encoding/json"
	"net/http"

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
	default:
		return http.StatusInternalServerError
	}
}

// serveError writes err as JSON with the status its code maps to. An
// internal error is logged here, once, with everything; the client sees only
// "internal error".
func (s *server) serveError(w http.ResponseWriter, r *http.Request, err error) {
	code := match.ErrorCode(err)
	if code == match.EINTERNAL {
		s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	status := statusOf(code)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	body := errorBody{Error: errorDetail{Code: code, Message: match.ErrorMessage(err)}}
	if err := json.NewEncoder(w).Encode(body); err != nil {
		s.log.DebugContext(r.Context(), "write error response", "err", err)
	}
}

// notFound answers a request for a path no route serves.
func notFound(w http.ResponseWriter, r *http.Request) error {
	return match.Errorf(match.ENOTFOUND, "no such page: %s", r.URL.Path)
}
