// Command scoreboard is the scoreboard server and its administration tools:
// serve (the default), migrate, user add, token hub, token api and
// health. See usage below.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	// The first signal starts a graceful shutdown; once it has, a second
	// one gets the default behaviour and ends the process at once.
	context.AfterFunc(ctx, stop)
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "scoreboard: %v\n", err)
		os.Exit(exitCode(err))
	}
}

const usage = `scoreboard: live match scores, with a built-in Mercure hub.

Usage:
  scoreboard [serve]       run the server (applies migrations first)
  scoreboard migrate       apply database migrations and exit
  scoreboard user add --email E --role admin|scorer [--password-stdin]
                           create a user; without --password-stdin a strong
                           password is generated and printed
  scoreboard token hub --publish SEL... [--subscribe SEL...] [--ttl D]
                           print a Mercure JWT signed with the hub's key
  scoreboard token api --email E [--ttl D] [--name N]
                           print a bearer token for the JSON API acting as
                           that user (until revoked, or for D); list and
                           revoke tokens at /api/v1/tokens
  scoreboard health [--url URL]
                           probe the running server's GET /readyz (exit 0
                           when ready), for container health checks
  scoreboard help          show this help

Configuration comes from the environment (DATABASE_URL, SCOREBOARD_ADDR,
SCOREBOARD_PUBLIC_URL, LOG_LEVEL, the hub's MERCURE_* and reference-hub
variables, ...); see README.md.
`

// run is the whole program, with its inputs passed in so that tests can run
// it end to end. It returns a usageError (exit status 2) for a bad command
// line or configuration, and any other error (exit status 1) for a failure
// at run time.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd, rest := "serve", []string(nil)
	if len(args) > 1 {
		cmd, rest = args[1], args[2:]
	}
	switch cmd {
	case "help", "-h", "-help", "--help":
		_, err := io.WriteString(stdout, usage)
		return err
	case "health":
		// A health probe runs every few seconds and needs only the address
		// (and whether it serves TLS): it does not load (or fail on) the
		// rest of the configuration.
		return healthCmd(ctx, getenv("SCOREBOARD_ADDR"), getenv("SCOREBOARD_TLS_CERT") != "", rest, stdout)
	case "serve", "migrate", "user", "token":
	default:
		return usageErrorf("unknown command %q; run scoreboard help", cmd)
	}

	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	switch cmd {
	case "serve":
		return serveCmd(ctx, cfg, logger, rest, stdout)
	case "migrate":
		return migrateCmd(ctx, cfg, logger, rest, stdout)
	case "user":
		return userCmd(ctx, cfg, logger, rest, stdin, stdout)
	default:
		return tokenCmd(ctx, cfg, logger, rest, stdout, stderr)
	}
}

// usageError is a mistake in the command line or the configuration: the
// user must change something before trying again. Exit status 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// exitCode is the process's exit status for err: 2 for a usage or
// configuration error, 1 for any other failure.
func exitCode(err error) int {
	var u *usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}
