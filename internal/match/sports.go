package match

const minute = 60 * 1000 // in milliseconds

// registry is every sport, in the order Sports lists them.
var registry = []Sport{football, basketball, rugbyUnion, iceHockey, handball, volleyball}

var football = Sport{
	Key:  "football",
	Name: "Football",
	Periods: PeriodRule{Count: 2, LengthMs: 45 * minute,
		Names: []string{"1st half", "2nd half"}},
	ExtraTime: ExtraTime{Count: 2, LengthMs: 15 * minute,
		Names: []string{"Extra time 1st half", "Extra time 2nd half"}},
	ShootOut: &ShootOut{Name: "Penalty shoot-out"},
	Scores: []ScoreKind{
		{Key: "goal", Name: "Goal", Points: 1},
		{Key: "own_goal", Name: "Own goal", Points: 1, ForOpponent: true},
		{Key: "penalty_goal", Name: "Penalty goal", Points: 1},
	},
	Cards: []CardKind{
		{Key: "yellow", Name: "Yellow card"},
		{Key: "second_yellow", Name: "Second yellow card"},
		{Key: "red", Name: "Red card"},
	},
	Clock: ClockRule{Timed: true},
	Draws: true,
}

var basketball = Sport{
	Key:  "basketball",
	Name: "Basketball",
	Periods: PeriodRule{Count: 4, LengthMs: 10 * minute,
		Names: []string{"Q1", "Q2", "Q3", "Q4"}},
	ExtraTime: ExtraTime{Unlimited: true, LengthMs: 5 * minute, Prefix: "OT"},
	Scores: []ScoreKind{
		{Key: "free_throw", Name: "Free throw", Points: 1},
		{Key: "two_pointer", Name: "Two-pointer", Points: 2},
		{Key: "three_pointer", Name: "Three-pointer", Points: 3},
	},
	Clock: ClockRule{Timed: true, CountDown: true},
}

var rugbyUnion = Sport{
	Key:  "rugby_union",
	Name: "Rugby union",
	Periods: PeriodRule{Count: 2, LengthMs: 40 * minute,
		Names: []string{"1st half", "2nd half"}},
	Scores: []ScoreKind{
		{Key: "try", Name: "Try", Points: 5},
		{Key: "conversion", Name: "Conversion", Points: 2},
		{Key: "penalty", Name: "Penalty goal", Points: 3},
		{Key: "drop_goal", Name: "Drop goal", Points: 3},
	},
	Cards: []CardKind{
		{Key: "yellow", Name: "Yellow card"},
		{Key: "red", Name: "Red card"},
	},
	Clock: ClockRule{Timed: true},
	Draws: true,
}

var iceHockey = Sport{
	Key:  "ice_hockey",
	Name: "Ice hockey",
	Periods: PeriodRule{Count: 3, LengthMs: 20 * minute,
		Names: []string{"1st period", "2nd period", "3rd period"}},
	ExtraTime: ExtraTime{Count: 1, LengthMs: 5 * minute, Names: []string{"Overtime"}},
	ShootOut:  &ShootOut{Name: "Shoot-out", WinnerBonus: 1},
	Scores:    []ScoreKind{{Key: "goal", Name: "Goal", Points: 1}},
	Cards: []CardKind{
		{Key: "minor", Name: "Minor penalty"},
		{Key: "major", Name: "Major penalty"},
	},
	Clock: ClockRule{Timed: true, CountDown: true},
}

var handball = Sport{
	Key:  "handball",
	Name: "Handball",
	Periods: PeriodRule{Count: 2, LengthMs: 30 * minute,
		Names: []string{"1st half", "2nd half"}},
	ExtraTime: ExtraTime{Count: 2, LengthMs: 5 * minute,
		Names: []string{"Extra time 1st half", "Extra time 2nd half"}},
	ShootOut: &ShootOut{Name: "7-metre throws"},
	Scores:   []ScoreKind{{Key: "goal", Name: "Goal", Points: 1}},
	Cards: []CardKind{
		{Key: "yellow", Name: "Yellow card"},
		{Key: "two_minutes", Name: "2-minute suspension"},
		{Key: "red", Name: "Red card"},
		{Key: "blue", Name: "Blue card"},
	},
	Clock: ClockRule{Timed: true},
	Draws: true,
}

var volleyball = Sport{
	Key:  "volleyball",
	Name: "Volleyball",
	Periods: PeriodRule{Count: 5,
		Names: []string{"Set 1", "Set 2", "Set 3", "Set 4", "Set 5"}},
	Scores: []ScoreKind{{Key: "point", Name: "Point", Points: 1}},
	Sets:   &SetRule{Points: 25, LastSetPoints: 15, WinBy: 2, SetsToWin: 3},
}
