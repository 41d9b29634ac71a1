-- +goose Up

-- Whether an update may coalesce (hub.Update.Coalesce: a match's update,
-- which carries the match's whole state, supersedes the one before it for
-- a subscriber that is behind), stored so that an update read back from
-- the history coalesces as it did when it was committed. Updates stored
-- before this column coalesce no more: they are replayed in full.
ALTER TABLE hub_updates ADD COLUMN coalescing INTEGER NOT NULL DEFAULT 0;
