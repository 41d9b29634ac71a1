package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/web"
)

// Server timeouts. There is no WriteTimeout: event streams last as long as
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

	a, err := newApp(ctx, c, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := logSetupURL(ctx, c, a.db, logger); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (SCOREBOARD_ADDR): %w", c.Addr, err)
	}
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(a.hub.Shutdown)
	return serveUntilDone(ctx, srv, ln, logger, c)
}

// app is the program's parts as serve runs them: the store, the hub on
// it, and the HTTP handler serving both.
type app struct {
	db      store
	hub     *hub.Hub
	handler http.Handler
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
	h, err := newHub(ctx, c, db, logger)
	if err != nil {
		db.Close()
		return nil, err
	}
	// The same keys the hub was built with: they are kept in db.
	keys, err := hubKeys(ctx, c, db)
	if err != nil {
		h.Shutdown()
		db.Close()
		return nil, err
	}
	return &app{db: db, hub: h, handler: web.NewHandler(web.Deps{
		Store:            db,
		APIKey:           key,
		Hub:              h,
		HubStats:         h.Stats,
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

// newHub builds the hub on db, its history, with the configured keys or
// those generated and kept in db.
func newHub(ctx context.Context, c config, db store, logger *slog.Logger) (*hub.Hub, error) {
	keys, err := hubKeys(ctx, c, db)
	if err != nil {
		return nil, err
	}
	return hub.New(hub.Config{
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
	})
}

// serveUntilDone serves on ln until ctx is done, then shuts srv down: it
// stops accepting, the hub closes its streams, and requests in flight get
// shutdownTimeout to finish.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener, logger *slog.Logger, c config) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.InfoContext(ctx, "listening", "addr", ln.Addr().String(), "public_url", c.PublicURL, "database", c.DB.String())

	select {
	case err := <-errc:
		return fmt.Errorf("serve HTTP: %w", err)
	case <-ctx.Done():
	}
	logger.InfoContext(ctx, "shutting down", "cause", context.Cause(ctx))
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down HTTP server: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve HTTP: %w", err)
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
