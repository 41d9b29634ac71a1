package storetest

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/scoreboard/scoreboard/internal/match"
)

// testUsers creates users and finds them by email, whatever its case.
func testUsers(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, _, _ := openFresh(t, open)
	const password = "correct horse battery staple"
	u, err := s.CreateUser(ctx, match.UserInput{Email: "Ann.Scorer@Example.org", Role: match.RoleScorer, Password: password})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if u.ID == 0 || u.Role != match.RoleScorer || u.Email != "ann.scorer@example.org" || u.CreatedAt.IsZero() {
		t.Errorf("CreateUser: got %+v, want an id, role scorer, the email in lower case and a creation time", u)
	}
	if u.PasswordHash == "" || strings.Contains(u.PasswordHash, password) {
		t.Errorf("CreateUser: got password hash %q, want a hash that is not the password", u.PasswordHash)
	}
	admin, err := s.CreateUser(ctx, match.UserInput{Email: "boss@example.org", Role: match.RoleAdmin, Password: password + "!"})
	if err != nil {
		t.Fatalf("CreateUser(admin): %v", err)
	}

	elodie, err := s.CreateUser(ctx, match.UserInput{Email: "Élodie@example.org", Role: match.RoleScorer, Password: password})
	if err != nil {
		t.Fatalf("CreateUser(Élodie): %v", err)
	}
	for _, email := range []string{" élodie@example.org ", "ÉLODIE@EXAMPLE.ORG"} {
		if got, err := s.UserByEmail(ctx, email); err != nil || got.ID != elodie.ID {
			t.Errorf("UserByEmail(%q): got %+v, %v, want the user created as Élodie@example.org", email, got, err)
		}
	}
	for _, email := range []string{"Ann.Scorer@Example.org", "ann.scorer@example.org", "ANN.SCORER@EXAMPLE.ORG", "  ann.scorer@example.org\t"} {
		t.Run("by email "+email, func(t *testing.T) {
			got, err := s.UserByEmail(ctx, email)
			if err != nil {
				t.Fatalf("UserByEmail(%q): %v", email, err)
			}
			if got.ID != u.ID || got.Email != u.Email || got.Role != u.Role || got.PasswordHash != u.PasswordHash || !got.CreatedAt.Equal(u.CreatedAt) {
				t.Errorf("UserByEmail(%q): got %+v, want %+v", email, got, u)
			}
			if !match.CheckPassword(got.PasswordHash, password) {
				t.Errorf("CheckPassword(stored hash, the password): got false, want true")
			}
			if match.CheckPassword(got.PasswordHash, password+"x") {
				t.Errorf("CheckPassword(stored hash, another password): got true, want false")
			}
		})
	}
	got, err := s.UserByEmail(ctx, "boss@example.org")
	if err != nil || got.ID != admin.ID || got.Role != match.RoleAdmin {
		t.Errorf("UserByEmail(boss): got %+v, %v, want user %d with role admin", got, err, admin.ID)
	}

	for _, email := range []string{"ann.scorer@example.org", "ANN.Scorer@example.ORG"} {
		_, err := s.CreateUser(ctx, match.UserInput{Email: email, Role: match.RoleAdmin, Password: "another long password"})
		wantCode(t, "CreateUser(taken email "+email+")", err, match.ECONFLICT)
	}
	_, err = s.UserByEmail(ctx, "nobody@example.org")
	wantCode(t, "UserByEmail(unknown)", err, match.ENOTFOUND)

	bad := []struct {
		name string
		in   match.UserInput
	}{
		{"no email", match.UserInput{Role: match.RoleScorer, Password: password}},
		{"not an email", match.UserInput{Email: "ann", Role: match.RoleScorer, Password: password}},
		{"unknown role", match.UserInput{Email: "c@example.org", Role: "owner", Password: password}},
		{"no password", match.UserInput{Email: "d@example.org", Role: match.RoleScorer}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateUser(ctx, tt.in)
			wantCode(t, "CreateUser("+tt.name+")", err, match.EINVALID)
			if tt.in.Email != "" {
				_, err := s.UserByEmail(ctx, tt.in.Email)
				wantCode(t, "UserByEmail after a refused CreateUser", err, match.ENOTFOUND)
			}
		})
	}
}

// testSecret asks for one secret from many goroutines at once: they all get
// the same value, and later calls do not generate another.
func testSecret(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, _, _ := openFresh(t, open)
	const callers = 16
	var generated atomic.Int64
	gen := func() (string, error) {
		return fmt.Sprintf("secret-%d", generated.Add(1)), nil
	}
	values := make([]string, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { values[i], errs[i] = s.Secret(ctx, "hub_key", gen) })
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("Secret, caller %d: %v", i, errs[i])
		}
		if values[i] != values[0] || values[i] == "" {
			t.Fatalf("Secret, caller %d: got %q, want %q like caller 0", i, values[i], values[0])
		}
	}
	n := generated.Load()
	v, err := s.Secret(ctx, "hub_key", gen)
	if err != nil || v != values[0] {
		t.Errorf("Secret again: got %q, %v, want %q", v, err, values[0])
	}
	if generated.Load() != n {
		t.Errorf("Secret again: generated a value, want the stored one returned without generating")
	}
	other, err := s.Secret(ctx, "other_key", func() (string, error) { return "other", nil })
	if err != nil || other != "other" {
		t.Errorf("Secret(other_key): got %q, %v, want %q", other, err, "other")
	}
	_, err = s.Secret(ctx, "failing", func() (string, error) { return "", fmt.Errorf("no entropy") })
	if err == nil {
		t.Errorf("Secret with a failing generator: got nil error, want the generator's error")
	}
	v, err = s.Secret(ctx, "failing", func() (string, error) { return "now it works", nil })
	if err != nil || v != "now it works" {
		t.Errorf("Secret after a failed generation: got %q, %v, want %q", v, err, "now it works")
	}
}
