package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/scoreboard/scoreboard/internal/match"
)

// Bounds of a fixture import: a season of the largest league is a few
// hundred matches.
const (
	maxCSVBody       = 1 << 20
	maxFixtureRows   = 2000
	maxProblemsShown = 50
)

// fixtureColumns are the columns a fixture CSV may have; the first row
// names them, in any order and case. time_zone and venue may be left out.
var fixtureColumns = []string{"date", "time", "time_zone", "home", "away", "venue"}

// fixtureList is what an import created, or would create (dry_run).
type fixtureList struct {
	DryRun  bool          `json:"dry_run"`
	Matches []match.Match `json:"matches"`
}

// importFixtures serves POST /api/v1/competitions/{id-or-slug}/fixtures
// (admins):
// a CSV of the competition's fixtures (text/csv; columns date YYYY-MM-DD,
// time HH:MM, time_zone, home, away, venue; teams by name or short name
// among the competition's), created all or none. Every bad row is named
// by line and column. With dry_run=true nothing is stored and the answer
// shows what would be.
func (s *server) importFixtures(w http.ResponseWriter, r *http.Request) error {
	dryRun, err := queryBool(r, "dry_run")
	if err != nil {
		return err
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != "text/csv" && mt != "application/csv") {
		return match.Errorf(match.EINVALID, "send the fixtures as text/csv, not %q", r.Header.Get("Content-Type"))
	}
	c, err := s.competitionByRef(r.Context(), chi.URLParam(r, "ref"))
	if err != nil {
		return err
	}
	teams, err := s.store.Teams(r.Context(), match.TeamFilter{CompetitionID: c.ID})
	if err != nil {
		return err
	}
	ins, err := parseFixtures(http.MaxBytesReader(w, r.Body, maxCSVBody), c, teams)
	if err != nil {
		return err
	}
	if dryRun {
		list := fixtureList{DryRun: true, Matches: make([]match.Match, len(ins))}
		for i, in := range ins {
			if list.Matches[i], err = match.NewMatch(in, time.Now().UTC()); err != nil {
				return err
			}
		}
		return writeJSON(w, http.StatusOK, list)
	}
	ms, err := s.store.CreateMatches(r.Context(), ins)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, fixtureList{Matches: ms})
}

// fixtureReader reads a fixture CSV into match inputs, collecting a
// problem for every bad cell.
type fixtureReader struct {
	comp     match.Competition
	byName   map[string]*match.TeamProfile
	col      map[string]int // column name → index
	problems []problem
}

// parseFixtures reads a fixture CSV. Returns ETOOLARGE, or EINVALID with
// every problem found.
func parseFixtures(body io.Reader, c match.Competition, teams []match.TeamProfile) ([]match.MatchInput, error) {
	fr := &fixtureReader{comp: c, byName: map[string]*match.TeamProfile{}}
	for i := range teams {
		fr.byName[strings.ToLower(teams[i].Name)] = &teams[i]
		fr.byName[strings.ToLower(teams[i].ShortName)] = &teams[i]
	}
	cr := csv.NewReader(body)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fr.readError(err, "the CSV has no header row naming its columns: "+strings.Join(fixtureColumns, ","))
	}
	if err := fr.readHeader(header); err != nil {
		return nil, err
	}
	var ins []match.MatchInput
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fr.readError(err, "")
		}
		line, _ := cr.FieldPos(0)
		if len(ins) == maxFixtureRows {
			return nil, match.Errorf(match.ETOOLARGE, "the CSV has more than %d fixtures; import it in parts", maxFixtureRows)
		}
		if in, ok := fr.row(line, rec); ok {
			ins = append(ins, in)
		}
	}
	if len(fr.problems) > 0 {
		return nil, problemsErr(fr.problems)
	}
	if len(ins) == 0 {
		return nil, match.Errorf(match.EINVALID, "the CSV has a header but no fixtures")
	}
	return ins, nil
}

