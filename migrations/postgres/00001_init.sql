-- +goose Up

-- A match's fields, and the fold of its event log (state) with its status
-- and seq copied out so that lists need not read the JSON.
CREATE TABLE matches (
    id              bigserial PRIMARY KEY,
    competition     text NOT NULL,
    sport           text NOT NULL,
    home_name       text NOT NULL,
    home_short_name text NOT NULL,
    home_color      text NOT NULL,
    away_name       text NOT NULL,
    away_short_name text NOT NULL,
    away_color      text NOT NULL,
    kick_off        timestamptz NOT NULL,
    time_zone       text NOT NULL,
    venue           text NOT NULL,
    status          text NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'live', 'interval', 'finished', 'postponed', 'cancelled')),
    seq             bigint NOT NULL DEFAULT 0 CHECK (seq >= 0),
    state           jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX matches_kick_off ON matches (kick_off, id);
CREATE INDEX matches_status ON matches (status, kick_off);

-- The append-only log. Rows are never updated or deleted: an undo is a
-- void event. An empty idempotency key is stored as NULL so that it never
-- collides.
CREATE TABLE match_events (
    match_id        bigint NOT NULL REFERENCES matches (id),
    seq             bigint NOT NULL CHECK (seq > 0),
    kind            text NOT NULL,
    detail          jsonb NOT NULL DEFAULT '{}',
    recorded_at     timestamptz NOT NULL,
    clock_ms        bigint NOT NULL,
    recorded_by     text NOT NULL,
    idempotency_key text,
    PRIMARY KEY (match_id, seq),
    UNIQUE (match_id, idempotency_key)
);

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    email         text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'scorer')),
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Emails are unique whatever their case: Ann@x.org and ann@x.org are one
-- person.
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));

-- Keys generated once and kept (the hub's JWT keys, ...).
CREATE TABLE secrets (
    name       text        PRIMARY KEY,
    value      text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The hub's history. seq orders updates; inserts are serialized by an
-- advisory lock held until commit, so a later seq is never visible before
-- an earlier one.
CREATE TABLE hub_updates (
    seq        bigserial PRIMARY KEY,
    id         text NOT NULL UNIQUE,
    topics     text[] NOT NULL CHECK (cardinality(topics) > 0),
    data       text NOT NULL DEFAULT '',
    private    boolean NOT NULL DEFAULT false,
    type       text NOT NULL DEFAULT '',
    retry      bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX hub_updates_created_at ON hub_updates (created_at);
