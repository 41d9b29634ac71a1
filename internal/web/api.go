package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/scoreboard/scoreboard/internal/match"
)

// apiCORS lets any site's pages call the API: public reads need no
// credentials, and writes carry a bearer token, which a browser never adds
// by itself. Since the origin is "*", browsers send no cookies cross-site
// with it, and the session cookie is refused cross-site anyway
// (requireUser). It answers preflight requests itself. Date is exposed so
// that the widget can tell the reader's clock from the server's.
func (s *server) apiCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "Date, ETag, Location, Retry-After")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, If-None-Match")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// pathID reads the positive integer path parameter name ("id").
func pathID(r *http.Request, name string) (int64, error) {
	raw := chi.URLParam(r, name)
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, match.Errorf(match.EINVALID, "%s %q in the path is not an id; ids are positive integers", name, raw)
	}
	return id, nil
}

// queryInt reads an optional integer query parameter in [lo, hi], def when
// absent.
func queryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, match.Errorf(match.EINVALID, "%s=%q must be a whole number from %d to %d", name, raw, lo, hi)
	}
	return n, nil
}

// queryID reads an optional id query parameter; 0 when absent.
func queryID(r *http.Request, name string) (int64, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, match.Errorf(match.EINVALID, "%s=%q is not an id; ids are positive integers", name, raw)
	}
	return id, nil
}

// queryBool reads an optional boolean query parameter.
func queryBool(r *http.Request, name string) (bool, error) {
	switch raw := r.URL.Query().Get(name); strings.ToLower(raw) {
	case "", "0", "false", "no":
		return false, nil
	case "1", "true", "yes":
		return true, nil
	default:
		return false, match.Errorf(match.EINVALID, "%s=%q must be true or false", name, raw)
	}
}

// queryDay reads the date and tz query parameters as the span of that day
// in that time zone: date is YYYY-MM-DD or "today" (the default when
// required), tz an IANA name (UTC by default). ok is false when date is
// absent and not required.
func queryDay(r *http.Request, required bool) (from, before time.Time, ok bool, err error) {
	q := r.URL.Query()
	date, tz := q.Get("date"), q.Get("tz")
	if date == "" && !required {
		return time.Time{}, time.Time{}, false, nil
	}
	loc := time.UTC
	if tz != "" {
		if loc, err = time.LoadLocation(tz); err != nil || strings.EqualFold(tz, "local") {
			return time.Time{}, time.Time{}, false, match.Errorf(match.EINVALID, "tz=%q is not a time zone; use an IANA name such as Europe/Paris", tz)
		}
	}
	var day time.Time
	switch date {
	case "", "today":
		y, m, d := time.Now().In(loc).Date()
		day = time.Date(y, m, d, 0, 0, 0, 0, loc)
	default:
		if day, err = time.ParseInLocation(time.DateOnly, date, loc); err != nil {
			return time.Time{}, time.Time{}, false, match.Errorf(match.EINVALID, "date=%q is not a date like 2026-12-01 (or today)", date)
		}
	}
	return day, day.AddDate(0, 0, 1), true, nil
}
