package match

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

// TeamProfile is a team as a league admin keeps it: entered once, in the
// competitions it plays in, and picked for each of its matches (which copy
// its name, short name, colour and crest as they are then).
type TeamProfile struct {
	ID int64 `json:"id"`
	Team
	// CompetitionIDs are the competitions the team plays in, in ascending
	// order; never nil.
	CompetitionIDs []int64   `json:"competition_ids"`
	Archived       bool      `json:"archived"`
	CreatedAt      time.Time `json:"created_at"`
}

// TeamInput is what a user gives to create a team, or to replace one's
// fields. ShortName and Color may be empty: Normalize fills them in.
type TeamInput struct {
	Team
	CompetitionIDs []int64 `json:"competition_ids"`
}

// TeamPatch changes some fields of a team; nil leaves a field as it is.
type TeamPatch struct {
	Name           *string  `json:"name,omitempty"`
	ShortName      *string  `json:"short_name,omitempty"`
	Color          *string  `json:"color,omitempty"`
	CrestURL       *string  `json:"crest_url,omitempty"`
	CompetitionIDs *[]int64 `json:"competition_ids,omitempty"`
	Archived       *bool    `json:"archived,omitempty"`
}

// maxCrestURLLen bounds a crest's URL, in bytes.
const maxCrestURLLen = 500

// maxTeamCompetitions bounds how many competitions one team plays in.
const maxTeamCompetitions = 100

// Normalize returns in tidied for storage, as a match's team is (see
// MatchInput.Normalize), with its competitions sorted and unique. A team
// with no colour gets the home colour.
func (in TeamInput) Normalize() TeamInput {
	in.Team = in.Team.normalize(DefaultHomeColor)
	ids := slices.Clone(in.CompetitionIDs)
	slices.Sort(ids)
	in.CompetitionIDs = slices.Compact(ids)
	if in.CompetitionIDs == nil {
		in.CompetitionIDs = []int64{}
	}
	return in
}

// Validate checks a team, in its normalized form. It does not check that
// its competitions exist: the store does (ENOTFOUND). Returns EINVALID.
func (in TeamInput) Validate() error {
	in = in.Normalize()
	if err := in.Team.validate(""); err != nil {
		return err
	}
	if len(in.CompetitionIDs) > maxTeamCompetitions {
		return Errorf(EINVALID, "a team plays in at most %d competitions, got %d", maxTeamCompetitions, len(in.CompetitionIDs))
	}
	for _, id := range in.CompetitionIDs {
		if id <= 0 {
			return Errorf(EINVALID, "competition id %d is not an id; ids are positive", id)
		}
	}
	return nil
}

// checkCrestURL accepts "" (no crest) or an absolute http or https URL.
func checkCrestURL(label, raw string) error {
	if raw == "" {
		return nil
	}
	if len(raw) > maxCrestURLLen {
		return Errorf(EINVALID, "%s is %d bytes long; the most is %d", label, len(raw), maxCrestURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return Errorf(EINVALID, "%s %q is not an absolute http or https URL", label, raw)
	}
	return nil
}

// NewTeam validates in and returns the team to store, created at now;
// stores give it its ID. Returns EINVALID.
func NewTeam(in TeamInput, now time.Time) (TeamProfile, error) {
	if err := in.Validate(); err != nil {
		return TeamProfile{}, err
	}
	in = in.Normalize()
	return TeamProfile{Team: in.Team, CompetitionIDs: in.CompetitionIDs, CreatedAt: now}, nil
}

// Apply returns t with p's fields changed, validated. Returns EINVALID.
func (t TeamProfile) Apply(p TeamPatch) (TeamProfile, error) {
	in := TeamInput{Team: t.Team, CompetitionIDs: t.CompetitionIDs}
	for _, f := range []struct {
		field *string
		dst   *string
	}{{p.Name, &in.Name}, {p.ShortName, &in.ShortName}, {p.Color, &in.Color}, {p.CrestURL, &in.CrestURL}} {
		if f.field != nil {
			*f.dst = *f.field
		}
	}
	if p.CompetitionIDs != nil {
		in.CompetitionIDs = *p.CompetitionIDs
	}
	if err := in.Validate(); err != nil {
		return TeamProfile{}, err
	}
	in = in.Normalize()
	t.Team, t.CompetitionIDs = in.Team, in.CompetitionIDs
	if p.Archived != nil {
		t.Archived = *p.Archived
	}
	return t, nil
}

// Resolve returns in with the names of the stored competition and teams its
// ids name (nil where in gives no id): the competition's name and sport
// (a sport given as well must agree), and each team's name, short name,
// colour and crest. was is the match as it is before an edit (zero for a
// new one): a team link it already has keeps the match's copy of the team,
// as it was made, while a new link must
// be to a competition and teams not archived, and to teams that play in
// the competition. Returns EINVALID.
func (in MatchInput) Resolve(was Match, c *Competition, home, away *TeamProfile) (MatchInput, error) {
	if c != nil {
		if c.Archived && c.ID != was.CompetitionID {
			return MatchInput{}, Errorf(EINVALID, "competition %q is archived; unarchive it to add matches", c.Slug)
		}
		sport := strings.ToLower(strings.TrimSpace(in.Sport))
		if sport != "" && sport != c.Sport {
			return MatchInput{}, Errorf(EINVALID, "sport %q differs from the sport of competition %q, %s; leave sport out", in.Sport, c.Slug, c.Sport)
		}
		in.CompetitionID, in.Competition, in.Sport = c.ID, c.Name, c.Sport
	}
	for _, side := range []struct {
		name string
		t    *TeamProfile
		dst  *Team
		id   *int64
		was  int64
	}{{"home", home, &in.Home, &in.HomeTeamID, was.HomeTeamID}, {"away", away, &in.Away, &in.AwayTeamID, was.AwayTeamID}} {
		if side.t == nil {
			continue
		}
		if side.t.ID == side.was && (c == nil || c.ID == was.CompetitionID) {
			continue // the match keeps its copy of the team, as it was made
		}
		if side.t.Archived {
			return MatchInput{}, Errorf(EINVALID, "%s team %q (id %d) is archived; unarchive it to add matches", side.name, side.t.Name, side.t.ID)
		}
		if c != nil && !slices.Contains(side.t.CompetitionIDs, c.ID) {
			return MatchInput{}, Errorf(EINVALID, "%s team %q (id %d) does not play in competition %q; add the competition to the team first", side.name, side.t.Name, side.t.ID, c.Slug)
		}
		*side.dst, *side.id = side.t.Team, side.t.ID
	}
	return in, nil
}
