package match

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Store keeps matches, their event logs and their folded state.
// internal/postgres and internal/sqlite implement it, with
// CompetitionStore and AccountStore, and pass the same test suite
// (internal/storetest). Every change to a match's state is written, in the
// same transaction, as the hub update that publishes it on the match's
// topic (EncodeUpdate), whose id the stored state carries (State.UpdateID).
type Store interface {
	// CreateMatch validates in and stores a new scheduled match, with its
	// state and the hub update publishing it. in's ids must name a stored
	// competition and teams, already resolved (MatchInput.Resolve).
	// Returns EINVALID, ENOTFOUND (a competition or team id).
	CreateMatch(ctx context.Context, in MatchInput) (Match, error)
	// CreateMatches stores every match of ins, or none: a season's
	// fixtures imported at once. Returns EINVALID or ENOTFOUND naming the
	// first bad input by its 1-based index ("fixture 3: …").
	CreateMatches(ctx context.Context, ins []MatchInput) ([]Match, error)
	// EditMatch replaces a match's fields (not its log) with in (see
	// Edit), stores the state its log folds to and publishes it. Returns
	// EINVALID, ENOTFOUND.
	EditMatch(ctx context.Context, id int64, in MatchInput) (Match, State, error)
	// Match returns one match. Returns ENOTFOUND.
	Match(ctx context.Context, id int64) (Match, error)
	// Matches returns the matches that pass the filter, by kick-off time
	// then id. Returns EINVALID (see MatchFilter.Validate).
	Matches(ctx context.Context, f MatchFilter) ([]Match, error)
	// State returns the match's current public state (the fold of its log)
	// with the id of the update that published it. Returns ENOTFOUND.
	State(ctx context.Context, id int64) (State, error)
	// Summaries returns the current compact state of each match of ids
	// that exists (those that do not are left out): what a list of
	// matches shows, read at once and without the timelines.
	Summaries(ctx context.Context, ids []int64) (map[int64]Summary, error)
	// Events returns the match's log after seq since (0: the whole log),
	// voided events included, in sequence order: a client that polls for
	// what is new reads only that. Returns ENOTFOUND.
	Events(ctx context.Context, id, since int64) ([]Event, error)
	// AppendEvent validates in against the match's current state (see
	// Record) and, in one transaction, appends the event, stores the new
	// state and writes the hub update that publishes it. A retry with an
	// idempotency key already used for the same request returns the original
	// event and the current state, with Appended.Retry set; with a different
	// request it returns ECONFLICT. Returns EINVALID, ENOTFOUND, ECONFLICT.
	AppendEvent(ctx context.Context, id int64, in NewEvent) (Appended, error)

	// CreateUser stores a user. Returns EINVALID, ECONFLICT (email taken).
	CreateUser(ctx context.Context, in UserInput) (User, error)
	// UserByEmail returns one user. Returns ENOTFOUND.
	UserByEmail(ctx context.Context, email string) (User, error)
}

// CompetitionStore keeps competitions and the teams that play in them.
type CompetitionStore interface {
	// CreateCompetition validates in and stores it. Returns EINVALID,
	// ECONFLICT (slug taken).
	CreateCompetition(ctx context.Context, in CompetitionInput) (Competition, error)
	// Competition returns one competition. Returns ENOTFOUND.
	Competition(ctx context.Context, id int64) (Competition, error)
	// CompetitionBySlug returns one competition. Returns ENOTFOUND.
	CompetitionBySlug(ctx context.Context, slug string) (Competition, error)
	// Competitions returns competitions by name then id, archived ones only
	// when asked.
	Competitions(ctx context.Context, includeArchived bool) ([]Competition, error)
	// UpdateCompetition stores c's name, season, slug and archived flag
	// (see Competition.Apply), validated again. Returns EINVALID,
	// ENOTFOUND, ECONFLICT (slug taken).
	UpdateCompetition(ctx context.Context, c Competition) (Competition, error)

	// CreateTeam validates in and stores it. Returns EINVALID, ENOTFOUND
	// (a competition id).
	CreateTeam(ctx context.Context, in TeamInput) (TeamProfile, error)
	// Team returns one team. Returns ENOTFOUND.
	Team(ctx context.Context, id int64) (TeamProfile, error)
	// Teams returns the teams that pass the filter, by name then id.
	Teams(ctx context.Context, f TeamFilter) ([]TeamProfile, error)
	// UpdateTeam stores t's fields and competitions (see TeamProfile.Apply),
	// validated again. Matches already made keep the copy of the team they
	// were made with. Returns EINVALID, ENOTFOUND (the team or a
	// competition).
	UpdateTeam(ctx context.Context, t TeamProfile) (TeamProfile, error)
}

