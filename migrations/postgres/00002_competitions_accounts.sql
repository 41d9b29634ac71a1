-- +goose Up

-- Competitions and teams as stored entities, links from matches to them,
-- the id of the hub update that published each match's state, who may
-- score which match, browser sessions, API tokens and the first run's
-- setup token. Matches made before keep their free-text competition and
-- inline teams: their ids stay NULL.
CREATE TABLE competitions (
    id         bigserial PRIMARY KEY,
    slug       text NOT NULL,
    name       text NOT NULL,
    sport      text NOT NULL,
    season     text NOT NULL,
    archived   boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT competitions_slug_key UNIQUE (slug)
);

CREATE TABLE teams (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL,
    short_name text NOT NULL,
    color      text NOT NULL,
    crest_url  text NOT NULL DEFAULT '',
    archived   boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The competitions a team plays in.
CREATE TABLE team_competitions (
    team_id        bigint NOT NULL REFERENCES teams (id),
    competition_id bigint NOT NULL REFERENCES competitions (id),
    PRIMARY KEY (team_id, competition_id)
);

CREATE INDEX team_competitions_competition ON team_competitions (competition_id, team_id);

ALTER TABLE matches
    ADD COLUMN competition_id bigint REFERENCES competitions (id),
    ADD COLUMN home_team_id   bigint REFERENCES teams (id),
    ADD COLUMN away_team_id   bigint REFERENCES teams (id),
    ADD COLUMN home_crest_url text NOT NULL DEFAULT '',
    ADD COLUMN away_crest_url text NOT NULL DEFAULT '',
    -- The id of the hub update that published the stored state; '' for a
    -- match made before updates were linked to states.
    ADD COLUMN update_id      text NOT NULL DEFAULT '';

CREATE INDEX matches_competition ON matches (competition_id, kick_off);
CREATE INDEX matches_home_team ON matches (home_team_id, kick_off);
CREATE INDEX matches_away_team ON matches (away_team_id, kick_off);

CREATE TABLE match_scorers (
    match_id bigint NOT NULL REFERENCES matches (id),
    user_id  bigint NOT NULL REFERENCES users (id),
    PRIMARY KEY (match_id, user_id)
);

CREATE INDEX match_scorers_user ON match_scorers (user_id, match_id);

-- id is the hex SHA-256 of the cookie's secret: a copy of the database logs
-- nobody in.
CREATE TABLE sessions (
    id          text PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    user_agent  text NOT NULL,
    remote_addr text NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id         text PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id),
    name       text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz
);

CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE setup_tokens (
    hash       text PRIMARY KEY,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
