package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/templates"
)

// usersPage serves GET /admin/users (admins): every user with their
// sessions, every API token, and the form to add a user.
func (s *server) usersPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.usersView(r)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("notice") {
	case "ended":
		v.Layout.Notice = r.URL.Query().Get("n") + " sessions ended."
	case "revoked":
		v.Layout.Notice = "The API token is revoked."
	}
	return render(w, r, templates.Users(v))
}

// usersView is the users page as it stands.
func (s *server) usersView(r *http.Request) (templates.UsersView, error) {
	ctx := r.Context()
	v := templates.UsersView{Layout: s.layout(r, "Users"), Role: string(match.RoleScorer)}
	us, err := s.store.Users(ctx)
	if err != nil {
		return v, err
	}
	emails := map[int64]string{}
	now := time.Now()
	for _, u := range us {
		emails[u.ID] = u.Email
		ss, err := s.store.UserSessions(ctx, u.ID)
		if err != nil {
			return v, err
		}
		live := 0
		for _, sess := range ss {
			if now.Before(sess.ExpiresAt) {
				live++
			}
		}
		v.Users = append(v.Users, templates.UserRow{ID: u.ID, Email: u.Email, Role: string(u.Role), Sessions: live})
	}
	ts, err := s.store.APITokens(ctx, 0)
	if err != nil {
		return v, err
	}
	for _, t := range ts {
		row := templates.TokenRow{ID: t.ID, Name: t.Name, Owner: emails[t.UserID], Created: t.CreatedAt.UTC().Format("2 Jan 2006"), State: "active"}
		switch {
		case t.RevokedAt != nil:
			row.State = "revoked " + t.RevokedAt.UTC().Format("2 Jan 2006")
		case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
			row.State = "expired"
		case t.ExpiresAt != nil:
			row.State = "until " + t.ExpiresAt.UTC().Format("2 Jan 2006")
		}
		row.Revocable = t.RevokedAt == nil
		v.Tokens = append(v.Tokens, row)
	}
	return v, nil
}

// usersError is err on the users page, with set applied to what it shows.
func (s *server) usersError(r *http.Request, err error, set func(*templates.UsersView)) error {
	v, verr := s.usersView(r)
	if verr != nil {
		return verr
	}
	set(&v)
	v.Layout.Error = match.ErrorMessage(err)
	return onPage(err, templates.Users(v))
}

// submitUser serves POST /admin/users (admins; form: email, role,
// password): a new user, as POST /api/v1/users makes one; without a
// password one is generated and shown once.
func (s *server) submitUser(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	in := match.UserInput{Email: f.Get("email"), Role: match.Role(f.Get("role")), Password: f.Get("password")}
	generated := ""
	if in.Password == "" {
		var err error
		if generated, err = generatePassword(); err != nil {
			return err
		}
		in.Password = generated
	}
	u, err := s.store.CreateUser(r.Context(), in)
	if err != nil {
		return s.usersError(r, err, func(v *templates.UsersView) { v.Email, v.Role = in.Email, string(in.Role) })
	}
	v, err := s.usersView(r)
	if err != nil {
		return err
	}
	v.Layout.Notice = fmt.Sprintf("%s can log in now.", u.Email)
	if generated != "" {
		v.Password = templates.ShownPassword{Email: u.Email, Password: generated}
	}
	return render(w, r, templates.Users(v))
}

// submitResetPassword serves POST /admin/users/{id}/password (admins): a
// generated password, shown once, and every session of the user ended,
// as POST /api/v1/users/{id}/password does.
func (s *server) submitResetPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.store.User(r.Context(), id)
	if err != nil {
		return err
	}
	password, err := generatePassword()
	if err != nil {
		return err
	}
	if err := s.setPassword(r, u.ID, password); err != nil {
		return err
	}
	n, err := s.store.DeleteUserSessions(r.Context(), u.ID, "")
	if err != nil {
		return err
	}
	if u.ID == currentUser(r).ID {
		// The admin's own session ended with the others.
		http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		return nil
	}
	v, err := s.usersView(r)
	if err != nil {
		return err
	}
	v.Layout.Notice = fmt.Sprintf("The password of %s is reset; %d sessions ended.", u.Email, n)
	v.Password = templates.ShownPassword{Email: u.Email, Password: password}
	return render(w, r, templates.Users(v))
}

// submitEndSessions serves POST /admin/users/{id}/sessions (admins): every
// session of the user ends (a lost phone).
func (s *server) submitEndSessions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.store.User(r.Context(), id); err != nil {
		return err
	}
	n, err := s.store.DeleteUserSessions(r.Context(), id, principalFrom(r.Context()).SessionID)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/users?notice=ended&n="+strconv.Itoa(n), http.StatusSeeOther)
	return nil
}

// submitRevokeToken serves POST /admin/tokens/{id}/revoke (admins).
func (s *server) submitRevokeToken(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.store.RevokeAPIToken(r.Context(), chi.URLParam(r, "id"), time.Now().UTC()); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/users?notice=revoked#tokens", http.StatusSeeOther)
	return nil
}
