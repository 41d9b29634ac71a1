package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/web"
)

// Server timeouts, for HTTP/1.1 and HTTP/2 alike. ReadHeaderTimeout also
// bounds a TLS handshake (net/http gives it the shortest of the read
// timeouts), and IdleTimeout an HTTP/2 connection with no open stream.
// There is no WriteTimeout: event streams last as long as
// their subscriber stays, and the hub sets a deadline on each write instead.
// There is no ReadTimeout either: it would cut streams off after it passed
// (net/http cancels a request's context when its connection's read deadline
// expires); the hub bounds request bodies itself.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 10 * time.Second
)

// serveCmd runs `scoreboard serve`: migrate, then serve HTTP until ctx is
// done, then shut down gracefully.
func serveCmd(ctx context.Context, c config, logger *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	if help, err := parseFlags(fs, args, "scoreboard serve", stdout); help || err != nil {
		return err
	}

	var cert *certificate
	if c.TLSCert != "" {
		var err error
		if cert, err = loadCertificate(c.TLSCert, c.TLSKey, logger); err != nil {
			return &usageError{err}
		}
	}
	a, err := newApp(ctx, c, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := logSetupURL(ctx, c, a.db, logger); err != nil {
		return err
	}
	site, err := listen(c.Addr, "SCOREBOARD_ADDR", a.handler, logger)
	if err != nil {
		return err
	}
	site.srv.Protocols = siteProtocols(c)
	site.srv.HTTP2 = http2Config()
	site.srv.RegisterOnShutdown(a.hub.Shutdown)
	if cert != nil {
		site.srv.TLSConfig = cert.tlsConfig()
		// Certificates are renewed (Let's Encrypt's every 60 to 90 days):
		// SIGHUP, or a change of the files, serves the new one.
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		wctx, stop := context.WithCancel(ctx)
		defer stop()
		go cert.watch(wctx, hup)
	}
	servers := []served{site}
	if c.MetricsAddr != "" {
		// As the reference hub keeps its metrics on its admin port: the
		// main listener, which faces the internet, no longer serves them.
		metrics, err := listen(c.MetricsAddr, "SCOREBOARD_METRICS_ADDR", metricsOnly(a.handler), logger)
		if err != nil {
			site.ln.Close()
			return err
		}
		site.srv.Handler = withoutMetrics(a.handler)
		servers = append(servers, metrics)
	}
	return serveUntilDone(ctx, servers, logger, c, a.instance)
}

// served is an HTTP server and the listener it serves on.
type served struct {
	srv  *http.Server
	ln   net.Listener
	name string // the variable that set the address, for errors
}

// listen listens on addr, which the variable name set, for a server of
// handler.
func listen(addr, name string, handler http.Handler, logger *slog.Logger) (served, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return served{}, fmt.Errorf("listen on %s (%s): %w", addr, name, err)
	}
	// Every connection's kernel send buffer is capped, so that a client
	// that stops reading holds a bounded backlog, whichever path serves
	// it (the hub caps the HTTP/1.1 streams it hijacks itself).
	ln = hub.CapSendBuffers(ln)
	return served{name: name, ln: ln, srv: &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}}, nil
}

// metricsOnly serves GET /metrics of h (which h counts and logs as it
// does every request) and nothing else: the metrics listener's handler.
func metricsOnly(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	return mux
}

// withoutMetrics is h without GET /metrics, for the main listener when
// the metrics have a listener of their own.
func withoutMetrics(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// app is the program's parts as serve runs them: the store, the hub on
// it, and the HTTP handler serving both.
type app struct {
	db      store
	hub     *hub.Hub
	handler http.Handler
	// instance names this process in the logs and on GET /metrics.
	instance string
}

// instanceID returns an id for this process, to tell instances apart on
// GET /metrics and in the logs: the host name and the pid, which the
// operator can find the process by, and random bytes, so that a process
// restarted with the same pid (in a container, pid 1) gets a new one.
func instanceID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), rand.Text()[:6])
}

// servingLocker is a store that one server at a time may serve (SQLite,
// see sqlite.DB.LockServing).
type servingLocker interface{ LockServing() error }

