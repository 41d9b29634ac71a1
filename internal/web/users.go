package web

import (
	"net/http"
	"strconv"

	"github.com/scoreboard/scoreboard/internal/match"
)

// userDoc is one user; Password is there only in the answer that
// generated it, once: the store keeps nothing but its hash.
type userDoc struct {
	User     match.User `json:"user"`
	Password string     `json:"password,omitempty"`
}

// newUserRequest is the body of POST /api/v1/users.
type newUserRequest struct {
	Email    string     `json:"email"`
	Role     match.Role `json:"role"`
	Password string     `json:"password"` // "": generate one
}

// passwordRequest is the body of POST /api/v1/users/{id}/password.
type passwordRequest struct {
	Password string `json:"password"` // "": generate one
}

// passwordReset answers an admin's password reset.
type passwordReset struct {
	User     match.User `json:"user"`
	Password string     `json:"password,omitempty"` // generated, shown once
	// SessionsEnded is how many of the user's sessions the reset ended.
	SessionsEnded int `json:"sessions_ended"`
}

// changePasswordRequest is the body of POST /api/v1/me/password.
type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// sessionList is a user's sessions, newest first.
type sessionList struct {
	Sessions []match.Session `json:"sessions"`
}

// sessionsEnded answers DELETE /api/v1/users/{id}/sessions.
type sessionsEnded struct {
	SessionsEnded int `json:"sessions_ended"`
}

// generatePassword returns a password nobody will guess (256 random bits,
// 43 characters), for a user whose admin gave none: as strong as the one
// `scoreboard user add` prints.
func generatePassword() (string, error) { return randomID(32) }

// getMe serves GET /api/v1/me (signed in): the current user.
func (s *server) getMe(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, userDoc{User: currentUser(r)})
}

// listUsers serves GET /api/v1/users (admins): every user by email.
func (s *server) listUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := s.store.Users(r.Context())
	if err != nil {
		return err
	}
	if us == nil {
		us = []match.User{}
	}
	return writeJSON(w, http.StatusOK, userList{Users: us})
}

// createUser serves POST /api/v1/users (admins): {"email","role",
// "password"?} → 201 {"user"}; without a password, one is generated and
// returned once as "password". A taken email gets 409.
func (s *server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in newUserRequest
	if err := decodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	generated := ""
	if in.Password == "" {
		var err error
		if generated, err = generatePassword(); err != nil {
			return err
		}
		in.Password = generated
	}
	u, err := s.store.CreateUser(r.Context(), match.UserInput{Email: in.Email, Role: in.Role, Password: in.Password})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	return writeJSON(w, http.StatusCreated, userDoc{User: u, Password: generated})
}

// getUser serves GET /api/v1/users/{id} (admins).
func (s *server) getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.store.User(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, userDoc{User: u})
}

// resetPassword serves POST /api/v1/users/{id}/password (admins): it sets
// the password given ({"password"}) or, with none (or no body), a
// generated one returned once, and ends every session of the user, the
// admin's own included if they reset their own: a reset is what an admin
// does when a password may be known to someone else. API tokens stay:
// they are revoked one by one (DELETE /api/v1/tokens/{id}).
func (s *server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in passwordRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, maxJSONBody, &in); err != nil {
			return err
		}
	}
	generated := ""
	if in.Password == "" {
		if generated, err = generatePassword(); err != nil {
			return err
		}
		in.Password = generated
	}
	u, err := s.store.User(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.setPassword(r, u.ID, in.Password); err != nil {
		return err
	}
	n, err := s.store.DeleteUserSessions(r.Context(), u.ID, "")
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, passwordReset{User: u, Password: generated, SessionsEnded: n})
}

// changePassword serves POST /api/v1/me/password (signed in):
// {"current_password","new_password"} → 204, and every other session of
// the user ends (the one making the request stays; with an API token,
// every session ends, and API tokens stay valid). A wrong current
// password gets 403, and counts as a failed login, so that someone who
// found a signed-in phone cannot guess the password either.
func (s *server) changePassword(w http.ResponseWriter, r *http.Request) error {
	var in changePasswordRequest
	if err := decodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	if in.CurrentPassword == "" {
		return match.Errorf(match.EINVALID, "current_password is required: type the password you log in with")
	}
	if err := match.ValidatePassword(in.NewPassword); err != nil {
		return match.Errorf(match.EINVALID, "new_password: %s", match.ErrorMessage(err))
	}
	p := principalFrom(r.Context())
	if _, err := s.checkPassword(r, p.User.Email, in.CurrentPassword); err != nil {
		if err == errBadLogin {
			return match.Errorf(match.EFORBIDDEN, "current_password is wrong; type the password you log in with")
		}
		return err
	}
	if err := s.setPassword(r, p.User.ID, in.NewPassword); err != nil {
		return err
	}
	if _, err := s.store.DeleteUserSessions(r.Context(), p.User.ID, p.SessionID); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// setPassword validates and stores a user's new password.
func (s *server) setPassword(r *http.Request, userID int64, password string) error {
	if err := match.ValidatePassword(password); err != nil {
		return err
	}
	hash, err := match.HashPassword(password)
	if err != nil {
		return err
	}
	return s.store.SetPasswordHash(r.Context(), userID, hash)
}

// listUserSessions serves GET /api/v1/users/{id}/sessions (admins): the
// user's sessions, newest first, expired ones included until the store
// drops them.
func (s *server) listUserSessions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.store.User(r.Context(), id); err != nil {
		return err
	}
	ss, err := s.store.UserSessions(r.Context(), id)
	if err != nil {
		return err
	}
	if ss == nil {
		ss = []match.Session{}
	}
	return writeJSON(w, http.StatusOK, sessionList{Sessions: ss})
}

// endUserSessions serves DELETE /api/v1/users/{id}/sessions (admins): it
// ends every session of the user (a lost phone) and says how many. 200.
func (s *server) endUserSessions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.store.User(r.Context(), id); err != nil {
		return err
	}
	n, err := s.store.DeleteUserSessions(r.Context(), id, "")
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sessionsEnded{SessionsEnded: n})
}
