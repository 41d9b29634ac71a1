package web

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/templates"
)

// todayLimit bounds each list of the today page.
const todayLimit = 20

// todayPage serves GET /admin: the matches of the user (every match for
// an admin, the assigned ones for a scorer): live ones first, then the
// next to start, then the recent ones, each with its score and a link to
// its console.
func (s *server) todayPage(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	var f match.MatchFilter
	if u.Role != match.RoleAdmin {
		f.ScorerID = u.ID
	}
	now := time.Now().UTC()
	live, next, recent := f, f, f
	live.Status = []match.Status{match.StatusLive, match.StatusInterval}
	next.Status = []match.Status{match.StatusScheduled, match.StatusPostponed}
	next.From, next.Limit = now.Add(-12*time.Hour), todayLimit
	recent.Status = []match.Status{match.StatusFinished, match.StatusCancelled}
	recent.From = now.Add(-7 * 24 * time.Hour)
	v := templates.TodayView{Layout: s.layout(r, "Today"), Admin: u.Role == match.RoleAdmin}
	var err error
	if v.Live, err = s.todayRows(r.Context(), live, false); err != nil {
		return err
	}
	if v.Next, err = s.todayRows(r.Context(), next, false); err != nil {
		return err
	}
	if v.Recent, err = s.todayRows(r.Context(), recent, true); err != nil {
		return err
	}
	return render(w, r, templates.Today(v))
}

// todayRows lists the matches of f with their scores, the latest first
// when latestFirst (the last todayLimit of them).
func (s *server) todayRows(ctx context.Context, f match.MatchFilter, latestFirst bool) ([]templates.MatchRow, error) {
	ms, err := s.store.Matches(ctx, f)
	if err != nil {
		return nil, err
	}
	if latestFirst {
		slices.Reverse(ms)
		ms = ms[:min(len(ms), todayLimit)]
	}
	sums, err := s.summaries(ctx, ms)
	if err != nil {
		return nil, err
	}
	rows := make([]templates.MatchRow, 0, len(ms))
	for _, m := range ms {
		rows = append(rows, matchRow(m, sums[m.ID]))
	}
	return rows, nil
}

// matchRow is how a list shows a match.
func matchRow(m match.Match, st match.Summary) templates.MatchRow {
	return templates.MatchRow{
		ID: m.ID, Competition: m.Competition, Sport: sportName(m.Sport),
		Home: m.Home.Name, Away: m.Away.Name, HomeScore: st.Home.Score, AwayScore: st.Away.Score,
		Status: string(st.Status), Period: st.PeriodName, KickOff: kickOff(m),
		Started: st.Status != match.StatusScheduled && st.Status != match.StatusPostponed,
	}
}

// kickOff is a match's kick-off in its own time zone, with the zone named
// ("Sat 5 Dec 15:00 Europe/Paris").
func kickOff(m match.Match) string {
	loc, err := time.LoadLocation(m.TimeZone)
	if err != nil || m.TimeZone == "" {
		loc = time.UTC
	}
	return m.KickOff.In(loc).Format("Mon 2 Jan 15:04") + " " + loc.String()
}

// sportName is the name of the sport with key, or the key.
func sportName(key string) string {
	if sp, ok := match.SportByKey(key); ok {
		return sp.Name
	}
	return key
}
