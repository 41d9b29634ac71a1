package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/internal/web"
)

const (
	tokenHubSynopsis = "scoreboard token hub --publish SEL... [--subscribe SEL...] [--ttl D]"
	tokenAPISynopsis = "scoreboard token api --email E [--ttl D] [--name N]"
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, " ") }

func (l *listFlag) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// tokenCmd runs `scoreboard token hub` and `scoreboard token api`.
func tokenCmd(ctx context.Context, c config, logger *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "hub":
			return tokenHubCmd(ctx, c, logger, args[1:], stdout, stderr)
		case "api":
			return tokenAPICmd(ctx, c, logger, args[1:], stdout, stderr)
		}
	}
	return usageErrorf("token needs a sub-command, hub or api; usage: %s, or %s", tokenHubSynopsis, tokenAPISynopsis)
}

// tokenAPICmd runs `scoreboard token api`: it prints a bearer token for
// the JSON API acting as the user with --email, stored so that it can be
// listed and revoked (GET and DELETE /api/v1/tokens). Only the token goes
// to stdout, so that TOKEN=$(scoreboard token api …) works; what it is
// goes to stderr.
func tokenAPICmd(ctx context.Context, c config, logger *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token api", flag.ContinueOnError)
	email := fs.String("email", "", "the email of the user the token acts as")
	ttl := fs.Duration("ttl", 0, "how long the token works, such as 24h or 720h; 0 means until it is revoked")
	name := fs.String("name", "scoreboard token api", "what the token is for, shown when tokens are listed")
	if help, err := parseFlags(fs, args, tokenAPISynopsis, stdout); help || err != nil {
		return err
	}
	if strings.TrimSpace(*email) == "" {
		return usageErrorf("--email is required; usage: %s", tokenAPISynopsis)
	}
	if *ttl < 0 {
		return usageErrorf("--ttl must not be negative, got %s", *ttl)
	}

	db, err := openStore(ctx, c, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	key, err := apiKey(ctx, db)
	if err != nil {
		return err
	}
	u, err := db.UserByEmail(ctx, *email)
	if match.ErrorCode(err) == match.ENOTFOUND {
		return usageErrorf("token api: %s; create the user first with scoreboard user add", match.ErrorMessage(err))
	}
	if err != nil {
		return fmt.Errorf("token api: %w", err)
	}
	tok, rec, err := web.IssueAPIToken(ctx, db, key, u, *name, *ttl)
	if match.ErrorCode(err) == match.EINVALID {
		return usageErrorf("token api: %s", match.ErrorMessage(err))
	}
	if err != nil {
		return fmt.Errorf("token api: %w", err)
	}
	until := "until it is revoked"
	if rec.ExpiresAt != nil {
		until = "until " + rec.ExpiresAt.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(stderr, "API token %s acts as %s %s, %s; revoke it with DELETE /api/v1/tokens/%s\n", rec.ID, u.Role, u.Email, until, rec.ID)
	_, err = fmt.Fprintln(stdout, tok)
	return err
}

// tokenHubCmd runs `scoreboard token hub`: it prints a Mercure JWT that
// the hub accepts, as a user of the reference hub would make by hand.
func tokenHubCmd(ctx context.Context, c config, logger *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token hub", flag.ContinueOnError)
	var publish, subscribe listFlag
	fs.Var(&publish, "publish", "a topic selector the token may publish to (repeatable; * for all)")
	fs.Var(&subscribe, "subscribe", "a topic selector whose private updates the token may receive (repeatable)")
	ttl := fs.Duration("ttl", 0, "how long the token is valid, such as 1h or 720h; 0 means it never expires")
	if help, err := parseFlags(fs, args, tokenHubSynopsis, stdout); help || err != nil {
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
