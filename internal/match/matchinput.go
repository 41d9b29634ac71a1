package match

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on a match's text fields, in characters.
const (
	maxCompetitionLen = 100
	maxTeamNameLen    = 60
	maxShortNameLen   = 5
	maxVenueLen       = 120
	maxTimeZoneLen    = 64
)

// Default team colours, filled in by Normalize when none is given.
const (
	DefaultHomeColor = "#1d4ed8"
	DefaultAwayColor = "#b91c1c"
)

var colorRe = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// Normalize returns in tidied for storage: text trimmed, the sport key and
// colours lower-cased, and defaults filled in where a field is empty — a
// short name derived from the team's name (its initials when it has three
// words or more, else its first three letters, upper-cased), the default
// colours, and UTC for the time zone. Validate checks the normalized form,
// so a store should store in.Normalize() after in.Validate() succeeds.
func (in MatchInput) Normalize() MatchInput {
	in.Competition = strings.TrimSpace(in.Competition)
	in.Sport = strings.ToLower(strings.TrimSpace(in.Sport))
	in.Home = in.Home.normalize(DefaultHomeColor)
	in.Away = in.Away.normalize(DefaultAwayColor)
	in.TimeZone = strings.TrimSpace(in.TimeZone)
	if in.TimeZone == "" {
		in.TimeZone = "UTC"
	}
	in.Venue = strings.TrimSpace(in.Venue)
	return in
}

func (t Team) normalize(color string) Team {
	t.Name = strings.TrimSpace(t.Name)
	t.ShortName = strings.ToUpper(strings.TrimSpace(t.ShortName))
	if t.ShortName == "" {
		t.ShortName = ShortName(t.Name)
	}
	t.Color = strings.ToLower(strings.TrimSpace(t.Color))
	if t.Color == "" {
		t.Color = color
	}
	t.CrestURL = strings.TrimSpace(t.CrestURL)
	return t
}

// ShortName derives a team's short name from its name: the initials of its
// first three words when it has three or more, else its first three
// letters or digits, upper-cased ("Paris Saint Germain" → "PSG",
// "Arsenal" → "ARS").
func ShortName(name string) string {
	words := strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var b strings.Builder
	if len(words) >= 3 {
		for _, w := range words[:3] {
			r, _ := utf8.DecodeRuneInString(w)
			b.WriteRune(r)
		}
		return strings.ToUpper(b.String())
	}
	n := 0
	for _, r := range strings.Join(words, "") {
		if n == 3 {
			break
		}
		b.WriteRune(r)
		n++
	}
	return strings.ToUpper(b.String())
}

// Validate checks a match before it is stored, in its normalized form (see
// Normalize). Returns EINVALID naming the first field to fix.
func (in MatchInput) Validate() error {
	in = in.Normalize()
	if err := checkLen("competition", in.Competition, maxCompetitionLen, true); err != nil {
		return err
	}
	if err := checkSport(in.Sport); err != nil {
		return err
	}
	for _, id := range []struct {
		name  string
		value int64
	}{{"competition_id", in.CompetitionID}, {"home_team_id", in.HomeTeamID}, {"away_team_id", in.AwayTeamID}} {
		if id.value < 0 {
			return Errorf(EINVALID, "%s %d is not an id; ids are positive", id.name, id.value)
		}
	}
	if in.HomeTeamID != 0 && in.HomeTeamID == in.AwayTeamID {
		return Errorf(EINVALID, "home_team_id and away_team_id are both %d; a match needs two different teams", in.HomeTeamID)
	}
	if err := in.Home.validate("home"); err != nil {
		return err
	}
	if err := in.Away.validate("away"); err != nil {
		return err
	}
	if strings.EqualFold(in.Home.Name, in.Away.Name) {
		return Errorf(EINVALID, "home and away teams are both %q; a match needs two different teams", in.Home.Name)
	}
	if in.KickOff.IsZero() {
		return Errorf(EINVALID, "kick_off is required: the date and time the match starts")
	}
	if err := checkLen("time_zone", in.TimeZone, maxTimeZoneLen, true); err != nil {
		return err
	}
	if _, err := time.LoadLocation(in.TimeZone); err != nil || strings.EqualFold(in.TimeZone, "local") {
		return Errorf(EINVALID, "unknown time zone %q; use an IANA name such as Europe/Paris or UTC", in.TimeZone)
	}
	return checkLen("venue", in.Venue, maxVenueLen, false)
}

// validate checks a team; side is "home" or "away" for a match's team, ""
// for a stored team, and starts every message.
func (t Team) validate(side string) error {
	name := side + " team name"
	if side == "" {
		name = "name"
	}
	label := func(field string) string { return strings.TrimSpace(side + " " + field) }
	if err := checkLen(name, t.Name, maxTeamNameLen, true); err != nil {
		return err
	}
	if err := checkLen(label("short name"), t.ShortName, maxShortNameLen, true); err != nil {
		return err
	}
	if !colorRe.MatchString(t.Color) {
		return Errorf(EINVALID, "%s %q is not a colour like #1d4ed8 (# and six hex digits)", label("colour"), t.Color)
	}
	return checkCrestURL(label("crest_url"), t.CrestURL)
}

