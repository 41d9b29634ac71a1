package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// healthz serves GET /healthz: 200 "ok" for as long as the process serves
// HTTP at all. It checks nothing else, so that an orchestrator does not
// restart a healthy process because its database is briefly away.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, "ok\n")
}

// readyz serves GET /readyz: 200 when the database answers a ping within
// the ready timeout, 503 with the reason otherwise, so that a load balancer
// sends no traffic to an instance that cannot serve it.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(r.Context(), s.readyTimeout)
	defer cancel()
	if err := s.ready.Ping(ctx); err != nil {
		reason := err.Error()
		if errors.Is(err, context.DeadlineExceeded) {
			reason = fmt.Sprintf("no answer within %s", s.readyTimeout)
		}
		s.log.WarnContext(r.Context(), "not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "not ready: database: %s\n", reason)
		return
	}
	io.WriteString(w, "ok\n")
}
