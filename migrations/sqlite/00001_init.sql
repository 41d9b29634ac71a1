-- The embedded store's schema. Times are INTEGER microseconds since the Unix
-- epoch (UTC), the precision PostgreSQL keeps, so that both stores return the
-- same instants; JSON columns are TEXT.

-- +goose Up
CREATE TABLE matches (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    competition     TEXT    NOT NULL,
    sport           TEXT    NOT NULL,
    home_name       TEXT    NOT NULL,
    home_short_name TEXT    NOT NULL,
    home_color      TEXT    NOT NULL,
    away_name       TEXT    NOT NULL,
    away_short_name TEXT    NOT NULL,
    away_color      TEXT    NOT NULL,
    kick_off        INTEGER NOT NULL,
    time_zone       TEXT    NOT NULL,
    venue           TEXT    NOT NULL,
    -- status and seq are copied from state so that lists need not fold.
    status          TEXT    NOT NULL,
    seq             INTEGER NOT NULL DEFAULT 0,
    state           TEXT    NOT NULL,
    created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX matches_kick_off ON matches (kick_off, id);
CREATE INDEX matches_status ON matches (status, kick_off);

-- The append-only log: rows are inserted, never updated or deleted.
CREATE TABLE match_events (
    match_id        INTEGER NOT NULL REFERENCES matches (id),
    seq             INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    detail          TEXT    NOT NULL,
    recorded_at     INTEGER NOT NULL,
    clock_ms        INTEGER NOT NULL,
    recorded_by     TEXT    NOT NULL,
    -- NULL when the client gave no key: NULLs never collide.
    idempotency_key TEXT,
    PRIMARY KEY (match_id, seq),
    UNIQUE (match_id, idempotency_key)
) STRICT, WITHOUT ROWID;

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    role          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE secrets (
    name       TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

-- The hub's history. seq orders updates; AUTOINCREMENT so that a seq is never
-- reused after pruning (subscribers resume by it).
CREATE TABLE hub_updates (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    topics     TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    private    INTEGER NOT NULL,
    type       TEXT    NOT NULL,
    retry      INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX hub_updates_created_at ON hub_updates (created_at);
