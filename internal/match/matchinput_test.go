package match

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func goodMatch() MatchInput {
	return MatchInput{
		Competition: "Ligue 1", Sport: "football",
		Home:    Team{Name: "Paris Saint-Germain", ShortName: "PSG", Color: "#004170"},
		Away:    Team{Name: "Olympique de Marseille", ShortName: "OM", Color: "#2FAEE0"},
		KickOff: t0, TimeZone: "Europe/Paris", Venue: "Parc des Princes",
	}
}

func TestMatchInputValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(in *MatchInput)
		msg    string // "" when valid
	}{
		{"valid", func(in *MatchInput) {}, ""},
		{"defaults fill the optional fields", func(in *MatchInput) {
			in.Home.ShortName, in.Home.Color, in.Away.ShortName, in.Away.Color, in.TimeZone, in.Venue = "", "", "", "", "", ""
		}, ""},
		{"sport in capitals", func(in *MatchInput) { in.Sport = " Volleyball " }, ""},
		{"no competition", func(in *MatchInput) { in.Competition = "  " }, "competition is required"},
		{"long competition", func(in *MatchInput) { in.Competition = strings.Repeat("é", 101) },
			"competition is 101 characters long; the most is 100"},
		{"no sport", func(in *MatchInput) { in.Sport = "" },
			"sport is required; choose one of: football, basketball, rugby_union, ice_hockey, handball, volleyball"},
		{"unknown sport", func(in *MatchInput) { in.Sport = "cricket" },
			`unknown sport "cricket"; choose one of: football, basketball, rugby_union, ice_hockey, handball, volleyball`},
		{"no home name", func(in *MatchInput) { in.Home.Name = "" }, "home team name is required"},
		{"long away name", func(in *MatchInput) { in.Away.Name = strings.Repeat("a", 61) },
			"away team name is 61 characters long; the most is 60"},
		{"long short name", func(in *MatchInput) { in.Away.ShortName = "MARSEI" },
			"away short name is 6 characters long; the most is 5"},
		{"bad colour", func(in *MatchInput) { in.Home.Color = "blue" },
			`home colour "blue" is not a colour like #1d4ed8 (# and six hex digits)`},
		{"short colour", func(in *MatchInput) { in.Away.Color = "#fff" },
			`away colour "#fff" is not a colour like #1d4ed8 (# and six hex digits)`},
		{"same teams", func(in *MatchInput) { in.Away.Name = "paris saint-germain " },
			`home and away teams are both "Paris Saint-Germain"; a match needs two different teams`},
		{"no kick-off", func(in *MatchInput) { in.KickOff = time.Time{} },
			"kick_off is required: the date and time the match starts"},
		{"unknown time zone", func(in *MatchInput) { in.TimeZone = "Mars/Olympus" },
			`unknown time zone "Mars/Olympus"; use an IANA name such as Europe/Paris or UTC`},
		{"local time zone", func(in *MatchInput) { in.TimeZone = "Local" },
			`unknown time zone "Local"; use an IANA name such as Europe/Paris or UTC`},
		{"long venue", func(in *MatchInput) { in.Venue = strings.Repeat("v", 121) },
			"venue is 121 characters long; the most is 120"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := goodMatch()
			tt.change(&in)
			err := in.Validate()
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			if ErrorCode(err) != EINVALID || ErrorMessage(err) != tt.msg {
				t.Errorf("got %v, want invalid: %s", err, tt.msg)
			}
		})
	}
}

func TestMatchInputNormalize(t *testing.T) {
	t.Parallel()
	in := MatchInput{Competition: " Cup ", Sport: " FOOTBALL",
		Home: Team{Name: " Arsenal ", Color: "#ABCDEF"}, Away: Team{Name: "Paris Saint Germain", ShortName: "psg"},
		KickOff: t0}
	want := MatchInput{Competition: "Cup", Sport: "football",
		Home:    Team{Name: "Arsenal", ShortName: "ARS", Color: "#abcdef"},
		Away:    Team{Name: "Paris Saint Germain", ShortName: "PSG", Color: DefaultAwayColor},
		KickOff: t0, TimeZone: "UTC"}
	if diff := cmp.Diff(want, in.Normalize()); diff != "" {
		t.Errorf("Normalize (-want +got):\n%s", diff)
	}
	if err := in.Validate(); err != nil {
		t.Errorf("Validate of an input that normalizes well: got %v, want nil", err)
	}
}

func TestShortName(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"Arsenal":                "ARS",
		"Paris Saint-Germain":    "PSG",
		"Olympique de Marseille": "ODM",
		"AC Milan":               "ACM",
		"1. FC Köln":             "1FK",
		"Bø":                     "BØ",
		"":                       "",
	}
	for name, want := range tests {
		if got := ShortName(name); got != want {
			t.Errorf("ShortName(%q) = %q, want %q", name, got, want)
		}
	}
}
