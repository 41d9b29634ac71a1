package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/templates"
)

// submitConsole serves POST /admin/matches/{id}/events, every button of
// the console without JavaScript (form: tap, key, expected_seq, and what
// the tap needs: team, player, assist, player_in, home, away, text,
// set_clock). It records the event as POST /api/v1/matches/{id}/events
// does, then goes back to the console (303, POST/redirect/GET). A refused
// tap (a stale view, a rule) shows the console as it now stands with what
// went wrong.
func (s *server) submitConsole(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.mayRecord(r, id); err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	in, err := formEvent(r.PostForm)
	if err != nil {
		return s.consoleError(r, id, err)
	}
	in.RecordedBy = currentUser(r).Email
	a, err := s.store.AppendEvent(r.Context(), id, in)
	if code := match.ErrorCode(err); code == match.EINVALID || code == match.ECONFLICT {
		return s.consoleError(r, id, err)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/matches/"+strconv.FormatInt(id, 10)+"?saved="+strconv.FormatInt(a.Event.Seq, 10), http.StatusSeeOther)
	return nil
}

// formEvent reads a console form as the event it asks for. tap is the
// kind, "score/KEY" (a score of kind KEY), "card/KEY" or "void/SEQ".
// The console's script (web/admin/console.js, formEvent) reads forms the
// same way. Returns EINVALID.
func formEvent(f url.Values) (match.NewEvent, error) {
	in := match.NewEvent{IdempotencyKey: f.Get("key")}
	tap := f.Get("tap")
	kind, arg, _ := strings.Cut(tap, "/")
	in.Kind = match.EventKind(kind)
	switch in.Kind {
	case match.KindScore:
		in.ScoreKind = arg
	case match.KindCard:
		in.Card = arg
	case match.KindVoid:
		seq, err := strconv.ParseInt(arg, 10, 64)
		if err != nil {
			return in, match.Errorf(match.EINVALID, "the event to void, %q, is not an event number", arg)
		}
		in.VoidSeq = seq
	case "":
		return in, match.Errorf(match.EINVALID, "the form says no action; press one of the console's buttons")
	}
	in.Team = match.Side(f.Get("team"))
	in.Player = strings.TrimSpace(f.Get("player"))
	// A side's form has an assist field for its scores, which its card
	// buttons share; only a score takes it.
	if in.Kind == match.KindScore {
		in.Assist = strings.TrimSpace(f.Get("assist"))
	}
	if in.Kind == match.KindSubstitution {
		in.PlayerIn = strings.TrimSpace(f.Get("player_in"))
	}
	in.Text = strings.TrimSpace(f.Get("text"))
	var err error
	if raw := f.Get("expected_seq"); raw != "" {
		n, perr := strconv.ParseInt(raw, 10, 64)
		if perr != nil {
			return in, match.Errorf(match.EINVALID, "expected_seq %q is not a number", raw)
		}
		in.ExpectedSeq = &n
	}
	if in.Kind == match.KindScoreCorrection {
		if in.Home, err = formInt(f, "home"); err != nil {
			return in, err
		}
		if in.Away, err = formInt(f, "away"); err != nil {
			return in, err
		}
	}
	if in.Kind == match.KindClockAdjust {
		ms, err := parseClock(strings.TrimSpace(f.Get("set_clock")))
		if err != nil {
			return in, err
		}
		in.SetClockMs = &ms
	}
	return in, nil
}

// formInt reads a whole number from a form field.
func formInt(f url.Values, name string) (*int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(f.Get(name)))
	if err != nil {
		return nil, match.Errorf(match.EINVALID, "%s must be a whole number, got %q", name, f.Get(name))
	}
	return &n, nil
}

// confirmPage serves GET /admin/matches/{id}/confirm?tap=…: the confirmation of
// a tap that undoes or ends something (a void, a cancel), so that it
// works without JavaScript too; the script asks in a dialog instead.
func (s *server) confirmPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.mayRecord(r, id); err != nil {
		return err
	}
	v, err := s.consoleView(r, id)
	if err != nil {
		return err
	}
	tap := r.URL.Query().Get("tap")
	c := templates.ConfirmView{Layout: v.Layout, MatchID: id, Tap: tap, Key: v.Key, Seq: v.Seq}
	c.Layout.Title = "Confirm"
	kind, arg, _ := strings.Cut(tap, "/")
	switch match.EventKind(kind) {
	case match.KindVoid:
		seq, _ := strconv.ParseInt(arg, 10, 64)
		for _, e := range v.Log {
			if e.Seq == seq && e.CanVoid {
				c.Question = "Void event #" + arg + ", " + e.Label + "?"
			}
		}
	default:
		for _, ctl := range v.Controls {
			if ctl.Tap == tap && ctl.Confirm != "" {
				c.Question = ctl.Confirm
			}
		}
	}
	if c.Question == "" {
		return match.Errorf(match.EINVALID, "there is nothing to confirm for %q on match %d now; go back to the console", tap, id)
	}
	return render(w, r, templates.Confirm(c))
}
