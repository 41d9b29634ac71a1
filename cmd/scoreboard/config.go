package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/scoreboard/scoreboard/internal/hub"
)

// config is everything the environment configures, read and validated once
// before anything starts.
type config struct {
	Addr        string // SCOREBOARD_ADDR
	MetricsAddr string // SCOREBOARD_METRICS_ADDR: when set, GET /metrics is served there and not on Addr
	// TLSCert and TLSKey (SCOREBOARD_TLS_CERT, SCOREBOARD_TLS_KEY, both
	// or neither) are PEM files: when set, Addr serves HTTPS, with
	// HTTP/2. The metrics listener stays plain HTTP.
	TLSCert, TLSKey string
	// H2C (SCOREBOARD_H2C) accepts cleartext HTTP/2 beside HTTP/1.1 on
	// Addr, for a proxy that terminates TLS and speaks HTTP/2 to us.
	H2C       bool
	PublicURL string // SCOREBOARD_PUBLIC_URL, without a trailing slash
	DB        database
	LogLevel  slog.Level // LOG_LEVEL
	LogJSON   bool       // LOG_FORMAT=json
	Hub       hubConfig
	Demo      bool // DEMO: serve the hub's debugging page
}

// database is DATABASE_URL, parsed.
type database struct {
	Kind string // "sqlite" or "postgres"
	// Path is the SQLite file (Kind "sqlite"); URL the PostgreSQL URL.
	Path, URL string
}

// String names the database for logs without its password.
func (d database) String() string {
	if d.Kind == "sqlite" {
		return "sqlite:" + d.Path
	}
	u, err := url.Parse(d.URL)
	if err != nil {
		return "postgres"
	}
	return "postgres://" + u.Host + u.Path
}

// hubConfig is the hub's part of the configuration.
type hubConfig struct {
	// Keys are the keys the environment sets, under the MERCURE_* names or
	// the reference hub's; a nil one is generated once and kept in the
	// database (see hubKeys).
	Keys           hub.Keys
	AllowAnonymous bool
	CORSOrigins    []string
	PublishOrigins []string
	Heartbeat      time.Duration
	Subscriptions  bool
	HistorySize    int
	HistoryMaxAge  time.Duration
	// The hub's caps on what clients may cost it (hub.Config's fields of
	// the same names); MaxSubscribersPerAddress is -1 for no cap.
	MaxTemplates             int
	MaxSubscriberTemplates   int
	MaxReplays               int
	MaxSubscribersPerAddress int
}

// The defaults of DESIGN.md.
const (
	defaultAddr          = ":8080"
	defaultPublicURL     = "http://localhost:8080"
	defaultDatabaseURL   = "sqlite:scoreboard.db"
	defaultHistorySize   = 100000
	defaultHistoryMaxAge = 7 * 24 * time.Hour
)

// loadConfig reads the configuration from getenv. Every bad value is
// reported, each naming its variable and saying what is accepted, as one
// usage error.
func loadConfig(getenv func(string) string) (config, error) {
	env := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	var errs []error
	check := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	var c config
	var err error
	c.Addr = env("SCOREBOARD_ADDR", defaultAddr)
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		check(fmt.Errorf("SCOREBOARD_ADDR: %q is not a listen address; use HOST:PORT or :PORT, for example :8080 or 127.0.0.1:8080", c.Addr))
	}
	if c.MetricsAddr = env("SCOREBOARD_METRICS_ADDR", ""); c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
			check(fmt.Errorf("SCOREBOARD_METRICS_ADDR: %q is not a listen address; use HOST:PORT or :PORT, for example 127.0.0.1:9090, or leave it unset to serve /metrics on SCOREBOARD_ADDR", c.MetricsAddr))
		}
	}
	c.TLSCert, c.TLSKey, c.H2C, err = loadTLSConfig(env)
	check(err)
	c.PublicURL, err = parsePublicURL(env("SCOREBOARD_PUBLIC_URL", defaultPublicURL))
	check(err)
	c.DB, err = parseDatabaseURL(env("DATABASE_URL", defaultDatabaseURL))
	check(err)
	if lvl := env("LOG_LEVEL", "info"); c.LogLevel.UnmarshalText([]byte(lvl)) != nil {
		check(fmt.Errorf("LOG_LEVEL: %q is not a level; use debug, info, warn or error", lvl))
	}
	switch f := strings.ToLower(env("LOG_FORMAT", "text")); f {
	case "text":
	case "json":
		c.LogJSON = true
	default:
		check(fmt.Errorf("LOG_FORMAT: %q is not a format; use text or json", f))
	}
	c.Demo, err = parseBool("DEMO", env("DEMO", "0"))
	check(err)
	c.Hub, err = loadHubConfig(env)
	check(err)
	c.Hub.Keys, err = hub.KeysFromEnv(getenv)
	check(err)
	if len(errs) > 0 {
		return config{}, &usageError{fmt.Errorf("configuration: %w", errors.Join(errs...))}
	}
	return c, nil
}

