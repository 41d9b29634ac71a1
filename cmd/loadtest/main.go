// Command loadtest measures a Mercure hub on this machine under many
// subscribers: how fast they connect, what they cost the server, and
// whether every update reaches every subscriber of its topic, how fast.
// It only ever sends load to a loopback address. Run it with -h.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

const usageText = `loadtest: measure the Mercure hub on this machine under many subscribers.

Usage:
  loadtest [flags]

It connects -subscribers SSE subscribers spread evenly over -topics topics
(the -topic-base followed by 1 .. K), from worker processes (this binary,
re-executed), each by default holding as many sockets as its open-file
limit allows (ulimit -n, less 100), each read by one epoll loop. Once every
subscriber has received its stream's first byte, it publishes -publish
updates, update j to topic j mod K, each carrying the time it was sent, and
waits until every subscriber has every update of its topic (or -drain has
passed since the last publish). It then reports:

  - the time to connect every subscriber (first dial to the last first
    byte), the connections per second, and each one's time to open;
  - the server's RSS, Go heap and stacks, goroutines, open files and CPU
    before connecting, once connected and at the end (from the /metrics
    of the hub's origin, or -metrics), and the growth per subscriber;
  - deliveries expected and received, duplicates, streams cut; the latency
    from publish to receipt (p50, p99, max) and deliveries per second;
  - the CPU its own worker processes used.

With several -hub URLs (instances of one server on one PostgreSQL),
subscriber i of a topic connects to instance i mod N and update j is
published through instance j mod N, so that most deliveries cross from
one instance to another; the server figures are listed per instance and
summed. -freeze F holds that share of the subscribers in worker processes
of their own, stopped (SIGSTOP) from once all are connected until the
publishing is over, then resumed: their missing updates do not fail the
run, and the report says how many the hub dropped and how much its RSS
grew meanwhile. -hold D keeps every stream open for D, the updates spread
over it. Every stream's longest silence is reported; one over twice
-heartbeat is a missed heartbeat and fails the run. -burst-match ID posts
-publish match events (notes, each voided by the next) to the scoring
API with -api-token, at -rate, and measures each update's staleness: its
receipt minus the send time of its newest event; skipped states are
expected, but every subscriber must end with the newest one.

A subscriber that has no stream open after about 3/5 of -duration counts
as failed, leaving time to publish. Exit status: 0 when every subscriber
connected and got every update of its topic exactly once, 1 when not (the
errors are listed), 2 for bad flags. Only loopback addresses are accepted
and dialed. Everything stops by itself within -duration; workers die with
the parent.

Example, against "scoreboard serve" with JWT_KEY=secret:
  loadtest -hub http://127.0.0.1:8080/.well-known/mercure -jwt-key secret \
           -subscribers 15000 -topics 10 -publish 100

Flags:
`

// usageError is a bad command line or configuration: exit status 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, spawnProcess)
	stop()
	os.Exit(code)
}

// run is the whole program; it returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, spawn spawnFunc) int {
	c, opts, err := parseArgs(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return 2
	}
	if opts.worker {
		if err := workerMain(stdin, stdout); err != nil {
			fmt.Fprintf(stderr, "loadtest: %v\n", err)
			return 1
		}
		return 0
	}
	rep, err := Run(ctx, c, spawn, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		var u *usageError
		if errors.As(err, &u) {
			return 2
		}
		return 1
	}
	if opts.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		rep.print(stdout)
	}
	if !rep.OK {
		return 1
	}
	return 0
}

// options are the flags that are not part of Config.
type options struct {
	json, worker bool
}

// parseArgs parses the command line; flag.ErrHelp after printing the
// usage for -h.
func parseArgs(args []string, stdout io.Writer) (Config, options, error) {
	var c Config
	var o options
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.Hub, "hub", defaultHub, "the hub's URL, or several instances' separated by commas (subscribers and publishes go round-robin); loopback hosts only")
	fs.StringVar(&c.Metrics, "metrics", "", "the servers' Prometheus endpoints, one per hub, separated by commas (default: /metrics on each hub's origin)")
	fs.IntVar(&c.Subscribers, "subscribers", 1000, "SSE subscribers to connect")
	fs.IntVar(&c.Topics, "topics", 10, "topics the subscribers are spread over")
	fs.StringVar(&c.TopicBase, "topic-base", "https://example.org/matches/", "topic names: this followed by 1..K")
	fs.IntVar(&c.Publish, "publish", 100, "updates to publish once all are connected")
	fs.Float64Var(&c.Rate, "rate", 0, "updates per second (0: as fast as the hub accepts them, one at a time)")
	fs.StringVar(&c.JWTKey, "jwt-key", "", "HS256 secret to sign the publisher token with (the hub's JWT_KEY)")
	fs.StringVar(&c.Token, "token", "", "publisher JWT to use instead of signing one")
	fs.IntVar(&c.Workers, "workers", 0, "worker processes (0: as few as the open-file limit allows)")
	fs.IntVar(&c.Readers, "readers", 1, "goroutines per worker reading its streams, each from its own epoll (Linux)")
	fs.DurationVar(&c.Duration, "duration", 2*time.Minute, "hard bound on the whole run")
	fs.DurationVar(&c.Drain, "drain", 10*time.Second, "how long to wait after the last publish for deliveries still on their way")
	fs.Float64Var(&c.ConnectRate, "connect-rate", 0, "connections per second over all workers (0: as fast as possible)")
	fs.Float64Var(&c.Freeze, "freeze", 0, "share of the subscribers (such as 0.05) held by worker processes stopped with SIGSTOP while publishing; their losses are expected")
	fs.DurationVar(&c.Hold, "hold", 0, "keep every subscriber connected this long, the updates spread over it (such as 10m)")
	fs.DurationVar(&c.Heartbeat, "heartbeat", 15*time.Second, "the hub's heartbeat (HEARTBEAT_INTERVAL): a stream silent for over twice as long missed one")
	fs.Int64Var(&c.BurstMatch, "burst-match", 0, "post -publish events to this match through the scoring API at -rate, subscribe to its topic, and measure staleness")
	fs.StringVar(&c.APIToken, "api-token", "", "API token for -burst-match (scoreboard token api), of an admin or the match's scorer")
	fs.IntVar(&c.Size, "size", 0, "pad each update's data to about this many bytes (0: about 70)")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.BoolVar(&o.worker, workerFlag, false, "") // hidden: the worker process
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(fs, stdout)
		}
		return c, o, err
	}
	if fs.NArg() > 0 {
		return c, o, fmt.Errorf("unexpected argument %q; run loadtest -h", fs.Arg(0))
	}
	return c, o, nil
}

// printUsage prints the help, without the hidden worker flag.
func printUsage(fs *flag.FlagSet, w io.Writer) {
	io.WriteString(w, usageText)
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == workerFlag {
			return
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "  -%s\n    \t%s%s\n", f.Name, f.Usage, def)
	})
}
