package web

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"
)

// recorder remembers the status and size of a response for logs and
// metrics. It passes Flush through and unwraps to the writer below, so that
// the hub's event streams (http.Flusher, http.ResponseController with its
// write deadlines) work through it.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (rw *recorder) WriteHeader(code int) {
	if rw.status == 0 && code >= 200 {
		rw.status = code
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *recorder) Write(b []byte) (int, error) {
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	n, err := rw.ResponseWriter.Write(b)
	rw.bytes += int64(n)
	return n, err
}

// Flush implements http.Flusher for handlers that assert it directly.
func (rw *recorder) Flush() {
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	http.NewResponseController(rw.ResponseWriter).Flush()
}

// Hijack implements http.Hijacker when the writer below does.
func (rw *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(rw.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the writer below.
func (rw *recorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

// code is the status sent, 200 when the handler wrote nothing at all.
func (rw *recorder) code() int {
	if rw.status == 0 {
		return http.StatusOK
	}
	return rw.status
}

// wrap returns w as a *recorder, reusing one an outer middleware made.
func wrap(w http.ResponseWriter) *recorder {
	if rw, ok := w.(*recorder); ok {
		return rw
	}
	return &recorder{ResponseWriter: w}
}

// routeOf is the route pattern that served r ("/healthz",
// "/.well-known/mercure/*"), or "unmatched": a label with few values, unlike
// the path.
func routeOf(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" {
			return p
		}
	}
	return "unmatched"
}

// probes are the routes that orchestrators and Prometheus poll every few
// seconds: logged at debug level, so that they do not drown the rest.
var probes = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// logRequests logs one line per request when it ends; for an event stream
// that is when the subscriber leaves.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw := wrap(w)
		next.ServeHTTP(rw, r)
		route := routeOf(r)
		level := slog.LevelInfo
		if probes[route] && rw.code() < 500 {
			level = slog.LevelDebug
		}
		s.log.Log(r.Context(), level, "request",
			"method", r.Method,
			"path", r.URL.Path,
			"route", route,
			"status", rw.code(),
			"bytes", rw.bytes,
			"duration", time.Since(start),
			"remote_addr", r.RemoteAddr,
		)
	})
}

// recoverPanics turns a handler's panic into a logged internal error and a
// 500, instead of a dropped connection. http.ErrAbortHandler keeps its
// meaning: abort the response silently.
func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := wrap(w)
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(p)
			}
			err := fmt.Errorf("panic serving %s %s: %v\n%s", r.Method, r.URL.Path, p, debug.Stack())
			if rw.status != 0 {
				// The response has begun: too late for an error body.
				s.log.ErrorContext(r.Context(), "internal error", "err", err)
				return
			}
			s.serveError(rw, r, err)
		}()
		next.ServeHTTP(rw, r)
	})
}
