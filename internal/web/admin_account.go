package web

import (
	"net/http"

	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/templates"
)

// loginPage serves GET /admin/login?next=…: the login form, or, for a
// browser signed in already, where it was going.
func (s *server) loginPage(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if _, err := s.sessionPrincipal(r); err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	v := templates.LoginView{Layout: s.layout(r, "Log in"), Next: next}
	if r.URL.Query().Has("out") {
		v.Layout.Notice = "You are logged out."
	}
	return render(w, r, templates.Login(v))
}

// submitLogin serves POST /admin/login (form: email, password, next): the
// same password check, throttle and session as POST /api/v1/session
// (checkPassword, startSession), then a redirect (303) to next. A wrong
// email or password shows the form again with what to do.
func (s *server) submitLogin(w http.ResponseWriter, r *http.Request) error {
	if err := s.sameSite(r); err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	v := templates.LoginView{Layout: s.layout(r, "Log in"), Email: f.Get("email"), Next: safeNext(f.Get("next"))}
	email := match.NormalizeEmail(v.Email)
	if email == "" || f.Get("password") == "" {
		err := match.Errorf(match.EINVALID, "type both your email and your password")
		v.Layout.Error = match.ErrorMessage(err)
		return onPage(err, templates.Login(v))
	}
	u, err := s.checkPassword(r, email, f.Get("password"))
	if err != nil {
		v.Layout.Error = match.ErrorMessage(err)
		return onPage(err, templates.Login(v))
	}
	if _, err := s.startSession(w, r, u); err != nil {
		return err
	}
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
	return nil
}

// submitLogout serves POST /admin/logout: it ends the session of the
// cookie, if any, clears the cookie and goes to the login page (303). Like
// DELETE /api/v1/session it needs no live session, and refuses other
// sites' posts.
func (s *server) submitLogout(w http.ResponseWriter, r *http.Request) error {
	if err := s.sameSite(r); err != nil {
		return err
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.store.DeleteSession(r.Context(), sessionID(c.Value)); err != nil {
			return err
		}
	}
	http.SetCookie(w, s.cookie("", -1))
	http.Redirect(w, r, "/admin/login?out=1", http.StatusSeeOther)
	return nil
}

// passwordPage serves GET /admin/password: the form to change one's own
// password.
func (s *server) passwordPage(w http.ResponseWriter, r *http.Request) error {
	v := templates.PasswordView{Layout: s.layout(r, "Change password")}
	if r.URL.Query().Has("changed") {
		v.Layout.Notice = "Your password is changed. Your other sessions have ended."
	}
	return render(w, r, templates.Password(v))
}

// submitPassword serves POST /admin/password (form: current, password,
// confirm): the change of POST /api/v1/me/password, checked the same way
// (checkPassword, so that wrong guesses are throttled as logins are), then
// back to the page (303). Every other session of the user ends.
func (s *server) submitPassword(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	v := templates.PasswordView{Layout: s.layout(r, "Change password")}
	fail := func(err error) error {
		v.Layout.Error = match.ErrorMessage(err)
		return onPage(err, templates.Password(v))
	}
	if f.Get("current") == "" {
		return fail(match.Errorf(match.EINVALID, "type your current password, the one you log in with"))
	}
	if f.Get("password") != f.Get("confirm") {
		return fail(match.Errorf(match.EINVALID, "the new password and its confirmation differ; type the same password in both"))
	}
	if err := match.ValidatePassword(f.Get("password")); err != nil {
		return fail(err)
	}
	p := principalFrom(r.Context())
	if _, err := s.checkPassword(r, p.User.Email, f.Get("current")); err != nil {
		if err == errBadLogin {
			err = match.Errorf(match.EFORBIDDEN, "your current password is wrong; type the password you log in with")
		}
		return fail(err)
	}
	if err := s.setPassword(r, p.User.ID, f.Get("password")); err != nil {
		return fail(err)
	}
	if _, err := s.store.DeleteUserSessions(r.Context(), p.User.ID, p.SessionID); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/password?changed=1", http.StatusSeeOther)
	return nil
}
