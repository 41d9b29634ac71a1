package migrations

import "embed"

// Postgres holds the PostgreSQL migrations (goose SQL files, under
// postgres/), applied by internal/postgres.
//
//go:embed postgres/*.sql
var Postgres embed.FS
