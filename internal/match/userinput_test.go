package match

import (
	"strings"
	"testing"
	"time"
)

func TestUserInputValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   UserInput
		msg  string
	}{
		{"valid", UserInput{Email: " Ref@Example.com ", Role: RoleScorer, Password: "correct horse"}, ""},
		{"admin", UserInput{Email: "a@b.co", Role: RoleAdmin, Password: "12345678"}, ""},
		{"no email", UserInput{Role: RoleAdmin, Password: "12345678"}, "email is required"},
		{"not an email", UserInput{Email: "referee", Role: RoleAdmin, Password: "12345678"}, `email "referee" is not an address like name@example.com`},
		{"display name", UserInput{Email: "Ref <ref@example.com>", Role: RoleAdmin, Password: "12345678"}, `email "ref <ref@example.com>" is not an address like name@example.com`},
		{"no dot in domain", UserInput{Email: "ref@localhost", Role: RoleAdmin, Password: "12345678"}, `email "ref@localhost" is not an address like name@example.com`},
		{"bad role", UserInput{Email: "ref@example.com", Role: "owner", Password: "12345678"}, `role must be "admin" or "scorer", got "owner"`},
		{"short password", UserInput{Email: "ref@example.com", Role: RoleScorer, Password: "1234567"}, "password is 7 characters long; use at least 8"},
		{"long password", UserInput{Email: "ref@example.com", Role: RoleScorer, Password: strings.Repeat("p", 73)}, "password is longer than 72 bytes; use a shorter one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.in.Validate()
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			if ErrorCode(err) != EINVALID || ErrorMessage(err) != tt.msg {
				t.Errorf("got %v, want invalid: %s", err, tt.msg)
			}
		})
	}
	if got := (UserInput{Email: " Ref@Example.COM "}).Normalize().Email; got != "ref@example.com" {
		t.Errorf("Normalize email: got %q, want ref@example.com", got)
	}
}

func TestPassword(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$2") || strings.Contains(h, "correct horse") {
		t.Errorf("hash: got %q, want a bcrypt hash", h)
	}
	if !CheckPassword(h, "correct horse") {
		t.Errorf("CheckPassword(right password): got false, want true")
	}
	if CheckPassword(h, "correct horsE") {
		t.Errorf("CheckPassword(wrong password): got true, want false")
	}
	if CheckPassword("not a hash", "correct horse") {
		t.Errorf("CheckPassword(malformed hash): got true, want false")
	}
	if _, err := HashPassword(strings.Repeat("p", 73)); ErrorCode(err) != EINVALID {
		t.Errorf("HashPassword(73 bytes): got %v, want invalid", err)
	}
}

func TestNewUser(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	u, err := NewUser(UserInput{Email: "  Ann@Example.ORG ", Role: RoleScorer, Password: "long enough"}, now)
	if err != nil {
		t.Fatalf("NewUser: %v", err)
	}
	if u.Email != "ann@example.org" || u.Role != RoleScorer || !u.CreatedAt.Equal(now) {
		t.Errorf("NewUser: got %+v, want the normalized email, the role and the time", u)
	}
	if !CheckPassword(u.PasswordHash, "long enough") || u.PasswordHash == "long enough" {
		t.Errorf("NewUser: got hash %q, want a hash of the password", u.PasswordHash)
	}
	if _, err := NewUser(UserInput{Email: "ann@example.org", Role: "king", Password: "long enough"}, now); ErrorCode(err) != EINVALID {
		t.Errorf("NewUser with a bad role: got %v, want an invalid error", err)
	}
}