// loadHubConfig reads the hub's variables but its keys: the reference hub's
// names, so that its users' settings keep working, and ours for what it has
// no name for.
func loadHubConfig(env func(name, def string) string) (hubConfig, error) {
	var errs []error
	check := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	var h hubConfig
	var err error
	h.AllowAnonymous, err = parseBool("ALLOW_ANONYMOUS", env("ALLOW_ANONYMOUS", "1"))
	check(err)
	h.Subscriptions, err = parseBool("SCOREBOARD_HUB_SUBSCRIPTIONS", env("SCOREBOARD_HUB_SUBSCRIPTIONS", "1"))
	check(err)
	for _, o := range []struct {
		name, def string
		list      *[]string
	}{{"CORS_ALLOWED_ORIGINS", "*", &h.CORSOrigins}, {"PUBLISH_ALLOWED_ORIGINS", "", &h.PublishOrigins}} {
		if *o.list, err = hub.ParseOrigins(env(o.name, o.def)); err != nil {
			check(fmt.Errorf("%s: %w; use * or origins such as https://example.org, separated by spaces or commas", o.name, err))
		}
	}
	h.Heartbeat, err = parseDuration("HEARTBEAT_INTERVAL", env("HEARTBEAT_INTERVAL", hub.DefaultHeartbeat.String()), time.Second)
	check(err)
	// For both history bounds, 0 turns the bound off.
	if age := env("SCOREBOARD_HUB_HISTORY_MAX_AGE", defaultHistoryMaxAge.String()); age != "0" {
		h.HistoryMaxAge, err = parseDuration("SCOREBOARD_HUB_HISTORY_MAX_AGE", age, time.Minute)
		check(err)
	}
	h.HistorySize, err = strconv.Atoi(env("SCOREBOARD_HUB_HISTORY_SIZE", strconv.Itoa(defaultHistorySize)))
	if err != nil || h.HistorySize < 0 {
		check(fmt.Errorf("SCOREBOARD_HUB_HISTORY_SIZE: %q is not a number of updates; use for example 100000, or 0 to keep them all", env("SCOREBOARD_HUB_HISTORY_SIZE", "")))
	}
	for _, limit := range []struct {
		name, what string
		def        int
		v          *int
	}{
		{"SCOREBOARD_HUB_MAX_TEMPLATES", "distinct URI templates for the whole hub", hub.DefaultMaxTemplates, &h.MaxTemplates},
		{"SCOREBOARD_HUB_MAX_SUBSCRIBER_TEMPLATES", "distinct URI templates per subscription", hub.DefaultMaxSubscriberTemplates, &h.MaxSubscriberTemplates},
		{"SCOREBOARD_HUB_MAX_REPLAYS", "replays of the history at once", hub.DefaultMaxReplays, &h.MaxReplays},
	} {
		*limit.v, err = parseCap(limit.name, env(limit.name, strconv.Itoa(limit.def)), limit.what, limit.def, false)
		check(err)
	}
	const perAddress = "SCOREBOARD_HUB_MAX_SUBSCRIBERS_PER_ADDRESS"
	h.MaxSubscribersPerAddress, err = parseCap(perAddress, env(perAddress, strconv.Itoa(hub.DefaultMaxSubscribersPerAddress)),
		"open subscriptions per client address", hub.DefaultMaxSubscribersPerAddress, true)
	check(err)
	return h, errors.Join(errs...)
}

