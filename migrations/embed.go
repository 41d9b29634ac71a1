// Package migrations holds the SQL migrations of each database, one folder
// per database, embedded in the binary so that `scoreboard serve` and
// `scoreboard migrate` apply them with goose. Migrations only go forward:
// never edit one that has shipped, add the next number.
package migrations

import "embed"

// SQLite holds the embedded store's migrations under "sqlite/"
// (fs.Sub(SQLite, "sqlite") gives goose the folder).
//
//go:embed sqlite/*.sql
var SQLite embed.FS

// Postgres holds the PostgreSQL migrations under "postgres/".
//
//go:embed postgres/*.sql
var Postgres embed.FS