// newApp opens (and migrates) the store, claims it when it serves one
// instance only, builds the hub on it and the
// handler around them.
func newApp(ctx context.Context, c config, logger *slog.Logger) (*app, error) {
	db, err := openStore(ctx, c, logger)
	if err != nil {
		return nil, err
	}
	if l, ok := db.(servingLocker); ok {
		if err := l.LockServing(); err != nil {
			db.Close()
			return nil, err
		}
	}
	key, err := apiKey(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	keys, err := hubKeys(ctx, c, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	h, err := hub.New(newHubConfig(c, keys, db, logger))
	if err != nil {
		db.Close()
		return nil, err
	}
	instance := instanceID()
	return &app{db: db, hub: h, instance: instance, handler: web.NewHandler(web.Deps{
		Store:            db,
		APIKey:           key,
		Hub:              h,
		HubStats:         h.Stats,
		Instance:         instance,
		HubSubscriberKey: keys.Subscriber,
		PublicURL:        c.PublicURL,
		Demo:             c.Demo,
		Logger:           logger,
	})}, nil
}

// logSetupURL logs, at WARN so that it shows at every log level but
// error, the single-use URL that creates the first admin, when the
// database has no user yet: one line, with the URL and when it expires.
// `scoreboard user add` before serve makes it unneeded, and it is not
// logged then.
func logSetupURL(ctx context.Context, c config, db web.SetupStore, logger *slog.Logger) error {
	setupURL, ok, err := web.SetupURL(ctx, db, c.PublicURL)
	if err != nil {
		return fmt.Errorf("first-run setup: %w", err)
	}
	if ok {
		logger.WarnContext(ctx, "no user exists yet: open the setup URL to create the first admin",
			"setup_url", setupURL, "expires_in", web.SetupTokenTTL.String())
	}
	return nil
}

// Close shuts the hub down, which waits for its history pruning, then
// closes the store that pruning uses.
func (a *app) Close() {
	a.hub.Shutdown()
	a.db.Close()
}

// newHubConfig is the hub's configuration: c's hub settings, with keys
// and db, its history and transport.
func newHubConfig(c config, keys hub.Keys, db store, logger *slog.Logger) hub.Config {
	return hub.Config{
		History:        db,
		Transport:      db,
		PublisherKey:   keys.Publisher,
		SubscriberKey:  keys.Subscriber,
		AllowAnonymous: c.Hub.AllowAnonymous,
		CORSOrigins:    c.Hub.CORSOrigins,
		PublishOrigins: c.Hub.PublishOrigins,
		Heartbeat:      c.Hub.Heartbeat,
		Subscriptions:  c.Hub.Subscriptions,
		RetainUpdates:  c.Hub.HistorySize,
		RetainFor:      c.Hub.HistoryMaxAge,
		Logger:         logger.With("component", "hub"),

		MaxTemplates:             c.Hub.MaxTemplates,
		MaxSubscriberTemplates:   c.Hub.MaxSubscriberTemplates,
		MaxReplays:               c.Hub.MaxReplays,
		MaxSubscribersPerAddress: c.Hub.MaxSubscribersPerAddress,
	}
}

// serveUntilDone serves each of servers until ctx is done (or one of
// them fails), then shuts them all down: they stop accepting, the hub
// closes its streams, and requests in flight get shutdownTimeout to
// finish.
func serveUntilDone(ctx context.Context, servers []served, logger *slog.Logger, c config, instance string) error {
	errc := make(chan error, len(servers))
	for _, s := range servers {
		go func() {
			serve := s.srv.Serve
			if s.srv.TLSConfig != nil { // the certificate comes from TLSConfig
				serve = func(ln net.Listener) error { return s.srv.ServeTLS(ln, "", "") }
			}
			if err := serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("serve HTTP on %s (%s): %w", s.ln.Addr(), s.name, err)
				return
			}
			errc <- nil
		}()
	}
	attrs := []any{"addr", servers[0].ln.Addr().String(), "tls", c.TLSCert != "", "h2c", c.H2C}
	if len(servers) > 1 {
		attrs = append(attrs, "metrics_addr", servers[1].ln.Addr().String())
	}
	logger.InfoContext(ctx, "listening", append(attrs, "public_url", c.PublicURL, "database", c.DB.String(), "instance", instance)...)

	// Before the shutdown, a server returns only on a failure.
	var errs []error
	pending := len(servers)
	select {
	case err := <-errc:
		errs = append(errs, err)
		pending--
	case <-ctx.Done():
		logger.InfoContext(ctx, "shutting down", "cause", context.Cause(ctx))
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	for _, s := range servers {
		if err := s.srv.Shutdown(sctx); err != nil {
			errs = append(errs, fmt.Errorf("shut down HTTP server on %s (%s): %w", s.ln.Addr(), s.name, err))
		}
	}
	for ; pending > 0; pending-- {
		errs = append(errs, <-errc)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	logger.InfoContext(ctx, "stopped")
	return nil
}

// migrateCmd runs `scoreboard migrate`.
func migrateCmd(ctx context.Context, c config, logger *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	if help, err := parseFlags(fs, args, "scoreboard migrate", stdout); help || err != nil {
		return err
	}
	// Opening the store migrates it.
	db, err := openStore(ctx, c, logger)
	if err != nil {
		return err
	}
	logger.InfoContext(ctx, "migrated", "database", c.DB.String())
	return db.Close()
}

// parseFlags parses a sub-command's flags. help is true when the user asked
// for -h (the usage is then printed to stdout). Positional arguments are
// refused: no sub-command takes any.
func parseFlags(fs *flag.FlagSet, args []string, synopsis string, stdout io.Writer) (help bool, err error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "Usage: %s\n", synopsis)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return true, nil
		}
		return false, usageErrorf("%v; usage: %s", err, synopsis)
	}
	if fs.NArg() > 0 {
		return false, usageErrorf("unexpected argument %q; usage: %s", fs.Arg(0), synopsis)
	}
	return false, nil
}