func checkLen(name, value string, maxLen int, required bool) error {
	n := utf8.RuneCountInString(value)
	switch {
	case required && n == 0:
		return Errorf(EINVALID, "%s is required", name)
	case n > maxLen:
		return Errorf(EINVALID, "%s is %d characters long; the most is %d", name, n, maxLen)
	}
	return nil
}

// NewMatch validates in and returns the scheduled match it describes, in
// normalized form, created at now; stores give it its ID. Returns EINVALID.
func NewMatch(in MatchInput, now time.Time) (Match, error) {
	if err := in.Validate(); err != nil {
		return Match{}, err
	}
	in = in.Normalize()
	return Match{
		Competition: in.Competition, CompetitionID: in.CompetitionID,
		HomeTeamID: in.HomeTeamID, AwayTeamID: in.AwayTeamID,
		Sport: in.Sport, Home: in.Home, Away: in.Away,
		KickOff: in.KickOff, TimeZone: in.TimeZone, Venue: in.Venue,
		Status: StatusScheduled, CreatedAt: now,
	}, nil
}

// MatchPatch changes some fields of a match; nil leaves a field as it is.
// Its status moves only through events (postpone, cancel, match_end).
type MatchPatch struct {
	Competition   *string    `json:"competition,omitempty"`
	CompetitionID *int64     `json:"competition_id,omitempty"`
	Sport         *string    `json:"sport,omitempty"`
	Home          *Team      `json:"home,omitempty"`
	HomeTeamID    *int64     `json:"home_team_id,omitempty"`
	Away          *Team      `json:"away,omitempty"`
	AwayTeamID    *int64     `json:"away_team_id,omitempty"`
	KickOff       *time.Time `json:"kick_off,omitempty"`
	TimeZone      *string    `json:"time_zone,omitempty"`
	Venue         *string    `json:"venue,omitempty"`
}

// Input returns the input that makes m as it is.
func (m Match) Input() MatchInput {
	return MatchInput{
		Competition: m.Competition, CompetitionID: m.CompetitionID, Sport: m.Sport,
		Home: m.Home, HomeTeamID: m.HomeTeamID, Away: m.Away, AwayTeamID: m.AwayTeamID,
		KickOff: m.KickOff, TimeZone: m.TimeZone, Venue: m.Venue,
	}
}

// Apply returns in with p's fields changed. A team typed in by hand
// unlinks the stored team it replaces, and so does a competition's name.
func (in MatchInput) Apply(p MatchPatch) MatchInput {
	if p.Competition != nil {
		in.Competition, in.CompetitionID = *p.Competition, 0
	}
	if p.CompetitionID != nil {
		in.CompetitionID = *p.CompetitionID
	}
	if p.Sport != nil {
		in.Sport = *p.Sport
	}
	if p.Home != nil {
		in.Home, in.HomeTeamID = *p.Home, 0
	}
	if p.HomeTeamID != nil {
		in.HomeTeamID = *p.HomeTeamID
	}
	if p.Away != nil {
		in.Away, in.AwayTeamID = *p.Away, 0
	}
	if p.AwayTeamID != nil {
		in.AwayTeamID = *p.AwayTeamID
	}
	if p.KickOff != nil {
		in.KickOff = *p.KickOff
	}
	if p.TimeZone != nil {
		in.TimeZone = *p.TimeZone
	}
	if p.Venue != nil {
		in.Venue = *p.Venue
	}
	return in
}

// Edit returns m with the fields of in (validated and normalized; its ids
// resolved, see Resolve) and the state m's log folds to with them: the
// teams' names and colours are part of the state. The sport cannot change
// once the log has events, which were checked against its rules. Returns
// EINVALID.
func Edit(m Match, log []Event, in MatchInput) (Match, State, error) {
	return edit(m, len(log) > 0, in, func(e Match) State { return Fold(e, log) })
}

// edit is Edit for a log that has events or not and folds with fold.
func edit(m Match, events bool, in MatchInput, fold func(Match) State) (Match, State, error) {
	e, err := NewMatch(in, m.CreatedAt)
	if err != nil {
		return Match{}, State{}, err
	}
	if e.Sport != m.Sport && events {
		return Match{}, State{}, Errorf(EINVALID,
			"match %d has events recorded under the rules of %s; its sport cannot change to %s", m.ID, m.Sport, e.Sport)
	}
	e.ID = m.ID
	st := fold(e)
	e.Status, e.Seq = st.Status, st.Seq
	return e, st, nil
}