// TeamFilter narrows Teams. The zero value lists every team not archived.
type TeamFilter struct {
	CompetitionID   int64 // teams of this competition; 0 means all
	IncludeArchived bool
}

// AccountStore keeps users, who may score which match, browser sessions,
// API tokens and the first run's setup token.
type AccountStore interface {
	// User returns one user. Returns ENOTFOUND.
	User(ctx context.Context, id int64) (User, error)
	// Users returns every user by email.
	Users(ctx context.Context) ([]User, error)
	// CountUsers returns how many users exist.
	CountUsers(ctx context.Context) (int, error)
	// SetPasswordHash replaces a user's password hash (HashPassword).
	// Returns ENOTFOUND.
	SetPasswordHash(ctx context.Context, userID int64, hash string) error

	// AssignScorer lets a user record match matchID's events; assigning
	// twice is harmless. Returns ENOTFOUND (the match or the user).
	AssignScorer(ctx context.Context, matchID, userID int64) error
	// UnassignScorer takes that right back; unassigning someone who is not
	// assigned is harmless. Returns ENOTFOUND (the match).
	UnassignScorer(ctx context.Context, matchID, userID int64) error
	// MatchScorers returns the users assigned to a match, by email.
	// Returns ENOTFOUND.
	MatchScorers(ctx context.Context, matchID int64) ([]User, error)
	// IsAssigned reports whether the user is assigned to the match.
	IsAssigned(ctx context.Context, matchID, userID int64) (bool, error)

	// CreateSession stores s and deletes the user's sessions that had
	// expired by s.CreatedAt, so that expired sessions do not pile up.
	// Returns ENOTFOUND (the user), ECONFLICT (the id exists).
	CreateSession(ctx context.Context, s Session) error
	// Session returns the session with id, expired or not. Returns
	// ENOTFOUND.
	Session(ctx context.Context, id string) (Session, error)
	// DeleteSession ends a session; ending one that does not exist is
	// harmless.
	DeleteSession(ctx context.Context, id string) error
	// DeleteUserSessions ends every session of a user but the one whose id
	// is except ("" for none) and returns how many it ended.
	DeleteUserSessions(ctx context.Context, userID int64, except string) (int, error)
	// UserSessions returns a user's sessions, newest first.
	UserSessions(ctx context.Context, userID int64) ([]Session, error)

	// CreateAPIToken stores t. Returns EINVALID (the name), ENOTFOUND (the
	// user), ECONFLICT (the id exists).
	CreateAPIToken(ctx context.Context, t APIToken) error
	// APIToken returns one token. Returns ENOTFOUND.
	APIToken(ctx context.Context, id string) (APIToken, error)
	// APITokens returns the tokens of a user (0: of everyone), newest
	// first, revoked and expired ones included.
	APITokens(ctx context.Context, userID int64) ([]APIToken, error)
	// RevokeAPIToken marks a token revoked at at; revoking it again keeps
	// the first instant. Returns ENOTFOUND.
	RevokeAPIToken(ctx context.Context, id string, at time.Time) (APIToken, error)

	// CreateSetupToken stores the hash of a first-run setup token that is
	// good until expiresAt. Returns ECONFLICT (the hash exists).
	CreateSetupToken(ctx context.Context, hash string, expiresAt time.Time) error
	// CreateFirstAdmin, in one transaction, uses up the setup token whose
	// hash is tokenHash and creates the first user, an admin, from in, at
	// now. Returns EUNAUTHORIZED (no such token, used, or expired),
	// ECONFLICT (a user exists already), EINVALID.
	CreateFirstAdmin(ctx context.Context, tokenHash string, in UserInput, now time.Time) (User, error)
}

// MatchFilter narrows Matches. The zero value lists every match.
type MatchFilter struct {
	Status        []Status // any of these; empty means all
	CompetitionID int64    // 0 means all
	TeamID        int64    // home or away; 0 means all
	ScorerID      int64    // matches assigned to this user; 0 means all
	// From and Before bound the kick-off: From <= kick_off < Before; a
	// zero time leaves that side open.
	From, Before time.Time
	Limit        int // 0 means no limit
	Offset       int // matches to skip, for paging
}

// Validate checks a filter before a store runs it. Returns EINVALID.
func (f MatchFilter) Validate() error {
	if f.Limit < 0 {
		return Errorf(EINVALID, "limit %d is negative; give 0 for no limit or a positive number", f.Limit)
	}
	if f.Offset < 0 {
		return Errorf(EINVALID, "offset %d is negative", f.Offset)
	}
	for _, s := range f.Status {
		if !slices.Contains(Statuses, s) {
			return Errorf(EINVALID, "unknown status %q; use one of %s", s, joinStatuses(Statuses))
		}
	}
	return nil
}

func joinStatuses(ss []Status) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}
