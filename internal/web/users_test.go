package web

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/scoreboard/scoreboard/internal/match"
)

func TestUsers(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	admin := e.user("ada@example.org", match.RoleAdmin)
	ada := e.bearer(admin)
	sam := e.bearer(e.user("sam@example.org", match.RoleScorer))

	// Without a password, one is generated and shown once.
	r := e.call(nil, "POST", "/api/v1/users", newUserRequest{Email: "Kim@Example.org", Role: match.RoleScorer}, "Authorization", ada)
	if r.Status != http.StatusCreated {
		t.Fatalf("POST /api/v1/users: got %d %s, want 201", r.Status, r.Body)
	}
	var kim userDoc
	r.decode(t, &kim)
	if kim.User.Email != "kim@example.org" || kim.User.Role != match.RoleScorer || len(kim.Password) < 40 {
		t.Errorf("created user: got %s, want kim@example.org, a scorer, with a generated password of 40+ characters", r.Body)
	}
	if loc := r.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/users/%d", kim.User.ID) {
		t.Errorf("Location: got %q, want /api/v1/users/%d", loc, kim.User.ID)
	}
	if r := e.call(nil, "POST", "/api/v1/session", loginRequest{"kim@example.org", kim.Password}); r.Status != http.StatusOK {
		t.Errorf("log in with the generated password: got %d %s, want 200", r.Status, r.Body)
	}

	tests := []struct {
		name       string
		method     string
		path       string
		auth       string
		body       any
		wantStatus int
		wantMsg    string
	}{
		{"given password", "POST", "/api/v1/users", ada, newUserRequest{"lee@example.org", match.RoleAdmin, testPassword}, 201, ""},
		{"email taken", "POST", "/api/v1/users", ada, newUserRequest{"KIM@example.org", match.RoleScorer, ""}, 409, "kim@example.org"},
		{"bad role", "POST", "/api/v1/users", ada, newUserRequest{"max@example.org", "owner", ""}, 400, `role must be "admin" or "scorer"`},
		{"short password", "POST", "/api/v1/users", ada, newUserRequest{"max@example.org", match.RoleScorer, "short"}, 400, "at least 8"},
		{"scorer lists users", "GET", "/api/v1/users", sam, nil, 403, "only admins may manage users; sam@example.org is a scorer"},
		{"scorer creates a user", "POST", "/api/v1/users", sam, newUserRequest{"max@example.org", match.RoleAdmin, ""}, 403, "only admins may manage users"},
		{"get a user", "GET", fmt.Sprintf("/api/v1/users/%d", kim.User.ID), ada, nil, 200, ""},
		{"get an unknown user", "GET", "/api/v1/users/999", ada, nil, 404, ""},
		{"bad id", "GET", "/api/v1/users/kim", ada, nil, 400, `id "kim" in the path is not an id`},
		{"me", "GET", "/api/v1/me", sam, nil, 200, ""},
	}
	for _, tt := range tests {
		want(t, tt.name, e.call(nil, tt.method, tt.path, tt.body, "Authorization", tt.auth), tt.wantStatus, tt.wantMsg)
	}

	var l userList
	e.call(nil, "GET", "/api/v1/users", nil, "Authorization", ada).decode(t, &l)
	var emails []string
	for _, u := range l.Users {
		emails = append(emails, u.Email)
	}
	if fmt.Sprint(emails) != "[ada@example.org kim@example.org lee@example.org sam@example.org]" {
		t.Errorf("GET /api/v1/users: got %v, want the four users by email", emails)
	}
}

