package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

const tokenHubSynopsis = "scoreboard token hub --publish SEL... [--subscribe SEL...] [--ttl D]"

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, " ") }

func (l *listFlag) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// tokenCmd runs `scoreboard token hub`: it prints a Mercure JWT that the
// hub accepts, as a user of the reference hub would make by hand.
func tokenCmd(ctx context.Context, c config, logger *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "hub" {
		return usageErrorf("token needs a sub-command; usage: %s", tokenHubSynopsis)
	}
	fs := flag.NewFlagSet("token hub", flag.ContinueOnError)
	var publish, subscribe listFlag
	fs.Var(&publish, "publish", "a topic selector the token may publish to (repeatable; * for all)")
	fs.Var(&subscribe, "subscribe", "a topic selector whose private updates the token may receive (repeatable)")
	ttl := fs.Duration("ttl", 0, "how long the token is valid, such as 1h or 720h; 0 means it never expires")
	if help, err := parseFlags(fs, args[1:], tokenHubSynopsis, stdout); help || err != nil {
		return err
	}
	if len(publish) == 0 && len(subscribe) == 0 {
		return usageErrorf("give at least one --publish or --subscribe selector; usage: %s", tokenHubSynopsis)
	}
	if *ttl < 0 {
		return usageErrorf("--ttl must not be negative, got %s", *ttl)
	}

	db, err := openStore(ctx, c, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	keys, err := hubKeys(ctx, c, db)
	if err != nil {
		return err
	}
	// The hub checks a publisher's token with the publisher key and a
	// subscriber's with the subscriber key: sign with the one that matches
	// what the token is for.
	key, role := keys.Publisher, "publisher"
	if len(publish) == 0 {
		key, role = keys.Subscriber, "subscriber"
	}
	if !key.CanSign() {
		return usageErrorf("the hub's %s key is an %s public key: it verifies tokens but cannot sign them; sign tokens with its private key", role, key.Algorithm())
	}
	tok, err := key.Sign(publish, subscribe, *ttl)
	if err != nil {
		return fmt.Errorf("sign token: %w", err)
	}
	if len(publish) > 0 && len(subscribe) > 0 {
		if _, err := keys.Subscriber.Verify(tok); err != nil {
			fmt.Fprintln(stderr, "note: the token is signed with the publisher key, and the hub checks subscribers' tokens with a different key; for private updates make a token with --subscribe alone")
		}
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}
