package match

import "time"

// Status is where a match stands.
type Status string

// The statuses a match moves through.
const (
	StatusScheduled Status = "scheduled"
	StatusLive      Status = "live"
	StatusInterval  Status = "interval"
	StatusFinished  Status = "finished"
	StatusPostponed Status = "postponed"
	StatusCancelled Status = "cancelled"
)

// Statuses are all the statuses a match can have, in the order it moves
// through them.
var Statuses = []Status{StatusScheduled, StatusLive, StatusInterval, StatusFinished, StatusPostponed, StatusCancelled}

// Side names one of the two teams of a match.
type Side string

// The two sides.
const (
	Home Side = "home"
	Away Side = "away"
)

// Team is one side of a match as it is shown. A match keeps a copy of its
// teams as they were when it was made (or last edited), so that renaming a
// team later does not rewrite the history of its past matches.
type Team struct {
	Name      string `json:"name"`
	ShortName string `json:"short_name"`
	Color     string `json:"color"`               // #rrggbb
	CrestURL  string `json:"crest_url,omitempty"` // an absolute http(s) URL of the team's crest image
}

// Match is a fixture between two teams. Its live state is the fold of its
// event log (State); Status and Seq are copied from that state so that lists
// need not fold.
type Match struct {
	ID          int64  `json:"id"`
	Competition string `json:"competition"`
	// CompetitionID, HomeTeamID and AwayTeamID link the match to the
	// stored competition and teams it was made from; 0 for a match typed in
	// by hand (an integrator's one-off fixture), which has only the names.
	CompetitionID int64     `json:"competition_id,omitempty"`
	HomeTeamID    int64     `json:"home_team_id,omitempty"`
	AwayTeamID    int64     `json:"away_team_id,omitempty"`
	Sport         string    `json:"sport"` // a Sport's Key
	Home          Team      `json:"home"`
	Away          Team      `json:"away"`
	KickOff       time.Time `json:"kick_off"`
	TimeZone      string    `json:"time_zone"` // IANA name, e.g. Europe/Paris
	Venue         string    `json:"venue"`
	Status        Status    `json:"status"`
	Seq           int64     `json:"seq"`
	CreatedAt     time.Time `json:"created_at"`
}

// MatchInput is what a user gives to create a match: either the names
// typed in (Competition, Home, Away) or the ids of a stored competition
// and teams, which Resolve turns into their names.
type MatchInput struct {
	Competition   string    `json:"competition"`
	CompetitionID int64     `json:"competition_id,omitempty"`
	Sport         string    `json:"sport"`
	Home          Team      `json:"home"`
	HomeTeamID    int64     `json:"home_team_id,omitempty"`
	Away          Team      `json:"away"`
	AwayTeamID    int64     `json:"away_team_id,omitempty"`
	KickOff       time.Time `json:"kick_off"`
	TimeZone      string    `json:"time_zone"`
	Venue         string    `json:"venue"`
}