// readError reports a CSV that cannot be read at all.
func (fr *fixtureReader) readError(err error, msg string) error {
	var pe *csv.ParseError
	switch {
	case isTooLarge(err):
		return match.Errorf(match.ETOOLARGE, "the CSV is larger than %d bytes; import it in parts", maxCSVBody)
	case errors.As(err, &pe):
		fr.problems = append(fr.problems, problem{Line: pe.Line, Column: pe.Column, Message: pe.Err.Error()})
		return problemsErr(fr.problems)
	case errors.Is(err, io.EOF) && msg != "":
		return match.Errorf(match.EINVALID, "%s", msg)
	default:
		return fmt.Errorf("read CSV: %w", err)
	}
}

func (fr *fixtureReader) readHeader(header []string) error {
	fr.col = map[string]int{}
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))
		known := false
		for _, c := range fixtureColumns {
			known = known || c == name
		}
		if !known {
			return match.Errorf(match.EINVALID, "line 1, column %d: unknown column %q; the columns are %s", i+1, name, strings.Join(fixtureColumns, ", "))
		}
		if _, dup := fr.col[name]; dup {
			return match.Errorf(match.EINVALID, "line 1, column %d: column %q appears twice", i+1, name)
		}
		fr.col[name] = i
	}
	for _, req := range []string{"date", "time", "home", "away"} {
		if _, ok := fr.col[req]; !ok {
			return match.Errorf(match.EINVALID, "line 1: the header lacks the %q column; the columns are %s", req, strings.Join(fixtureColumns, ", "))
		}
	}
	return nil
}

// cell returns a row's value in the named column ("" when absent).
func (fr *fixtureReader) cell(rec []string, name string) (string, int) {
	i, ok := fr.col[name]
	if !ok || i >= len(rec) {
		return "", i + 1
	}
	return strings.TrimSpace(rec[i]), i + 1
}

func (fr *fixtureReader) add(line, column int, field, format string, args ...any) {
	fr.problems = append(fr.problems, problem{Line: line, Column: column, Field: field, Message: fmt.Sprintf(format, args...)})
}

// row reads one fixture; ok is false when it had a problem.
func (fr *fixtureReader) row(line int, rec []string) (match.MatchInput, bool) {
	before := len(fr.problems)
	tz, tzCol := fr.cell(rec, "time_zone")
	if tz == "" {
		tz = "UTC"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || strings.EqualFold(tz, "local") {
		fr.add(line, tzCol, "time_zone", "unknown time zone %q; use an IANA name such as Europe/Paris", tz)
		loc = time.UTC
	}
	date, dateCol := fr.cell(rec, "date")
	clock, timeCol := fr.cell(rec, "time")
	day, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil {
		fr.add(line, dateCol, "date", "%q is not a date like 2027-08-14", date)
	}
	at, err := time.Parse("15:04", clock)
	if err != nil {
		fr.add(line, timeCol, "time", "%q is not a time like 19:45", clock)
	}
	kickOff := time.Date(day.Year(), day.Month(), day.Day(), at.Hour(), at.Minute(), 0, 0, loc)
	sides := [2]*match.TeamProfile{}
	for i, side := range []string{"home", "away"} {
		name, col := fr.cell(rec, side)
		if sides[i] = fr.byName[strings.ToLower(name)]; sides[i] == nil {
			fr.add(line, col, side, "no team named %q plays in %s; add it to the competition's teams first", name, fr.comp.Name)
		}
	}
	if len(fr.problems) > before {
		return match.MatchInput{}, false
	}
	venue, _ := fr.cell(rec, "venue")
	in, err := match.MatchInput{KickOff: kickOff, TimeZone: tz, Venue: venue}.Resolve(match.Match{}, &fr.comp, sides[0], sides[1])
	if err == nil {
		err = in.Validate()
	}
	if err != nil {
		fr.add(line, 0, "", "%s", match.ErrorMessage(err))
		return match.MatchInput{}, false
	}
	return in, true
}