// loadTLSConfig reads SCOREBOARD_TLS_CERT and SCOREBOARD_TLS_KEY, which
// go together, and SCOREBOARD_H2C, which is for a listener without TLS.
// The files are read when serve starts (see loadCertificate), so that the
// other commands do not need them.
func loadTLSConfig(env func(name, def string) string) (cert, key string, h2c bool, err error) {
	cert, key = env("SCOREBOARD_TLS_CERT", ""), env("SCOREBOARD_TLS_KEY", "")
	const both = "set both (PEM files: the certificate chain, such as Let's Encrypt's fullchain.pem, and its private key, privkey.pem) or neither"
	switch {
	case cert != "" && key == "":
		err = fmt.Errorf("SCOREBOARD_TLS_CERT is set but SCOREBOARD_TLS_KEY is not; %s", both)
	case cert == "" && key != "":
		err = fmt.Errorf("SCOREBOARD_TLS_KEY is set but SCOREBOARD_TLS_CERT is not; %s", both)
	}
	h2c, h2cErr := parseBool("SCOREBOARD_H2C", env("SCOREBOARD_H2C", "0"))
	if h2cErr == nil && h2c && cert != "" {
		h2cErr = errors.New("SCOREBOARD_H2C: cleartext HTTP/2 is for a listener without TLS, behind a proxy that terminates it; with SCOREBOARD_TLS_CERT and SCOREBOARD_TLS_KEY, HTTP/2 is served over TLS already: unset SCOREBOARD_H2C")
	}
	return cert, key, h2c, errors.Join(err, h2cErr)
}

// parseCap accepts a positive whole number, and 0 when off may be
// turned off (returned as -1, the hub's "no cap").
func parseCap(name, s, what string, def int, off bool) (int, error) {
	n, err := strconv.Atoi(s)
	switch {
	case err == nil && n > 0:
		return n, nil
	case err == nil && n == 0 && off:
		return -1, nil
	case off:
		return 0, fmt.Errorf("%s: %q is not a number of %s; use a positive number (the default is %d), or 0 for no cap", name, s, what, def)
	default:
		return 0, fmt.Errorf("%s: %q is not a number of %s; use a positive number (the default is %d)", name, s, what, def)
	}
}

// parsePublicURL accepts an absolute http or https URL and trims its
// trailing slash, since topics and links are built by appending paths.
func parsePublicURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("SCOREBOARD_PUBLIC_URL: %q is not an absolute http(s) URL without query or fragment; use for example https://scores.example.org", s)
	}
	return strings.TrimRight(s, "/"), nil
}

// parseDatabaseURL accepts sqlite:PATH (also sqlite://PATH) and
// postgres:// or postgresql:// URLs. Its errors never echo the URL, which
// may hold a password.
func parseDatabaseURL(s string) (database, error) {
	const accepted = "use sqlite:PATH for the embedded store (for example sqlite:scoreboard.db) or postgres://USER:PASSWORD@HOST:5432/DBNAME for PostgreSQL"
	if path, ok := strings.CutPrefix(s, "sqlite:"); ok {
		path = strings.TrimPrefix(path, "//")
		if path == "" {
			return database{}, fmt.Errorf("DATABASE_URL: sqlite: needs a file path; %s", accepted)
		}
		return database{Kind: "sqlite", Path: path}, nil
	}
	scheme, _, found := strings.Cut(s, "://")
	switch {
	case found && (scheme == "postgres" || scheme == "postgresql"):
		if _, err := url.Parse(s); err != nil {
			return database{}, fmt.Errorf("DATABASE_URL: not a valid PostgreSQL URL; %s", accepted)
		}
		return database{Kind: "postgres", URL: s}, nil
	case found:
		return database{}, fmt.Errorf("DATABASE_URL: unknown scheme %q; %s", scheme, accepted)
	default:
		return database{}, fmt.Errorf("DATABASE_URL: not a database URL; %s", accepted)
	}
}

func parseBool(name, s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("%s: %q is not a boolean; use 1 or 0 (true or false)", name, s)
}

// parseDuration accepts a Go duration ("15s", "1m30s") of at least min.
func parseDuration(name, s string, min time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < min {
		return 0, fmt.Errorf("%s: %q is not a duration of at least %s; use for example 15s, 2m or 168h", name, s, min)
	}
	return d, nil
}

// newLogger is the one place that configures log/slog.
func newLogger(c config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
