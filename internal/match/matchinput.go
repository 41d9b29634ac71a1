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
	if in.Sport == "" {
		return Errorf(EINVALID, "sport is required; choose one of: %s", SportKeys())
	}
	if _, ok := SportByKey(in.Sport); !ok {
		return Errorf(EINVALID, "unknown sport %q; choose one of: %s", in.Sport, SportKeys())
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

func (t Team) validate(side string) error {
	if err := checkLen(side+" team name", t.Name, maxTeamNameLen, true); err != nil {
		return err
	}
	if err := checkLen(side+" short name", t.ShortName, maxShortNameLen, true); err != nil {
		return err
	}
	if !colorRe.MatchString(t.Color) {
		return Errorf(EINVALID, "%s colour %q is not a colour like #1d4ed8 (# and six hex digits)", side, t.Color)
	}
	return nil
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
		Competition: in.Competition, Sport: in.Sport, Home: in.Home, Away: in.Away,
		KickOff: in.KickOff, TimeZone: in.TimeZone, Venue: in.Venue,
		Status: StatusScheduled, CreatedAt: now,
	}, nil
}
