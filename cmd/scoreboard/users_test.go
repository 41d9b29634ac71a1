package main

import (
	"context"
	"strings"
	"testing"

	"github.com/scoreboard/scoreboard/internal/match"
	"github.com/scoreboard/scoreboard/internal/sqlite"
)

// userStore opens the database of vars, as the binary would, to check what
// a command stored.
func userStore(t *testing.T, vars map[string]string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), strings.TrimPrefix(vars["DATABASE_URL"], "sqlite:"), sqlite.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestUserAdd(t *testing.T) {
	t.Parallel()
	const typed = "correct horse battery staple"
	tests := []struct {
		name      string
		args      []string
		stdin     string
		wantRole  match.Role
		generated bool
	}{
		{"generated password", []string{"--email", "ada@example.org", "--role", "admin"}, "", match.RoleAdmin, true},
		{"password from stdin", []string{"--email", "sam@example.org", "--role", "scorer", "--password-stdin"}, typed + "\n", match.RoleScorer, false},
		{"password from stdin without newline", []string{"-email=kim@example.org", "-role=scorer", "-password-stdin"}, typed, match.RoleScorer, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			vars := sqliteEnv(t)
			r := runCmd(t, vars, tt.stdin, append([]string{"user", "add"}, tt.args...)...)
			if r.err != nil {
				t.Fatalf("user add: %v; stderr:\n%s", r.err, r.stderr)
			}
			password := typed
			_, printed, found := strings.Cut(r.stdout, "password: ")
			if found != tt.generated {
				t.Fatalf("stdout %q: password printed %v, want %v", r.stdout, found, tt.generated)
			}
			if tt.generated {
				password = strings.TrimSuffix(printed, "\n")
				if len(password) < 40 {
					t.Errorf("generated password %q: got %d characters, want at least 40", password, len(password))
				}
			}
			if strings.Contains(r.stdout, typed) {
				t.Errorf("stdout %q repeats the password typed on stdin", r.stdout)
			}
			email := strings.TrimPrefix(strings.TrimPrefix(tt.args[0], "-email="), "--email")
			if email == "" {
				email = tt.args[1]
			}
			u, err := userStore(t, vars).UserByEmail(context.Background(), email)
			if err != nil {
				t.Fatalf("UserByEmail(%q): %v", email, err)
			}
			if u.Role != tt.wantRole {
				t.Errorf("role: got %q, want %q", u.Role, tt.wantRole)
			}
			if !match.CheckPassword(u.PasswordHash, password) {
				t.Errorf("the stored hash does not match the password %q", password)
			}
		})
	}
}

func TestUserAddTwice(t *testing.T) {
	t.Parallel()
	vars := sqliteEnv(t)
	args := []string{"user", "add", "--email", "ada@example.org", "--role", "admin"}
	if r := runCmd(t, vars, "", args...); r.err != nil {
		t.Fatalf("first user add: %v", r.err)
	}
	r := runCmd(t, vars, "", args...)
	if r.err == nil || exitCode(r.err) != 1 || !strings.Contains(r.err.Error(), "ada@example.org") {
		t.Errorf("second user add: got %v (exit %d), want exit 1 with a message naming the email", r.err, exitCode(r.err))
	}
}
