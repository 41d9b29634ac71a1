package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/scoreboard/scoreboard/internal/hub"
	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/internal/postgres"
	"github.com/scoreboard/scoreboard/internal/sqlite"
	"github.com/scoreboard/scoreboard/internal/web"
)

// store is what the binary needs from a database: the domain's store, the
// hub's history and transport, and migrations. Both internal/sqlite and
// internal/postgres are one.
type store interface {
	match.Store
	match.CompetitionStore
	match.AccountStore
	hub.History
	hub.Transport
	secrets
	Ping(ctx context.Context) error
	Migrate(ctx context.Context) error
	Close() error
}

// secrets keeps values generated once (keys), so that every instance and
// every restart agree on them.
type secrets interface {
	// Secret returns the value stored under name, storing generate()'s
	// result first if there is none; concurrent first calls agree on one
	// value.
	Secret(ctx context.Context, name string, generate func() (string, error)) (string, error)
}

// openStore opens the database DATABASE_URL names and applies the
// migrations it lacks: every sub-command needs its tables (the generated hub
// key lives there too). A database that cannot be opened (an unreachable
// PostgreSQL, a SQLite path that cannot be created) is a configuration
// error: the user must fix DATABASE_URL or the server.
func openStore(ctx context.Context, c config, logger *slog.Logger) (store, error) {
	topic := func(id int64) string { return c.PublicURL + "/matches/" + strconv.FormatInt(id, 10) }
	var s store
	var err error
	switch c.DB.Kind {
	case "sqlite":
		s, err = sqlite.Open(ctx, c.DB.Path, sqlite.Options{MatchTopic: topic, Logger: logger})
	case "postgres":
		s, err = postgres.Open(ctx, c.DB.URL, postgres.Options{MatchTopic: topic, Logger: logger})
	default:
		return nil, usageErrorf("DATABASE_URL: unknown database kind %q", c.DB.Kind)
	}
	if err != nil {
		return nil, &usageError{fmt.Errorf("DATABASE_URL (%s): %w", c.DB, err)}
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("migrate %s: %w", c.DB, err)
	}
	return s, nil
}

// generatedKeySecret names the hub key the binary generates when the
// environment sets none, kept in the database so that every instance and
// every restart (and `scoreboard token hub`) agree on it. One key serves
// both roles, as JWT_KEY does for the reference hub: a token printed with
// --publish and --subscribe then works for both, and two keys kept side by
// side in one database would protect nothing more.
const generatedKeySecret = "hub_jwt_key"

// hubKeys returns the hub's publisher and subscriber keys: those the
// environment sets, else the HS256 secret generated once and kept in db.
func hubKeys(ctx context.Context, c config, db secrets) (hub.Keys, error) {
	keys := c.Hub.Keys
	if keys.Publisher != nil && keys.Subscriber != nil {
		return keys, nil
	}
	generated, err := storedKey(ctx, db, generatedKeySecret)
	if err != nil {
		return hub.Keys{}, err
	}
	if keys.Publisher == nil {
		keys.Publisher = generated
	}
	if keys.Subscriber == nil {
		keys.Subscriber = generated
	}
	return keys, nil
}

func storedKey(ctx context.Context, db secrets, name string) (*hub.Key, error) {
	secret, err := db.Secret(ctx, name, newSecret)
	if err != nil {
		return nil, fmt.Errorf("hub key %s: %w", name, err)
	}
	k, err := hub.NewKey(hub.HS256, secret)
	if err != nil {
		return nil, fmt.Errorf("hub key %s: %w", name, err)
	}
	return k, nil
}

// apiKey returns the key that signs and checks API tokens: generated once
// and kept in db under web.APIKeySecret, so that every instance, every
// restart and `scoreboard token api` agree on it. It is not a hub key: a
// hub token must not act as a user of the API.
func apiKey(ctx context.Context, db secrets) ([]byte, error) {
	secret, err := db.Secret(ctx, web.APIKeySecret, newSecret)
	if err != nil {
		return nil, fmt.Errorf("API token key %s: %w", web.APIKeySecret, err)
	}
	return []byte(secret), nil
}

// newSecret returns 256 random bits, URL-safe base64: an HS256 key as
// strong as the algorithm allows, and a password nobody will guess.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