// TestPasswordReset: an admin resets a user's password, which ends every
// session of theirs.
func TestPasswordReset(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	ada := e.bearer(e.user("ada@example.org", match.RoleAdmin))
	sam := e.user("sam@example.org", match.RoleScorer)
	phone, laptop := browser(t, ""), browser(t, "")
	e.login(phone, "sam@example.org")
	e.login(laptop, "sam@example.org")
	path := fmt.Sprintf("/api/v1/users/%d/password", sam.ID)

	// Generated, with no body.
	r := e.call(nil, "POST", path, nil, "Authorization", ada)
	var reset passwordReset
	if r.Status == http.StatusOK {
		r.decode(t, &reset)
	}
	if r.Status != http.StatusOK || len(reset.Password) < 40 || reset.SessionsEnded != 2 {
		t.Fatalf("POST %s: got %d %s, want 200 with a generated password and 2 sessions ended", path, r.Status, r.Body)
	}
	for name, c := range map[string]*http.Client{"phone": phone, "laptop": laptop} {
		want(t, name+" after the reset", e.call(c, "GET", "/api/v1/me", nil), 401, "your session has ended")
	}
	want(t, "login with the old password", e.call(nil, "POST", "/api/v1/session", loginRequest{"sam@example.org", testPassword}), 401, "")
	want(t, "login with the new password", e.call(nil, "POST", "/api/v1/session", loginRequest{"sam@example.org", reset.Password}), 200, "")

	// Given.
	r = e.call(nil, "POST", path, passwordRequest{Password: testPassword}, "Authorization", ada)
	if r.Status != http.StatusOK {
		t.Fatalf("reset to a given password: got %d %s, want 200", r.Status, r.Body)
	}
	var given passwordReset
	r.decode(t, &given)
	if given.Password != "" || given.SessionsEnded != 1 {
		t.Errorf("reset to a given password: got %s, want no password shown and 1 session ended", r.Body)
	}
	e.login(nil, "sam@example.org")
	want(t, "reset to a short password", e.call(nil, "POST", path, passwordRequest{Password: "short"}, "Authorization", ada), 400, "at least 8")
	want(t, "reset of an unknown user", e.call(nil, "POST", "/api/v1/users/999/password", nil, "Authorization", ada), 404, "")
}

// TestChangePassword: a user changes their own password, which ends their
// other sessions and keeps this one.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	e.user("sam@example.org", match.RoleScorer)
	here, there := browser(t, ""), browser(t, "")
	e.login(here, "sam@example.org")
	e.login(there, "sam@example.org")
	const newPassword = "a much better passphrase"
	tests := []struct {
		name       string
		body       any
		wantStatus int
		wantMsg    string
	}{
		{"wrong current password", changePasswordRequest{"not it", newPassword}, 403, "current_password is wrong"},
		{"no current password", changePasswordRequest{"", newPassword}, 400, "current_password is required"},
		{"short new password", changePasswordRequest{testPassword, "short"}, 400, "new_password: password is 5 characters long"},
		{"right", changePasswordRequest{testPassword, newPassword}, 204, ""},
	}
	for _, tt := range tests {
		want(t, tt.name, e.call(here, "POST", "/api/v1/me/password", tt.body), tt.wantStatus, tt.wantMsg)
	}
	want(t, "this session after the change", e.call(here, "GET", "/api/v1/me", nil), 200, "")
	want(t, "the other session after the change", e.call(there, "GET", "/api/v1/me", nil), 401, "your session has ended")
	want(t, "login with the new password", e.call(nil, "POST", "/api/v1/session", loginRequest{"sam@example.org", newPassword}), 200, "")
}

func TestUserSessions(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, "")
	ada := e.bearer(e.user("ada@example.org", match.RoleAdmin))
	sam := e.user("sam@example.org", match.RoleScorer)
	phone := browser(t, "")
	e.login(phone, "sam@example.org")
	e.login(nil, "sam@example.org")
	path := fmt.Sprintf("/api/v1/users/%d/sessions", sam.ID)

	var l sessionList
	r := e.call(nil, "GET", path, nil, "Authorization", ada)
	if r.Status == http.StatusOK {
		r.decode(t, &l)
	}
	if r.Status != http.StatusOK || len(l.Sessions) != 2 || l.Sessions[0].UserID != sam.ID {
		t.Fatalf("GET %s: got %d %s, want sam's 2 sessions", path, r.Status, r.Body)
	}
	want(t, "scorer lists sessions", e.call(phone, "GET", path, nil), 403, "only admins may manage users")

	r = e.call(nil, "DELETE", path, nil, "Authorization", ada)
	var ended sessionsEnded
	if r.Status == http.StatusOK {
		r.decode(t, &ended)
	}
	if r.Status != http.StatusOK || ended.SessionsEnded != 2 {
		t.Errorf("DELETE %s: got %d %s, want 200 with 2 sessions ended", path, r.Status, r.Body)
	}
	want(t, "the phone after its sessions ended", e.call(phone, "GET", "/api/v1/me", nil), 401, "your session has ended")
	want(t, "sessions of an unknown user", e.call(nil, "GET", "/api/v1/users/999/sessions", nil, "Authorization", ada), 404, "")
}
