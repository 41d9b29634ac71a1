package match

import (
	"regexp"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Competition is a league, cup or tournament in one season: what a league
// admin enters once, before the matches of its season. Its Slug is unique
// and names it in URLs (/competitions/{slug}).
type Competition struct {
	ID        int64     `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	Sport     string    `json:"sport"`  // a Sport's Key
	Season    string    `json:"season"` // free text: "2026-27", "2027", "Spring 2027"
	Archived  bool      `json:"archived"`
	CreatedAt time.Time `json:"created_at"`
}

// CompetitionInput is what a user gives to create a competition. Slug may
// be empty: Normalize derives it from the name and season.
type CompetitionInput struct {
	Name   string `json:"name"`
	Sport  string `json:"sport"`
	Season string `json:"season"`
	Slug   string `json:"slug"`
}

// CompetitionPatch changes some fields of a competition; nil leaves a field
// as it is. The sport is fixed once the competition exists: its matches
// were made under that sport's rules.
type CompetitionPatch struct {
	Name     *string `json:"name,omitempty"`
	Season   *string `json:"season,omitempty"`
	Slug     *string `json:"slug,omitempty"`
	Archived *bool   `json:"archived,omitempty"`
}

// Limits on a competition's text fields, in characters.
const (
	maxSeasonLen = 40
	maxSlugLen   = 80
)

var slugRe = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Slugify turns text into a URL slug: lower-case letters and digits
// separated by single hyphens, accents dropped ("Coupe de France
// 2026–27" → "coupe-de-france-2026-27"). Letters with no ASCII form are
// dropped too; the result may be empty.
func Slugify(text string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFKD.String(strings.ToLower(text)) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			hyphen = false
		case unicode.Is(unicode.Mn, r): // a combining accent: drop it
		default:
			hyphen = true
		}
	}
	s := b.String()
	if len(s) > maxSlugLen {
		s = strings.TrimRight(s[:maxSlugLen], "-")
	}
	return s
}

// Normalize returns in tidied for storage: text trimmed, the sport key and
// slug lower-cased, and the slug derived from the name and season when
// empty.
func (in CompetitionInput) Normalize() CompetitionInput {
	in.Name = strings.TrimSpace(in.Name)
	in.Sport = strings.ToLower(strings.TrimSpace(in.Sport))
	in.Season = strings.TrimSpace(in.Season)
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	if in.Slug == "" {
		in.Slug = Slugify(in.Name + " " + in.Season)
	}
	return in
}

// Validate checks a competition, in its normalized form, before it is
// stored. Returns EINVALID naming the field to fix.
func (in CompetitionInput) Validate() error {
	in = in.Normalize()
	if err := checkLen("name", in.Name, maxCompetitionLen, true); err != nil {
		return err
	}
	if err := checkSport(in.Sport); err != nil {
		return err
	}
	if err := checkLen("season", in.Season, maxSeasonLen, false); err != nil {
		return err
	}
	return checkSlug(in.Slug)
}

func checkSport(key string) error {
	if key == "" {
		return Errorf(EINVALID, "sport is required; choose one of: %s", SportKeys())
	}
	if _, ok := SportByKey(key); !ok {
		return Errorf(EINVALID, "unknown sport %q; choose one of: %s", key, SportKeys())
	}
	return nil
}

func checkSlug(slug string) error {
	switch {
	case slug == "":
		return Errorf(EINVALID, "slug is required: lower-case letters, digits and hyphens, such as premier-league-2026-27")
	case len(slug) > maxSlugLen:
		return Errorf(EINVALID, "slug is %d characters long; the most is %d", len(slug), maxSlugLen)
	case !slugRe.MatchString(slug):
		return Errorf(EINVALID, "slug %q may hold only lower-case letters, digits and single hyphens between them, such as premier-league-2026-27", slug)
	}
	return nil
}

// NewCompetition validates in and returns the competition to store, in
// normalized form, created at now; stores give it its ID. Returns EINVALID.
func NewCompetition(in CompetitionInput, now time.Time) (Competition, error) {
	if err := in.Validate(); err != nil {
		return Competition{}, err
	}
	in = in.Normalize()
	return Competition{Slug: in.Slug, Name: in.Name, Sport: in.Sport, Season: in.Season, CreatedAt: now}, nil
}

// Apply returns c with p's fields changed, validated. Returns EINVALID.
func (c Competition) Apply(p CompetitionPatch) (Competition, error) {
	in := CompetitionInput{Name: c.Name, Sport: c.Sport, Season: c.Season, Slug: c.Slug}
	if p.Name != nil {
		in.Name = *p.Name
	}
	if p.Season != nil {
		in.Season = *p.Season
	}
	if p.Slug != nil {
		if strings.TrimSpace(*p.Slug) == "" {
			return Competition{}, Errorf(EINVALID, "slug must not be empty; give one such as premier-league-2026-27, or leave it out to keep %q", c.Slug)
		}
		in.Slug = *p.Slug
	}
	if err := in.Validate(); err != nil {
		return Competition{}, err
	}
	in = in.Normalize()
	c.Name, c.Season, c.Slug = in.Name, in.Season, in.Slug
	if p.Archived != nil {
		c.Archived = *p.Archived
	}
	return c, nil
}
