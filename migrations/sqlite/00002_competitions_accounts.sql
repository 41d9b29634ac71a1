-- Competitions and teams as stored entities, links from matches to them,
-- the id of the hub update that published each match's state, who may
-- score which match, browser sessions, API tokens and the first run's
-- setup token. Times are INTEGER microseconds since the Unix epoch (UTC),
-- as in 00001. Matches made before keep their free-text competition and
-- inline teams: their ids stay NULL.

-- +goose Up
CREATE TABLE competitions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    slug       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    sport      TEXT    NOT NULL,
    season     TEXT    NOT NULL,
    archived   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    short_name TEXT    NOT NULL,
    color      TEXT    NOT NULL,
    crest_url  TEXT    NOT NULL DEFAULT '',
    archived   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;

-- The competitions a team plays in.
CREATE TABLE team_competitions (
    team_id        INTEGER NOT NULL REFERENCES teams (id),
    competition_id INTEGER NOT NULL REFERENCES competitions (id),
    PRIMARY KEY (team_id, competition_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX team_competitions_competition ON team_competitions (competition_id, team_id);

ALTER TABLE matches ADD COLUMN competition_id INTEGER REFERENCES competitions (id);
ALTER TABLE matches ADD COLUMN home_team_id INTEGER REFERENCES teams (id);
ALTER TABLE matches ADD COLUMN away_team_id INTEGER REFERENCES teams (id);
ALTER TABLE matches ADD COLUMN home_crest_url TEXT NOT NULL DEFAULT '';
ALTER TABLE matches ADD COLUMN away_crest_url TEXT NOT NULL DEFAULT '';
-- The id of the hub update that published the stored state; '' for a
-- match made before updates were linked to states.
ALTER TABLE matches ADD COLUMN update_id TEXT NOT NULL DEFAULT '';

CREATE INDEX matches_competition ON matches (competition_id, kick_off);
CREATE INDEX matches_home_team ON matches (home_team_id, kick_off);
CREATE INDEX matches_away_team ON matches (away_team_id, kick_off);

CREATE TABLE match_scorers (
    match_id INTEGER NOT NULL REFERENCES matches (id),
    user_id  INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (match_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX match_scorers_user ON match_scorers (user_id, match_id);

-- id is the hex SHA-256 of the cookie's secret: a copy of the database logs
-- nobody in.
CREATE TABLE sessions (
    id          TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    user_agent  TEXT    NOT NULL,
    remote_addr TEXT    NOT NULL
) STRICT;

CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id         TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
) STRICT;

CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE setup_tokens (
    hash       TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;
