// Package match is the scoreboard's domain: matches, teams, sports and their
// rules, the append-only event log and its fold into public state, and the
// Store interface that adapters implement. It knows nothing of HTTP, SQL
// drivers, templates or the hub.
package match

import (
	"errors"
	"fmt"
)

// Error codes. Anything that is not a *Error is internal.
const (
	ECONFLICT     = "conflict"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	// ETOOLARGE is a request bigger than the server takes.
	ETOOLARGE = "too_large"
	// ERATELIMITED is a client that asked too often; it may retry later.
	ERATELIMITED = "rate_limited"
	// EUNAVAILABLE is a server too busy to answer now; retry later.
	EUNAVAILABLE = "unavailable"
	// EUNSUPPORTED is a request for something this server does not do
	// (an oEmbed format other than JSON), as opposed to a malformed one.
	EUNSUPPORTED = "not_implemented"
)

// Error is the domain's one error type: a machine-readable code and a
// message that is safe to show to the user and tells them what to fix.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns a *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, EINTERNAL for any
// other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the user-safe message of the *Error in err's chain,
// and "internal error" for any other error.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "internal error"
	}
}

// FixtureError prefixes err's message with the 1-based index of the input
// of a batch (a fixture of an import, index i) it is about, keeping its
// code, so that the user knows which one to fix.
func FixtureError(i int, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return Errorf(e.Code, "fixture %d: %s", i+1, e.Message)
	}
	return fmt.Errorf("fixture %d: %w", i+1, err)
}
